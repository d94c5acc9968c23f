/*
 * Fuzz target: the QMP JSON streamer, parser and writer
 * (system/qmp-json.c).
 *
 * Input: u8 chunking seed, then the byte stream.  The stream is fed in
 * chunks whose sizes come from the seed (1 byte at a time, random sizes,
 * or all at once), which must not change what comes out: the same stream
 * fed whole gives the same messages and errors.  Every parsed message is
 * written out and fed to a fresh streamer again, which must give one
 * equal message; the writer's text must also be JSON to json-glib's own
 * parser, and writing is idempotent after one round (numbers normalise:
 * 1.0 is written "1", -0.0 is written "-0" and reads back as integer 0).
 */
#include <math.h>
#include "system/qmp-json.h"
#include "fuzz.h"

typedef struct Out {
    GPtrArray *items; /* "ok:" + text, or "err:" + message */
    GPtrArray *nodes; /* the messages (JsonNode *), in order */
} Out;

static void collect(void *opaque, JsonNode *msg, const char *error)
{
    Out *o = opaque;

    if (msg) {
        g_autofree char *t = qmp_json_to_string(msg);
        g_ptr_array_add(o->items, g_strconcat("ok:", t, NULL));
        g_ptr_array_add(o->nodes, msg);
    } else {
        fuzz_check(error && g_str_has_prefix(error, "JSON "),
                   "no message and error '%s'", error ? error : "(null)");
        g_ptr_array_add(o->items, g_strconcat("err:", error, NULL));
    }
}

static void out_init(Out *o)
{
    o->items = g_ptr_array_new_with_free_func(g_free);
    o->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
}

static void out_clear(Out *o)
{
    g_ptr_array_unref(o->items);
    g_ptr_array_unref(o->nodes);
}

/* Numbers compare by value (int 1 == double 1.0); non-finite is null. */
static bool same(JsonNode *a, JsonNode *b)
{
    JsonNodeType ta = JSON_NODE_TYPE(a), tb = JSON_NODE_TYPE(b);
    GType va = ta == JSON_NODE_VALUE ? json_node_get_value_type(a) : 0;
    GType vb = tb == JSON_NODE_VALUE ? json_node_get_value_type(b) : 0;
    bool na = va == G_TYPE_INT64 || va == G_TYPE_DOUBLE;
    bool nb = vb == G_TYPE_INT64 || vb == G_TYPE_DOUBLE;

    if (va == G_TYPE_DOUBLE && !isfinite(json_node_get_double(a))) {
        return tb == JSON_NODE_NULL;
    }
    if (na && nb) {
        return json_node_get_double(a) == json_node_get_double(b);
    }
    if (ta != tb || va != vb) {
        return false;
    }
    if (ta == JSON_NODE_OBJECT) {
        JsonObject *oa = json_node_get_object(a), *ob = json_node_get_object(b);
        JsonObjectIter it;
        const char *name;
        JsonNode *m;

        if (json_object_get_size(oa) != json_object_get_size(ob)) {
            return false;
        }
        json_object_iter_init_ordered(&it, oa);
        while (json_object_iter_next_ordered(&it, &name, &m)) {
            JsonNode *o = json_object_get_member(ob, name);
            if (!o || !same(m, o)) {
                return false;
            }
        }
        return true;
    }
    if (ta == JSON_NODE_ARRAY) {
        JsonArray *aa = json_node_get_array(a), *ab = json_node_get_array(b);
        guint n = json_array_get_length(aa);

        if (n != json_array_get_length(ab)) {
            return false;
        }
        for (guint i = 0; i < n; i++) {
            if (!same(json_array_get_element(aa, i),
                      json_array_get_element(ab, i))) {
                return false;
            }
        }
        return true;
    }
    if (va == G_TYPE_STRING) {
        return !strcmp(json_node_get_string(a), json_node_get_string(b));
    }
    if (va == G_TYPE_BOOLEAN) {
        return json_node_get_boolean(a) == json_node_get_boolean(b);
    }
    return true; /* null */
}

/* Parse one written message back; returns it (owned). */
static JsonNode *reparse(const char *text)
{
    QmpJsonStreamer *js;
    Out o;
    JsonNode *n;

    out_init(&o);
    js = qmp_json_streamer_new(collect, &o);
    qmp_json_streamer_feed(js, text, strlen(text));
    /* a top-level number or keyword ends only at the next byte */
    qmp_json_streamer_feed(js, "\n", 1);
    qmp_json_streamer_free(js);
    fuzz_check(o.items->len == 1 && o.nodes->len == 1,
               "'%s' read back as %u items, first '%s'", text, o.items->len,
               o.items->len ? (char *)g_ptr_array_index(o.items, 0) : "");
    n = json_node_ref(g_ptr_array_index(o.nodes, 0));
    out_clear(&o);
    return n;
}

static void check_round_trip(JsonNode *msg)
{
    g_autofree char *w1 = qmp_json_to_string(msg);
    g_autoptr(JsonParser) jp = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) n1 = NULL, n2 = NULL;
    g_autofree char *w2 = NULL, *w3 = NULL;

    for (const char *p = w1; *p; p++) {
        fuzz_check(*p >= 0x20 && *p < 0x7f, "writer emitted byte 0x%02x",
                   (unsigned char)*p);
    }
    fuzz_check(json_parser_load_from_data(jp, w1, -1, &err),
               "json-glib rejects the writer's '%s': %s", w1,
               err ? err->message : "");
    n1 = reparse(w1);
    fuzz_check(same(msg, n1), "'%s' read back differently", w1);
    w2 = qmp_json_to_string(n1);
    n2 = reparse(w2);
    w3 = qmp_json_to_string(n2);
    fuzz_check(!strcmp(w2, w3), "writer not idempotent: '%s' then '%s'", w2,
               w3);
}

/* Chunk sizes: 0 all at once, 1 byte-by-byte, otherwise pseudo-random. */
static size_t next_chunk(uint32_t *st, uint8_t mode, size_t left)
{
    if (mode == 0) {
        return left;
    }
    if (mode == 1) {
        return 1;
    }
    *st = *st * 1103515245u + 12345u;
    return MIN(left, 1 + (*st >> 16) % (mode * 2u));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    uint32_t st = mode;
    Out whole, chunked;
    QmpJsonStreamer *js;

    fuzz_quiet_logs();
    out_init(&whole);
    out_init(&chunked);

    js = qmp_json_streamer_new(collect, &whole);
    qmp_json_streamer_feed(js, (const char *)in.p, in.n);
    qmp_json_streamer_free(js);

    js = qmp_json_streamer_new(collect, &chunked);
    for (size_t off = 0, n; off < in.n; off += n) {
        n = next_chunk(&st, mode, in.n - off);
        qmp_json_streamer_feed(js, (const char *)in.p + off, n);
    }
    qmp_json_streamer_free(js);

    fuzz_check(whole.items->len == chunked.items->len,
               "%u results whole, %u chunked", whole.items->len,
               chunked.items->len);
    for (guint i = 0; i < whole.items->len; i++) {
        fuzz_check(!strcmp(g_ptr_array_index(whole.items, i),
                           g_ptr_array_index(chunked.items, i)),
                   "result %u: '%s' whole, '%s' chunked", i,
                   (char *)g_ptr_array_index(whole.items, i),
                   (char *)g_ptr_array_index(chunked.items, i));
    }
    for (guint i = 0; i < whole.nodes->len; i++) {
        check_round_trip(g_ptr_array_index(whole.nodes, i));
    }
    out_clear(&whole);
    out_clear(&chunked);
    return 0;
}
