/*
 * The threaded vCPU loop (see vcpu-loop.h).
 *
 * State machine of one vCPU thread:
 *
 *   run:   vcpu_run() -> QaExit -> qa_vcpu_handle_exit() -> run
 *   wait:  entered when the loop is paused, when the vCPU posted a machine
 *          request (hold) or when the handler said stop; left when the
 *          loop resumes and the hold has been released.
 *
 * Pausing follows the api.rst kick protocol: the paused flag is set
 * (sequentially consistent) before ops->vcpu_kick(), and each thread
 * reads it after vcpu_run() returns and before entering again, so a vCPU
 * that was about to enter the guest either sees the flag or has its
 * KVM_RUN cut short by the kick.  The main thread then waits until every
 * thread is in the wait state.
 *
 * Holds: the loop wraps the machine's request sink.  A post made from a
 * vCPU thread marks that thread, which then waits, after finishing the
 * exit, until the main loop has consumed requests (qa_vcpu_loop_request_done
 * or a resume).  The generation counter makes a release that happens
 * before the thread starts waiting count.
 */
#include <signal.h>
#include <string.h>
#include <qaccel/error.h>
#include "vcpu-loop.h"

typedef struct QaVcpuThread {
    QaVcpuLoop *loop;
    QaVcpu *cpu;
    GThread *thread;
    QaExit exit;       /* the same struct every vcpu_run() call */
    bool hold;         /* posted a request; loop->lock */
    unsigned hold_gen; /* done_gen when it posted */
    bool posted;       /* set by the sink wrapper, own thread */
    bool waiting;      /* in the wait state; loop->lock */
    bool halted;       /* holds without a post (HLT, stop); loop->lock */
    bool woken;        /* qa_vcpu_loop_wake_cpu() since; loop->lock */
} QaVcpuThread;

struct QaVcpuLoop {
    QaAccel *accel;
    QaMachine *machine;
    const QaAccelOps *ops;
    GMutex lock;
    GCond wake;          /* vCPU threads wait here */
    GCond idle;          /* the main thread waits here */
    int paused;          /* __atomic; written under lock */
    int quit;            /* __atomic; written under lock */
    unsigned done_gen;   /* __atomic; bumped under lock */
    unsigned nr_waiting; /* loop->lock */
    uint32_t nr_threads;
    QaVcpuThread *threads;
    QaRequestSink inner; /* the sink we forward to */
};

/* The vCPU thread the current thread runs, for the sink wrapper. */
static __thread QaVcpuThread *current_vcpu;

static void loop_sink_post(void *opaque, const QaMachineRequest *req)
{
    QaVcpuLoop *loop = opaque;
    QaVcpuThread *t = current_vcpu;

    if (t && t->loop == loop) {
        /* snapshot before posting: a release racing with us still counts */
        t->hold_gen = __atomic_load_n(&loop->done_gen, __ATOMIC_SEQ_CST);
        t->posted = true;
    }
    if (loop->inner.post) {
        loop->inner.post(loop->inner.opaque, req);
    }
}

static bool thread_must_wait_locked(QaVcpuThread *t)
{
    QaVcpuLoop *loop = t->loop;

    if (loop->quit) {
        return false;
    }
    if (loop->paused) {
        return true;
    }
    if (t->halted && t->woken) {
        return false;
    }
    return t->hold && loop->done_gen == t->hold_gen;
}

static void thread_wait(QaVcpuThread *t)
{
    QaVcpuLoop *loop = t->loop;

    /*
     * A PIO/MMIO/MSR exit completes only on the next KVM_RUN; finish it
     * now so that state read or reset while we wait is consistent.
     */
    if (loop->ops->vcpu_complete) {
        loop->ops->vcpu_complete(loop->accel, t->cpu);
    }
    g_mutex_lock(&loop->lock);
    t->waiting = true;
    loop->nr_waiting++;
    g_cond_broadcast(&loop->idle);
    while (thread_must_wait_locked(t)) {
        g_cond_wait(&loop->wake, &loop->lock);
    }
    t->hold = false;
    t->halted = false;
    t->woken = false;
    t->waiting = false;
    loop->nr_waiting--;
    g_mutex_unlock(&loop->lock);
}

/* A vcpu_run failure is fatal for this vCPU: report it as internal-error. */
static void post_run_failure(QaVcpuThread *t, GError *err)
{
    QaMachineRequest req = {
        .kind = QA_REQ_ERROR,
        .cause = QA_CAUSE_HOST_ERROR,
        .cpu = t->cpu->index,
        .source = "vcpu-loop",
    };

    g_snprintf(req.detail, sizeof(req.detail), "vCPU %d: %s", t->cpu->index,
               err ? err->message : "run failed");
    g_warning("%s", req.detail);
    qa_machine_post(t->loop->machine, &req);
}

