/*
 * Command-line parsing, QEMU style: single-dash long options (a double
 * dash is accepted too), each option with at most one argument.
 * The option table drives parsing; applying the values is main.c's job.
 */
#include <string.h>
#include <qaccel/error.h>
#include "cli.h"
#include "opts.h"

typedef enum {
    OPT_MACHINE,
    OPT_ACCEL,
    OPT_SMP,
    OPT_MEM,
    OPT_DEVICE,
    OPT_GLOBAL,
    OPT_READCONFIG,
    OPT_ACTION,
    OPT_NO_REBOOT,
    OPT_NO_SHUTDOWN,
    OPT_S,
    OPT_BIOS,
    OPT_APPEND,
    OPT_QTEST,
    OPT_QTEST_LOG,
    OPT_QMP,
    OPT_CHARDEV,
    OPT_MON,
    OPT_DUMP_TREE,
    OPT_VERSION,
    OPT_HELP,
    OPT_DISPLAY,
    OPT_IGNORED,
} OptId;

typedef struct OptDef {
    const char *name;
    OptId id;
    bool has_arg;
} OptDef;

static const OptDef options[] = {
    {"machine", OPT_MACHINE, true},
    {"M", OPT_MACHINE, true},
    {"accel", OPT_ACCEL, true},
    {"smp", OPT_SMP, true},
    {"m", OPT_MEM, true},
    {"device", OPT_DEVICE, true},
    {"global", OPT_GLOBAL, true},
    {"readconfig", OPT_READCONFIG, true},
    {"action", OPT_ACTION, true},
    {"no-reboot", OPT_NO_REBOOT, false},
    {"no-shutdown", OPT_NO_SHUTDOWN, false},
    {"S", OPT_S, false},
    {"bios", OPT_BIOS, true},
    {"append", OPT_APPEND, true},
    {"qtest", OPT_QTEST, true},
    {"qtest-log", OPT_QTEST_LOG, true},
    {"qmp", OPT_QMP, true},
    {"chardev", OPT_CHARDEV, true},
    {"mon", OPT_MON, true},
    {"dump-tree", OPT_DUMP_TREE, false},
    {"version", OPT_VERSION, false},
    {"help", OPT_HELP, false},
    {"h", OPT_HELP, false},
    {"display", OPT_DISPLAY, true},
    {"nodefaults", OPT_IGNORED, false},
    {"no-user-config", OPT_IGNORED, false},
};

static const char usage[] =
    "usage: qaccel [options]\n"
    "\n"
    "Machine:\n"
    "  -machine NAME[,prop=value...]  machine type and properties "
    "(-machine help)\n"
    "                                 e.g. dumpdtb=FILE writes the device "
    "tree and exits\n"
    "  -accel NAME[:NAME...]          accelerators to try in order "
    "(-accel help)\n"
    "  -smp N                         number of vCPUs\n"
    "  -m SIZE                        guest RAM, e.g. 256M\n"
    "  -device TYPE[,id=ID][,prop=value...]  add a device (-device help, "
    "-device TYPE,help)\n"
    "  -global TYPE.PROP=VALUE        default for a property of every TYPE\n"
    "  -readconfig FILE               load a machine-type config file\n"
    "  -bios FILE                     firmware image (x86, kvm)\n"
    "  -append CMDLINE                kernel command line (device tree)\n"
    "\n"
    "Policy:\n"
    "  -action reboot=reset|shutdown,shutdown=poweroff|pause,\n"
    "          panic=pause|shutdown|exit-failure|none,"
    "guest-error=stop|ignore\n"
    "  -no-reboot                     same as -action reboot=shutdown\n"
    "  -no-shutdown                   same as -action shutdown=pause\n"
    "  -S                             do not start the vCPUs (prelaunch)\n"
    "\n"
    "Control:\n"
    "  -qtest unix:PATH[,server=on,wait=off] | stdio   qtest protocol\n"
    "  -qtest-log FILE|none           qtest protocol log (default: stderr)\n"
    "  -qmp unix:PATH,server=on,wait=off | stdio       QMP monitor\n"
    "  -chardev socket,path=PATH,id=ID[,server=on,wait=off]\n"
    "  -mon chardev=ID,mode=control   QMP on a -chardev\n"
    "  -dump-tree                     print the object tree and state, "
    "then exit\n"
    "\n"
    "Accepted and ignored for QEMU compatibility: -display none, "
    "-nodefaults,\n"
    "-no-user-config.\n"
    "  -version, -help\n";

