/*
 * The qaccel command line, parsed into a plain struct (no side effects),
 * so the parser can be unit-tested.  Internal to system/.
 */
#ifndef QACCEL_SYSTEM_CLI_H
#define QACCEL_SYSTEM_CLI_H

#include <stdbool.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaCliDevice {
    char *spec;      /* as given, for messages */
    GPtrArray *opts; /* QaOpt *, "type" first */
} QaCliDevice;

typedef struct QaCli {
    char *machine;           /* -machine NAME (NULL: default) */
    GPtrArray *machine_opts; /* QaOpt * besides the name */
    bool machine_help;
    char *accel; /* -accel spec */
    bool accel_help;
    char *smp;              /* -smp value (cpus) */
    char *mem;              /* -m value (size) */
    GPtrArray *devices;     /* QaCliDevice * */
    bool device_help;       /* -device help */
    GPtrArray *globals;     /* char * "TYPE.PROP=VALUE" */
    GPtrArray *readconfigs; /* char * paths */
    GPtrArray *actions;     /* char * -action values, in order */
    bool no_reboot, no_shutdown;
    bool start_paused; /* -S */
    char *bios;
    char *append;
    char *qtest; /* -qtest CHARDEV */
    char *qtest_log;
    GPtrArray *qmp;      /* char * -qmp specs */
    GPtrArray *chardevs; /* char * -chardev specs */
    GPtrArray *mons;     /* char * -mon specs */
    bool dump_tree;      /* -dump-tree (qaccel) */
    bool version, help;
} QaCli;

/**
 * qa_cli_parse: parse @argv (argv[0] skipped) into a new QaCli.  Unknown
 * options, missing arguments and malformed values fail with an error
 * naming the option.  Values that need the object model (device
 * properties, sizes) are checked later, by whoever applies them.
 */
QaCli *qa_cli_parse(int argc, char **argv, GError **error);

void qa_cli_free(QaCli *cli);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaCli, qa_cli_free)

/** qa_cli_usage: the -help text (static). */
const char *qa_cli_usage(void);

G_END_DECLS

#endif
