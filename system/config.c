/*
 * Machine-type configuration files (GKeyFile) and the registry of the
 * configs known to this process.  See docs/machine-config.md.
 */
#include <string.h>
#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/object.h>
#include <qaccel/sysevent.h>

#define DEFAULT_MAX_CPUS 1024
/*
 * The most vCPUs any config may ask for: QEMU's largest max_cpus and the
 * largest KVM_MAX_VCPUS.  The vCPU array is allocated whole, so without
 * a bound "cpus = 4294967295" aborted the process on allocation.
 */
#define MAX_CPUS 4096

static const char *const machine_fixed_keys[] = {
    "name",     "description", "type",  "arch", "cpus",
    "max-cpus", "memory",      "accel", NULL,
};

/* 1-based line of "[group]" or of "key =" inside it; 0 if not found. */
static int locate(const char *data, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
    g_autofree char *want = g_strdup_printf("[%s]", group);
    bool in_group = false;

    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (l[0] == '[') {
            in_group = g_str_equal(l, want);
            if (in_group && !key) {
                return i + 1;
            }
        } else if (in_group && key && g_str_has_prefix(l, key)) {
            const char *rest = l + strlen(key);
            while (*rest == ' ' || *rest == '\t') {
                rest++;
            }
            if (*rest == '=') {
                return i + 1;
            }
        }
    }
    return 0;
}

/* The first line GKeyFile would reject, for syntax error messages. */
static int first_bad_line(const char *data)
{
    g_auto(GStrv) lines = g_strsplit(data, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        g_autofree char *l = g_strstrip(g_strdup(lines[i]));
        if (!l[0] || l[0] == '#') {
            continue;
        }
        if (l[0] == '[' ? l[strlen(l) - 1] != ']' : !strchr(l, '=')) {
            return i + 1;
        }
    }
    return 0;
}

typedef struct Ctx {
    const char *name;
    const char *data;
    GKeyFile *kf;
} Ctx;

static void G_GNUC_PRINTF(5, 6)
    ctx_error(Ctx *c, GError **error, const char *group, const char *key,
              const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    int line = locate(c->data, group, key);

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (line) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "%s:%d: [%s]%s%s: %s",
                    c->name, line, group, key ? " " : "", key ? key : "", msg);
    } else {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "%s: [%s]%s%s: %s",
                    c->name, group, key ? " " : "", key ? key : "", msg);
    }
}

static char *get_str(Ctx *c, const char *group, const char *key)
{
    char *v = g_key_file_get_string(c->kf, group, key, NULL);

    return v ? g_strstrip(v) : NULL;
}

static bool get_u32(Ctx *c, const char *group, const char *key, uint32_t *out,
                    uint32_t min, uint32_t max, GError **error)
{
    g_autofree char *v = get_str(c, group, key);
    uint64_t n;

    if (!v) {
        return true;
    }
    if (!qa_parse_uint64(v, &n) || n < min || n > max) {
        ctx_error(c, error, group, key, "'%s' is not an integer in %u..%u", v,
                  min, max);
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

static bool is_valid_id(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
            return false;
        }
    }
    return true;
}

static void device_config_free(gpointer p)
{
    QaDeviceConfig *dc = p;

    g_free(dc->id);
    g_free(dc->type);
    g_ptr_array_unref(dc->keys);
    g_hash_table_unref(dc->props);
    g_free(dc);
}

void qa_machine_config_free(QaMachineConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_free(cfg->file);
    g_free(cfg->name);
    g_free(cfg->description);
    g_free(cfg->type);
    g_free(cfg->accel);
    if (cfg->machine_keys) {
        g_ptr_array_unref(cfg->machine_keys);
    }
    if (cfg->machine_props) {
        g_hash_table_unref(cfg->machine_props);
    }
    if (cfg->devices) {
        g_ptr_array_unref(cfg->devices);
    }
    g_free(cfg);
}

