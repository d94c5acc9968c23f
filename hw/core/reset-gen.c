/*
 * Guest reset de-duplication by reset generation.
 *
 * Guests often ask for a reset twice in a row through different devices
 * (Linux writes the FADT reset register 0xCF9, then pulses the i8042
 * line).  The runstate layer latches requests of one kind posted before
 * it runs, but a second request posted after it started processing the
 * first would make a second reset.  So every machine reset starts a new
 * generation, and a device reset request is posted only if none was
 * posted in the current generation: one guest generation, one reset.
 */
#include <string.h>
#include <qaccel/machine.h>

uint32_t qa_machine_reset_generation(QaMachine *m)
{
    return __atomic_load_n(&m->reset_gen, __ATOMIC_ACQUIRE);
}

void qa_machine_reset_generation_bump(QaMachine *m)
{
    __atomic_fetch_add(&m->reset_gen, 1, __ATOMIC_ACQ_REL);
}

bool qa_machine_guest_reset_request(QaMachine *m, int cpu, const char *source,
                                    const char *detail)
{
    /* claimed holds gen + 1 of the generation that already posted (0: none) */
    uint32_t want = qa_machine_reset_generation(m) + 1;
    uint32_t seen = __atomic_load_n(&m->reset_gen_claimed, __ATOMIC_ACQUIRE);
    QaMachineRequest req;

    do {
        if (seen == want) {
            g_debug("%s: guest reset request dropped: one is already "
                    "pending in reset generation %u",
                    source, want - 1);
            return false;
        }
    } while (!__atomic_compare_exchange_n(&m->reset_gen_claimed, &seen, want,
                                          false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    memset(&req, 0, sizeof(req));
    req.kind = QA_REQ_RESET;
    req.cause = QA_CAUSE_GUEST_RESET;
    req.reset_kind = QA_RESET_COLD;
    req.cpu = cpu;
    req.source = source;
    if (detail) {
        g_strlcpy(req.detail, detail, sizeof(req.detail));
    }
    qa_machine_post(m, &req);
    return true;
}
