/*
 * qaccel's own description of the kvm_run system_event member, in its
 * current (Linux >= 5.18) and pre-5.18 forms.
 *
 * Freestanding: only <stddef.h> and <stdint.h>, so that it compiles for
 * every target with `clang --target=... -ffreestanding` and no libc.  The
 * abi suite (layout-check.c) proves the offsets below on x86_64, i386,
 * aarch64, armhf, riscv64 and riscv32 and, where a target's <linux/kvm.h>
 * is at hand, that they agree with the kernel's struct kvm_run.  The unit
 * test of the decoder builds its records through these structs, so the
 * decoder and the proven layout cannot drift apart.
 *
 * See docs/system-events.md and shared/spec/kvm-system-event.md §2.
 */
#ifndef QACCEL_TESTS_ABI_SYSEVENT_LAYOUT_H
#define QACCEL_TESTS_ABI_SYSEVENT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Linux >= 5.18: ndata fills the old hole, flags became data[0]. */
struct qa_abi_system_event {
    uint32_t type;
    uint32_t ndata;
    union {
        uint64_t flags; /* source-compatible alias of data[0] */
        uint64_t data[16];
    };
};

/*
 * Linux < 5.18, in the target's natural layout: flags sits wherever the
 * target aligns a u64 in a struct (8 on most ABIs, 4 on i386).
 */
struct qa_abi_system_event_old {
    uint32_t type;
    uint64_t flags;
};

/*
 * The i386 pre-5.18 layout spelled out so that any host can build it
 * (a typedef may lower alignment with GCC and clang).  Used by the unit
 * test; the abi suite proves it equals the natural layout on i386.
 */
typedef uint64_t qa_abi_u64_align4 __attribute__((aligned(4)));
struct qa_abi_system_event_old_i386 {
    uint32_t type;
    qa_abi_u64_align4 flags;
};

/* The kvm_run header and exit union (all architectures but s390). */
struct qa_abi_kvm_run {
    uint8_t request_interrupt_window;
    uint8_t immediate_exit;
    uint8_t padding1[6];
    uint32_t exit_reason;
    uint8_t ready_for_interrupt_injection;
    uint8_t if_flag;
    uint16_t flags;
    uint64_t cr8;
    uint64_t apic_base;
    union {
        struct qa_abi_system_event system_event;
        struct qa_abi_system_event_old system_event_old;
        char padding[256];
    } u;
    uint64_t kvm_valid_regs;
    uint64_t kvm_dirty_regs;
};

/* Offsets the decoder relies on (spec §2.1, §2.2). */
#define QA_ABI_KVM_RUN_EXIT_UNION 32
#define QA_ABI_SE_TYPE 0
#define QA_ABI_SE_NDATA 4
#define QA_ABI_SE_DATA 8
#define QA_ABI_SE_SIZE 136
#define QA_ABI_SE_OLD_FLAGS_I386 4
#define QA_ABI_SE_OLD_SIZE_I386 12
#define QA_ABI_SE_OLD_FLAGS 8 /* every other ABI */
#define QA_ABI_SE_OLD_SIZE 16

#endif