static bool parse_machine(Ctx *c, QaMachineConfig *cfg, GError **error)
{
    g_auto(GStrv) keys = NULL;
    g_autofree char *arch = NULL, *mem = NULL;

    if (!g_key_file_has_group(c->kf, "machine")) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "%s: no [machine] group (every machine config needs one "
                    "with at least 'name' and 'arch')",
                    c->name);
        return false;
    }
    cfg->name = get_str(c, "machine", "name");
    if (!cfg->name || !cfg->name[0] || !is_valid_id(cfg->name)) {
        ctx_error(c, error, "machine", "name",
                  "expected a name of letters, digits, '-', '_' or '.', "
                  "starting with a letter");
        return false;
    }
    cfg->description = get_str(c, "machine", "description");
    cfg->type = get_str(c, "machine", "type");
    if (!cfg->type) {
        cfg->type = g_strdup("machine");
    }
    arch = get_str(c, "machine", "arch");
    if (!arch || !qa_arch_from_name(arch, &cfg->arch)) {
        ctx_error(c, error, "machine", "arch",
                  "'%s' is not an architecture (expected x86_64, arm64 or "
                  "riscv64)",
                  arch ? arch : "");
        return false;
    }
    cfg->cpus = 1;
    cfg->max_cpus = DEFAULT_MAX_CPUS;
    if (!get_u32(c, "machine", "cpus", &cfg->cpus, 1, MAX_CPUS, error) ||
        !get_u32(c, "machine", "max-cpus", &cfg->max_cpus, 1, MAX_CPUS,
                 error)) {
        return false;
    }
    if (cfg->cpus > cfg->max_cpus) {
        ctx_error(c, error, "machine", "cpus", "%u is above max-cpus %u",
                  cfg->cpus, cfg->max_cpus);
        return false;
    }
    mem = get_str(c, "machine", "memory");
    if (mem && (!qa_parse_size(mem, &cfg->ram_size) || !cfg->ram_size)) {
        ctx_error(c, error, "machine", "memory",
                  "'%s' is not a size (e.g. 128M, 1G)", mem);
        return false;
    }
    cfg->accel = get_str(c, "machine", "accel");
    keys = g_key_file_get_keys(c->kf, "machine", NULL, NULL);
    for (int i = 0; keys && keys[i]; i++) {
        if (!g_strv_contains(machine_fixed_keys, keys[i])) {
            g_ptr_array_add(cfg->machine_keys, g_strdup(keys[i]));
            g_hash_table_insert(cfg->machine_props, g_strdup(keys[i]),
                                get_str(c, "machine", keys[i]));
        }
    }
    return true;
}

/* group "device \"id\"" -> id, or NULL if malformed */
static char *device_group_id(const char *group)
{
    const char *p = group + strlen("device");
    size_t n;

    while (*p == ' ') {
        p++;
    }
    n = strlen(p);
    if (n < 3 || p[0] != '"' || p[n - 1] != '"') {
        return NULL;
    }
    return g_strndup(p + 1, n - 2);
}

static bool parse_device(Ctx *c, QaMachineConfig *cfg, const char *group,
                         GError **error)
{
    g_autofree char *id = device_group_id(group);
    g_auto(GStrv) keys = NULL;
    QaDeviceConfig *dc;

    if (!id || !is_valid_id(id)) {
        ctx_error(c, error, group, NULL,
                  "expected a group of the form [device \"ID\"], the ID "
                  "made of letters, digits, '-', '_' or '.'");
        return false;
    }
    for (guint i = 0; i < cfg->devices->len; i++) {
        QaDeviceConfig *o = g_ptr_array_index(cfg->devices, i);
        if (g_str_equal(o->id, id)) {
            ctx_error(c, error, group, NULL, "duplicate device id '%s'", id);
            return false;
        }
    }
    dc = g_new0(QaDeviceConfig, 1);
    dc->id = g_steal_pointer(&id);
    dc->keys = g_ptr_array_new_with_free_func(g_free);
    dc->props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_ptr_array_add(cfg->devices, dc);
    dc->type = get_str(c, group, "type");
    if (!dc->type || !dc->type[0]) {
        ctx_error(c, error, group, "type",
                  "missing: every device needs 'type = DEVICE-TYPE'");
        return false;
    }
    keys = g_key_file_get_keys(c->kf, group, NULL, NULL);
    for (int i = 0; keys && keys[i]; i++) {
        if (!g_str_equal(keys[i], "type")) {
            g_ptr_array_add(dc->keys, g_strdup(keys[i]));
            g_hash_table_insert(dc->props, g_strdup(keys[i]),
                                get_str(c, group, keys[i]));
        }
    }
    return true;
}

