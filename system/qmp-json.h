/*
 * QMP's JSON framing and text form, on json-glib's data model.
 *
 * QMP input is a stream of JSON values with no delimiter other than the
 * values themselves, so it needs a streaming lexer that knows where one
 * message ends (json-glib parses whole documents only).  The streamer
 * below follows QEMU's json-lexer/json-streamer/json-parser: same token
 * rules (including single-quoted strings), same message boundaries, same
 * recovery after a lexical error, and the same error texts, and builds
 * JsonNode trees.  The writer produces QEMU's compact form
 * ({"a": 1, "b": [2, 3]}) in pure ASCII (\uXXXX escapes).  Internal.
 */
#ifndef QACCEL_SYSTEM_QMP_JSON_H
#define QACCEL_SYSTEM_QMP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Limits, as QEMU's streamer. */
#define QMP_JSON_MAX_TOKEN_SIZE (64u * 1024 * 1024)
#define QMP_JSON_MAX_TOKEN_COUNT (2u * 1024 * 1024)
#define QMP_JSON_MAX_NESTING 1024

typedef struct QmpJsonStreamer QmpJsonStreamer;

/*
 * One complete message: @msg (owned by the callee) on success, or NULL and
 * @error, the full QMP error description ("JSON parse error, ...").
 */
typedef void (*QmpJsonEmit)(void *opaque, JsonNode *msg, const char *error);

/** qmp_json_streamer_new: a streamer delivering to @emit(@opaque, ...). */
QmpJsonStreamer *qmp_json_streamer_new(QmpJsonEmit emit, void *opaque);

/** qmp_json_streamer_free: drop any partial message. NULL is ok. */
void qmp_json_streamer_free(QmpJsonStreamer *js);

/**
 * qmp_json_streamer_feed: lex @len bytes; @emit runs for each message
 * completed by them, in order.
 */
void qmp_json_streamer_feed(QmpJsonStreamer *js, const char *buf, size_t len);

/**
 * qmp_json_append: append @node in QEMU's compact ASCII text form to
 * @out (no newline).  Object members keep their order.
 */
void qmp_json_append(GString *out, JsonNode *node);

/** qmp_json_to_string: the same as a new string. */
char *qmp_json_to_string(JsonNode *node);

/*
 * Unsigned 64-bit values.  json-glib integers are gint64, but QMP carries
 * u64 values (qom-set of a uint64 property, qom-get of one) that QEMU
 * reads and prints unsigned.  The control plane stores a value above
 * G_MAXINT64 as a *sealed* string node holding its decimal digits: the
 * writer prints it as a bare number, the parser produces one for an
 * integer literal in (G_MAXINT64, G_MAXUINT64].  Values that fit are plain
 * int nodes.  (Events are GVariants and print u64 directly.)
 */

/** qmp_json_node_new_u64: a new node for @v (int, or sealed digits). */
JsonNode *qmp_json_node_new_u64(uint64_t v);

/** qmp_json_node_is_big_u64: whether @node is the sealed form above. */
bool qmp_json_node_is_big_u64(JsonNode *node);

/**
 * qmp_json_node_get_u64: read a non-negative integer node in either form
 * into @out; false for anything else (negative, float, string, ...).
 */
bool qmp_json_node_get_u64(JsonNode *node, uint64_t *out);

G_END_DECLS

#endif
