/*
 * ACPI GPE0 block state: status bytes (write 1 to clear) followed by
 * enable bytes, as ACPI 6.5 §4.8.4.1 lays them out.
 */
#include <string.h>
#include "hw/acpi/gpe.h"

bool qa_acpi_gpe_valid_len(unsigned len)
{
    return len >= 2 && len <= QA_ACPI_GPE_MAX_LEN && len % 2 == 0;
}

void qa_acpi_gpe_init(QaAcpiGpe *gpe, unsigned len)
{
    memset(gpe, 0, sizeof(*gpe));
    gpe->len = len;
}

void qa_acpi_gpe_reset(QaAcpiGpe *gpe)
{
    memset(gpe->sts, 0, sizeof(gpe->sts));
    memset(gpe->en, 0, sizeof(gpe->en));
}

uint8_t qa_acpi_gpe_readb(const QaAcpiGpe *gpe, unsigned offset)
{
    unsigned half = gpe->len / 2;

    if (offset < half) {
        return gpe->sts[offset];
    }
    if (offset < gpe->len) {
        return gpe->en[offset - half];
    }
    return 0xff;
}

bool qa_acpi_gpe_writeb(QaAcpiGpe *gpe, unsigned offset, uint8_t value)
{
    unsigned half = gpe->len / 2;

    if (offset < half) {
        gpe->sts[offset] &= (uint8_t)~value;
        return true;
    }
    if (offset < gpe->len) {
        gpe->en[offset - half] = value;
        return true;
    }
    return false;
}

bool qa_acpi_gpe_raise(QaAcpiGpe *gpe, unsigned bit)
{
    if (bit / 8 >= gpe->len / 2) {
        return false;
    }
    gpe->sts[bit / 8] |= (uint8_t)(1u << (bit % 8));
    return true;
}

bool qa_acpi_gpe_pending(const QaAcpiGpe *gpe)
{
    for (unsigned i = 0; i < gpe->len / 2; i++) {
        if (gpe->sts[i] & gpe->en[i]) {
            return true;
        }
    }
    return false;
}
