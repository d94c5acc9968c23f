/*
 * QMP JSON streaming lexer, message splitter and parser (building
 * json-glib nodes), and QEMU-style writer.  See qmp-json.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "system/json-text.h"
#include "system/qmp-json.h"

typedef enum {
    TOK_LCURLY,
    TOK_RCURLY,
    TOK_LSQUARE,
    TOK_RSQUARE,
    TOK_COLON,
    TOK_COMMA,
    TOK_STRING,
    TOK_INTEGER,
    TOK_FLOAT,
    TOK_KEYWORD,
} TokType;

typedef struct Tok {
    TokType type;
    char *text;      /* strings: decoded UTF-8 (or NULL if bad) */
    const char *bad; /* strings: why decoding failed */
} Tok;

typedef enum {
    ST_START,
    ST_STRING,
    ST_NUMBER,
    ST_KEYWORD,
    ST_RECOVERY,
} LexState;

struct QmpJsonStreamer {
    QmpJsonEmit emit;
    void *opaque;
    LexState state;
    char quote;   /* ' or " in ST_STRING */
    int esc;      /* ST_STRING: 0, 1 after '\', 2..5 \u digits */
    GString *tok; /* text of the token being lexed */
    GArray *toks; /* Tok */
    int brace, bracket;
    size_t token_size;
};

static void tok_clear(gpointer p)
{
    g_free(((Tok *)p)->text);
}

QmpJsonStreamer *qmp_json_streamer_new(QmpJsonEmit emit, void *opaque)
{
    QmpJsonStreamer *js = g_new0(QmpJsonStreamer, 1);

    js->emit = emit;
    js->opaque = opaque;
    js->tok = g_string_new(NULL);
    js->toks = g_array_new(FALSE, FALSE, sizeof(Tok));
    g_array_set_clear_func(js->toks, tok_clear);
    return js;
}

void qmp_json_streamer_free(QmpJsonStreamer *js)
{
    if (js) {
        g_array_free(js->toks, TRUE);
        g_string_free(js->tok, TRUE);
        g_free(js);
    }
}

/* ---- parser (QEMU's json-parser.c grammar and messages) -------------- */

typedef struct Parser {
    Tok *toks;
    guint n, pos;
    char *err; /* first error wins */
} Parser;

