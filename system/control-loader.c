/*
 * qa_control_start()/qa_control_stop() for the qaccel binary: load the
 * qaccel-control module (json-glib, GIO and their dependencies) only when
 * the command line names a control endpoint, so that a plain run never
 * maps those libraries (docs/performance.md).  The module resolves the
 * core's symbols from this binary, which exports them.
 *
 * dlopen() rather than GModule: the binary would otherwise load
 * libgmodule in every run for the few runs that need it.
 */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>
#include "qaccel-config.h"
#include <qaccel/error.h>
#include "control.h"

static bool (*module_start)(QaSystem *, QaCli *, QaConfigSet *, GError **);
static void (*module_stop)(void);

/* The option that needs the module, for messages; NULL if none does. */
static const char *control_option(const QaCli *cli)
{
    if (cli->qtest) {
        return "-qtest";
    }
    if (cli->qmp->len) {
        return "-qmp";
    }
    if (cli->mons->len) {
        return "-mon";
    }
    return NULL;
}

/* Directories to look in, in order (see control.h). */
static GPtrArray *module_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv("QACCEL_MODULE_DIR");
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

    if (env && *env) {
        g_ptr_array_add(dirs, g_strdup(env));
        return dirs;
    }
    if (exe) {
        g_autofree char *bindir = g_path_get_dirname(exe);

        g_ptr_array_add(dirs, g_strdup(bindir));
        g_ptr_array_add(dirs,
                        g_build_filename(bindir, QACCEL_MODULE_RELDIR, NULL));
    }
    g_ptr_array_add(dirs, g_strdup(QACCEL_MODULE_DIR));
    return dirs;
}

static bool load_module(const char *opt, GError **error)
{
    g_autoptr(GPtrArray) dirs = module_dirs();
    g_autoptr(GString) tried = g_string_new(NULL);
    g_autofree char *path = NULL;
    const char *version;
    void *h;

    for (guint i = 0; i < dirs->len && !path; i++) {
        char *p = g_build_filename(g_ptr_array_index(dirs, i),
                                   QA_CONTROL_MODULE_FILE, NULL);
        if (access(p, R_OK) == 0) {
            path = p;
        } else {
            g_string_append_printf(tried, "%s%s", i ? ", " : "", p);
            g_free(p);
        }
    }
    if (!path) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                    "%s: control-plane module not found (tried %s; "
                    "QACCEL_MODULE_DIR overrides)",
                    opt, tried->str);
        return false;
    }
    /* never unloaded: GIO and GObject cannot be */
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO,
                    "%s: cannot load the control-plane module: %s", opt,
                    dlerror());
        return false;
    }
    version = dlsym(h, "qa_control_module_version");
    *(void **)&module_start = dlsym(h, "qa_control_module_start");
    *(void **)&module_stop = dlsym(h, "qa_control_module_stop");
    if (!version || !module_start || !module_stop ||
        strcmp(version, QACCEL_VERSION) != 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "%s: %s is not the control-plane module of qaccel "
                    "version " QACCEL_VERSION,
                    opt, path);
        module_start = NULL;
        module_stop = NULL;
        return false;
    }
    return true;
}

bool qa_control_start(QaSystem *sys, QaCli *cli, QaConfigSet *configs,
                      GError **error)
{
    const char *opt = control_option(cli);

    if (!opt) {
        return true;
    }
    if (!module_start && !load_module(opt, error)) {
        return false;
    }
    return module_start(sys, cli, configs, error);
}

void qa_control_stop(void)
{
    if (module_stop) {
        module_stop();
    }
}
