/*
 * Machine construction from configs, device placement, globals, errors and
 * the routing of firmware calls, MSRs and system events.
 */
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>

/* A test device with one I/O register and a property. */
typedef struct TDev {
    QaDevice parent_obj;
    uint16_t port;
    bool fail_after_map;
    uint8_t reg;
    unsigned resets;
} TDev;

static uint64_t tdev_read(void *opaque, uint64_t off, unsigned size)
{
    return ((TDev *)opaque)->reg;
}

static void tdev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    ((TDev *)opaque)->reg = (uint8_t)v;
}

static const QaIoOps tdev_ops = {tdev_read, tdev_write, 1};

static bool tdev_realize(QaDevice *dev, GError **error)
{
    TDev *t = (TDev *)dev;
    QaIoRegion r = {"tdev", t->port, 1, &tdev_ops, t};

    if (!qa_address_space_add(dev->machine->io, &r, error)) {
        return false;
    }
    if (t->fail_after_map) {
        g_set_error(error, QA_ERROR, QA_ERROR_FAILED, "told to fail");
        return false;
    }
    return true;
}

static void tdev_reset(QaDevice *dev)
{
    TDev *t = (TDev *)dev;

    t->reg = 0;
    t->resets++;
}

static const QaProperty tdev_props[] = {
    {.name = "port",
     .kind = QA_PROP_UINT16,
     .offset = offsetof(TDev, port),
     .def.u = 0x80,
     .doc = "I/O port",
     .read_only = true},
    {.name = "fail-after-map",
     .kind = QA_PROP_BOOL,
     .offset = offsetof(TDev, fail_after_map),
     .doc = "realize maps, then fails"},
    QA_PROPERTY_END};

static void tdev_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    qa_class_add_properties(klass, tdev_props);
    dc->realize = tdev_realize;
    dc->reset = tdev_reset;
    dc->user_creatable = true;
}

static const QaTypeInfo tdev_info = {
    .name = "test-dev",
    .parent = QA_TYPE_DEVICE,
    .instance_size = sizeof(TDev),
    .class_init = tdev_class_init,
};

typedef struct Posted {
    GPtrArray *reqs;
} Posted;

static void sink_post(void *opaque, const QaMachineRequest *req)
{
    g_ptr_array_add(((Posted *)opaque)->reqs, g_memdup2(req, sizeof(*req)));
}

static QaMachineConfig *cfg_from(const char *text)
{
    g_autoptr(GError) err = NULL;
    QaMachineConfig *c =
        qa_machine_config_parse(text, strlen(text), "m.conf", &err);

    g_assert_no_error(err);
    return c;
}

static const char base_cfg[] = "[machine]\n"
                               "name = tbox\n"
                               "arch = x86_64\n"
                               "memory = 1M\n"
                               "max-cpus = 4\n"
                               "[device \"d0\"]\n"
                               "type = test-dev\n"
                               "port = 0x70\n";

