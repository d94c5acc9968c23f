/*
 * The QMP JSON streamer and writer (system/qmp-json.c): message framing,
 * QEMU's error texts, recovery after lexical errors, limits, and the
 * compact ASCII output form.
 */
#include <string.h>
#include <qaccel/event.h>
#include "system/qmp-json.h"

typedef struct Collected {
    GPtrArray *items; /* "ok:<json>" or "err:<text>" */
} Collected;

static void collect(void *opaque, JsonNode *msg, const char *error)
{
    Collected *c = opaque;

    if (msg) {
        g_autofree char *t = qmp_json_to_string(msg);
        g_ptr_array_add(c->items, g_strconcat("ok:", t, NULL));
        json_node_unref(msg);
    } else {
        g_ptr_array_add(c->items, g_strconcat("err:", error, NULL));
    }
}

/* Feed @in (in chunks of @chunk bytes, 0 = all at once). */
static GPtrArray *run(const char *in, size_t len, size_t chunk)
{
    Collected c = {g_ptr_array_new_with_free_func(g_free)};
    QmpJsonStreamer *js = qmp_json_streamer_new(collect, &c);

    if (!chunk) {
        chunk = len;
    }
    for (size_t off = 0; off < len; off += chunk) {
        qmp_json_streamer_feed(js, in + off, MIN(chunk, len - off));
    }
    qmp_json_streamer_free(js);
    return c.items;
}

static void check(const char *in, const char *const *want)
{
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        g_autoptr(GPtrArray) got = run(in, strlen(in), chunk);
        guint n = g_strv_length((char **)want);

        for (guint i = 0; i < MAX(n, got->len); i++) {
            const char *g = i < got->len ? g_ptr_array_index(got, i) : "(none)";
            const char *w = i < n ? want[i] : "(none)";
            if (strcmp(g, w) != 0) {
                g_error("input %s chunk %zu: message %u is %s, expected %s", in,
                        chunk, i, g, w);
            }
        }
    }
}

#define CHECK(in, ...)                                                         \
    do {                                                                       \
        const char *const w_[] = {__VA_ARGS__, NULL};                          \
        check(in, w_);                                                         \
    } while (0)

static void test_framing(void)
{
    CHECK("{\"execute\": \"x\"}", "ok:{\"execute\": \"x\"}");
    CHECK("{\"a\":1}{\"b\":[1,2,{}]}\n", "ok:{\"a\": 1}",
          "ok:{\"b\": [1, 2, {}]}");
    CHECK("  \r\n\t{\"a\" : \"}\"}", "ok:{\"a\": \"}\"}");
    CHECK("[] 1 \"s\" true ", "ok:[]", "ok:1", "ok:\"s\"", "ok:true");
    CHECK("{'a': 'it''s'}", "err:JSON parse error, expected separator in dict");
    CHECK("{'a\\'b': \"q\\\"\\u00e9\\ud83d\\ude00\"}",
          "ok:{\"a'b\": \"q\\\"\\u00e9\\ud83d\\ude00\"}");
    CHECK("{\"n\": -12.5e1, \"i\": -7, \"z\": null, \"f\": false}",
          "ok:{\"n\": -125, \"i\": -7, \"z\": null, \"f\": false}");
}

static void test_errors(void)
{
    CHECK("{\"execute\": \"query-status\"]",
          "err:JSON parse error, expected separator in dict");
    CHECK("foo ", "err:JSON parse error, invalid keyword 'foo'");
    CHECK("}", "err:JSON parse error, expecting value");
    CHECK("[1 2]", "err:JSON parse error, expected separator in list");
    CHECK("{1: 2}", "err:JSON parse error, key is not a string in object");
    CHECK("{\"a\" 2}", "err:JSON parse error, missing : in object pair");
    CHECK("{\"a\": }", "err:JSON parse error, expecting value");
    CHECK("{\"a\": 1, \"a\": 2}", "err:JSON parse error, duplicate key");
    CHECK("\"\\u0000\"", "err:JSON parse error, \\u0000 is not supported");
    CHECK("\"\xc3\x28\"",
          "err:JSON parse error, invalid UTF-8 sequence in string");
    /* lexical error: report, then skip to a structural char or newline */
    CHECK("@@@ junk\n{\"a\": 1}", "err:JSON parse error, stray '@'",
          "ok:{\"a\": 1}");
    CHECK("{\"a\": @ 1}\n[2]", "err:JSON parse error, stray '@'",
          "err:JSON parse error, expecting value", "ok:[2]");
    CHECK("\"bad \\q\"\n3 ", "err:JSON parse error, stray '\"bad \\q'", "ok:3");
    CHECK("01 ", "err:JSON parse error, stray '01'");
    /* 0xff resets the parser silently (QEMU's way to resync) */
    CHECK("{\"a\": \xff{\"b\": 2}", "ok:{\"b\": 2}");
}

