/*
 * The threaded vCPU loop, shared by backends that execute guest code.
 * Internal to accel/ (not a public header).
 *
 * One thread per vCPU: wait while paused, call ops->vcpu_run(), hand the
 * exit to qa_vcpu_handle_exit(), repeat.  Pausing sets each vCPU's exit
 * request flag *before* kicking it (ops->vcpu_kick), then waits until every
 * vCPU has acknowledged, so a vCPU that was about to enter the guest cannot
 * be missed.  A vCPU that posted a machine request waits (as if paused)
 * until the main loop has consumed it.
 *
 * The loop finds out that a vCPU posted by wrapping the machine's request
 * sink when it is created: install the real sink (qa_system_new) before
 * starting the accelerator.  A vCPU that executed HLT also waits, until
 * the next resume or request round, or until qa_vcpu_loop_wake_cpu(),
 * since nothing else can wake it without an interrupt controller.
 */
#ifndef QACCEL_VCPU_LOOP_H
#define QACCEL_VCPU_LOOP_H

#include <qaccel/accel.h>

G_BEGIN_DECLS

/**
 * qa_vcpu_loop_new: a loop for every vCPU of @accel->machine, created
 * paused (no thread runs guest code until qa_vcpu_loop_resume()).
 * Threads are started here.  Fails if a thread cannot be created.
 */
QaVcpuLoop *qa_vcpu_loop_new(QaAccel *accel, GError **error);

/** qa_vcpu_loop_free: stop and join every thread. Main thread. */
void qa_vcpu_loop_free(QaVcpuLoop *loop);

/** qa_vcpu_loop_pause: stop all vCPUs outside the guest; waits. */
void qa_vcpu_loop_pause(QaVcpuLoop *loop);

/** qa_vcpu_loop_resume: let all vCPUs run. */
void qa_vcpu_loop_resume(QaVcpuLoop *loop);

/**
 * qa_vcpu_loop_wake_cpu: vCPU @cpu has new work from outside (an injected
 * event): if it holds after HLT or a stop without a request, it runs
 * again; a vCPU holding for a request it posted, or paused, stays.  A
 * wake before the vCPU starts to hold counts.  Any thread; out-of-range
 * @cpu is ignored.
 */
void qa_vcpu_loop_wake_cpu(QaVcpuLoop *loop, int cpu);

/**
 * qa_vcpu_loop_request_done: the main loop consumed the pending requests;
 * vCPUs that were holding for it may re-enter the guest.
 */
void qa_vcpu_loop_request_done(QaVcpuLoop *loop);

G_END_DECLS

#endif
