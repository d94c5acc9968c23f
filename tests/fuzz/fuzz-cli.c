/*
 * Fuzz target: the command line (qa_cli_parse), option values
 * (qa_opts_parse) and the value parsers main.c applies to them: -action
 * (qa_actions_parse), chardev specs (-qtest, -qmp, -chardev), sizes and
 * numbers; then, as main.c does, a machine with the -machine properties,
 * -smp, -m, -global defaults and -device options applied.
 *
 * Input: the arguments separated by '\n' (argv[0] is supplied).  A NUL
 * byte ends its argument early, as it would in a real argv.
 */
#include <string.h>
#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/machine.h>
#include <qaccel/object.h>
#include <qaccel/runstate.h>
#include "system/chardev.h"
#include "system/cli.h"
#include "system/opts.h"
#include "fuzz.h"

#define MAX_ARGS 64

static QaConfigSet *configs;

static void check_opts(const char *str)
{
    for (int v = 0; v < 4; v++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) opts =
            qa_opts_parse("-fuzz", str, v & 1 ? "type" : NULL, v & 2, &err);

        if (!opts) {
            fuzz_check(err && g_str_has_prefix(err->message, "-fuzz"),
                       "error does not name the option");
            continue;
        }
        fuzz_check(opts->len > 0, "no element from '%s'", str);
        for (guint i = 0; i < opts->len; i++) {
            QaOpt *o = g_ptr_array_index(opts, i);
            fuzz_check(o->key && o->key[0] && o->value, "bad element");
            fuzz_check(qa_opts_get(opts, o->key) != NULL, "lost key");
        }
    }
}

static void check_chardev(const char *spec)
{
    QaChardevSpec cs = {0};
    g_autoptr(GError) err = NULL;

    if (qa_chardev_spec_parse(spec, &cs, &err)) {
        fuzz_check(cs.kind == QA_CHARDEV_STDIO || cs.path,
                   "socket chardev without a path");
    } else {
        fuzz_check(err != NULL, "failure without error");
    }
    qa_chardev_spec_clear(&cs);
}

/* What main.c does with a parsed command line, minus the accelerator. */
static void build(QaCli *cli)
{
    const char *name = cli->machine ? cli->machine : "q35-lite";
    const QaMachineConfig *cfg = qa_config_set_lookup(configs, name);
    g_autoptr(GError) err = NULL;
    QaMachine *m;
    uint64_t n;

    if (!cfg) {
        return;
    }
    /* The vCPU array is allocated eagerly: keep the count sane. */
    if (cli->smp && qa_parse_uint64(cli->smp, &n) && n > 1024) {
        return;
    }
    m = qa_machine_new(cfg, &err);
    fuzz_check(m != NULL, "builtin %s: %s", name, err->message);
    for (guint i = 0; i < cli->machine_opts->len && !err; i++) {
        QaOpt *o = g_ptr_array_index(cli->machine_opts, i);
        /* dumpdtb names a file the board writes: not from a fuzzer */
        if (!g_str_equal(o->key, "dumpdtb")) {
            qa_object_set_str(QA_OBJECT(m), o->key, o->value, &err);
        }
    }
    if (!err && cli->smp) {
        qa_object_set_str(QA_OBJECT(m), "cpus", cli->smp, &err);
    }
    if (!err && cli->mem) {
        qa_object_set_str(QA_OBJECT(m), "memory", cli->mem, &err);
    }
    for (guint i = 0; i < cli->globals->len && !err; i++) {
        g_autofree char *g = g_strdup(g_ptr_array_index(cli->globals, i));
        char *dot = strchr(g, '.'), *eq = strchr(g, '=');
        *dot = *eq = '\0';
        qa_machine_add_global(m, g, dot + 1, eq + 1);
    }
    if (!err && m->ram_size <= (UINT64_C(1) << 40) &&
        qa_machine_realize(m, &err)) {
        for (guint i = 0; i < cli->devices->len; i++) {
            QaCliDevice *d = g_ptr_array_index(cli->devices, i);
            g_autoptr(GHashTable) props =
                g_hash_table_new(g_str_hash, g_str_equal);
            g_autoptr(GError) derr = NULL;

            for (guint j = 0; j < d->opts->len; j++) {
                QaOpt *o = g_ptr_array_index(d->opts, j);
                if (!g_str_equal(o->key, "type") &&
                    !g_str_equal(o->key, "id")) {
                    g_hash_table_insert(props, o->key, o->value);
                }
            }
            qa_machine_add_device(m, qa_opts_get(d->opts, "type"),
                                  qa_opts_get(d->opts, "id"), props, &derr);
        }
        qa_machine_reset(m);
    }
    qa_machine_destroy(m);
    fuzz_check(qa_machine_get() == NULL, "/machine survived destroy");
}

static void init(void)
{
    g_autofree char *dir =
        g_build_filename(QACCEL_SOURCE_DIR, "configs", "machines", NULL);
    g_autoptr(GError) err = NULL;

    fuzz_quiet_logs();
    qa_types_register_builtin();
    configs = qa_config_set_new();
    if (!qa_config_set_load_dir(configs, dir, &err)) {
        g_printerr("fuzz-cli: %s\n", err->message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *copy = g_malloc(size + 1);
    static char argv0[] = "qaccel";
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    g_autoptr(GError) err = NULL;
    g_autoptr(QaCli) cli = NULL;
    QaActions actions = qa_actions_default();

    if (!configs) {
        init();
    }
    /* Split the raw bytes so NULs stay inside their argument. */
    argv[argc++] = argv0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy, *end = copy + size; argc <= MAX_ARGS;) {
        char *nl = memchr(p, '\n', end - p);
        argv[argc++] = p;
        if (!nl) {
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;

    for (int i = 1; i < argc; i++) {
        uint64_t n;
        bool b;
        if (argv[i][0]) {
            check_opts(argv[i]);
        }
        qa_parse_size(argv[i], &n);
        qa_parse_uint64(argv[i], &n);
        qa_parse_bool(argv[i], &b);
    }

    cli = qa_cli_parse(argc, argv, &err);
    if (!cli) {
        fuzz_check(err && err->message[0], "failure without error");
        return 0;
    }
    for (guint i = 0; i < cli->actions->len; i++) {
        g_autoptr(GError) aerr = NULL;
        qa_actions_parse(&actions, g_ptr_array_index(cli->actions, i), &aerr);
    }
    if (cli->qtest) {
        check_chardev(cli->qtest);
    }
    for (guint i = 0; i < cli->qmp->len; i++) {
        check_chardev(g_ptr_array_index(cli->qmp, i));
    }
    for (guint i = 0; i < cli->chardevs->len; i++) {
        check_chardev(g_ptr_array_index(cli->chardevs, i));
    }
    for (guint i = 0; i < cli->devices->len; i++) {
        QaCliDevice *d = g_ptr_array_index(cli->devices, i);
        fuzz_check(qa_opts_get(d->opts, "type"), "-device without a type");
    }
    build(cli);
    return 0;
}
