/*
 * The common exit dispatcher: one decoded QaExit in, device access or a
 * machine request out.  Shared by the threaded vCPU loop and by qtest exit
 * injection, so an injected record takes exactly the path a real one does.
 */
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/sysevent.h>

static void handle_pio(QaMachine *m, QaExit *exit)
{
    uint8_t *p = exit->u.pio.data;
    unsigned size = exit->u.pio.size;

    if (!m->io) {
        if (!exit->u.pio.is_write) {
            memset(p, 0xff, (size_t)exit->u.pio.count * size);
        }
        return;
    }
    for (uint32_t i = 0; i < exit->u.pio.count; i++, p += size) {
        uint64_t v = 0;
        if (exit->u.pio.is_write) {
            memcpy(&v, p, size);
            qa_address_space_write(m->io, exit->u.pio.port, size, v);
        } else {
            qa_address_space_read(m->io, exit->u.pio.port, size, &v);
            memcpy(p, &v, size);
        }
    }
}

static void handle_mmio(QaMachine *m, QaExit *exit)
{
    uint32_t len = exit->u.mmio.len;
    uint64_t v = 0;

    if (len == 1 || len == 2 || len == 4 || len == 8) {
        if (exit->u.mmio.is_write) {
            memcpy(&v, exit->u.mmio.data, len);
            qa_address_space_write(m->mem, exit->u.mmio.addr, len, v);
        } else {
            qa_address_space_read(m->mem, exit->u.mmio.addr, len, &v);
            memcpy(exit->u.mmio.data, &v, len);
        }
        return;
    }
    qa_address_space_rw_bytes(m->mem, exit->u.mmio.addr, exit->u.mmio.data,
                              MIN(len, 8), exit->u.mmio.is_write);
}

/* Post an internal-error request describing a fatal exit. */
static void post_fatal(QaMachine *m, QaVcpu *cpu, const QaExit *exit,
                       const char *what)
{
    QaMachineRequest req = {
        .kind = QA_REQ_ERROR,
        .cause = QA_CAUSE_HOST_ERROR,
        .cpu = cpu->index,
        .source = "vcpu",
    };

    if (exit->kind == QA_EXIT_INTERNAL_ERROR ||
        exit->kind == QA_EXIT_FAIL_ENTRY) {
        req.event_ndata = MIN(exit->u.fail.ndata, 16);
        memcpy(req.event_data, exit->u.fail.data, sizeof(req.event_data));
        g_snprintf(req.detail, sizeof(req.detail), "%s (suberror %u)", what,
                   exit->u.fail.suberror);
        req.event_type = exit->u.fail.suberror;
    } else {
        g_snprintf(req.detail, sizeof(req.detail), "%s", what);
    }
    qa_machine_post(m, &req);
}

bool qa_vcpu_handle_exit(QaMachine *m, QaVcpu *cpu, QaExit *exit)
{
    g_autoptr(GError) err = NULL;
    QaMachineRequest req;

    switch (exit->kind) {
    case QA_EXIT_PIO:
        handle_pio(m, exit);
        return true;
    case QA_EXIT_MMIO:
        handle_mmio(m, exit);
        return true;
    case QA_EXIT_HLT:
    case QA_EXIT_INTERRUPTED:
        return true;
    case QA_EXIT_SHUTDOWN:
        qa_request_triple_fault(cpu->index, &req);
        qa_machine_post(m, &req);
        return false;
    case QA_EXIT_SYSTEM_EVENT:
        qa_machine_system_event(m, cpu->index, &exit->u.sysevent.ev,
                                &exit->u.sysevent.regs);
        /* SHUTDOWN/RESET stop the vCPU until the machine acts (as KVM
         * marks every vCPU stopped); other types let it continue. */
        return exit->u.sysevent.ev.type != QA_SYSEVENT_SHUTDOWN &&
               exit->u.sysevent.ev.type != QA_SYSEVENT_RESET;
    case QA_EXIT_HYPERCALL:
        if (!qa_machine_smccc_call(m, cpu->index, exit->u.hypercall.regs,
                                   exit->u.hypercall.smc, &err)) {
            exit->u.hypercall.regs[0] = (uint64_t)-1; /* NOT_SUPPORTED */
        }
        return true;
    case QA_EXIT_SBI:
        if (!qa_machine_sbi_call(m, cpu->index, exit->u.sbi.eid,
                                 exit->u.sbi.fid, exit->u.sbi.args,
                                 exit->u.sbi.ret, &err)) {
            exit->u.sbi.ret[0] = -2; /* SBI_ERR_NOT_SUPPORTED */
            exit->u.sbi.ret[1] = 0;
        }
        return true;
    case QA_EXIT_MSR:
        if (exit->u.msr.is_write) {
            qa_machine_wrmsr(m, cpu->index, exit->u.msr.index, exit->u.msr.data,
                             &exit->u.msr.error, &err);
        } else {
            qa_machine_rdmsr(m, cpu->index, exit->u.msr.index,
                             &exit->u.msr.data, &exit->u.msr.error, &err);
        }
        if (err) {
            exit->u.msr.error = true;
        }
        return true;
    case QA_EXIT_INTERNAL_ERROR:
        post_fatal(m, cpu, exit, "KVM internal error");
        return false;
    case QA_EXIT_FAIL_ENTRY:
        post_fatal(m, cpu, exit, "KVM entry failure");
        return false;
    case QA_EXIT_UNSUPPORTED: {
        char what[48];
        g_snprintf(what, sizeof(what), "unsupported exit reason %u",
                   exit->u.unsupported.reason);
        post_fatal(m, cpu, exit, what);
        return false;
    }
    }
    post_fatal(m, cpu, exit, "invalid exit kind");
    return false;
}
