/*
 * Unit tests for properties: every kind's default, string round trip and
 * error message, links, computed and read-only properties, GVariant
 * access, typed shortcuts and the strict parsing helpers.
 */
#include <qaccel/device.h>
#include <qaccel/error.h>

#define TYPE_PROPS "test-props"
#define TYPE_PROPS_CHILD "test-props-child"

typedef struct TestProps {
    QaDevice parent_obj;
    bool flag;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    char *str;
    char *nostr;
    int mode;
    uint64_t size;
    QaObject *peer;
    QaObject *any;
    uint32_t ioport;
    char *label; /* behind the computed "label" */
} TestProps;

static const char *const mode_names[] = {"off", "low", "high", NULL};

static char *label_get(QaObject *obj, const QaProperty *prop)
{
    const char *l = ((TestProps *)obj)->label;

    return g_strdup_printf("<%s>", l ? l : "");
}

static bool label_set(QaObject *obj, const QaProperty *prop, const char *value,
                      GError **error)
{
    TestProps *p = (TestProps *)obj;

    if (strchr(value, '<')) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property '%s': '%s' contains '<'", prop->name, value);
        return false;
    }
    g_free(p->label);
    p->label = g_strdup(value);
    return true;
}

static char *answer_get(QaObject *obj, const QaProperty *prop)
{
    return g_strdup("42");
}

static bool sink_set(QaObject *obj, const QaProperty *prop, const char *value,
                     GError **error)
{
    return true;
}

#define F(field) offsetof(TestProps, field)

static const QaProperty props_props[] = {
    {.name = "flag",
     .kind = QA_PROP_BOOL,
     .offset = F(flag),
     .def.b = true,
     .doc = "a flag"},
    {.name = "i8", .kind = QA_PROP_INT8, .offset = F(i8), .def.i = -5},
    {.name = "i16", .kind = QA_PROP_INT16, .offset = F(i16), .def.i = -300},
    {.name = "i32", .kind = QA_PROP_INT32, .offset = F(i32), .def.i = 70000},
    {.name = "i64",
     .kind = QA_PROP_INT64,
     .offset = F(i64),
     .def.i = INT64_MIN},
    {.name = "u8", .kind = QA_PROP_UINT8, .offset = F(u8), .def.u = 200},
    {.name = "u16", .kind = QA_PROP_UINT16, .offset = F(u16), .def.u = 60000},
    {.name = "u32",
     .kind = QA_PROP_UINT32,
     .offset = F(u32),
     .def.u = 4000000000u},
    {.name = "u64",
     .kind = QA_PROP_UINT64,
     .offset = F(u64),
     .def.u = UINT64_MAX},
    {.name = "str", .kind = QA_PROP_STRING, .offset = F(str), .def.s = "hello"},
    {.name = "nostr", .kind = QA_PROP_STRING, .offset = F(nostr)},
    {.name = "mode",
     .kind = QA_PROP_ENUM,
     .offset = F(mode),
     .def.s = "low",
     .enum_names = mode_names},
    {.name = "size", .kind = QA_PROP_SIZE, .offset = F(size), .def.u = 1 << 20},
    {.name = "peer",
     .kind = QA_PROP_LINK,
     .offset = F(peer),
     .link_type = TYPE_PROPS},
    {.name = "any", .kind = QA_PROP_LINK, .offset = F(any)},
    {.name = "ioport",
     .kind = QA_PROP_UINT32,
     .offset = F(ioport),
     .def.u = 0x505,
     .read_only = true},
    {.name = "label",
     .kind = QA_PROP_STRING,
     .get = label_get,
     .set = label_set},
    {.name = "answer", .kind = QA_PROP_UINT32, .get = answer_get},
    {.name = "sink", .kind = QA_PROP_STRING, .set = sink_set},
    QA_PROPERTY_END,
};

static void props_class_init(QaObjectClass *klass, const void *data)
{
    qa_class_add_properties(klass, props_props);
}

