/*
 * qaccel: the emulator binary.  Parses the command line, builds the
 * machine from its config, picks an accelerator, starts the control plane
 * and runs the GLib main loop until the runstate layer asks to exit.
 * The only place in qaccel that calls exit().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <glib-unix.h>
#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/runstate.h>
#include <qaccel/sysevent.h>
#include "chardev.h"
#include "cli.h"
#include "opts.h"
#include "control.h"

#define DEFAULT_MACHINE "q35-lite"

typedef struct Main {
    QaCli *cli;
    QaConfigSet *configs;
    QaMachine *machine;
    QaAccel *accel;
    QaSystem *sys;
    GMainLoop *loop;
    int signal_fd;    /* the handler's eventfd; -1 if none */
    guint signal_src; /* main-loop watch on it */
} Main;

/* Everything main() builds, so that every exit path can release it. */
static Main mn = {.signal_fd = -1};

static const int quit_signals[] = {SIGTERM, SIGINT, SIGHUP};

static void stop_signals(void)
{
    if (mn.signal_src) {
        g_source_remove(mn.signal_src);
        mn.signal_src = 0;
    }
    if (mn.signal_fd >= 0) {
        /* default dispositions first: the handler writes to the fd */
        for (gsize i = 0; i < G_N_ELEMENTS(quit_signals); i++) {
            signal(quit_signals[i], SIG_DFL);
        }
        close(mn.signal_fd);
        mn.signal_fd = -1;
    }
}

/* Release everything in reverse order of construction; returns @status. */
static int finish(int status)
{
    qa_control_stop();
    if (mn.accel) {
        qa_accel_teardown(mn.accel); /* no vCPU thread posts after this */
    }
    g_clear_pointer(&mn.sys, qa_system_free);
    if (mn.machine) {
        qa_machine_destroy(mn.machine);
        mn.machine = NULL;
    }
    if (mn.accel) {
        qa_object_unref(QA_OBJECT(mn.accel));
        mn.accel = NULL;
    }
    stop_signals();
    g_clear_pointer(&mn.loop, g_main_loop_unref);
    g_clear_pointer(&mn.configs, qa_config_set_free);
    g_clear_pointer(&mn.cli, qa_cli_free);
    return status;
}

static void G_GNUC_NORETURN fail(const char *msg)
{
    fprintf(stderr, "qaccel: %s\n", msg);
    exit(finish(1));
}

static void print_machines(QaConfigSet *set)
{
    g_autoptr(GSList) list = qa_config_set_list(set);

    printf("Supported machines are:\n");
    for (GSList *l = list; l; l = l->next) {
        const QaMachineConfig *c = l->data;
        printf("%-16s %s [%s]%s\n", c->name,
               c->description ? c->description : "", qa_arch_name(c->arch),
               g_str_equal(c->name, DEFAULT_MACHINE) ? " (default)" : "");
    }
}

static void print_accels(void)
{
    g_autoptr(GSList) list = qa_accel_list();

    printf("Accelerators supported in qaccel binary:\n");
    for (GSList *l = list; l; l = l->next) {
        QaAccelClass *ac = l->data;
        g_autoptr(GError) err = NULL;
        bool ok = !ac->probe || ac->probe(&err);
        printf("%-8s %s%s%s\n", ac->name,
               ok ? "usable" : "not usable: ", ok ? "" : err->message, "");
    }
}

static void print_devices(void)
{
    g_autoptr(GSList) list = qa_type_list(QA_TYPE_DEVICE, false);

    printf("Devices (for -device or a config [device] group):\n");
    for (GSList *l = list; l; l = l->next) {
        const QaType *t = l->data;
        QaDeviceClass *dc = (QaDeviceClass *)qa_type_get_class(t);
        const char *desc = qa_type_description(t);
        printf("name \"%s\"%s%s%s\n", qa_type_name(t), desc ? ", desc \"" : "",
               desc ? desc : "", desc ? "\"" : "");
        (void)dc;
    }
}

