/*
 * Compile-time proof of the system_event layouts for one target ABI.
 *
 * Built with `clang --target=<triple> -ffreestanding -fsyntax-only` by
 * check-layout.sh; a failed _Static_assert fails the abi test of that
 * target.  With -DQA_ABI_KERNEL_HEADER the target's <linux/kvm.h> is
 * included too and its struct kvm_run is checked against the same offsets.
 */
#include "sysevent-layout.h"
#include <qaccel/exit.h>

#define QA_CHECK(expr) _Static_assert(expr, #expr)

#if defined(__i386__)
#define OLD_FLAGS QA_ABI_SE_OLD_FLAGS_I386
#define OLD_SIZE QA_ABI_SE_OLD_SIZE_I386
#else
#define OLD_FLAGS QA_ABI_SE_OLD_FLAGS
#define OLD_SIZE QA_ABI_SE_OLD_SIZE
#endif

/* Current layout: the same on every ABI. */
QA_CHECK(offsetof(struct qa_abi_system_event, type) == QA_ABI_SE_TYPE);
QA_CHECK(offsetof(struct qa_abi_system_event, ndata) == QA_ABI_SE_NDATA);
QA_CHECK(offsetof(struct qa_abi_system_event, data) == QA_ABI_SE_DATA);
QA_CHECK(offsetof(struct qa_abi_system_event, flags) == QA_ABI_SE_DATA);
QA_CHECK(offsetof(struct qa_abi_system_event, data[15]) == 128);
QA_CHECK(sizeof(struct qa_abi_system_event) == QA_ABI_SE_SIZE);

/* Pre-5.18 layout: flags moves with the target's u64 alignment. */
QA_CHECK(offsetof(struct qa_abi_system_event_old, flags) == OLD_FLAGS);
QA_CHECK(sizeof(struct qa_abi_system_event_old) == OLD_SIZE);

/* The spelled-out i386 form is the same on every target. */
QA_CHECK(offsetof(struct qa_abi_system_event_old_i386, flags) ==
         QA_ABI_SE_OLD_FLAGS_I386);
QA_CHECK(sizeof(struct qa_abi_system_event_old_i386) ==
         QA_ABI_SE_OLD_SIZE_I386);
#if defined(__i386__)
QA_CHECK(sizeof(struct qa_abi_system_event_old_i386) ==
         sizeof(struct qa_abi_system_event_old));
#endif

/* Absolute offsets inside kvm_run. */
QA_CHECK(offsetof(struct qa_abi_kvm_run, exit_reason) == 8);
QA_CHECK(offsetof(struct qa_abi_kvm_run, cr8) == 16);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u) == QA_ABI_KVM_RUN_EXIT_UNION);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u.system_event.type) == 32);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u.system_event.ndata) == 36);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u.system_event.data[0]) == 40);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u.system_event.data[15]) == 160);
QA_CHECK(offsetof(struct qa_abi_kvm_run, u.system_event_old.flags) ==
         32 + OLD_FLAGS);
QA_CHECK(offsetof(struct qa_abi_kvm_run, kvm_valid_regs) == 288);

/* qaccel's public constants (exit.h is stdint-only on purpose). */
QA_CHECK(QA_SYSEVENT_NDATA_MAX * 8 + QA_ABI_SE_DATA == QA_ABI_SE_SIZE);
QA_CHECK(sizeof(((QaSysEvent *)0)->data) == 8 * QA_SYSEVENT_NDATA_MAX);

#ifdef QA_ABI_KERNEL_HEADER
#include <linux/kvm.h>

#define KRUN_OFF(m) offsetof(struct kvm_run, m)
#define QRUN_OFF(m) offsetof(struct qa_abi_kvm_run, m)

#ifndef KVM_CAP_SYSTEM_EVENT_DATA
#error "<linux/kvm.h> predates Linux 5.18 (no KVM_CAP_SYSTEM_EVENT_DATA)"
#endif
QA_CHECK(KVM_CAP_SYSTEM_EVENT_DATA == 215);

QA_CHECK(KRUN_OFF(exit_reason) == QRUN_OFF(exit_reason));
QA_CHECK(KRUN_OFF(system_event) == QA_ABI_KVM_RUN_EXIT_UNION);
QA_CHECK(KRUN_OFF(system_event.type) == QRUN_OFF(u.system_event.type));
QA_CHECK(KRUN_OFF(system_event.ndata) == QRUN_OFF(u.system_event.ndata));
QA_CHECK(KRUN_OFF(system_event.data) == QRUN_OFF(u.system_event.data));
QA_CHECK(KRUN_OFF(system_event.flags) == QRUN_OFF(u.system_event.data));
QA_CHECK(KRUN_OFF(system_event.data[15]) == 160);
QA_CHECK(sizeof(((struct kvm_run *)0)->system_event) == QA_ABI_SE_SIZE);
QA_CHECK(KRUN_OFF(kvm_valid_regs) == QRUN_OFF(kvm_valid_regs));

QA_CHECK(KVM_EXIT_SYSTEM_EVENT == 24);
QA_CHECK(KVM_SYSTEM_EVENT_SHUTDOWN == QA_SYSEVENT_SHUTDOWN);
QA_CHECK(KVM_SYSTEM_EVENT_RESET == QA_SYSEVENT_RESET);
QA_CHECK(KVM_SYSTEM_EVENT_CRASH == QA_SYSEVENT_CRASH);
#ifdef KVM_SYSTEM_EVENT_WAKEUP
QA_CHECK(KVM_SYSTEM_EVENT_WAKEUP == QA_SYSEVENT_WAKEUP);
QA_CHECK(KVM_SYSTEM_EVENT_SUSPEND == QA_SYSEVENT_SUSPEND);
#endif
#ifdef KVM_SYSTEM_EVENT_SEV_TERM
QA_CHECK(KVM_SYSTEM_EVENT_SEV_TERM == QA_SYSEVENT_SEV_TERM);
#endif
#ifdef KVM_SYSTEM_EVENT_TDX_FATAL
QA_CHECK(KVM_SYSTEM_EVENT_TDX_FATAL == QA_SYSEVENT_TDX_FATAL);
#endif
#ifdef KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2
QA_CHECK(KVM_SYSTEM_EVENT_RESET_FLAG_PSCI_RESET2 ==
         QA_SYSEVENT_RESET_FLAG_PSCI_RESET2);
#endif
#ifdef KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2
QA_CHECK(KVM_SYSTEM_EVENT_SHUTDOWN_FLAG_PSCI_OFF2 ==
         QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2);
#endif
#endif /* QA_ABI_KERNEL_HEADER */