static void test_nesting_limit(void)
{
    GString *s = g_string_new(NULL);
    g_autoptr(GPtrArray) got = NULL;

    for (int i = 0; i < QMP_JSON_MAX_NESTING + 1; i++) {
        g_string_append_c(s, '[');
    }
    got = run(s->str, s->len, 0);
    g_assert_cmpuint(got->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==,
                    "err:JSON nesting depth limit exceeded");
    g_string_free(s, TRUE);
}

static void test_writer(void)
{
    g_autoptr(JsonObject) o = json_object_new();
    g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
    g_autofree char *t = NULL;

    json_object_set_string_member(o, "s",
                                  "tab\there \"q\" \\ \x01 \xe2\x82\xac");
    json_object_set_int_member(o, "i", G_MININT64);
    json_object_set_double_member(o, "d", 0.5);
    json_object_set_boolean_member(o, "b", TRUE);
    json_object_set_null_member(o, "z");
    json_object_set_array_member(o, "a", json_array_new());
    json_node_set_object(n, o);
    t = qmp_json_to_string(n);
    g_assert_cmpstr(t, ==,
                    "{\"s\": \"tab\\there \\\"q\\\" \\\\ \\u0001 \\u20ac\", "
                    "\"i\": -9223372036854775808, \"d\": 0.5, \"b\": true, "
                    "\"z\": null, \"a\": []}");
}

/*
 * Unsigned 64-bit values: printed unsigned, as QEMU does, and parsed back
 * into the same node form; a client string of digits stays a string.
 */
static void test_u64(void)
{
    g_autoptr(JsonObject) o = json_object_new();
    g_autoptr(JsonNode) n = json_node_new(JSON_NODE_OBJECT);
    g_autofree char *t = NULL;
    uint64_t v = 0;

    json_object_set_member(o, "big",
                           qmp_json_node_new_u64(0x8100000000051000ull));
    json_object_set_member(o, "max", qmp_json_node_new_u64(G_MAXUINT64));
    json_object_set_member(o, "small", qmp_json_node_new_u64(5));
    json_node_set_object(n, o);
    t = qmp_json_to_string(n);
    g_assert_cmpstr(t, ==,
                    "{\"big\": 9295429630893035520, "
                    "\"max\": 18446744073709551615, \"small\": 5}");
    g_assert_true(qmp_json_node_get_u64(json_object_get_member(o, "big"), &v));
    g_assert_cmphex(v, ==, 0x8100000000051000ull);
    g_assert_true(
        qmp_json_node_get_u64(json_object_get_member(o, "small"), &v));
    g_assert_cmpuint(v, ==, 5);

    const char in[] = "{\"a\": 18446744073709551615, \"b\": \"123\", "
                      "\"c\": -9223372036854775809, "
                      "\"d\": 18446744073709551616}\n";
    g_autoptr(GPtrArray) items = run(in, strlen(in), 0);
    g_assert_cmpuint(items->len, ==, 1);
    /* u64 kept exact; "123" stays a string; beyond u64: a double */
    g_assert_true(g_str_has_prefix(g_ptr_array_index(items, 0),
                                   "ok:{\"a\": 18446744073709551615, "
                                   "\"b\": \"123\", \"c\": "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-json/u64", test_u64);
    g_test_add_func("/qmp-json/framing", test_framing);
    g_test_add_func("/qmp-json/errors", test_errors);
    g_test_add_func("/qmp-json/nesting-limit", test_nesting_limit);
    g_test_add_func("/qmp-json/writer", test_writer);
    return g_test_run();
}