/* The declared default of @prop as text, or NULL (computed, link). */
static char *prop_default(const QaProperty *prop)
{
    if (prop->get || prop->set) {
        return NULL;
    }
    switch (prop->kind) {
    case QA_PROP_BOOL:
        return g_strdup(prop->def.b ? "true" : "false");
    case QA_PROP_INT8:
    case QA_PROP_INT16:
    case QA_PROP_INT32:
    case QA_PROP_INT64:
        return g_strdup_printf("%" G_GINT64_FORMAT, prop->def.i);
    case QA_PROP_UINT8:
    case QA_PROP_UINT16:
    case QA_PROP_UINT32:
    case QA_PROP_UINT64:
    case QA_PROP_SIZE:
        return g_strdup_printf(prop->def.u > 9 ? "0x%" G_GINT64_MODIFIER "x"
                                               : "%" G_GUINT64_FORMAT,
                               prop->def.u);
    case QA_PROP_STRING:
    case QA_PROP_ENUM:
        return prop->def.s ? g_strdup_printf("\"%s\"", prop->def.s) : NULL;
    case QA_PROP_LINK:
        return NULL;
    }
    return NULL;
}

static void print_prop(const QaProperty *prop, void *opaque)
{
    g_autofree char *type = qa_prop_type_string(prop);
    g_autofree char *def = prop_default(prop);

    printf("  %s=<%s>%s%s", prop->name, type, prop->doc ? " - " : "",
           prop->doc ? prop->doc : "");
    if (def) {
        printf(" (default: %s)", def);
    }
    printf("\n");
}

static void print_device_props(const char *type_name)
{
    const QaType *t = qa_type_lookup(type_name);

    if (!t || !qa_type_is_a(t, QA_TYPE_DEVICE) || qa_type_is_abstract(t)) {
        g_autofree char *msg = g_strdup_printf(
            "-device %s,help: '%s' is not a device type (try -device help)",
            type_name, type_name);
        fail(msg);
    }
    printf("%s options:\n", type_name);
    qa_class_foreach_property(qa_type_get_class(t), print_prop, NULL);
}

typedef struct DumpCtx {
    QaObject *obj;
    GString *out;
} DumpCtx;

static void dump_prop(const QaProperty *prop, void *opaque)
{
    DumpCtx *c = opaque;
    g_autofree char *v = qa_object_get_str(c->obj, prop->name, NULL);

    if (v) {
        g_string_append_printf(c->out, " %s=%s", prop->name, v);
    }
}

static bool dump_one(QaObject *obj, void *opaque)
{
    int depth = GPOINTER_TO_INT(opaque);
    g_autofree char *path = qa_object_canonical_path(obj);
    g_autoptr(GString) props = g_string_new(NULL);
    DumpCtx c = {obj, props};

    qa_class_foreach_property(qa_object_get_class(obj), dump_prop, &c);
    printf("%*s%s (%s)%s\n", depth * 2, "", path, qa_object_type_name(obj),
           props->str);
    qa_object_foreach_child(obj, dump_one, GINT_TO_POINTER(depth + 1));
    return true;
}

static void dump_tree(QaMachine *m)
{
    QaSysEventStats s = qa_machine_stats(m);
    QaAccessStats io =
        m->io ? qa_address_space_stats(m->io) : (QaAccessStats){0};

    printf("machine %s (%s), %u vCPU(s), %" G_GUINT64_FORMAT
           " MiB RAM, accelerator %s\n",
           m->name, qa_arch_name(m->arch), m->cpus, m->ram_size >> 20,
           qa_accel_name(m->accel));
    printf("runstate: %s\n", qa_run_state_name(qa_system_runstate(mn.sys)));
    printf("object tree:\n");
    dump_one(QA_OBJECT(m), GINT_TO_POINTER(1));
    uint64_t events = 0;
    for (gsize t = 0; t < G_N_ELEMENTS(s.by_type); t++) {
        for (gsize src = 0; src < QA_SYSEVENT_SRC__MAX; src++) {
            events += s.by_type[t][src];
        }
    }
    printf("system events seen: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
           " unknown), unassigned I/O reads/writes: %" G_GUINT64_FORMAT
           "/%" G_GUINT64_FORMAT "\n",
           events, s.unknown, io.unassigned_reads, io.unassigned_writes);
}

static void load_configs(void)
{
    g_auto(GStrv) dirs = qa_config_builtin_dirs();
    g_autoptr(GError) err = NULL;

    mn.configs = qa_config_set_new();
    for (int i = 0; dirs[i]; i++) {
        if (!qa_config_set_load_dir(mn.configs, dirs[i], &err)) {
            fail(err->message);
        }
    }
    for (guint i = 0; i < mn.cli->readconfigs->len; i++) {
        const char *path = g_ptr_array_index(mn.cli->readconfigs, i);
        if (!qa_config_set_add_file(mn.configs, path, &err)) {
            g_autofree char *msg =
                g_strdup_printf("-readconfig: %s", err->message);
            fail(msg);
        }
    }
}

