/*
 * ACPI general-purpose event block (GPE0_BLK) register state.
 *
 * Not a device of its own: the PM device embeds one and maps it.  The
 * block is len bytes: the first half GPE0_STS (write 1 to clear), the
 * second half GPE0_EN.  Callers serialise access (the PM device lock).
 */
#ifndef QACCEL_HW_ACPI_GPE_H
#define QACCEL_HW_ACPI_GPE_H

#include <stdbool.h>
#include <stdint.h>

/* The largest block we model (ACPI allows up to 255 bytes per block). */
#define QA_ACPI_GPE_MAX_LEN 32

typedef struct QaAcpiGpe {
    unsigned len; /* even, 2..QA_ACPI_GPE_MAX_LEN */
    uint8_t sts[QA_ACPI_GPE_MAX_LEN / 2];
    uint8_t en[QA_ACPI_GPE_MAX_LEN / 2];
} QaAcpiGpe;

/**
 * qa_acpi_gpe_valid_len: whether @len is a block length we support
 * (even and between 2 and QA_ACPI_GPE_MAX_LEN).
 */
bool qa_acpi_gpe_valid_len(unsigned len);

/**
 * qa_acpi_gpe_init: set up @gpe for a block of @len bytes (which must
 * satisfy qa_acpi_gpe_valid_len()), all bits clear.
 */
void qa_acpi_gpe_init(QaAcpiGpe *gpe, unsigned len);

/** qa_acpi_gpe_reset: clear every status and enable bit. */
void qa_acpi_gpe_reset(QaAcpiGpe *gpe);

/**
 * qa_acpi_gpe_readb: the byte at @offset of the block; 0xff past its end.
 */
uint8_t qa_acpi_gpe_readb(const QaAcpiGpe *gpe, unsigned offset);

/**
 * qa_acpi_gpe_writeb: a guest byte write at @offset: status bytes clear
 * the bits written as 1, enable bytes take the value.  Returns false
 * (and changes nothing) if @offset is past the end of the block.
 */
bool qa_acpi_gpe_writeb(QaAcpiGpe *gpe, unsigned offset, uint8_t value);

/**
 * qa_acpi_gpe_raise: set status bit @bit (hardware event).  Returns
 * false if the block has no such bit.
 */
bool qa_acpi_gpe_raise(QaAcpiGpe *gpe, unsigned bit);

/** qa_acpi_gpe_pending: whether any enabled status bit is set (SCI). */
bool qa_acpi_gpe_pending(const QaAcpiGpe *gpe);

#endif
