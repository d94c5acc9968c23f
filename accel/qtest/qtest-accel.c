/*
 * The qtest accelerator: always usable, executes nothing, and keeps a
 * virtual clock that moves only when the test says so.
 */
#include <qaccel/qtest-accel.h>

typedef struct QaQtestAccel {
    QaAccel parent_obj;
    int64_t clock_ns; /* __atomic: read by devices on any thread */
} QaQtestAccel;

#define QA_QTEST_ACCEL(o) QA_CAST(QaQtestAccel, (o), QA_TYPE_QTEST_ACCEL)

static bool qtest_probe(GError **error)
{
    return true;
}

static bool qtest_init_machine(QaAccel *accel, QaMachine *m, GError **error)
{
    return true;
}

static int64_t qtest_get_clock(QaAccel *accel)
{
    return __atomic_load_n(&QA_QTEST_ACCEL(accel)->clock_ns, __ATOMIC_ACQUIRE);
}

static unsigned qtest_sysevent_caps(QaAccel *accel)
{
    /* exit injection chooses the capability per record */
    return 0;
}

bool qa_accel_is_qtest(QaAccel *accel)
{
    return accel && qa_object_is_a(QA_OBJECT(accel), QA_TYPE_QTEST_ACCEL);
}

int64_t qa_qtest_clock_step(QaAccel *accel, int64_t ns)
{
    QaQtestAccel *q = QA_QTEST_ACCEL(accel);

    if (ns < 0) {
        ns = 0;
    }
    return __atomic_add_fetch(&q->clock_ns, ns, __ATOMIC_ACQ_REL);
}

int64_t qa_qtest_clock_set(QaAccel *accel, int64_t ns)
{
    QaQtestAccel *q = QA_QTEST_ACCEL(accel);
    int64_t cur = __atomic_load_n(&q->clock_ns, __ATOMIC_ACQUIRE);

    while (ns > cur &&
           !__atomic_compare_exchange_n(&q->clock_ns, &cur, ns, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* cur reloaded by the failed exchange */
    }
    return __atomic_load_n(&q->clock_ns, __ATOMIC_ACQUIRE);
}

static void qtest_accel_class_init(QaObjectClass *klass, const void *data)
{
    QaAccelClass *ac = (QaAccelClass *)klass;

    ac->name = "qtest";
    ac->probe = qtest_probe;
    ac->init_machine = qtest_init_machine;
    ac->get_clock = qtest_get_clock;
    ac->sysevent_caps = qtest_sysevent_caps;
}

const QaTypeInfo qa_qtest_accel_type_info = {
    .name = QA_TYPE_QTEST_ACCEL,
    .parent = QA_TYPE_ACCEL,
    .description = "no guest execution; the test drives the machine and "
                   "its virtual clock through the qtest protocol",
    .instance_size = sizeof(QaQtestAccel),
    .class_init = qtest_accel_class_init,
};