static bool spec_is_stdio(const char *spec)
{
    QaChardevSpec cs = {0};
    bool stdio =
        qa_chardev_spec_parse(spec, &cs, NULL) && cs.kind == QA_CHARDEV_STDIO;

    qa_chardev_spec_clear(&cs);
    return stdio;
}

/* Whether -qtest, a -qmp or a -chardev (for -mon) speaks on stdio. */
static bool stdout_is_protocol(QaCli *cli)
{
    if (cli->qtest && spec_is_stdio(cli->qtest)) {
        return true;
    }
    for (guint i = 0; i < cli->qmp->len; i++) {
        if (spec_is_stdio(g_ptr_array_index(cli->qmp, i))) {
            return true;
        }
    }
    for (guint i = 0; i < cli->chardevs->len; i++) {
        if (spec_is_stdio(g_ptr_array_index(cli->chardevs, i))) {
            return true;
        }
    }
    return false;
}

static void console_to_stderr(void *opaque, const char *buf, size_t len)
{
    fwrite(buf, 1, len, stderr);
}

static QaMachine *build_machine(void)
{
    QaCli *cli = mn.cli;
    const char *name = cli->machine ? cli->machine : DEFAULT_MACHINE;
    const QaMachineConfig *cfg = qa_config_set_lookup(mn.configs, name);
    g_autoptr(GError) err = NULL;
    QaMachine *m;

    if (!cfg) {
        g_autofree char *msg = g_strdup_printf(
            "-machine %s: unsupported machine type (use -machine help to "
            "list them)",
            name);
        fail(msg);
    }
    m = mn.machine = qa_machine_new(cfg, &err);
    if (!m) {
        fail(err->message);
    }
    for (guint i = 0; i < cli->machine_opts->len; i++) {
        QaOpt *o = g_ptr_array_index(cli->machine_opts, i);
        if (!qa_object_set_str(QA_OBJECT(m), o->key, o->value, &err)) {
            g_autofree char *msg =
                g_strdup_printf("-machine %s: %s", name, err->message);
            fail(msg);
        }
    }
    struct {
        const char *opt, *prop, *val;
    } sets[] = {
        {"-smp", "cpus", cli->smp},
        {"-m", "memory", cli->mem},
        {"-bios", "bios", cli->bios},
        {"-append", "append", cli->append},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
        if (sets[i].val &&
            !qa_object_set_str(QA_OBJECT(m), sets[i].prop, sets[i].val, &err)) {
            g_autofree char *msg = g_strdup_printf("%s %s: %s", sets[i].opt,
                                                   sets[i].val, err->message);
            fail(msg);
        }
    }
    for (guint i = 0; i < cli->globals->len; i++) {
        g_autofree char *g = g_strdup(g_ptr_array_index(cli->globals, i));
        char *dot = strchr(g, '.'), *eq = strchr(g, '=');
        *dot = *eq = '\0';
        qa_machine_add_global(m, g, dot + 1, eq + 1);
    }
    if (!qa_machine_realize(m, &err)) {
        fail(err->message);
    }
    return m;
}

static void add_devices(QaMachine *m)
{
    for (guint i = 0; i < mn.cli->devices->len; i++) {
        QaCliDevice *d = g_ptr_array_index(mn.cli->devices, i);
        const char *type = qa_opts_get(d->opts, "type");
        g_autoptr(GHashTable) props = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) err = NULL;

        for (guint j = 0; j < d->opts->len; j++) {
            QaOpt *o = g_ptr_array_index(d->opts, j);
            if (!g_str_equal(o->key, "type") && !g_str_equal(o->key, "id")) {
                g_hash_table_insert(props, o->key, o->value);
            }
        }
        if (!qa_machine_add_device(m, type, qa_opts_get(d->opts, "id"), props,
                                   &err)) {
            fail(err->message);
        }
    }
}

static QaActions build_actions(QaCli *cli)
{
    QaActions a = qa_actions_default();
    g_autoptr(GError) err = NULL;

    if (cli->no_reboot) {
        qa_actions_set(&a, "reboot", "shutdown", NULL);
    }
    if (cli->no_shutdown) {
        qa_actions_set(&a, "shutdown", "pause", NULL);
    }
    for (guint i = 0; i < cli->actions->len; i++) {
        const char *spec = g_ptr_array_index(cli->actions, i);
        if (!qa_actions_parse(&a, spec, &err)) {
            g_autofree char *msg =
                g_strdup_printf("-action %s: %s", spec, err->message);
            fail(msg);
        }
    }
    return a;
}