static void test_build(void)
{
    g_autoptr(QaMachineConfig) c = cfg_from(base_cfg);
    g_autoptr(GError) err = NULL;
    QaMachine *m = qa_machine_new(c, &err);
    uint64_t v;

    g_assert_no_error(err);
    g_assert_true(qa_object_set_str(QA_OBJECT(m), "cpus", "2", &err));
    qa_machine_add_global(m, "test-dev", "port", "0x90");
    g_assert_true(qa_machine_realize(m, &err));
    g_assert_true(qa_machine_get() == m);
    g_assert_cmpuint(m->cpus, ==, 2);
    g_assert_cmpuint(m->ram_size, ==, 1 << 20);
    g_assert_nonnull(m->io);

    /* config devices at /machine/ID; -global beats the config's value */
    QaObject *d0 = qa_object_resolve_path("/machine/d0", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(((TDev *)d0)->port, ==, 0x90);
    g_assert_true(qa_address_space_write(m->io, 0x90, 1, 0x42));
    g_assert_true(qa_address_space_read(m->io, 0x90, 1, &v));
    g_assert_cmphex(v, ==, 0x42);
    g_assert_false(qa_address_space_read(m->io, 0x70, 1, &v));

    /* -device: named and anonymous; its own values beat -global */
    g_autoptr(GHashTable) props = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(props, "port", "0x92");
    QaDevice *p = qa_machine_add_device(m, "test-dev", "p1", props, &err);
    g_assert_no_error(err);
    g_autofree char *path = qa_object_canonical_path(QA_OBJECT(p));
    g_assert_cmpstr(path, ==, "/machine/peripheral/p1");
    g_assert_cmpuint(((TDev *)p)->port, ==, 0x92);
    /* without a value of its own, -global applies: 0x90 is taken */
    g_assert_null(qa_machine_add_device(m, "test-dev", "p9", NULL, &err));
    g_assert_nonnull(strstr(err->message, "overlaps"));
    g_clear_error(&err);
    g_hash_table_insert(props, "port", "0x91");
    QaDevice *a = qa_machine_add_device(m, "test-dev", NULL, props, &err);
    g_assert_no_error(err);
    g_autofree char *apath = qa_object_canonical_path(QA_OBJECT(a));
    g_assert_cmpstr(apath, ==, "/machine/peripheral-anon/device[0]");

    /* errors: duplicate id, unknown type, bad property, port clash */
    g_assert_null(qa_machine_add_device(m, "test-dev", "p1", NULL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_clear_error(&err);
    g_assert_null(qa_machine_add_device(m, "no-such", NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "'no-such' is not a device type"));
    g_clear_error(&err);
    g_hash_table_insert(props, "port", "0x12345");
    g_assert_null(qa_machine_add_device(m, "test-dev", "p2", props, &err));
    g_assert_nonnull(strstr(err->message, "port"));
    g_clear_error(&err);
    g_hash_table_insert(props, "port", "0x92");
    g_assert_null(qa_machine_add_device(m, "test-dev", "p3", props, &err));
    g_assert_nonnull(strstr(err->message, "overlaps"));
    g_clear_error(&err);
    g_assert_null(qa_object_child(
        qa_object_resolve_path("/machine/peripheral", NULL), "p3"));

    /* a realize that fails after mapping leaves nothing mapped behind */
    g_hash_table_insert(props, "port", "0x93");
    g_hash_table_insert(props, "fail-after-map", "on");
    g_assert_null(qa_machine_add_device(m, "test-dev", "p4", props, &err));
    g_assert_nonnull(strstr(err->message, "told to fail"));
    g_clear_error(&err);
    g_assert_null(qa_address_space_lookup(m->io, 0x93));
    g_hash_table_remove(props, "fail-after-map");

    /* unrealize unmaps without a class hook */
    qa_object_unparent(QA_OBJECT(a));
    g_assert_null(qa_address_space_lookup(m->io, 0x91));

    /* reset reaches every device; RAM is kept */
    m->ram[100] = 0xaa;
    qa_machine_reset(m);
    g_assert_cmpuint(((TDev *)d0)->resets, ==, 1);
    g_assert_cmpuint(((TDev *)p)->resets, ==, 1);
    g_assert_cmphex(((TDev *)d0)->reg, ==, 0);
    g_assert_cmphex(m->ram[100], ==, 0xaa);

    qa_machine_destroy(m);
    g_assert_null(qa_machine_get());
}

static void test_config_errors(void)
{
    static const struct {
        const char *extra;
        const char *message;
    } cases[] = {
        {"[device \"x\"]\ntype = no-such\n",
         "m.conf: [device \"x\"]: 'no-such' is not a device type"},
        {"[device \"x\"]\ntype = test-dev\nport = banana\n",
         "m.conf: [device \"x\"]: "},
        {"[device \"x\"]\ntype = test-dev\ncolour = red\n", "colour"},
        {"bogus-key = 1\n", "m.conf: [machine] bogus-key: "},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = NULL;
        g_autoptr(GError) err = NULL;

        text = g_strconcat("[machine]\nname=e\narch=x86_64\nmemory=1M\n",
                           cases[i].extra, NULL);
        g_autoptr(QaMachineConfig) c = cfg_from(text);
        QaMachine *m = qa_machine_create(c, &err);
        g_assert_null(m);
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].message)) {
            g_test_message("case %" G_GSIZE_FORMAT ": got '%s'", i,
                           err->message);
            g_test_fail();
        }
        g_assert_null(qa_machine_get());
    }
}

static void test_cpus_range(void)
{
    g_autoptr(QaMachineConfig) c = cfg_from(base_cfg);
    g_autoptr(GError) err = NULL;
    QaMachine *m = qa_machine_new(c, &err);

    g_assert_true(qa_object_set_str(QA_OBJECT(m), "cpus", "5", &err));
    g_assert_false(qa_machine_realize(m, &err));
    g_assert_nonnull(strstr(err->message, "cpus: 5 is out of range"));
    qa_machine_destroy(m);
}

