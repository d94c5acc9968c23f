/*
 * Devices: objects with realize/unrealize/reset, plus the interfaces that
 * let a board find its firmware and platform handlers.
 */
#ifndef QACCEL_DEVICE_H
#define QACCEL_DEVICE_H

#include <qaccel/object.h>

G_BEGIN_DECLS

#define QA_TYPE_DEVICE "device"

typedef struct QaMachine QaMachine;

typedef struct QaDevice {
    QaObject parent_obj;
    bool realized;
    char *id;           /* user id (-device id=), may be NULL */
    QaMachine *machine; /* set before realize */
} QaDevice;

typedef struct QaDeviceClass {
    QaObjectClass parent_class;
    /* realize: claim resources (I/O regions, handlers). */
    bool (*realize)(QaDevice *dev, GError **error);
    /* unrealize: release what realize took beyond the regions and GPIO
     * lists registered under the device's own pointer, which the base
     * class removes itself (also after a failed realize). */
    void (*unrealize)(QaDevice *dev);
    /* reset: return to power-on state (machine reset, wakeup). */
    void (*reset)(QaDevice *dev);
    bool user_creatable; /* may be created with -device */
} QaDeviceClass;

#define QA_DEVICE(o) QA_CAST(QaDevice, (o), QA_TYPE_DEVICE)
#define QA_DEVICE_GET_CLASS(o) QA_CLASS_OF(QaDeviceClass, (o), QA_TYPE_DEVICE)

/**
 * qa_device_realize: realize @dev (no-op if realized).  Returns false with
 * the class's error, prefixed with the device's id or type.
 */
bool qa_device_realize(QaDevice *dev, GError **error);

/** qa_device_unrealize: undo realize (no-op if not realized). */
void qa_device_unrealize(QaDevice *dev);

/** qa_device_reset: call the class reset hook, if any. */
void qa_device_reset(QaDevice *dev);

/**
 * qa_device_reset_tree: reset every realized device below @root (and
 * @root itself if it is one), depth first, children before parents.
 */
void qa_device_reset_tree(QaObject *root);

/* Register every type implemented by qom/ and hw/core (used by the
 * builtin type table). */
extern const QaTypeInfo qa_device_type_info;

G_END_DECLS

#endif