static void props_finalize(QaObject *obj)
{
    g_free(((TestProps *)obj)->label);
}

static const QaTypeInfo props_info = {
    .name = TYPE_PROPS,
    .parent = QA_TYPE_DEVICE,
    .instance_size = sizeof(TestProps),
    .class_init = props_class_init,
    .instance_finalize = props_finalize,
};

/* A subclass that redeclares "u8" with another default and adds one. */
static const QaProperty child_props[] = {
    {.name = "extra", .kind = QA_PROP_BOOL, .offset = F(flag)},
    {.name = "u8", .kind = QA_PROP_UINT8, .offset = F(u8), .def.u = 7},
    QA_PROPERTY_END,
};

static void child_class_init(QaObjectClass *klass, const void *data)
{
    qa_class_add_properties(klass, child_props);
}

static const QaTypeInfo child_info = {
    .name = TYPE_PROPS_CHILD,
    .parent = TYPE_PROPS,
    .class_init = child_class_init,
};

static QaObject *new_props(void)
{
    g_autoptr(GError) err = NULL;
    QaObject *obj = qa_object_new(TYPE_PROPS, &err);

    g_assert_no_error(err);
    return obj;
}

static void assert_get(QaObject *obj, const char *name, const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *got = qa_object_get_str(obj, name, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(got, ==, want);
}

/* Set @value and read back @want. */
static void assert_roundtrip(QaObject *obj, const char *name, const char *value,
                             const char *want)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qa_object_set_str(obj, name, value, &err));
    g_assert_no_error(err);
    assert_get(obj, name, want);
}

/* Setting @value fails with @code and @message, leaving the old value. */
static void assert_set_fails(QaObject *obj, const char *name, const char *value,
                             int code, const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *before = qa_object_get_str(obj, name, NULL);
    g_autofree char *after = NULL;

    g_assert_false(qa_object_set_str(obj, name, value, &err));
    g_assert_error(err, QA_ERROR, code);
    g_assert_cmpstr(err->message, ==, message);
    after = qa_object_get_str(obj, name, NULL);
    g_assert_cmpstr(after, ==, before);
}

static void test_defaults(void)
{
    g_autoptr(QaObject) obj = new_props();
    TestProps *p = (TestProps *)obj;

    assert_get(obj, "flag", "true");
    assert_get(obj, "i8", "-5");
    assert_get(obj, "i16", "-300");
    assert_get(obj, "i32", "70000");
    assert_get(obj, "i64", "-9223372036854775808");
    assert_get(obj, "u8", "200");
    assert_get(obj, "u16", "60000");
    assert_get(obj, "u32", "4000000000");
    assert_get(obj, "u64", "18446744073709551615");
    assert_get(obj, "str", "hello");
    assert_get(obj, "nostr", "");
    assert_get(obj, "mode", "low");
    assert_get(obj, "size", "1048576");
    assert_get(obj, "peer", "");
    assert_get(obj, "ioport", "1285");
    assert_get(obj, "label", "<>");
    assert_get(obj, "answer", "42");

    /* The fields themselves, and the string is the object's own copy. */
    g_assert_true(p->flag);
    g_assert_cmpint(p->i8, ==, -5);
    g_assert_cmpint(p->mode, ==, 1);
    g_assert_cmpstr(p->str, ==, "hello");
    g_assert_true(p->str != props_props[9].def.s);
    g_assert_null(p->nostr);
    g_assert_null(p->peer);
}

