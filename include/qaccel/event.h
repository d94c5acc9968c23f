/*
 * The internal event bus: QMP-shaped events (name, optional data object,
 * timestamp) that the QMP server, the tests and embedders subscribe to.
 * Emission and subscription are main-thread only; emission calls every
 * subscriber synchronously, in subscription order.
 */
#ifndef QACCEL_EVENT_H
#define QACCEL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct QaEvent {
    const char *name; /* "SHUTDOWN", ... */
    JsonObject *data; /* NULL if the event has no data */
    int64_t seconds;  /* wall clock at emission, -1 on failure */
    int64_t microseconds;
} QaEvent;

typedef void (*QaEventFn)(const QaEvent *event, void *opaque);

typedef struct QaEventBus QaEventBus;

/** qa_event_bus_new / _free: an empty bus. */
QaEventBus *qa_event_bus_new(void);
void qa_event_bus_free(QaEventBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaEventBus, qa_event_bus_free)

/** qa_event_bus_subscribe: add @fn; returns an id > 0 for unsubscribe. */
unsigned qa_event_bus_subscribe(QaEventBus *bus, QaEventFn fn, void *opaque);

/** qa_event_bus_unsubscribe: remove a subscription (unknown id: no-op). */
void qa_event_bus_unsubscribe(QaEventBus *bus, unsigned id);

/**
 * qa_event_bus_emit: timestamp and deliver an event.  Takes ownership of
 * @data (may be NULL).
 */
void qa_event_bus_emit(QaEventBus *bus, const char *name, JsonObject *data);

/*
 * Unsigned 64-bit values.  json-glib integers are gint64, but QMP carries
 * u64 values (Hyper-V crash arguments, GPAs, cookies) that QEMU prints
 * unsigned.  qaccel stores a value above G_MAXINT64 as a *sealed* string
 * node holding its decimal digits; the QMP writer prints such a node as a
 * bare number and the QMP parser produces one for an integer literal in
 * (G_MAXINT64, G_MAXUINT64].  Values that fit are plain int nodes.
 */

/** qa_json_node_new_u64: a new node for @v (int, or sealed digits). */
JsonNode *qa_json_node_new_u64(uint64_t v);

/** qa_json_object_set_u64: set member @name of @o to @v. */
void qa_json_object_set_u64(JsonObject *o, const char *name, uint64_t v);

/** qa_json_node_is_big_u64: whether @node is the sealed form above. */
bool qa_json_node_is_big_u64(JsonNode *node);

/**
 * qa_json_node_get_u64: read a non-negative integer node in either form
 * into @out; false for anything else (negative, float, string, ...).
 */
bool qa_json_node_get_u64(JsonNode *node, uint64_t *out);

/**
 * qa_event_to_json: the QMP wire form
 * {"event": ..., "data": ..., "timestamp": {...}} as a new JsonNode.
 */
JsonNode *qa_event_to_json(const QaEvent *event);

G_END_DECLS

#endif