QaMachineConfig *qa_machine_config_parse(const char *data, gssize slen,
                                         const char *name, GError **error)
{
    gsize len = slen < 0 ? strlen(data) : (gsize)slen;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(QaMachineConfig) cfg = g_new0(QaMachineConfig, 1);
    g_autoptr(GError) err = NULL;
    g_autofree char *text = g_strndup(data, len);
    g_auto(GStrv) groups = NULL;
    Ctx c = {name, text, kf};

    if (!g_utf8_validate(text, -1, NULL) || strlen(text) != len) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "%s: not a text file (invalid UTF-8 or NUL bytes)", name);
        return NULL;
    }
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &err)) {
        int line = first_bad_line(text);
        if (line) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "%s:%d: %s (expected '[group]', 'key = value' or "
                        "'# comment')",
                        name, line, err->message);
        } else {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "%s: %s", name,
                        err->message);
        }
        return NULL;
    }
    cfg->file = g_strdup(name);
    cfg->machine_keys = g_ptr_array_new_with_free_func(g_free);
    cfg->machine_props =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    cfg->devices = g_ptr_array_new_with_free_func(device_config_free);
    if (!parse_machine(&c, cfg, error)) {
        return NULL;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (int i = 0; groups[i]; i++) {
        if (g_str_equal(groups[i], "machine")) {
            continue;
        }
        if (!g_str_equal(groups[i], "device") &&
            !g_str_has_prefix(groups[i], "device ")) {
            ctx_error(&c, error, groups[i], NULL,
                      "unknown group (expected [machine] or [device \"ID\"])");
            return NULL;
        }
        if (!parse_device(&c, cfg, groups[i], error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&cfg);
}

QaMachineConfig *qa_machine_config_load(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "%s", err->message);
        return NULL;
    }
    return qa_machine_config_parse(data, len, path, error);
}

/* ---- the registry ------------------------------------------------------ */

struct QaConfigSet {
    GHashTable *by_name; /* name -> QaMachineConfig * */
};

QaConfigSet *qa_config_set_new(void)
{
    QaConfigSet *set = g_new0(QaConfigSet, 1);

    set->by_name = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)qa_machine_config_free);
    return set;
}

void qa_config_set_free(QaConfigSet *set)
{
    if (set) {
        g_hash_table_unref(set->by_name);
        g_free(set);
    }
}

bool qa_config_set_add_file(QaConfigSet *set, const char *path, GError **error)
{
    QaMachineConfig *cfg = qa_machine_config_load(path, error);

    if (!cfg) {
        return false;
    }
    /* the key points into the value: remove the old pair first */
    g_hash_table_remove(set->by_name, cfg->name);
    g_hash_table_insert(set->by_name, cfg->name, cfg);
    return true;
}

static gint str_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(a, b);
}

bool qa_config_set_load_dir(QaConfigSet *set, const char *dir, GError **error)
{
    g_autoptr(GDir) d = NULL;
    g_autoptr(GSList) names = NULL;
    const char *n;

    /*
     * A missing directory is the common case (the installed data dir of
     * a binary run from its build tree).  g_dir_open() builds its error
     * message even when asked for none, and that first converts the path
     * to UTF-8 and translates the text: iconv and gettext set-up, ~50 us
     * and a gconv cache mapping in every run.  A stat() answers first.
     */
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        return true;
    }
    d = g_dir_open(dir, 0, NULL);
    if (!d) {
        return true;
    }
    while ((n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".conf")) {
            names = g_slist_insert_sorted(names, (gpointer)n, str_cmp);
        }
    }
    for (GSList *l = names; l; l = l->next) {
        g_autofree char *path = g_build_filename(dir, l->data, NULL);
        if (!qa_config_set_add_file(set, path, error)) {
            return false;
        }
    }
    return true;
}

const QaMachineConfig *qa_config_set_lookup(QaConfigSet *set, const char *name)
{
    return g_hash_table_lookup(set->by_name, name);
}

static gint config_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const QaMachineConfig *)a)->name,
                  ((const QaMachineConfig *)b)->name);
}

GSList *qa_config_set_list(QaConfigSet *set)
{
    GSList *out = NULL;
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, set->by_name);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        out = g_slist_insert_sorted(out, v, config_cmp);
    }
    return out;
}

char **qa_config_builtin_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new();
    const char *env = g_getenv("QACCEL_DATADIR");
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

    /* later directories override earlier ones: installed, build tree, env */
    g_ptr_array_add(dirs, g_build_filename(QACCEL_DATADIR, "machines", NULL));
    if (exe) {
        g_autofree char *bindir = g_path_get_dirname(exe);
        g_autofree char *marker = g_build_filename(bindir, "build.ninja", NULL);
        if (g_file_test(marker, G_FILE_TEST_EXISTS)) {
            g_ptr_array_add(dirs, g_build_filename(QACCEL_SOURCE_DIR, "configs",
                                                   "machines", NULL));
        }
    }
    if (env) {
        g_ptr_array_add(dirs, g_build_filename(env, "machines", NULL));
    }
    g_ptr_array_add(dirs, NULL);
    return (char **)g_ptr_array_free(dirs, FALSE);
}
