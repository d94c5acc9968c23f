/*
 * The device base type: realize / unrealize / reset around class hooks.
 *
 * A device is configured through its properties, then realized (claims
 * its resources); read_only properties are frozen from then on.  Removing
 * a device from the tree unrealizes it, so tearing down a machine releases
 * every device's resources while the machine is still intact.
 */
#include <qaccel/device.h>
#include <qaccel/error.h>
#include <qaccel/irq.h>
#include <qaccel/machine.h>

static char *device_get_realized(QaObject *obj, const QaProperty *prop)
{
    return g_strdup(((QaDevice *)obj)->realized ? "true" : "false");
}

static const QaProperty device_props[] = {
    {
        .name = "realized",
        .kind = QA_PROP_BOOL,
        .doc = "Whether the device has been realized (read-only)",
        .get = device_get_realized,
    },
    QA_PROPERTY_END,
};

static bool device_is_frozen(QaObject *obj)
{
    return ((QaDevice *)obj)->realized;
}

static bool unrealize_subtree(QaObject *obj, void *opaque)
{
    QaDevice *dev = (QaDevice *)qa_object_dynamic_cast(obj, QA_TYPE_DEVICE);

    qa_object_foreach_child(obj, unrealize_subtree, NULL);
    if (dev) {
        qa_device_unrealize(dev);
    }
    return true;
}

/*
 * Leaving the tree: release resources bottom-up, so a device's children
 * (which may use its resources) go before it, as in qa_device_reset_tree.
 */
static void device_unparent(QaObject *obj)
{
    unrealize_subtree(obj, NULL);
}

static void device_class_init(QaObjectClass *klass, const void *data)
{
    klass->unparent = device_unparent;
    klass->is_frozen = device_is_frozen;
    qa_class_add_properties(klass, device_props);
}

static void device_instance_finalize(QaObject *obj)
{
    QaDevice *dev = (QaDevice *)obj;

    /*
     * Subclass finalizers have already run, so it is too late to call
     * unrealize: a realized device must leave through qa_object_unparent()
     * (or qa_device_unrealize()) before its last reference goes.
     */
    if (dev->realized) {
        g_critical("device '%s' (%s) finalized while still realized",
                   dev->id ? dev->id : "", qa_object_type_name(obj));
    }
    g_free(dev->id);
}

const QaTypeInfo qa_device_type_info = {
    .name = QA_TYPE_DEVICE,
    .parent = QA_TYPE_OBJECT,
    .description = "Base type of all devices",
    .instance_size = sizeof(QaDevice),
    .class_size = sizeof(QaDeviceClass),
    .abstract = true,
    .class_init = device_class_init,
    .instance_finalize = device_instance_finalize,
};

/*
 * Drop what a device registers under its own pointer: its I/O and memory
 * regions and its GPIO lists.  Run after the class unrealize hook and
 * after a failed realize, so no region can outlive its device.
 */
static void release_resources(QaDevice *dev)
{
    if (dev->machine) {
        if (dev->machine->io) {
            qa_address_space_remove(dev->machine->io, dev);
        }
        if (dev->machine->mem) {
            qa_address_space_remove(dev->machine->mem, dev);
        }
    }
    qa_gpio_remove(QA_OBJECT(dev));
}

bool qa_device_realize(QaDevice *dev, GError **error)
{
    QaDeviceClass *dc = QA_DEVICE_GET_CLASS(dev);
    g_autoptr(GError) local = NULL;
    const char *type = qa_object_type_name(QA_OBJECT(dev));

    if (dev->realized) {
        return true;
    }
    if (dc->realize && !dc->realize(dev, &local)) {
        release_resources(dev);
        if (!local) {
            local = g_error_new(QA_ERROR, QA_ERROR_FAILED, "realize failed");
        }
        if (dev->id) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "%s (id %s): ", type, dev->id);
        } else {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "%s: ", type);
        }
        return false;
    }
    dev->realized = true;
    return true;
}

void qa_device_unrealize(QaDevice *dev)
{
    QaDeviceClass *dc = QA_DEVICE_GET_CLASS(dev);

    if (!dev->realized) {
        return;
    }
    if (dc->unrealize) {
        dc->unrealize(dev);
    }
    release_resources(dev);
    dev->realized = false;
}

void qa_device_reset(QaDevice *dev)
{
    QaDeviceClass *dc = QA_DEVICE_GET_CLASS(dev);

    if (dc->reset) {
        dc->reset(dev);
    }
}

static bool reset_subtree(QaObject *obj, void *opaque)
{
    QaDevice *dev;

    qa_object_foreach_child(obj, reset_subtree, NULL);
    dev = (QaDevice *)qa_object_dynamic_cast(obj, QA_TYPE_DEVICE);
    if (dev && dev->realized) {
        qa_device_reset(dev);
    }
    return true;
}

void qa_device_reset_tree(QaObject *root)
{
    reset_subtree(root, NULL);
}
