/*
 * Machine-type configuration files (GKeyFile), see docs/machine-config.md.
 *
 *   [machine]
 *   name = q35-lite
 *   description = ...
 *   type = x86-machine        # board class
 *   arch = x86_64
 *   cpus = 1
 *   max-cpus = 8
 *   memory = 128M
 *   accel = kvm:qtest
 *   ram-base = 0x0            # any other key is a machine property
 *
 *   [device "pm"]
 *   type = acpi-pm
 *   base = 0x600              # any other key is a device property
 */
#ifndef QACCEL_CONFIG_H
#define QACCEL_CONFIG_H

#include <qaccel/exit.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaDeviceConfig {
    char *id; /* from the group name */
    char *type;
    GPtrArray *keys;   /* property names in file order (char *) */
    GHashTable *props; /* name -> value (char *) */
} QaDeviceConfig;

struct QaMachineConfig {
    char *file; /* where it was loaded from */
    char *name;
    char *description;
    char *type; /* board class, e.g. "x86-machine" */
    QaArch arch;
    uint32_t cpus;
    uint32_t max_cpus;
    uint64_t ram_size;
    char *accel;               /* default -accel spec */
    GPtrArray *machine_keys;   /* other [machine] keys, file order (char *) */
    GHashTable *machine_props; /* ... as machine properties: name -> value */
    GPtrArray *devices;        /* QaDeviceConfig * */
};
typedef struct QaMachineConfig QaMachineConfig;

/**
 * qa_machine_config_load: parse @path.  Errors name the file and the
 * line (syntax) or group/key (semantics) and what was expected, e.g.
 * "q35.conf: [machine] memory: '12Q' is not a size".
 */
QaMachineConfig *qa_machine_config_load(const char *path, GError **error);

/**
 * qa_machine_config_parse: the same from @data (@len bytes, or -1 for a
 * NUL-terminated string), reported as @name.
 */
QaMachineConfig *qa_machine_config_parse(const char *data, gssize len,
                                         const char *name, GError **error);

void qa_machine_config_free(QaMachineConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaMachineConfig, qa_machine_config_free)

typedef struct QaConfigSet QaConfigSet;

/** qa_config_set_new / _free: a registry of machine configs by name. */
QaConfigSet *qa_config_set_new(void);
void qa_config_set_free(QaConfigSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaConfigSet, qa_config_set_free)

/**
 * qa_config_set_load_dir: load every *.conf in @dir (missing dir: ok).
 * A later config with the same name replaces an earlier one.
 */
bool qa_config_set_load_dir(QaConfigSet *set, const char *dir, GError **error);

/** qa_config_set_add_file: load @path (-readconfig). */
bool qa_config_set_add_file(QaConfigSet *set, const char *path, GError **error);

/** qa_config_set_lookup: the config called @name, or NULL (borrowed). */
const QaMachineConfig *qa_config_set_lookup(QaConfigSet *set, const char *name);

/** qa_config_set_list: configs sorted by name (borrowed, free the list). */
GSList *qa_config_set_list(QaConfigSet *set);

/**
 * qa_config_builtin_dirs: directories searched for built-in configs, in
 * load order (a later config of the same name wins): the installed data
 * dir, the source tree's configs/machines when the binary runs from its
 * build tree, and $QACCEL_DATADIR/machines.  NULL-terminated, newly
 * allocated (g_strfreev).
 */
char **qa_config_builtin_dirs(void);

G_END_DECLS

#endif
