/*
 * Fuzz target: machine-type configs (qa_machine_config_parse) and the
 * machine built from one (qa_machine_create / qa_machine_destroy).
 *
 * The input is the text of a config file.  A config that parses is
 * checked against what the parser promises, then built into a machine
 * (board and devices created from the config's keys), reset and torn
 * down.  Every step may fail with an error; none may crash, leak or
 * return a half-built machine.
 *
 * Resource limits a real deployment also relies on (nothing in a config
 * bounds them): guest RAM is mapped lazily (MAP_NORESERVE), so a huge
 * `memory` costs address space only; cpus beyond 1024 are skipped here
 * because the vCPU array is allocated eagerly (see docs/fuzzing.md).
 */
#include <qaccel/config.h>
#include <qaccel/machine.h>
#include <qaccel/object.h>
#include "fuzz.h"

#define FUZZ_MAX_CPUS 1024
/* Beyond this, mapping RAM can fail for address space; still tried. */
#define FUZZ_MAX_RAM (UINT64_C(1) << 40)

static void check_config(const QaMachineConfig *cfg)
{
    fuzz_check(cfg->name && cfg->name[0], "no name");
    fuzz_check(cfg->type != NULL, "no board type");
    fuzz_check((unsigned)cfg->arch < QA_ARCH__MAX, "arch %d", cfg->arch);
    fuzz_check(cfg->cpus >= 1 && cfg->cpus <= cfg->max_cpus, "cpus %u of %u",
               cfg->cpus, cfg->max_cpus);
    /* A key given twice is listed twice (GKeyFile), the last value wins. */
    fuzz_check(cfg->machine_keys->len >= g_hash_table_size(cfg->machine_props),
               "machine keys and props disagree");
    for (guint i = 0; i < cfg->devices->len; i++) {
        QaDeviceConfig *dc = g_ptr_array_index(cfg->devices, i);
        fuzz_check(dc->id && dc->id[0] && dc->type && dc->type[0],
                   "device %u without id or type", i);
        fuzz_check(dc->keys->len >= g_hash_table_size(dc->props),
                   "device '%s': keys and props disagree", dc->id);
        for (guint k = 0; k < dc->keys->len; k++) {
            fuzz_check(g_hash_table_contains(dc->props,
                                             g_ptr_array_index(dc->keys, k)),
                       "device '%s': key without a value", dc->id);
        }
    }
}

/*
 * Most mutants of a config have one line GKeyFile rejects, which stops
 * them before the semantic checks and the machine: also try the input
 * with every such line dropped.
 */
static char *drop_bad_lines(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GString *out = g_string_new(NULL);

    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        size_t n = strlen(l);

        if (!n || l[0] == '#' || (l[0] == '[' && l[n - 1] == ']') ||
            (l[0] != '[' && strchr(l, '='))) {
            g_string_append(out, lines[i]);
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

/* Parse @text and build, reset and destroy a machine from it. */
static void run_config(const char *text, gssize len)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) cfg = NULL;
    bool verbose = g_getenv("QA_FUZZ_VERBOSE") != NULL;
    QaMachine *m;

    cfg = qa_machine_config_parse(text, len, "fuzz.conf", &err);
    if (!cfg) {
        if (verbose) {
            g_printerr("config: %s\n", err->message);
        }
        fuzz_check(err && g_str_has_prefix(err->message, "fuzz.conf"),
                   "error does not name the file: %s",
                   err ? err->message : "(none)");
        return;
    }
    check_config(cfg);
    /* dumpdtb names a file the board writes: not from a fuzzer */
    g_hash_table_remove(cfg->machine_props, "dumpdtb");
    for (guint i = cfg->machine_keys->len; i-- > 0;) {
        if (g_str_equal(g_ptr_array_index(cfg->machine_keys, i), "dumpdtb")) {
            g_ptr_array_remove_index(cfg->machine_keys, i);
        }
    }
    if (cfg->cpus > FUZZ_MAX_CPUS || cfg->ram_size > FUZZ_MAX_RAM) {
        return;
    }

    m = qa_machine_create(cfg, &err);
    if (!m) {
        if (verbose) {
            g_printerr("machine: %s\n", err ? err->message : "?");
        }
        fuzz_check(err != NULL, "no machine and no error");
        fuzz_check(qa_machine_get() == NULL, "a failed create left /machine");
        return;
    }
    if (verbose) {
        g_printerr("machine: built '%s'\n", cfg->name);
    }
    fuzz_check(err == NULL, "error set on success");
    fuzz_check(qa_machine_get() == m, "/machine is not the new machine");
    qa_machine_reset(m);
    qa_machine_destroy(m);
    fuzz_check(qa_machine_get() == NULL, "/machine survived destroy");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *repaired = NULL;

    fuzz_quiet_logs();
    qa_types_register_builtin();

    run_config((const char *)data, (gssize)size);
    repaired = drop_bad_lines(data, size);
    if (strlen(repaired) != size || memcmp(repaired, data, size) != 0) {
        run_config(repaired, -1);
    }
    return 0;
}