const char *qa_cli_usage(void)
{
    return usage;
}

static const OptDef *find_option(const char *arg)
{
    const char *name = arg + 1;

    if (name[0] == '-') {
        name++;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(options); i++) {
        if (g_str_equal(options[i].name, name)) {
            return &options[i];
        }
    }
    return NULL;
}

void qa_cli_free(QaCli *cli)
{
    if (!cli) {
        return;
    }
    g_free(cli->machine);
    g_ptr_array_unref(cli->machine_opts);
    g_free(cli->accel);
    g_free(cli->smp);
    g_free(cli->mem);
    g_ptr_array_unref(cli->devices);
    g_ptr_array_unref(cli->globals);
    g_ptr_array_unref(cli->readconfigs);
    g_ptr_array_unref(cli->actions);
    g_free(cli->bios);
    g_free(cli->append);
    g_free(cli->qtest);
    g_free(cli->qtest_log);
    g_ptr_array_unref(cli->qmp);
    g_ptr_array_unref(cli->chardevs);
    g_ptr_array_unref(cli->mons);
    g_free(cli);
}

static void device_free(gpointer p)
{
    QaCliDevice *d = p;

    g_free(d->spec);
    g_ptr_array_unref(d->opts);
    g_free(d);
}

static void set_once(char **slot, const char *value)
{
    g_free(*slot);
    *slot = g_strdup(value);
}

static bool parse_machine(QaCli *cli, const char *val, GError **error)
{
    g_autoptr(GPtrArray) opts =
        qa_opts_parse("-machine", val, "type", false, error);

    if (!opts) {
        return false;
    }
    for (guint i = 0; i < opts->len; i++) {
        QaOpt *o = g_ptr_array_index(opts, i);
        if (g_str_equal(o->key, "type")) {
            if (g_str_equal(o->value, "help")) {
                cli->machine_help = true;
            } else {
                set_once(&cli->machine, o->value);
            }
        } else if (g_str_equal(o->key, "help")) {
            cli->machine_help = true;
        } else if (g_str_equal(o->key, "accel")) {
            set_once(&cli->accel, o->value); /* QEMU's -machine accel= */
        } else {
            QaOpt *copy = g_new0(QaOpt, 1);
            copy->key = g_strdup(o->key);
            copy->value = g_strdup(o->value);
            g_ptr_array_add(cli->machine_opts, copy);
        }
    }
    return true;
}

/* -smp N or -smp cpus=N; -m SIZE or -m size=SIZE */
static bool parse_single(const char *option, const char *val, const char *key,
                         char **slot, GError **error)
{
    g_autoptr(GPtrArray) opts = qa_opts_parse(option, val, key, false, error);
    const char *v;

    if (!opts) {
        return false;
    }
    for (guint i = 0; i < opts->len; i++) {
        QaOpt *o = g_ptr_array_index(opts, i);
        if (!g_str_equal(o->key, key)) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "%s: unsupported parameter '%s' (only %s)", option,
                        o->key, key);
            return false;
        }
    }
    v = qa_opts_get(opts, key);
    set_once(slot, v);
    return true;
}

static bool parse_device(QaCli *cli, const char *val, GError **error)
{
    GPtrArray *opts = qa_opts_parse("-device", val, "type", false, error);
    QaCliDevice *d;

    if (!opts) {
        return false;
    }
    if (g_str_equal(((QaOpt *)g_ptr_array_index(opts, 0))->key, "help")) {
        cli->device_help = true;
        g_ptr_array_unref(opts);
        return true;
    }
    if (!qa_opts_get(opts, "type")) {
        g_ptr_array_unref(opts);
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "-device %s: the device type must come first", val);
        return false;
    }
    d = g_new0(QaCliDevice, 1);
    d->spec = g_strdup(val);
    d->opts = opts;
    g_ptr_array_add(cli->devices, d);
    return true;
}

