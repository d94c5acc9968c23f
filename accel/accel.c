/*
 * Accelerator registry and the backend-neutral accelerator API.
 */
#include <qaccel/accel.h>
#include <qaccel/error.h>
#include "vcpu-loop.h"

static void accel_class_init(QaObjectClass *klass, const void *data)
{
}

const QaTypeInfo qa_accel_type_info = {
    .name = QA_TYPE_ACCEL,
    .parent = QA_TYPE_OBJECT,
    .description = "accelerator base class",
    .abstract = true,
    .instance_size = sizeof(QaAccel),
    .class_size = sizeof(QaAccelClass),
    .class_init = accel_class_init,
};

static gint accel_name_cmp(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(((const QaAccelClass *)a)->name,
                     ((const QaAccelClass *)b)->name);
}

GSList *qa_accel_list(void)
{
    GSList *types = qa_type_list(QA_TYPE_ACCEL, false);
    GSList *out = NULL;

    for (GSList *l = types; l; l = l->next) {
        QaAccelClass *ac = (QaAccelClass *)qa_type_get_class(l->data);
        if (ac->name) {
            out = g_slist_insert_sorted(out, ac, accel_name_cmp);
        }
    }
    g_slist_free(types);
    return out;
}

QaAccelClass *qa_accel_find_class(const char *name)
{
    g_autoptr(GSList) list = qa_accel_list();

    for (GSList *l = list; l; l = l->next) {
        QaAccelClass *ac = l->data;
        if (g_str_equal(ac->name, name)) {
            return ac;
        }
    }
    return NULL;
}

QaAccel *qa_accel_select(const char *spec, GError **error)
{
    g_auto(GStrv) names = g_strsplit(spec, ":", -1);
    g_autoptr(GString) why = g_string_new(NULL);

    if (!names[0]) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "-accel: no accelerator named");
        return NULL;
    }
    for (int i = 0; names[i]; i++) {
        QaAccelClass *ac = qa_accel_find_class(names[i]);
        g_autoptr(GError) err = NULL;

        if (!ac) {
            g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                        "-accel: unknown accelerator '%s' (try -accel help)",
                        names[i]);
            return NULL;
        }
        if (!ac->probe || ac->probe(&err)) {
            return (QaAccel *)qa_object_new(
                qa_type_name(((QaObjectClass *)ac)->type), error);
        }
        g_string_append_printf(why, "%s%s: %s", why->len ? "; " : "", names[i],
                               err ? err->message : "unusable");
    }
    g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                "-accel %s: no accelerator is usable here (%s)", spec,
                why->str);
    return NULL;
}

const char *qa_accel_name(QaAccel *accel)
{
    return QA_ACCEL_GET_CLASS(accel)->name;
}

bool qa_accel_init_machine(QaAccel *accel, QaMachine *m, GError **error)
{
    QaAccelClass *ac = QA_ACCEL_GET_CLASS(accel);

    accel->machine = m;
    m->accel = accel;
    if (ac->init_machine && !ac->init_machine(accel, m, error)) {
        g_prefix_error(error, "%s accelerator: ", ac->name);
        return false;
    }
    return true;
}

bool qa_accel_start(QaAccel *accel, GError **error)
{
    QaAccelClass *ac = QA_ACCEL_GET_CLASS(accel);

    if (ac->start && !ac->start(accel, error)) {
        g_prefix_error(error, "%s accelerator: ", ac->name);
        return false;
    }
    return true;
}

void qa_accel_pause_all(QaAccel *accel)
{
    if (accel && accel->loop) {
        qa_vcpu_loop_pause(accel->loop);
    }
}

void qa_accel_resume_all(QaAccel *accel)
{
    if (accel && accel->loop) {
        qa_vcpu_loop_resume(accel->loop);
    }
}

void qa_accel_requests_done(QaAccel *accel)
{
    if (accel && accel->loop) {
        qa_vcpu_loop_request_done(accel->loop);
    }
}

void qa_accel_reset_vcpus(QaAccel *accel)
{
    const QaAccelOps *ops = accel ? QA_ACCEL_GET_CLASS(accel)->ops : NULL;

    if (!ops || !ops->vcpu_reset || !accel->machine) {
        return;
    }
    for (uint32_t i = 0; i < accel->machine->cpus; i++) {
        g_autoptr(GError) err = NULL;
        if (!ops->vcpu_reset(accel, &accel->machine->vcpus[i], &err)) {
            g_warning("vCPU %u reset: %s", i, err->message);
        }
    }
}

int64_t qa_accel_clock_ns(QaAccel *accel)
{
    QaAccelClass *ac = accel ? QA_ACCEL_GET_CLASS(accel) : NULL;

    if (ac && ac->get_clock) {
        return ac->get_clock(accel);
    }
    return g_get_monotonic_time() * 1000;
}

void qa_accel_teardown(QaAccel *accel)
{
    QaAccelClass *ac = QA_ACCEL_GET_CLASS(accel);

    if (ac->teardown) {
        ac->teardown(accel);
    }
}
