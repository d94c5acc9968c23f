/*
 * Interrupt lines and per-device GPIO lists (a minimal form of QEMU's
 * qemu_irq and qdev GPIOs), enough for qtest's irq_intercept_in/out and
 * set_irq_in (docs/qtest.md).
 *
 * A QaIrq is one line: setting its level calls the handler of whoever
 * owns the input.  A device publishes
 *   - input lists: lines it owns, created by qa_gpio_init_in() with its
 *     handler (n = index in the list);
 *   - output lists: an array of QaIrq * slots inside the device that it
 *     raises through (qa_gpio_init_out()); a board connects each slot to
 *     some input with qa_gpio_connect_out().
 * Lists are named; NULL is the unnamed list ("unnamed-gpio-in" and
 * "unnamed-gpio-out" on the qtest wire).
 *
 * Interception (qtest) interposes a hook on every line of a list: the hook
 * sees (line index, level) and the line still reaches its original
 * destination.  Registration, lookup and interception are main-thread
 * only; qa_irq_set() may be called from any thread (the interceptor is
 * told which thread it runs on and must cope, see qtest-server.c).
 * A device must call qa_gpio_remove() before it is freed.
 */
#ifndef QACCEL_IRQ_H
#define QACCEL_IRQ_H

#include <qaccel/object.h>

G_BEGIN_DECLS

typedef struct QaIrq QaIrq;
typedef void (*QaIrqHandler)(void *opaque, int n, int level);

/** qa_irq_new: a line delivering to @handler(@opaque, @n, level). */
QaIrq *qa_irq_new(QaIrqHandler handler, void *opaque, int n);

/** qa_irq_free: free a line made by qa_irq_new(). NULL is ok. */
void qa_irq_free(QaIrq *irq);

/** qa_irq_set: drive @irq to @level (NULL: unconnected, no-op). */
void qa_irq_set(QaIrq *irq, int level);

static inline void qa_irq_raise(QaIrq *irq)
{
    qa_irq_set(irq, 1);
}

static inline void qa_irq_lower(QaIrq *irq)
{
    qa_irq_set(irq, 0);
}

/**
 * qa_gpio_init_in: give @obj @n input lines in list @name (NULL =
 * unnamed) delivering to @handler(@opaque, index, level).  Calling it
 * again for the same list appends lines (indices continue).
 */
void qa_gpio_init_in(QaObject *obj, const char *name, QaIrqHandler handler,
                     void *opaque, int n);

/**
 * qa_gpio_init_out: publish @n output slots @pins (inside the device,
 * initially NULL = unconnected) as list @name of @obj.
 */
void qa_gpio_init_out(QaObject *obj, const char *name, QaIrq **pins, int n);

/**
 * qa_gpio_get_in: input line @n of list @name of @obj, or NULL if there
 * is no such line (borrowed; owned by the registry).
 */
QaIrq *qa_gpio_get_in(QaObject *obj, const char *name, int n);

/**
 * qa_gpio_connect_out: connect output slot @n of list @name of @obj to
 * @target (NULL disconnects).  QA_ERROR_NOT_FOUND if there is no such
 * slot.
 */
bool qa_gpio_connect_out(QaObject *obj, const char *name, int n, QaIrq *target,
                         GError **error);

/**
 * qa_gpio_count: the number of lines in the in (@out false) or out list
 * @name of @obj, or -1 if @obj has no such list.
 */
int qa_gpio_count(QaObject *obj, const char *name, bool out);

/** qa_gpio_has_lists: whether @obj registered any GPIO list. */
bool qa_gpio_has_lists(QaObject *obj);

/**
 * qa_gpio_remove: forget every list of @obj (and any interception of
 * them).  Call from unrealize/finalize.
 */
void qa_gpio_remove(QaObject *obj);

/**
 * qa_gpio_intercept_in: interpose @hook on every input line of every list
 * of @obj.  The hook gets (@opaque, index in its list, level); the line's
 * own handler runs afterwards.  Returns false if @obj has no GPIO list.
 */
bool qa_gpio_intercept_in(QaObject *obj, QaIrqHandler hook, void *opaque);

/**
 * qa_gpio_intercept_out: interpose @hook on every slot of output list
 * @name (NULL = unnamed) of @obj; the level still reaches the connected
 * line (if any).  Returns false if there is no such list.
 */
bool qa_gpio_intercept_out(QaObject *obj, const char *name, QaIrqHandler hook,
                           void *opaque);

G_END_DECLS

#endif