static bool apply(QaCli *cli, OptId id, const char *arg, const char *val,
                  GError **error)
{
    switch (id) {
    case OPT_MACHINE:
        return parse_machine(cli, val, error);
    case OPT_ACCEL:
        if (g_str_equal(val, "help")) {
            cli->accel_help = true;
        } else {
            /* "kvm:qtest" or QEMU's "kvm,prop=..." (properties unused) */
            g_autofree char *name = g_strdup(val);
            char *comma = strchr(name, ',');
            if (comma) {
                *comma = '\0';
            }
            set_once(&cli->accel, name);
        }
        return true;
    case OPT_SMP:
        return parse_single("-smp", val, "cpus", &cli->smp, error);
    case OPT_MEM:
        return parse_single("-m", val, "size", &cli->mem, error);
    case OPT_DEVICE:
        return parse_device(cli, val, error);
    case OPT_GLOBAL: {
        const char *dot = strchr(val, '.'), *eq = strchr(val, '=');
        if (!dot || !eq || dot > eq || dot == val || eq == dot + 1) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "-global %s: expected TYPE.PROP=VALUE", val);
            return false;
        }
        g_ptr_array_add(cli->globals, g_strdup(val));
        return true;
    }
    case OPT_READCONFIG:
        g_ptr_array_add(cli->readconfigs, g_strdup(val));
        return true;
    case OPT_ACTION:
        g_ptr_array_add(cli->actions, g_strdup(val));
        return true;
    case OPT_NO_REBOOT:
        cli->no_reboot = true;
        return true;
    case OPT_NO_SHUTDOWN:
        cli->no_shutdown = true;
        return true;
    case OPT_S:
        cli->start_paused = true;
        return true;
    case OPT_BIOS:
        set_once(&cli->bios, val);
        return true;
    case OPT_APPEND:
        set_once(&cli->append, val);
        return true;
    case OPT_QTEST:
        set_once(&cli->qtest, val);
        return true;
    case OPT_QTEST_LOG:
        set_once(&cli->qtest_log, val);
        return true;
    case OPT_QMP:
        g_ptr_array_add(cli->qmp, g_strdup(val));
        return true;
    case OPT_CHARDEV:
        g_ptr_array_add(cli->chardevs, g_strdup(val));
        return true;
    case OPT_MON:
        g_ptr_array_add(cli->mons, g_strdup(val));
        return true;
    case OPT_DUMP_TREE:
        cli->dump_tree = true;
        return true;
    case OPT_VERSION:
        cli->version = true;
        return true;
    case OPT_HELP:
        cli->help = true;
        return true;
    case OPT_DISPLAY:
        if (!g_str_equal(val, "none")) {
            g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                        "%s %s: qaccel has no display; only 'none' is "
                        "accepted",
                        arg, val);
            return false;
        }
        return true;
    case OPT_IGNORED:
        return true;
    }
    return true;
}

QaCli *qa_cli_parse(int argc, char **argv, GError **error)
{
    g_autoptr(QaCli) cli = g_new0(QaCli, 1);

    cli->machine_opts = g_ptr_array_new_with_free_func(qa_opt_free);
    cli->devices = g_ptr_array_new_with_free_func(device_free);
    cli->globals = g_ptr_array_new_with_free_func(g_free);
    cli->readconfigs = g_ptr_array_new_with_free_func(g_free);
    cli->actions = g_ptr_array_new_with_free_func(g_free);
    cli->qmp = g_ptr_array_new_with_free_func(g_free);
    cli->chardevs = g_ptr_array_new_with_free_func(g_free);
    cli->mons = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const OptDef *def = arg[0] == '-' && arg[1] ? find_option(arg) : NULL;
        const char *val = NULL;

        if (!def) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        arg[0] == '-' ? "%s: unknown option (try -help)"
                                      : "%s: unexpected argument (options "
                                        "start with '-'; try -help)",
                        arg);
            return NULL;
        }
        if (def->has_arg) {
            if (i + 1 >= argc) {
                g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                            "%s: requires an argument", arg);
                return NULL;
            }
            val = argv[++i];
        }
        if (!apply(cli, def->id, arg, val, error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&cli);
}