static void perr(Parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void perr(Parser *p, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (p->err) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    p->err = g_strconcat("JSON parse error, ", msg, NULL);
}

static Tok *peek(Parser *p)
{
    return p->pos < p->n ? &p->toks[p->pos] : NULL;
}

static Tok *pop(Parser *p)
{
    return p->pos < p->n ? &p->toks[p->pos++] : NULL;
}

static JsonNode *parse_value(Parser *p);

static bool parse_pair(Parser *p, JsonObject *obj)
{
    Tok *t = peek(p);
    JsonNode *key, *val;

    if (!t) {
        perr(p, "premature EOI");
        return false;
    }
    key = parse_value(p);
    if (!key || json_node_get_value_type(key) != G_TYPE_STRING) {
        perr(p, "key is not a string in object");
        g_clear_pointer(&key, json_node_unref);
        return false;
    }
    t = pop(p);
    if (!t || t->type != TOK_COLON) {
        perr(p, t ? "missing : in object pair" : "premature EOI");
        json_node_unref(key);
        return false;
    }
    val = parse_value(p);
    if (!val) {
        perr(p, "Missing value in dict");
        json_node_unref(key);
        return false;
    }
    if (json_object_has_member(obj, json_node_get_string(key))) {
        perr(p, "duplicate key");
        json_node_unref(key);
        json_node_unref(val);
        return false;
    }
    json_object_set_member(obj, json_node_get_string(key), val);
    json_node_unref(key);
    return true;
}

/* Objects and arrays share their shape: open, items, separators, close. */
static JsonNode *parse_container(Parser *p, bool is_obj)
{
    JsonObject *obj = is_obj ? json_object_new() : NULL;
    JsonArray *arr = is_obj ? NULL : json_array_new();
    TokType close = is_obj ? TOK_RCURLY : TOK_RSQUARE;
    JsonNode *node = json_node_alloc();
    Tok *t;

    if (is_obj) {
        json_node_init_object(node, obj);
        json_object_unref(obj);
    } else {
        json_node_init_array(node, arr);
        json_array_unref(arr);
    }
    pop(p);
    t = peek(p);
    if (!t) {
        perr(p, "premature EOI");
        goto fail;
    }
    if (t->type == close) {
        pop(p);
        return node;
    }
    for (;;) {
        if (is_obj) {
            if (!parse_pair(p, obj)) {
                goto fail;
            }
        } else {
            JsonNode *v = parse_value(p);
            if (!v) {
                perr(p, "expecting value");
                goto fail;
            }
            json_array_add_element(arr, v);
        }
        t = pop(p);
        if (!t) {
            perr(p, "premature EOI");
            goto fail;
        }
        if (t->type == close) {
            return node;
        }
        if (t->type != TOK_COMMA) {
            perr(p, is_obj ? "expected separator in dict"
                           : "expected separator in list");
            goto fail;
        }
    }
fail:
    json_node_unref(node);
    return NULL;
}

static JsonNode *parse_number(Parser *p, Tok *t)
{
    JsonNode *node = json_node_alloc();
    char *end;

    if (t->type == TOK_INTEGER) {
        gint64 v;
        errno = 0;
        v = g_ascii_strtoll(t->text, &end, 10);
        if (errno == 0) {
            return json_node_init_int(node, v);
        }
        /* Out of range for int64: QEMU falls back to unsigned, then to
         * double.  Unsigned values use the sealed u64 node (below). */
        if (t->text[0] != '-') {
            guint64 u;
            errno = 0;
            u = g_ascii_strtoull(t->text, &end, 10);
            if (errno == 0) {
                json_node_unref(node);
                return qmp_json_node_new_u64(u);
            }
        }
    }
    return json_node_init_double(node, g_ascii_strtod(t->text, &end));
}

static JsonNode *parse_value(Parser *p)
{
    Tok *t = peek(p);

    if (!t) {
        perr(p, "premature EOI");
        return NULL;
    }
    switch (t->type) {
    case TOK_LCURLY:
        return parse_container(p, true);
    case TOK_LSQUARE:
        return parse_container(p, false);
    case TOK_INTEGER:
    case TOK_FLOAT:
        pop(p);
        return parse_number(p, t);
    case TOK_STRING:
        pop(p);
        if (!t->text) {
            perr(p, "%s", t->bad);
            return NULL;
        }
        return json_node_init_string(json_node_alloc(), t->text);
    case TOK_KEYWORD:
        pop(p);
        if (!strcmp(t->text, "true") || !strcmp(t->text, "false")) {
            return json_node_init_boolean(json_node_alloc(), t->text[0] == 't');
        }
        if (!strcmp(t->text, "null")) {
            return json_node_init_null(json_node_alloc());
        }
        perr(p, "invalid keyword '%s'", t->text);
        return NULL;
    default:
        perr(p, "expecting value");
        return NULL;
    }
}

/* ---- streamer -------------------------------------------------------- */

static void reset_message(QmpJsonStreamer *js)
{
    g_array_set_size(js->toks, 0);
    js->brace = js->bracket = 0;
    js->token_size = 0;
}

static void emit_error(QmpJsonStreamer *js, const char *msg)
{
    reset_message(js);
    js->emit(js->opaque, NULL, msg);
}

static void emit_message(QmpJsonStreamer *js)
{
    Parser p = {.toks = (Tok *)js->toks->data, .n = js->toks->len};
    JsonNode *node = parse_value(&p);

    if (node && p.pos < p.n) {
        /* Cannot happen with QEMU's framing; be safe anyway. */
        perr(&p, "unexpected trailing token");
    }
    if (p.err) {
        g_clear_pointer(&node, json_node_unref);
    }
    reset_message(js);
    js->emit(js->opaque, node, p.err);
    g_free(p.err);
}

static void push_token(QmpJsonStreamer *js, TokType type, char *text,
                       const char *bad)
{
    Tok t = {.type = type, .text = text, .bad = bad};

    switch (type) {
    case TOK_LCURLY:
        js->brace++;
        break;
    case TOK_RCURLY:
        js->brace--;
        break;
    case TOK_LSQUARE:
        js->bracket++;
        break;
    case TOK_RSQUARE:
        js->bracket--;
        break;
    default:
        break;
    }
    js->token_size += text ? strlen(text) : 1;
    if (js->token_size > QMP_JSON_MAX_TOKEN_SIZE) {
        g_free(text);
        emit_error(js, "JSON token size limit exceeded");
        return;
    }
    if (js->toks->len + 1 > QMP_JSON_MAX_TOKEN_COUNT) {
        g_free(text);
        emit_error(js, "JSON token count limit exceeded");
        return;
    }
    if (js->brace + js->bracket > QMP_JSON_MAX_NESTING) {
        g_free(text);
        emit_error(js, "JSON nesting depth limit exceeded");
        return;
    }
    g_array_append_val(js->toks, t);
    if ((js->brace > 0 || js->bracket > 0) && js->brace >= 0 &&
        js->bracket >= 0) {
        return;
    }
    emit_message(js);
}

/* A lexical error: report the offending text, then skip to a point where
 * a new value can start (QEMU's IN_RECOVERY). */
static void lex_error(QmpJsonStreamer *js, const char *text, size_t len)
{
    GString *msg = g_string_new("JSON parse error, stray '");

    for (size_t i = 0; i < len; i++) {
        unsigned char c = text[i];
        if (c >= 0x20 && c < 0x7f) {
            g_string_append_c(msg, c);
        } else {
            g_string_append_printf(msg, "\\x%02x", c);
        }
    }
    g_string_append_c(msg, '\'');
    g_string_truncate(js->tok, 0);
    js->state = ST_RECOVERY;
    emit_error(js, msg->str);
    g_string_free(msg, TRUE);
}

static void append_utf8(GString *out, gunichar c)
{
    g_string_append_unichar(out, c);
}

/* Decode the body of a string token (between the quotes). */
static char *decode_string(const char *s, size_t len, const char **bad)
{
    GString *out = g_string_sized_new(len);

    for (size_t i = 0; i < len; i++) {
        gunichar c, lo;
        if (s[i] != '\\') {
            g_string_append_c(out, s[i]);
            continue;
        }
        switch (s[++i]) {
        case 'b':
            g_string_append_c(out, '\b');
            break;
        case 'f':
            g_string_append_c(out, '\f');
            break;
        case 'n':
            g_string_append_c(out, '\n');
            break;
        case 'r':
            g_string_append_c(out, '\r');
            break;
        case 't':
            g_string_append_c(out, '\t');
            break;
        case 'u':
            c = 0;
            for (int k = 1; k <= 4; k++) {
                c = c << 4 | g_ascii_xdigit_value(s[i + k]);
            }
            i += 4;
            if (c >= 0xd800 && c < 0xdc00 && i + 6 < len && s[i + 1] == '\\' &&
                s[i + 2] == 'u') {
                lo = 0;
                for (int k = 3; k <= 6; k++) {
                    lo = lo << 4 | g_ascii_xdigit_value(s[i + k]);
                }
                if (lo >= 0xdc00 && lo < 0xe000) {
                    c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            if (c == 0) {
                *bad = "\\u0000 is not supported";
                goto fail;
            }
            if (c >= 0xd800 && c < 0xe000) {
                *bad = "invalid \\u escape sequence in string";
                goto fail;
            }
            append_utf8(out, c);
            break;
        default: /* " ' \ / stand for themselves */
            g_string_append_c(out, s[i]);
            break;
        }
    }
    if (!g_utf8_validate_len(out->str, out->len, NULL)) {
        *bad = "invalid UTF-8 sequence in string";
        goto fail;
    }
    return g_string_free(out, FALSE);
fail:
    g_string_free(out, TRUE);
    return NULL;
}

static bool valid_number(const char *s, bool *is_float)
{
    const char *p = s;

    *is_float = false;
    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (g_ascii_isdigit(*p)) {
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    } else {
        return false;
    }
    if (*p == '.') {
        *is_float = true;
        if (!g_ascii_isdigit(*++p)) {
            return false;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        *is_float = true;
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    }
    return *p == '\0';
}

/* Finish the number or keyword in js->tok. */
static void end_word(QmpJsonStreamer *js)
{
    bool is_float;
    GString *t = js->tok;

    js->state = ST_START;
    if (t->str[0] >= 'a' && t->str[0] <= 'z') {
        push_token(js, TOK_KEYWORD, g_strdup(t->str), NULL);
    } else if (valid_number(t->str, &is_float)) {
        push_token(js, is_float ? TOK_FLOAT : TOK_INTEGER, g_strdup(t->str),
                   NULL);
    } else {
        lex_error(js, t->str, t->len);
        return;
    }
    g_string_truncate(t, 0);
}

/* One character inside a string; returns false on a lexical error. */
static bool lex_string_char(QmpJsonStreamer *js, unsigned char c)
{
    if (js->esc == 1) {
        if (c == 'u') {
            js->esc = 2;
        } else if (strchr("\"'\\/bfnrt", c) && c) {
            js->esc = 0;
        } else {
            return false;
        }
    } else if (js->esc >= 2) {
        if (!g_ascii_isxdigit(c)) {
            return false;
        }
        js->esc = js->esc == 5 ? 0 : js->esc + 1;
    } else if (c == '\\') {
        js->esc = 1;
    } else if (c == (unsigned char)js->quote) {
        const char *bad = NULL;
        char *text = decode_string(js->tok->str + 1, js->tok->len - 1, &bad);
        g_string_truncate(js->tok, 0);
        js->state = ST_START;
        push_token(js, TOK_STRING, text, bad);
        return true;
    } else if (c < 0x20 || c >= 0xfe) {
        return false;
    }
    g_string_append_c(js->tok, c);
    return true;
}

static TokType structural(unsigned char c, bool *ok)
{
    *ok = true;
    switch (c) {
    case '{':
        return TOK_LCURLY;
    case '}':
        return TOK_RCURLY;
    case '[':
        return TOK_LSQUARE;
    case ']':
        return TOK_RSQUARE;
    case ':':
        return TOK_COLON;
    case ',':
        return TOK_COMMA;
    default:
        *ok = false;
        return TOK_COMMA;
    }
}

void qmp_json_streamer_feed(QmpJsonStreamer *js, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = buf[i];
        bool is_struct;
        TokType st = structural(c, &is_struct);

        switch (js->state) {
        case ST_RECOVERY:
            if (!is_struct && c >= 0x20 && c < 0xfe && c != 0x7f) {
                continue;
            }
            js->state = ST_START;
            break;
        case ST_STRING:
            if (!lex_string_char(js, c)) {
                g_string_append_c(js->tok, c);
                lex_error(js, js->tok->str, js->tok->len);
            }
            continue;
        case ST_NUMBER:
            if (g_ascii_isdigit(c) || strchr("+-.eE", c)) {
                g_string_append_c(js->tok, c);
                continue;
            }
            end_word(js);
            break;
        case ST_KEYWORD:
            if (c >= 'a' && c <= 'z') {
                g_string_append_c(js->tok, c);
                continue;
            }
            end_word(js);
            break;
        default:
            break;
        }
        if (js->state == ST_RECOVERY) {
            /* end_word() failed: this character starts the recovery. */
            if (!is_struct && c >= 0x20 && c < 0xfe) {
                continue;
            }
            js->state = ST_START;
        }
        if (is_struct) {
            push_token(js, st, NULL, NULL);
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"' || c == '\'') {
            js->state = ST_STRING;
            js->quote = c;
            js->esc = 0;
            g_string_append_c(js->tok, c);
        } else if (c == '-' || g_ascii_isdigit(c)) {
            js->state = ST_NUMBER;
            g_string_append_c(js->tok, c);
        } else if (c >= 'a' && c <= 'z') {
            js->state = ST_KEYWORD;
            g_string_append_c(js->tok, c);
        } else if (c == 0xfe || c == 0xff) {
            /* QEMU: impossible UTF-8 bytes reset the parser silently. */
            g_string_truncate(js->tok, 0);
            reset_message(js);
        } else {
            char ch = c;
            lex_error(js, &ch, 1);
        }
    }
}

/* ---- writer ---------------------------------------------------------- */

static void append_value(GString *out, JsonNode *node)
{
    GType t = json_node_get_value_type(node);

    if (qmp_json_node_is_big_u64(node)) {
        g_string_append(out, json_node_get_string(node)); /* digits */
    } else if (t == G_TYPE_INT64) {
        g_string_append_printf(out, "%" G_GINT64_FORMAT,
                               json_node_get_int(node));
    } else if (t == G_TYPE_BOOLEAN) {
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
    } else if (t == G_TYPE_DOUBLE) {
        qa_json_append_double(out, json_node_get_double(node));
    } else if (t == G_TYPE_STRING) {
        qa_json_append_string(out, json_node_get_string(node));
    } else {
        g_string_append(out, "null");
    }
}

void qmp_json_append(GString *out, JsonNode *node)
{
    JsonObjectIter it;
    const char *name;
    JsonNode *member;
    JsonArray *arr;
    bool first = true;

    switch (node ? JSON_NODE_TYPE(node) : JSON_NODE_NULL) {
    case JSON_NODE_OBJECT:
        g_string_append_c(out, '{');
        json_object_iter_init_ordered(&it, json_node_get_object(node));
        while (json_object_iter_next_ordered(&it, &name, &member)) {
            g_string_append(out, first ? "" : ", ");
            first = false;
            qa_json_append_string(out, name);
            g_string_append(out, ": ");
            qmp_json_append(out, member);
        }
        g_string_append_c(out, '}');
        break;
    case JSON_NODE_ARRAY:
        arr = json_node_get_array(node);
        g_string_append_c(out, '[');
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            g_string_append(out, i ? ", " : "");
            qmp_json_append(out, json_array_get_element(arr, i));
        }
        g_string_append_c(out, ']');
        break;
    case JSON_NODE_VALUE:
        append_value(out, node);
        break;
    default:
        g_string_append(out, "null");
        break;
    }
}

char *qmp_json_to_string(JsonNode *node)
{
    GString *out = g_string_new(NULL);

    qmp_json_append(out, node);
    return g_string_free(out, FALSE);
}

/* ---- unsigned 64-bit values ------------------------------------------ */

JsonNode *qmp_json_node_new_u64(uint64_t v)
{
    char digits[24];
    JsonNode *n;

    if (v <= G_MAXINT64) {
        return json_node_init_int(json_node_alloc(), (gint64)v);
    }
    g_snprintf(digits, sizeof(digits), "%" G_GUINT64_FORMAT, v);
    n = json_node_init_string(json_node_alloc(), digits);
    json_node_seal(n);
    return n;
}

bool qmp_json_node_is_big_u64(JsonNode *node)
{
    const char *s;

    if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING ||
        !json_node_is_immutable(node)) {
        return false;
    }
    s = json_node_get_string(node);
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s)) {
            return false;
        }
    }
    return true;
}

bool qmp_json_node_get_u64(JsonNode *node, uint64_t *out)
{
    if (qmp_json_node_is_big_u64(node)) {
        return g_ascii_string_to_unsigned(json_node_get_string(node), 10, 0,
                                          G_MAXUINT64, out, NULL);
    }
    if (node && JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_INT64 &&
        json_node_get_int(node) >= 0) {
        *out = (uint64_t)json_node_get_int(node);
        return true;
    }
    return false;
}