static void on_exit_requested(void *opaque)
{
    g_main_loop_quit(mn.loop);
}

/* Async-signal-safe: count the signal on the eventfd the loop watches. */
static void signal_handler(int sig)
{
    int saved = errno;
    uint64_t one = 1;

    if (write(mn.signal_fd, &one, sizeof(one)) < 0) {
        /* the counter is already non-zero: the loop will see it */
    }
    errno = saved;
}

static gboolean on_signal(gint fd, GIOCondition cond, gpointer opaque)
{
    uint64_t n;

    if (read(fd, &n, sizeof(n)) == sizeof(n)) {
        qa_system_quit(mn.sys, QA_CAUSE_HOST_SIGNAL);
    }
    return G_SOURCE_CONTINUE;
}

/*
 * SIGTERM, SIGINT and SIGHUP quit like QEMU's.  The handler does nothing
 * but bump an eventfd watched by the main loop.  (g_unix_signal_add()
 * would start GLib's worker thread for this -- one more thread, stack and
 * malloc arena, and a thread to stop at exit, in every run.)
 */
static void start_signals(void)
{
    struct sigaction sa;

    mn.signal_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (mn.signal_fd < 0) {
        g_autofree char *msg =
            g_strdup_printf("eventfd for signals: %s", g_strerror(errno));
        fail(msg);
    }
    mn.signal_src = g_unix_fd_add(mn.signal_fd, G_IO_IN, on_signal, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (gsize i = 0; i < G_N_ELEMENTS(quit_signals); i++) {
        sigaction(quit_signals[i], &sa, NULL);
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    const char *accel_spec;
    QaMachine *m;
    int status = 0;

    qa_types_register_builtin();
    mn.cli = qa_cli_parse(argc, argv, &err);
    if (!mn.cli) {
        fail(err->message);
    }
    if (mn.cli->help) {
        fputs(qa_cli_usage(), stdout);
        return finish(0);
    }
    if (mn.cli->version) {
        printf("qaccel version " QACCEL_VERSION "\n");
        return finish(0);
    }
    if (mn.cli->accel_help) {
        print_accels();
        return finish(0);
    }
    if (mn.cli->device_help) {
        print_devices();
        return finish(0);
    }
    load_configs();
    if (mn.cli->machine_help) {
        print_machines(mn.configs);
        return finish(0);
    }
    for (guint i = 0; i < mn.cli->devices->len; i++) {
        QaCliDevice *d = g_ptr_array_index(mn.cli->devices, i);
        if (qa_opts_get(d->opts, "help")) {
            print_device_props(qa_opts_get(d->opts, "type"));
            return finish(0);
        }
    }

    m = build_machine();
    if (m->dumpdtb) {
        /* the board wrote the blob while realizing (QEMU: then exits) */
        if (!m->fdt) {
            fail("-machine dumpdtb: this machine has no device tree");
        }
        return finish(0);
    }
    add_devices(m);
    /* Guest console bytes in the middle of protocol replies would corrupt
     * them: with qtest or QMP on stdio the console goes to stderr. */
    if (stdout_is_protocol(mn.cli)) {
        m->console = (QaConsoleSink){console_to_stderr, NULL};
    }

    accel_spec = mn.cli->accel                   ? mn.cli->accel
                 : mn.cli->qtest                 ? "qtest"
                 : m->config && m->config->accel ? m->config->accel
                                                 : "kvm:qtest";
    mn.accel = qa_accel_select(accel_spec, &err);
    if (!mn.accel || !qa_accel_init_machine(mn.accel, m, &err)) {
        fail(err->message);
    }

    QaActions actions = build_actions(mn.cli);
    mn.sys = qa_system_new(m, &actions, NULL);
    mn.loop = g_main_loop_new(NULL, FALSE);
    qa_system_set_exit_hook(mn.sys, on_exit_requested, NULL);
    start_signals();

    if (!qa_control_start(mn.sys, mn.cli, mn.configs, &err)) {
        fail(err->message);
    }
    if (!mn.cli->start_paused && !qa_system_start(mn.sys, &err)) {
        fail(err->message);
    }
    if (mn.cli->dump_tree) {
        dump_tree(m);
        return finish(0);
    }
    if (!qa_system_exit_requested(mn.sys, &status)) {
        g_main_loop_run(mn.loop);
    }
    qa_system_exit_requested(mn.sys, &status);
    return finish(status);
}
