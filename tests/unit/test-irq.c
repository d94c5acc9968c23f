/*
 * Interrupt lines and the GPIO list registry (hw/core/irq.c): delivery,
 * in/out lists, interception that still propagates, removal.
 */
#include <qaccel/error.h>
#include <qaccel/irq.h>

typedef struct Log {
    int n[16], level[16], count;
} Log;

static void record(void *opaque, int n, int level)
{
    Log *l = opaque;

    g_assert_cmpint(l->count, <, 16);
    l->n[l->count] = n;
    l->level[l->count++] = level;
}

static QaObject *objs[2];

static QaObject *fake_obj(int i)
{
    if (!objs[i]) {
        objs[i] = qa_object_new("container", NULL);
        g_assert_nonnull(objs[i]);
    }
    return objs[i];
}

static void test_lines(void)
{
    Log l = {0};
    QaIrq *irq = qa_irq_new(record, &l, 3);

    qa_irq_raise(irq);
    qa_irq_lower(irq);
    qa_irq_set(NULL, 1);
    g_assert_cmpint(l.count, ==, 2);
    g_assert_cmpint(l.n[0], ==, 3);
    g_assert_cmpint(l.level[0], ==, 1);
    g_assert_cmpint(l.level[1], ==, 0);
    qa_irq_free(irq);
}

static void test_in_lists(void)
{
    QaObject *dev = fake_obj(0);
    Log dev_log = {0}, hook_log = {0};

    g_assert_false(qa_gpio_has_lists(dev));
    qa_gpio_init_in(dev, NULL, record, &dev_log, 2);
    qa_gpio_init_in(dev, NULL, record, &dev_log, 1);
    qa_gpio_init_in(dev, "named", record, &dev_log, 1);
    g_assert_true(qa_gpio_has_lists(dev));
    g_assert_cmpint(qa_gpio_count(dev, NULL, false), ==, 3);
    g_assert_cmpint(qa_gpio_count(dev, "named", false), ==, 1);
    g_assert_cmpint(qa_gpio_count(dev, "nosuch", false), ==, -1);
    g_assert_null(qa_gpio_get_in(dev, NULL, 3));
    qa_irq_set(qa_gpio_get_in(dev, NULL, 2), 1);
    g_assert_cmpint(dev_log.n[0], ==, 2);

    g_assert_true(qa_gpio_intercept_in(dev, record, &hook_log));
    qa_irq_set(qa_gpio_get_in(dev, "named", 0), 5);
    /* the hook saw it, and the device still got it */
    g_assert_cmpint(hook_log.count, ==, 1);
    g_assert_cmpint(hook_log.n[0], ==, 0);
    g_assert_cmpint(hook_log.level[0], ==, 5);
    g_assert_cmpint(dev_log.count, ==, 2);
    qa_gpio_remove(dev);
    g_assert_false(qa_gpio_has_lists(dev));
    g_assert_false(qa_gpio_intercept_in(dev, record, &hook_log));
}

static void test_out_lists(void)
{
    QaObject *dev = fake_obj(1);
    QaIrq *pins[2] = {NULL, NULL};
    Log target_log = {0}, hook_log = {0};
    QaIrq *target = qa_irq_new(record, &target_log, 7);
    g_autoptr(GError) err = NULL;

    qa_gpio_init_out(dev, "sci", pins, 2);
    g_assert_cmpint(qa_gpio_count(dev, "sci", true), ==, 2);
    g_assert_true(qa_gpio_connect_out(dev, "sci", 0, target, &err));
    g_assert_false(qa_gpio_connect_out(dev, "sci", 2, target, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_false(qa_gpio_intercept_out(dev, NULL, record, &hook_log));
    g_assert_true(qa_gpio_intercept_out(dev, "sci", record, &hook_log));
    qa_irq_raise(pins[0]);
    qa_irq_raise(pins[1]); /* unconnected: only the hook */
    g_assert_cmpint(hook_log.count, ==, 2);
    g_assert_cmpint(hook_log.n[1], ==, 1);
    g_assert_cmpint(target_log.count, ==, 1);
    g_assert_cmpint(target_log.n[0], ==, 7);
    /* connecting after interception keeps the hook in place */
    g_assert_true(qa_gpio_connect_out(dev, "sci", 1, target, NULL));
    qa_irq_lower(pins[1]);
    g_assert_cmpint(hook_log.count, ==, 3);
    g_assert_cmpint(target_log.count, ==, 2);
    qa_gpio_remove(dev);
    g_assert_true(pins[0] == target); /* real connections restored */
    qa_irq_free(target);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qa_types_register_builtin();
    g_test_add_func("/irq/lines", test_lines);
    g_test_add_func("/irq/in-lists", test_in_lists);
    g_test_add_func("/irq/out-lists", test_out_lists);
    return g_test_run();
}