static gpointer vcpu_thread_fn(gpointer opaque)
{
    QaVcpuThread *t = opaque;
    QaVcpuLoop *loop = t->loop;

    current_vcpu = t;
    for (;;) {
        bool go_on;

        if (__atomic_load_n(&loop->quit, __ATOMIC_SEQ_CST)) {
            break;
        }
        if (__atomic_load_n(&loop->paused, __ATOMIC_SEQ_CST) || t->hold) {
            thread_wait(t);
            continue;
        }

        g_autoptr(GError) err = NULL;
        t->posted = false;
        if (!loop->ops->vcpu_run(loop->accel, t->cpu, &t->exit, &err)) {
            post_run_failure(t, err);
            go_on = false;
        } else if (t->exit.kind == QA_EXIT_INTERRUPTED) {
            continue;
        } else {
            go_on = qa_vcpu_handle_exit(loop->machine, t->cpu, &t->exit);
        }
        /*
         * A halted vCPU has nothing to run until something outside it
         * changes (no interrupt controller yet): rather than spinning
         * on KVM_RUN, it waits for the next release, as a hold.
         */
        if (!go_on || t->posted || t->exit.kind == QA_EXIT_HLT) {
            g_mutex_lock(&loop->lock);
            if (!t->posted) {
                /* stop without a post: wait for the next release */
                t->hold_gen = loop->done_gen;
            }
            t->halted = !t->posted;
            t->hold = true;
            g_mutex_unlock(&loop->lock);
        }
    }
    current_vcpu = NULL;
    return NULL;
}

QaVcpuLoop *qa_vcpu_loop_new(QaAccel *accel, GError **error)
{
    QaMachine *m = accel->machine;
    QaVcpuLoop *loop;

    g_return_val_if_fail(m != NULL, NULL);
    loop = g_new0(QaVcpuLoop, 1);
    loop->accel = accel;
    loop->machine = m;
    loop->ops = QA_ACCEL_GET_CLASS(accel)->ops;
    loop->paused = 1;
    g_mutex_init(&loop->lock);
    g_cond_init(&loop->wake);
    g_cond_init(&loop->idle);
    loop->inner = m->sink;
    m->sink = (QaRequestSink){.post = loop_sink_post, .opaque = loop};

    loop->threads = g_new0(QaVcpuThread, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        QaVcpuThread *t = &loop->threads[i];
        g_autofree char *name = g_strdup_printf("vcpu%u", i);

        t->loop = loop;
        t->cpu = &m->vcpus[i];
        t->thread = g_thread_try_new(name, vcpu_thread_fn, t, error);
        if (!t->thread) {
            g_prefix_error(error, "vCPU %u thread: ", i);
            qa_vcpu_loop_free(loop);
            return NULL;
        }
        loop->nr_threads++;
    }
    return loop;
}

/*
 * Kick every thread that is not in the wait state: it may be in, or about
 * to enter, vcpu_run.  A waiting thread re-reads the flags under the lock
 * before it runs again; a kick would only interrupt its wait (a signal,
 * and the next entry cut short).  Called with loop->lock held, after the
 * flag the threads must see has been set.
 */
static void kick_running_locked(QaVcpuLoop *loop)
{
    if (!loop->ops->vcpu_kick) {
        return;
    }
    for (uint32_t i = 0; i < loop->nr_threads; i++) {
        if (!loop->threads[i].waiting) {
            loop->ops->vcpu_kick(loop->accel, loop->threads[i].cpu);
        }
    }
}

void qa_vcpu_loop_free(QaVcpuLoop *loop)
{
    if (!loop) {
        return;
    }
    g_mutex_lock(&loop->lock);
    __atomic_store_n(&loop->quit, 1, __ATOMIC_SEQ_CST);
    g_cond_broadcast(&loop->wake);
    kick_running_locked(loop);
    g_mutex_unlock(&loop->lock);
    for (uint32_t i = 0; i < loop->nr_threads; i++) {
        g_thread_join(loop->threads[i].thread);
    }
    /* give the machine its sink back, unless someone replaced ours */
    if (loop->machine->sink.post == loop_sink_post &&
        loop->machine->sink.opaque == loop) {
        loop->machine->sink = loop->inner;
    }
    g_cond_clear(&loop->idle);
    g_cond_clear(&loop->wake);
    g_mutex_clear(&loop->lock);
    g_free(loop->threads);
    g_free(loop);
}

void qa_vcpu_loop_pause(QaVcpuLoop *loop)
{
    g_mutex_lock(&loop->lock);
    __atomic_store_n(&loop->paused, 1, __ATOMIC_SEQ_CST);
    /* the flag is visible before any kick: see the file comment */
    kick_running_locked(loop);
    while (loop->nr_waiting < loop->nr_threads) {
        g_cond_wait(&loop->idle, &loop->lock);
    }
    g_mutex_unlock(&loop->lock);
}

void qa_vcpu_loop_resume(QaVcpuLoop *loop)
{
    g_mutex_lock(&loop->lock);
    __atomic_store_n(&loop->paused, 0, __ATOMIC_SEQ_CST);
    /* whatever a holding vCPU posted has been dealt with by now */
    __atomic_add_fetch(&loop->done_gen, 1, __ATOMIC_SEQ_CST);
    g_cond_broadcast(&loop->wake);
    g_mutex_unlock(&loop->lock);
}

void qa_vcpu_loop_wake_cpu(QaVcpuLoop *loop, int cpu)
{
    if (cpu < 0 || (uint32_t)cpu >= loop->nr_threads) {
        return;
    }
    g_mutex_lock(&loop->lock);
    /* kept until the thread next leaves a wait: a wake that comes before
     * the thread has started to hold still counts */
    loop->threads[cpu].woken = true;
    g_cond_broadcast(&loop->wake);
    g_mutex_unlock(&loop->lock);
}

void qa_vcpu_loop_request_done(QaVcpuLoop *loop)
{
    g_mutex_lock(&loop->lock);
    __atomic_add_fetch(&loop->done_gen, 1, __ATOMIC_SEQ_CST);
    g_cond_broadcast(&loop->wake);
    g_mutex_unlock(&loop->lock);
}