static void test_roundtrip(void)
{
    g_autoptr(QaObject) obj = new_props();
    static const char *const bools[][2] = {
        {"off", "false"}, {"on", "true"},  {"false", "false"}, {"true", "true"},
        {"no", "false"},  {"yes", "true"}, {"0", "false"},     {"1", "true"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
        assert_roundtrip(obj, "flag", bools[i][0], bools[i][1]);
    }
    assert_roundtrip(obj, "i8", "-128", "-128");
    assert_roundtrip(obj, "i8", "127", "127");
    assert_roundtrip(obj, "i8", "0x7f", "127");
    assert_roundtrip(obj, "i8", "-0x80", "-128");
    assert_roundtrip(obj, "i16", "-32768", "-32768");
    assert_roundtrip(obj, "i32", "2147483647", "2147483647");
    assert_roundtrip(obj, "i64", "9223372036854775807", "9223372036854775807");
    assert_roundtrip(obj, "u8", "255", "255");
    assert_roundtrip(obj, "u8", "010", "8"); /* base 0: octal */
    assert_roundtrip(obj, "u8", "-0", "0");
    assert_roundtrip(obj, "u16", "0xffff", "65535");
    assert_roundtrip(obj, "u32", "4294967295", "4294967295");
    assert_roundtrip(obj, "u64", "0xffffffffffffffff", "18446744073709551615");
    assert_roundtrip(obj, "str", "", "");
    assert_roundtrip(obj, "str", "a b,c", "a b,c");
    assert_roundtrip(obj, "nostr", "set", "set");
    assert_roundtrip(obj, "mode", "high", "high");
    assert_roundtrip(obj, "mode", "off", "off");
    assert_roundtrip(obj, "size", "4096", "4096");
    assert_roundtrip(obj, "size", "512B", "512");
    assert_roundtrip(obj, "size", "4K", "4096");
    assert_roundtrip(obj, "size", "2m", "2097152");
    assert_roundtrip(obj, "size", "3G", "3221225472");
    assert_roundtrip(obj, "size", "1T", "1099511627776");
    assert_roundtrip(obj, "size", "16777215T", "18446742974197923840");
    assert_roundtrip(obj, "label", "hi", "<hi>");
    g_assert_cmpint(((TestProps *)obj)->mode, ==, 0);
}

static void test_errors(void)
{
    g_autoptr(QaObject) obj = new_props();
    const int inval = QA_ERROR_INVALID;

    assert_set_fails(obj, "flag", "maybe", inval,
                     "Property 'flag': 'maybe' is not a boolean (expected "
                     "on/off, true/false, yes/no or 1/0)");
    assert_set_fails(obj, "flag", "ON", inval,
                     "Property 'flag': 'ON' is not a boolean (expected "
                     "on/off, true/false, yes/no or 1/0)");

    assert_set_fails(obj, "i8", "128", inval,
                     "Property 'i8': '128' is out of range for int8");
    assert_set_fails(obj, "i8", "-129", inval,
                     "Property 'i8': '-129' is out of range for int8");
    assert_set_fails(obj, "i16", "32768", inval,
                     "Property 'i16': '32768' is out of range for int16");
    assert_set_fails(obj, "i32", "-2147483649", inval,
                     "Property 'i32': '-2147483649' is out of range for "
                     "int32");
    assert_set_fails(obj, "i64", "9223372036854775808", inval,
                     "Property 'i64': '9223372036854775808' is out of "
                     "range for int64");
    assert_set_fails(obj, "i64", "-9223372036854775809", inval,
                     "Property 'i64': '-9223372036854775809' is out of "
                     "range for int64");
    assert_set_fails(obj, "i32", "12x", inval,
                     "Property 'i32': '12x' is not an integer");
    assert_set_fails(obj, "i32", "", inval,
                     "Property 'i32': '' is not an integer");
    assert_set_fails(obj, "i32", "+1", inval,
                     "Property 'i32': '+1' is not an integer");
    assert_set_fails(obj, "i32", "--1", inval,
                     "Property 'i32': '--1' is not an integer");

    assert_set_fails(obj, "u8", "300", inval,
                     "Property 'u8': '300' is out of range for uint8");
    assert_set_fails(obj, "u8", "256", inval,
                     "Property 'u8': '256' is out of range for uint8");
    assert_set_fails(obj, "u8", "-1", inval,
                     "Property 'u8': '-1' is out of range for uint8");
    assert_set_fails(obj, "u16", "65536", inval,
                     "Property 'u16': '65536' is out of range for uint16");
    assert_set_fails(obj, "u32", "4294967296", inval,
                     "Property 'u32': '4294967296' is out of range for "
                     "uint32");
    assert_set_fails(obj, "u64", "18446744073709551616", inval,
                     "Property 'u64': '18446744073709551616' is out of "
                     "range for uint64");
    assert_set_fails(obj, "u64", "-1", inval,
                     "Property 'u64': '-1' is out of range for uint64");
    assert_set_fails(obj, "u32", "12x", inval,
                     "Property 'u32': '12x' is not an unsigned integer");
    assert_set_fails(obj, "u32", " 1", inval,
                     "Property 'u32': ' 1' is not an unsigned integer");
    assert_set_fails(obj, "u32", "1 ", inval,
                     "Property 'u32': '1 ' is not an unsigned integer");
    assert_set_fails(obj, "u32", "0x", inval,
                     "Property 'u32': '0x' is not an unsigned integer");
    assert_set_fails(obj, "u32", "08", inval,
                     "Property 'u32': '08' is not an unsigned integer");

    assert_set_fails(obj, "mode", "medium", inval,
                     "Property 'mode': 'medium' is not one of: off, low, "
                     "high");
    assert_set_fails(obj, "mode", "LOW", inval,
                     "Property 'mode': 'LOW' is not one of: off, low, high");

    assert_set_fails(obj, "size", "1X", inval,
                     "Property 'size': '1X' is not a size (expected a "
                     "number with an optional suffix B, K, M, G or T)");
    assert_set_fails(obj, "size", "1KB", inval,
                     "Property 'size': '1KB' is not a size (expected a "
                     "number with an optional suffix B, K, M, G or T)");
    assert_set_fails(obj, "size", "K", inval,
                     "Property 'size': 'K' is not a size (expected a "
                     "number with an optional suffix B, K, M, G or T)");
    assert_set_fails(obj, "size", "-1K", inval,
                     "Property 'size': '-1K' is not a size (expected a "
                     "number with an optional suffix B, K, M, G or T)");
    assert_set_fails(obj, "size", "16777216T", inval,
                     "Property 'size': '16777216T' is out of range for "
                     "size");

    assert_set_fails(obj, "label", "<x", inval,
                     "Property 'label': '<x' contains '<'");

    assert_set_fails(obj, "nope", "1", QA_ERROR_NOT_FOUND,
                     "Unknown property 'nope' for type 'test-props'");
}

static void test_unknown_and_access(void)
{
    g_autoptr(QaObject) obj = new_props();
    g_autoptr(GError) err = NULL;

    g_assert_null(qa_object_get_str(obj, "nope", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_cmpstr(err->message, ==,
                    "Unknown property 'nope' for type 'test-props'");
    g_clear_error(&err);

    g_assert_false(qa_object_set_str(obj, "answer", "43", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Property 'answer' of type 'test-props' is read-only");
    g_clear_error(&err);

    g_assert_true(qa_object_set_str(obj, "sink", "x", NULL));
    g_assert_null(qa_object_get_str(obj, "sink", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Property 'sink' of type 'test-props' is write-only");
    g_clear_error(&err);

    g_assert_null(qa_object_find_property(obj, "nope"));
    g_assert_cmpstr(qa_object_find_property(obj, "flag")->doc, ==, "a flag");
    /* Inherited from the device base. */
    g_assert_nonnull(qa_object_find_property(obj, "realized"));
}

static void test_links(void)
{
    g_autoptr(QaObject) box = qa_object_new("container", NULL);
    g_autoptr(QaObject) a = new_props();
    g_autoptr(QaObject) b = new_props();
    g_autoptr(QaObject) other = qa_object_new("container", NULL);
    TestProps *pa = (TestProps *)a;

    g_assert_true(qa_object_add_child(qa_object_root(), "lt", box, NULL));
    g_assert_true(qa_object_add_child(box, "a", a, NULL));
    g_assert_true(qa_object_add_child(box, "b", b, NULL));
    g_assert_true(qa_object_add_child(box, "other", other, NULL));

    assert_roundtrip(a, "peer", "/lt/b", "/lt/b");
    g_assert_true(pa->peer == b);
    assert_roundtrip(a, "peer", "/lt/a", "/lt/a");
    g_assert_true(pa->peer == a);
    /* No link_type: anything goes. */
    assert_roundtrip(a, "any", "/lt/other", "/lt/other");
    assert_roundtrip(a, "any", "/", "/");

    assert_set_fails(a, "peer", "/lt/other", QA_ERROR_INVALID,
                     "Property 'peer': '/lt/other' is a 'container', not a "
                     "'test-props'");
    assert_set_fails(a, "peer", "/lt/c", QA_ERROR_INVALID,
                     "Property 'peer': No object at '/lt/c': '/lt' has no "
                     "child 'c'");
    assert_set_fails(a, "peer", "lt/b", QA_ERROR_INVALID,
                     "Property 'peer': Path 'lt/b' is not absolute (it must "
                     "start with '/')");
    g_assert_true(pa->peer == a);

    assert_roundtrip(a, "peer", "", "");
    g_assert_null(pa->peer);

    qa_object_unparent(box);
}

static void test_read_only_after_realize(void)
{
    g_autoptr(QaObject) obj = new_props();
    QaObject *box = qa_object_new("container", NULL);
    g_autoptr(GError) err = NULL;

    assert_roundtrip(obj, "ioport", "0x510", "1296");
    g_assert_true(qa_device_realize(QA_DEVICE(obj), NULL));

    assert_set_fails(obj, "ioport", "0x600", QA_ERROR_STATE,
                     "Property 'ioport' cannot be changed: an unattached "
                     "'test-props' is already realized");
    g_assert_false(
        qa_object_set_variant(obj, "ioport", g_variant_new_uint32(1), &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_STATE);
    g_clear_error(&err);

    g_assert_true(qa_object_add_child(qa_object_root(), "ro", box, NULL));
    qa_object_unref(box);
    g_assert_true(qa_object_add_child(box, "dev", obj, NULL));
    assert_set_fails(obj, "ioport", "0x600", QA_ERROR_STATE,
                     "Property 'ioport' cannot be changed: '/ro/dev' is "
                     "already realized");
    /* Other properties stay settable. */
    assert_roundtrip(obj, "u8", "1", "1");

    qa_device_unrealize(QA_DEVICE(obj));
    assert_roundtrip(obj, "ioport", "0x600", "1536");
    qa_object_unparent(box);
}

static void collect_prop(const QaProperty *prop, void *opaque)
{
    g_string_append_printf(opaque, "%s,", prop->name);
}

static void assert_type_string(QaObject *obj, const char *name,
                               const char *want)
{
    g_autofree char *got =
        qa_prop_type_string(qa_object_find_property(obj, name));

    g_assert_cmpstr(got, ==, want);
}

static void test_inherited_and_foreach(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaObject) obj = qa_object_new(TYPE_PROPS_CHILD, &err);
    g_autoptr(GString) names = g_string_new(NULL);

    g_assert_no_error(err);
    assert_get(obj, "u8", "7");  /* the child's redeclaration wins */
    assert_get(obj, "i8", "-5"); /* inherited */
    assert_get(obj, "extra", "true");

    /* Own first, then inherited (without the hidden "u8"), then device's. */
    qa_class_foreach_property(qa_object_get_class(obj), collect_prop, names);
    g_assert_cmpstr(names->str, ==,
                    "extra,u8,flag,i8,i16,i32,i64,u16,u32,u64,str,nostr,"
                    "mode,size,peer,any,ioport,label,answer,sink,realized,");

    assert_type_string(obj, "flag", "bool");
    assert_type_string(obj, "i16", "int16");
    assert_type_string(obj, "u32", "uint32");
    assert_type_string(obj, "u64", "uint64");
    assert_type_string(obj, "str", "string");
    assert_type_string(obj, "mode", "enum");
    assert_type_string(obj, "size", "size");
    assert_type_string(obj, "peer", "link<test-props>");
    assert_type_string(obj, "any", "link<object>");
}

/* ---- GVariant access ---------------------------------------------------- */

static void assert_variant(QaObject *obj, const char *name, const char *type,
                           const char *text)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) v = qa_object_get_variant(obj, name, &err);
    g_autofree char *printed = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(v);
    g_assert_false(g_variant_is_floating(v));
    g_assert_cmpstr(g_variant_get_type_string(v), ==, type);
    printed = g_variant_print(v, FALSE);
    g_assert_cmpstr(printed, ==, text);
}

static void test_variant_get(void)
{
    g_autoptr(QaObject) obj = new_props();
    g_autoptr(GError) err = NULL;

    assert_variant(obj, "flag", "b", "true");
    assert_variant(obj, "i8", "n", "-5");
    assert_variant(obj, "i16", "n", "-300");
    assert_variant(obj, "i32", "i", "70000");
    assert_variant(obj, "i64", "x", "-9223372036854775808");
    assert_variant(obj, "u8", "y", "0xc8");
    assert_variant(obj, "u16", "q", "60000");
    assert_variant(obj, "u32", "u", "4000000000");
    assert_variant(obj, "u64", "t", "18446744073709551615");
    assert_variant(obj, "size", "t", "1048576");
    assert_variant(obj, "str", "s", "'hello'");
    assert_variant(obj, "nostr", "s", "''");
    assert_variant(obj, "mode", "s", "'low'");
    assert_variant(obj, "peer", "s", "''");
    /* Computed values are converted too. */
    assert_variant(obj, "answer", "u", "42");
    assert_variant(obj, "realized", "b", "false");
    assert_variant(obj, "label", "s", "'<>'");

    g_assert_null(qa_object_get_variant(obj, "nope", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
}

static void assert_set_variant(QaObject *obj, const char *name, GVariant *v,
                               const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) owned = g_variant_ref_sink(v);

    g_assert_true(qa_object_set_variant(obj, name, owned, &err));
    g_assert_no_error(err);
    assert_get(obj, name, want);
}

static void assert_set_variant_fails(QaObject *obj, const char *name,
                                     GVariant *v, const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) owned = g_variant_ref_sink(v);

    g_assert_false(qa_object_set_variant(obj, name, owned, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, message);
}

static void test_variant_set(void)
{
    g_autoptr(QaObject) obj = new_props();

    assert_set_variant(obj, "flag", g_variant_new_boolean(false), "false");
    assert_set_variant(obj, "flag", g_variant_new_string("on"), "true");
    /* Any integer width, range-checked against the property. */
    assert_set_variant(obj, "u8", g_variant_new_int64(255), "255");
    assert_set_variant(obj, "u8", g_variant_new_byte(3), "3");
    assert_set_variant(obj, "i8", g_variant_new_uint64(127), "127");
    assert_set_variant(obj, "i8", g_variant_new_int16(-128), "-128");
    assert_set_variant(obj, "i64", g_variant_new_int32(-1), "-1");
    assert_set_variant(obj, "u16", g_variant_new_uint16(9), "9");
    assert_set_variant(obj, "u32", g_variant_new_uint32(10), "10");
    assert_set_variant(obj, "u64", g_variant_new_uint64(UINT64_MAX),
                       "18446744073709551615");
    assert_set_variant(obj, "size", g_variant_new_uint64(4096), "4096");
    assert_set_variant(obj, "size", g_variant_new_string("4K"), "4096");
    assert_set_variant(obj, "u32", g_variant_new_string("0x10"), "16");
    assert_set_variant(obj, "mode", g_variant_new_string("high"), "high");
    assert_set_variant(obj, "str", g_variant_new_string("x"), "x");
    /* A boxed value is unwrapped. */
    assert_set_variant(obj, "u8", g_variant_new_variant(g_variant_new_int64(9)),
                       "9");

    assert_set_variant_fails(obj, "u8", g_variant_new_int32(300),
                             "Property 'u8': '300' is out of range for "
                             "uint8");
    assert_set_variant_fails(obj, "u8", g_variant_new_int64(-1),
                             "Property 'u8': '-1' is out of range for "
                             "uint8");
    assert_set_variant_fails(obj, "i64", g_variant_new_uint64(UINT64_MAX),
                             "Property 'i64': '18446744073709551615' is out "
                             "of range for int64");
    assert_set_variant_fails(obj, "i8", g_variant_new_int32(-129),
                             "Property 'i8': '-129' is out of range for "
                             "int8");
    assert_set_variant_fails(obj, "u8", g_variant_new_string("x"),
                             "Property 'u8': 'x' is not an unsigned "
                             "integer");
    assert_set_variant_fails(obj, "u32", g_variant_new_boolean(true),
                             "Property 'u32' expects uint32, not a boolean");
    assert_set_variant_fails(obj, "flag", g_variant_new_int32(1),
                             "Property 'flag' expects bool, not an integer");
    assert_set_variant_fails(obj, "mode", g_variant_new_int32(1),
                             "Property 'mode' expects enum, not an integer");
    assert_set_variant_fails(obj, "u32", g_variant_new_double(1.5),
                             "Property 'u32' expects uint32, not a value of "
                             "type 'd'");
    assert_get(obj, "u8", "9");
}

/* ---- typed shortcuts ----------------------------------------------------- */

static void test_shortcuts(void)
{
    g_autoptr(QaObject) obj = new_props();

    g_assert_true(qa_object_get_bool(obj, "flag"));
    g_assert_false(qa_object_get_bool(obj, "realized"));
    g_assert_cmpuint(qa_object_get_uint(obj, "u8"), ==, 200);
    g_assert_cmpuint(qa_object_get_uint(obj, "u64"), ==, UINT64_MAX);
    g_assert_cmpuint(qa_object_get_uint(obj, "size"), ==, 1 << 20);
    g_assert_cmpuint(qa_object_get_uint(obj, "mode"), ==, 1);
    g_assert_cmpuint(qa_object_get_uint(obj, "answer"), ==, 42);
    g_assert_cmpint(qa_object_get_int(obj, "i8"), ==, -5);
    g_assert_cmpint(qa_object_get_int(obj, "i64"), ==, INT64_MIN);
    g_assert_cmpint(qa_object_get_int(obj, "u16"), ==, 60000);
    g_assert_cmpint(qa_object_get_int(obj, "mode"), ==, 1);

    /* Misuse is a programming error: a critical, and a zero result. */
    if (g_test_undefined()) {
        g_test_expect_message("qaccel-qom", G_LOG_LEVEL_CRITICAL,
                              "*unknown property 'nope'*");
        g_assert_cmpuint(qa_object_get_uint(obj, "nope"), ==, 0);
        g_test_assert_expected_messages();
        g_test_expect_message("qaccel-qom", G_LOG_LEVEL_CRITICAL,
                              "*property 'i8' has no unsigned value*");
        g_assert_cmpuint(qa_object_get_uint(obj, "i8"), ==, 0);
        g_test_assert_expected_messages();
        g_test_expect_message("qaccel-qom", G_LOG_LEVEL_CRITICAL,
                              "*property 'u8' is a uint8, not a bool*");
        g_assert_false(qa_object_get_bool(obj, "u8"));
        g_test_assert_expected_messages();
    }
}

/* ---- parsing helpers ------------------------------------------------------
 */

static void test_parse_helpers(void)
{
    static const struct {
        const char *s;
        bool ok;
        uint64_t v;
    } u64s[] =
        {
            {"0", true, 0},
            {"42", true, 42},
            {"0x2A", true, 42},
            {"052", true, 42},
            {"18446744073709551615", true, UINT64_MAX},
            {"18446744073709551616", false, 0},
            {"-1", false, 0},
            {"+1", false, 0},
            {" 1", false, 0},
            {"1 ", false, 0},
            {"", false, 0},
            {"0x", false, 0},
            {"1e3", false, 0},
            {"09", false, 0},
        },
      sizes[] = {
          {"0", true, 0},
          {"1B", true, 1},
          {"1b", true, 1},
          {"1K", true, 1024},
          {"1k", true, 1024},
          {"3M", true, 3 << 20},
          {"2G", true, 2ull << 30},
          {"5T", true, 5ull << 40},
          {"0x10M", true, 16 << 20},
          {"16777215T", true, 16777215ull << 40},
          {"16777216T", false, 0},
          {"1KB", false, 0},
          {"1P", false, 0},
          {"K", false, 0},
          {"1.5G", false, 0},
          {"-1", false, 0},
          {"", false, 0},
      };
    static const struct {
        const char *s;
        bool ok;
        int64_t v;
    } i64s[] = {
        {"-1", true, -1},
        {"-0x10", true, -16},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, 0},
        {"-9223372036854775809", false, 0},
        {"-", false, 0},
        {"- 1", false, 0},
        {"+5", false, 0},
    };
    static const struct {
        const char *s;
        bool ok;
        bool v;
    } bools[] = {
        {"on", true, true},     {"off", true, false}, {"true", true, true},
        {"false", true, false}, {"yes", true, true},  {"no", true, false},
        {"1", true, true},      {"0", true, false},   {"True", false, false},
        {"2", false, false},    {"", false, false},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(u64s); i++) {
        uint64_t v = 12345;
        g_test_message("u64 '%s'", u64s[i].s);
        g_assert_cmpint(qa_parse_uint64(u64s[i].s, &v), ==, u64s[i].ok);
        g_assert_cmpuint(v, ==, u64s[i].ok ? u64s[i].v : 12345);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        uint64_t v = 12345;
        g_test_message("size '%s'", sizes[i].s);
        g_assert_cmpint(qa_parse_size(sizes[i].s, &v), ==, sizes[i].ok);
        g_assert_cmpuint(v, ==, sizes[i].ok ? sizes[i].v : 12345);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(i64s); i++) {
        int64_t v = 12345;
        g_test_message("i64 '%s'", i64s[i].s);
        g_assert_cmpint(qa_parse_int64(i64s[i].s, &v), ==, i64s[i].ok);
        g_assert_cmpint(v, ==, i64s[i].ok ? i64s[i].v : 12345);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bools); i++) {
        bool v = false;
        g_test_message("bool '%s'", bools[i].s);
        g_assert_cmpint(qa_parse_bool(bools[i].s, &v), ==, bools[i].ok);
        g_assert_cmpint(v, ==, bools[i].v);
    }
    g_assert_false(qa_parse_uint64(NULL, NULL));
    g_assert_false(qa_parse_bool(NULL, NULL));
}

int main(int argc, char **argv)
{
    static const QaTypeInfo *const infos[] = {
        &qa_device_type_info,
        &props_info,
        &child_info,
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(infos); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_nonnull(qa_type_register(infos[i], &err));
    }

    g_test_add_func("/property/defaults", test_defaults);
    g_test_add_func("/property/roundtrip", test_roundtrip);
    g_test_add_func("/property/errors", test_errors);
    g_test_add_func("/property/unknown-and-access", test_unknown_and_access);
    g_test_add_func("/property/links", test_links);
    g_test_add_func("/property/read-only-after-realize",
                    test_read_only_after_realize);
    g_test_add_func("/property/inherited-and-foreach",
                    test_inherited_and_foreach);
    g_test_add_func("/property/variant-get", test_variant_get);
    g_test_add_func("/property/variant-set", test_variant_set);
    g_test_add_func("/property/shortcuts", test_shortcuts);
    g_test_add_func("/property/parse-helpers", test_parse_helpers);
    return g_test_run();
}