static void test_routing(void)
{
    g_autoptr(QaMachineConfig) c = cfg_from(base_cfg);
    g_autoptr(GError) err = NULL;
    Posted posted = {g_ptr_array_new_with_free_func(g_free)};
    QaMachine *m = qa_machine_create(c, &err);
    uint64_t regs[18] = {0x84000000};
    uint64_t args[6] = {0};
    int64_t ret[2];
    uint64_t val;
    bool gp;

    g_assert_no_error(err);
    m->sink = (QaRequestSink){sink_post, &posted};

    /* conduits of other architectures are refused with a reason */
    g_assert_false(qa_machine_smccc_call(m, 0, regs, false, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "hvc needs a arm64 machine"));
    g_clear_error(&err);
    g_assert_false(qa_machine_sbi_call(m, 0, 0x10, 0, args, ret, &err));
    g_clear_error(&err);
    /* no MSR owner: #GP; bad vCPU: error */
    g_assert_true(qa_machine_rdmsr(m, 0, 0x40000100, &val, &gp, &err));
    g_assert_true(gp);
    g_assert_false(qa_machine_wrmsr(m, 7, 0x40000100, 1, &gp, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);

    /* system events are counted, translated and posted */
    QaSysEvent ev = {.type = QA_SYSEVENT_SHUTDOWN,
                     .source = QA_SYSEVENT_SRC_INJECTED};
    qa_machine_system_event(m, 0, &ev, NULL);
    QaSysEvent unk = {
        .type = 99, .source = QA_SYSEVENT_SRC_KERNEL, .clamped = true};
    qa_machine_system_event(m, 0, &unk, NULL);
    g_assert_cmpuint(posted.reqs->len, ==, 2);
    QaMachineRequest *r0 = g_ptr_array_index(posted.reqs, 0);
    QaMachineRequest *r1 = g_ptr_array_index(posted.reqs, 1);
    g_assert_cmpint(r0->kind, ==, QA_REQ_SHUTDOWN);
    g_assert_cmpint(r0->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    g_assert_cmpint(r1->kind, ==, QA_REQ_ERROR);
    QaSysEventStats s = qa_machine_stats(m);
    g_assert_cmpuint(s.by_type[1][QA_SYSEVENT_SRC_INJECTED], ==, 1);
    g_assert_cmpuint(s.by_type[0][QA_SYSEVENT_SRC_KERNEL], ==, 1);
    g_assert_cmpuint(s.unknown, ==, 1);
    g_assert_cmpuint(s.clamped, ==, 1);
    g_assert_cmpuint(s.requests[QA_REQ_SHUTDOWN], ==, 1);

    /* a triple-fault exit goes through the same dispatcher */
    QaExit ex = {.kind = QA_EXIT_SHUTDOWN};
    g_assert_false(qa_vcpu_handle_exit(m, &m->vcpus[0], &ex));
    QaMachineRequest *r2 = g_ptr_array_index(posted.reqs, 2);
    g_assert_cmpint(r2->kind, ==, QA_REQ_RESET);
    g_assert_cmpint(r2->reset_kind, ==, QA_RESET_TRIPLE_FAULT);

    /* PIO through the dispatcher reaches the device */
    uint8_t byte = 0x33;
    QaExit pio = {.kind = QA_EXIT_PIO,
                  .u.pio = {.port = 0x70,
                            .size = 1,
                            .is_write = true,
                            .count = 1,
                            .data = &byte}};
    g_assert_true(qa_vcpu_handle_exit(m, &m->vcpus[0], &pio));
    byte = 0;
    pio.u.pio.is_write = false;
    g_assert_true(qa_vcpu_handle_exit(m, &m->vcpus[0], &pio));
    g_assert_cmphex(byte, ==, 0x33);

    /* a fatal exit becomes an error request, never a shutdown */
    QaExit ie = {.kind = QA_EXIT_INTERNAL_ERROR,
                 .u.fail = {.suberror = 1, .ndata = 2}};
    g_assert_false(qa_vcpu_handle_exit(m, &m->vcpus[0], &ie));
    QaMachineRequest *r3 = g_ptr_array_index(posted.reqs, 3);
    g_assert_cmpint(r3->kind, ==, QA_REQ_ERROR);
    g_assert_nonnull(strstr(r3->detail, "suberror 1"));

    qa_machine_destroy(m);
    g_ptr_array_unref(posted.reqs);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qa_types_register_builtin();
    g_assert_nonnull(qa_type_register(&tdev_info, NULL));
    g_test_add_func("/machine/build", test_build);
    g_test_add_func("/machine/config-errors", test_config_errors);
    g_test_add_func("/machine/cpus-range", test_cpus_range);
    g_test_add_func("/machine/routing", test_routing);
    return g_test_run();
}
