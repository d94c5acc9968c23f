/*
 * Interrupt lines and the per-object GPIO list registry (see
 * include/qaccel/irq.h).  The registry is a side table keyed by object
 * pointer so the object model needs no knowledge of GPIOs.
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/irq.h>

struct QaIrq {
    QaIrqHandler handler;
    void *opaque;
    int n;
    /* interception: published with an atomic store, read on any thread */
    QaIrqHandler hook;
    void *hook_opaque;
};

typedef struct GpioList {
    char *name; /* NULL = unnamed */
    bool out;
    GPtrArray *lines; /* in: QaIrq * owned here */
    QaIrq **pins;     /* out: the device's slots */
    int n_pins;
    QaIrq **shims; /* out, once intercepted: one per slot */
} GpioList;

static GHashTable *registry; /* QaObject * -> GPtrArray of GpioList * */

QaIrq *qa_irq_new(QaIrqHandler handler, void *opaque, int n)
{
    QaIrq *irq = g_new0(QaIrq, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

void qa_irq_free(QaIrq *irq)
{
    g_free(irq);
}

void qa_irq_set(QaIrq *irq, int level)
{
    QaIrqHandler hook;

    if (!irq) {
        return;
    }
    hook = (QaIrqHandler)g_atomic_pointer_get(&irq->hook);
    if (hook) {
        hook(irq->hook_opaque, irq->n, level);
    }
    if (irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

static void irq_set_hook(QaIrq *irq, QaIrqHandler hook, void *opaque)
{
    irq->hook_opaque = opaque;
    g_atomic_pointer_set(&irq->hook, (gpointer)hook);
}

static void gpio_list_free(gpointer p)
{
    GpioList *l = p;

    if (l->lines) {
        g_ptr_array_free(l->lines, TRUE);
    }
    if (l->shims) {
        /* Put the real connections back before the shims go away. */
        for (int i = 0; i < l->n_pins; i++) {
            l->pins[i] = l->shims[i]->opaque;
            qa_irq_free(l->shims[i]);
        }
        g_free(l->shims);
    }
    g_free(l->name);
    g_free(l);
}

static GPtrArray *lists_of(QaObject *obj, bool create)
{
    GPtrArray *lists;

    if (!registry) {
        if (!create) {
            return NULL;
        }
        registry = g_hash_table_new_full(NULL, NULL, NULL,
                                         (GDestroyNotify)g_ptr_array_unref);
    }
    lists = g_hash_table_lookup(registry, obj);
    if (!lists && create) {
        lists = g_ptr_array_new_with_free_func(gpio_list_free);
        g_hash_table_insert(registry, obj, lists);
    }
    return lists;
}

static GpioList *find_list(QaObject *obj, const char *name, bool out,
                           bool create)
{
    GPtrArray *lists = lists_of(obj, create);
    GpioList *l;

    for (guint i = 0; lists && i < lists->len; i++) {
        l = g_ptr_array_index(lists, i);
        if (l->out == out && g_strcmp0(l->name, name) == 0) {
            return l;
        }
    }
    if (!create) {
        return NULL;
    }
    l = g_new0(GpioList, 1);
    l->name = g_strdup(name);
    l->out = out;
    if (!out) {
        l->lines = g_ptr_array_new_with_free_func((GDestroyNotify)qa_irq_free);
    }
    g_ptr_array_add(lists, l);
    return l;
}

void qa_gpio_init_in(QaObject *obj, const char *name, QaIrqHandler handler,
                     void *opaque, int n)
{
    GpioList *l = find_list(obj, name, false, true);

    for (int i = 0; i < n; i++) {
        g_ptr_array_add(l->lines, qa_irq_new(handler, opaque, l->lines->len));
    }
}

void qa_gpio_init_out(QaObject *obj, const char *name, QaIrq **pins, int n)
{
    GpioList *l = find_list(obj, name, true, true);

    g_return_if_fail(l->pins == NULL);
    l->pins = pins;
    l->n_pins = n;
}

QaIrq *qa_gpio_get_in(QaObject *obj, const char *name, int n)
{
    GpioList *l = find_list(obj, name, false, false);

    if (!l || n < 0 || (guint)n >= l->lines->len) {
        return NULL;
    }
    return g_ptr_array_index(l->lines, n);
}

bool qa_gpio_connect_out(QaObject *obj, const char *name, int n, QaIrq *target,
                         GError **error)
{
    GpioList *l = find_list(obj, name, true, false);

    if (!l || n < 0 || n >= l->n_pins) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                    "%s has no GPIO output %s[%d]", qa_object_type_name(obj),
                    name ? name : "unnamed-gpio-out", n);
        return false;
    }
    if (l->shims) {
        /* Intercepted: the slot holds the shim; re-target what it feeds. */
        l->shims[n]->opaque = target;
    } else {
        l->pins[n] = target;
    }
    return true;
}

int qa_gpio_count(QaObject *obj, const char *name, bool out)
{
    GpioList *l = find_list(obj, name, out, false);

    if (!l) {
        return -1;
    }
    return out ? l->n_pins : (int)l->lines->len;
}

bool qa_gpio_has_lists(QaObject *obj)
{
    GPtrArray *lists = lists_of(obj, false);

    return lists && lists->len > 0;
}

void qa_gpio_remove(QaObject *obj)
{
    if (registry) {
        g_hash_table_remove(registry, obj);
    }
}

bool qa_gpio_intercept_in(QaObject *obj, QaIrqHandler hook, void *opaque)
{
    GPtrArray *lists = lists_of(obj, false);

    if (!lists || lists->len == 0) {
        return false;
    }
    for (guint i = 0; i < lists->len; i++) {
        GpioList *l = g_ptr_array_index(lists, i);
        for (guint j = 0; !l->out && j < l->lines->len; j++) {
            irq_set_hook(g_ptr_array_index(l->lines, j), hook, opaque);
        }
    }
    return true;
}

/* A shim's handler forwards to the line the slot was connected to. */
static void shim_forward(void *opaque, int n, int level)
{
    qa_irq_set(opaque, level);
}

bool qa_gpio_intercept_out(QaObject *obj, const char *name, QaIrqHandler hook,
                           void *opaque)
{
    GpioList *l = find_list(obj, name, true, false);

    if (!l) {
        return false;
    }
    if (!l->shims) {
        l->shims = g_new0(QaIrq *, l->n_pins);
        for (int i = 0; i < l->n_pins; i++) {
            l->shims[i] = qa_irq_new(shim_forward, l->pins[i], i);
        }
    }
    for (int i = 0; i < l->n_pins; i++) {
        irq_set_hook(l->shims[i], hook, opaque);
        l->pins[i] = l->shims[i];
    }
    return true;
}
