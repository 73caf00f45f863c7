/* The wire codec: the byte-level validator, envelopes, table-driven bodies, canonical encoding,
 * and the shared vectors in proto/vectors.json (the TypeScript tests check the same file). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/codec.h"
#include "test_util.h"

static sb_proto_limits_t lim(void)
{
    return sb_proto_default_limits();
}

static int validate_hex(const char *hex, sb_proto_err_t *err)
{
    size_t n;
    uint8_t *b = sb_test_unhex(hex, &n);
    assert_non_null(b);
    uint32_t env;
    sb_proto_limits_t l = lim();
    int rc = sb_proto_validate(b, n, &l, &env, err);
    free(b);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Step 1: validation
 * ---------------------------------------------------------------------------------------------- */

static void test_validate_lying_lengths(void **state)
{
    (void)state;
    sb_proto_err_t err;
    /* map with 2^32-1 entries in 5 bytes: msgpack-c would try to allocate ~96 GB */
    assert_int_not_equal(validate_hex("dfffffffff", &err), 0);
    assert_int_equal(err.code, SB_WERR_BAD_FRAME);
    /* array32 inside a map */
    assert_int_not_equal(validate_hex("81a162ddffffffff", &err), 0);
    /* str8 claiming 200 bytes, 3 present */
    assert_int_not_equal(validate_hex("81a162d9c8616263", &err), 0);
    /* bin32 claiming 4 GB */
    assert_int_not_equal(validate_hex("81a162c6ffffffff", &err), 0);
}

static void test_validate_forms(void **state)
{
    (void)state;
    sb_proto_err_t err;
    assert_int_not_equal(validate_hex("81a162c1", &err), 0);                 /* reserved 0xc1 */
    assert_int_not_equal(validate_hex("81a162cb3ff0000000000000", &err), 0); /* float64 */
    assert_int_not_equal(validate_hex("81a162ca3f800000", &err), 0);         /* float32 */
    assert_int_not_equal(validate_hex("81a162d40100", &err), 0);             /* fixext1 */
    assert_int_not_equal(validate_hex("81a162cc05", &err), 0);               /* uint8 for 5 */
    assert_int_not_equal(validate_hex("81a162cd0010", &err), 0);             /* uint16 for 16 */
    assert_int_not_equal(validate_hex("81a162d0ff", &err), 0);               /* int8 for -1 */
    assert_int_not_equal(validate_hex("81a162d00a", &err), 0);               /* int8 for +10 */
    assert_int_not_equal(validate_hex("81a162d90161", &err), 0);             /* str8 for 1 byte */
    assert_int_not_equal(validate_hex("81a162dc000190", &err), 0); /* array16 for 1 item */
    assert_int_equal(validate_hex("81a162cc80", &err), 0);         /* uint8 for 128: fine */
    assert_int_equal(validate_hex("81a162d0df", &err), 0);         /* int8 for -33: fine */
    assert_int_equal(validate_hex("81a162e0", &err), 0);           /* fixint -32: fine */
}

static void test_validate_structure(void **state)
{
    (void)state;
    sb_proto_err_t err;
    assert_int_not_equal(validate_hex("", &err), 0);       /* empty */
    assert_int_not_equal(validate_hex("01", &err), 0);     /* envelope not a map */
    assert_int_not_equal(validate_hex("8001", &err), 0);   /* trailing non-map */
    assert_int_not_equal(validate_hex("81a162", &err), 0); /* truncated */
    assert_int_equal(validate_hex("8080", &err), 0);       /* two (empty) envelopes */
    /* nesting: 6 levels pass, 7 fail */
    assert_int_not_equal(validate_hex("8101"
                                      "8101"
                                      "8101"
                                      "8101"
                                      "8101"
                                      "8101"
                                      "80",
                                      &err),
                         0);
    assert_int_equal(validate_hex("8101"
                                  "8101"
                                  "8101"
                                  "8101"
                                  "8101"
                                  "80",
                                  &err),
                     0);
    /* 65 envelopes in one frame */
    char hex[200] = "";
    for (int i = 0; i < 65; i++)
        strcat(hex, "80");
    assert_int_not_equal(validate_hex(hex, &err), 0);
    hex[128] = 0; /* 64 */
    assert_int_equal(validate_hex(hex, &err), 0);
}

static void test_validate_frame_limit(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, 70000);
    big[0] = 0x80;
    sb_proto_limits_t l = lim();
    sb_proto_err_t err;
    uint32_t n;
    assert_int_not_equal(sb_proto_validate(big, 70000, &l, &n, &err), 0);
    l.max_frame_bytes = 1;
    assert_int_equal(sb_proto_validate(big, 1, &l, &n, &err), 0);
    free(big);
}

/* ------------------------------------------------------------------------------------------------
 * Steps 2 and 3: envelopes and bodies
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_proto_envelope_t env;
    sb_proto_err_t err;
    int rc;
    msgpack_zone zone;
    sb_arena_t arena;
    uint8_t *bytes;
    size_t len;
} decoded_t;

static void decode_hex(decoded_t *d, const char *hex, sb_proto_dir_t dir)
{
    memset(d, 0, sizeof *d);
    msgpack_zone_init(&d->zone, 1024);
    sb_arena_init(&d->arena, 0);
    d->bytes = sb_test_unhex(hex, &d->len);
    assert_non_null(d->bytes);
    uint32_t n;
    sb_proto_limits_t l = lim();
    d->rc = sb_proto_validate(d->bytes, d->len, &l, &n, &d->err);
    if (d->rc)
        return;
    size_t off = 0;
    d->rc = sb_proto_next_envelope(d->bytes, d->len, &off, &d->zone, dir, &d->env, &d->err);
}

static void decoded_free(decoded_t *d)
{
    msgpack_zone_destroy(&d->zone);
    sb_arena_dispose(&d->arena);
    free(d->bytes);
}

/* Packs a request from a msgpack "map" given by the python-like helper in hex. */
static void test_envelope_rules(void **state)
{
    (void)state;
    decoded_t d;
    /* {"t":"ping","id":1,"b":{}} */
    decode_hex(&d,
               "83a174a470696e67a26964"
               "01"
               "a16280",
               SB_PROTO_DIR_C2S);
    assert_int_equal(d.rc, 0);
    assert_int_equal(d.env.msg, SB_MSG_PING);
    assert_true(d.env.has_id);
    assert_int_equal(d.env.id, 1);
    decoded_free(&d);
    /* id missing on a request */
    decode_hex(&d, "82a174a470696e67a16280", SB_PROTO_DIR_C2S);
    assert_int_equal(d.err.code, SB_WERR_BAD_FRAME);
    decoded_free(&d);
    /* keys out of order: id before t; the id is still reported for the error reply */
    decode_hex(&d, "83a2696407a174a470696e67a16280", SB_PROTO_DIR_C2S);
    assert_int_equal(d.err.code, SB_WERR_BAD_FRAME);
    decoded_free(&d);
    /* unknown type keeps the id */
    decode_hex(&d,
               "83a174a46e6f7065a26964"
               "05"
               "a16280",
               SB_PROTO_DIR_C2S);
    assert_int_equal(d.err.code, SB_WERR_UNKNOWN_TYPE);
    assert_true(d.env.has_id);
    assert_int_equal(d.env.id, 5);
    decoded_free(&d);
    /* an event type sent by a client */
    decode_hex(&d, "83a174ad7365727665722e6e6f74696365a2696401a16280", SB_PROTO_DIR_C2S);
    assert_int_equal(d.err.code, SB_WERR_UNKNOWN_TYPE);
    decoded_free(&d);
    /* id above 2^53-1 */
    decode_hex(&d, "83a174a470696e67a26964cf0020000000000000a16280", SB_PROTO_DIR_C2S);
    assert_int_equal(d.err.code, SB_WERR_BAD_FRAME);
    decoded_free(&d);
}

static int decode_body_hex(const sb_proto_struct_desc_t *desc, const char *hex, void *out,
                           sb_proto_err_t *err, decoded_t *keep)
{
    memset(keep, 0, sizeof *keep);
    msgpack_zone_init(&keep->zone, 1024);
    sb_arena_init(&keep->arena, 0);
    keep->bytes = sb_test_unhex(hex, &keep->len);
    msgpack_object o;
    size_t off = 0;
    assert_true(msgpack_unpack((const char *)keep->bytes, keep->len, &off, &keep->zone, &o) >= 0);
    memset(out, 0, desc->size);
    return sb_proto_decode_struct(desc, &o, &keep->arena, out, err);
}

static void test_body_rules(void **state)
{
    (void)state;
    decoded_t k;
    sb_proto_err_t err;
    sb_msg_hello_t h;
    /* {"client":"x","lang":"es"} */
    assert_int_equal(
        decode_body_hex(&sb_msg_hello_desc, "82a6636c69656e74a178a46c616e67a26573", &h, &err, &k),
        0);
    assert_true(h.has_client);
    assert_false(h.has_resume_token);
    assert_true(h.has_lang);
    assert_int_equal(h.lang.len, 2);
    assert_memory_equal(h.lang.ptr, "es", 2);
    decoded_free(&k);
    /* lang before client: out of schema order */
    assert_int_not_equal(
        decode_body_hex(&sb_msg_hello_desc, "82a46c616e67a26573a6636c69656e74a178", &h, &err, &k),
        0);
    assert_int_equal(err.code, SB_WERR_BAD_FIELD);
    assert_string_equal(err.field, "client");
    decoded_free(&k);
    /* unknown field */
    assert_int_not_equal(decode_body_hex(&sb_msg_hello_desc, "81a378797aa178", &h, &err, &k), 0);
    assert_int_equal(err.code, SB_WERR_BAD_FIELD);
    assert_string_equal(err.field, "");
    decoded_free(&k);
    /* wrong type: client as integer */
    assert_int_not_equal(decode_body_hex(&sb_msg_hello_desc, "81a6636c69656e7405", &h, &err, &k),
                         0);
    assert_string_equal(err.field, "client");
    decoded_free(&k);
    /* bad charset: lang with a space */
    assert_int_not_equal(decode_body_hex(&sb_msg_hello_desc, "81a46c616e67a3652073", &h, &err, &k),
                         0);
    assert_string_equal(err.field, "lang");
    decoded_free(&k);
    /* invalid UTF-8 in a text field */
    assert_int_not_equal(
        decode_body_hex(&sb_msg_hello_desc, "81a6636c69656e74a2c328", &h, &err, &k), 0);
    assert_string_equal(err.field, "client");
    decoded_free(&k);
    /* NUL in text */
    assert_int_not_equal(
        decode_body_hex(&sb_msg_hello_desc, "81a6636c69656e74a20061", &h, &err, &k), 0);
    decoded_free(&k);
    /* token too short */
    assert_int_not_equal(
        decode_body_hex(&sb_msg_hello_desc, "81ac726573756d655f746f6b656ea3616263", &h, &err, &k),
        0);
    assert_string_equal(err.field, "resume_token");
    decoded_free(&k);
}

/* A descriptor written by hand covers lists, nested structs and enums, which the schema may not
 * use yet: the tables are plain data, so the codec must handle any well-formed table. */
typedef struct {
    sb_str_t name;
    uint64_t n;
} item_t;
typedef struct {
    struct {
        item_t *items;
        uint32_t n;
    } items;
    uint16_t kind;
    bool flag;
    bool has_flag;
} outer_t;

static const sb_proto_field_t item_fields[] = {
    {.name = "name",
     .name_len = 4,
     .offset = offsetof(item_t, name),
     .type = {.kind = SB_PF_STR, .charset = SB_CS_ID, .min = 1, .max = 8}},
    {.name = "n",
     .name_len = 1,
     .offset = offsetof(item_t, n),
     .type = {.kind = SB_PF_UINT, .max = 9}},
};
static const sb_proto_struct_desc_t item_desc = {"item", item_fields, 2, sizeof(item_t)};
static const sb_proto_type_t item_type = {.kind = SB_PF_STRUCT, .sub = &item_desc};
static const char *const kinds[] = {"a", "b"};
static const sb_proto_field_t outer_fields[] = {
    {.name = "items",
     .name_len = 5,
     .offset = offsetof(outer_t, items),
     .type = {.kind = SB_PF_LIST, .max = 3, .elem = &item_type, .elem_size = sizeof(item_t)}},
    {.name = "kind",
     .name_len = 4,
     .offset = offsetof(outer_t, kind),
     .type = {.kind = SB_PF_ENUM, .enum_values = kinds, .n_enum = 2}},
    {.name = "flag",
     .name_len = 4,
     .optional = true,
     .offset = offsetof(outer_t, flag),
     .has_offset = offsetof(outer_t, has_flag),
     .type = {.kind = SB_PF_BOOL}},
};
static const sb_proto_struct_desc_t outer_desc = {"outer", outer_fields, 3, sizeof(outer_t)};

static void test_lists_structs_enums(void **state)
{
    (void)state;
    decoded_t k;
    sb_proto_err_t err;
    outer_t o;
    /* {"items":[{"name":"x","n":1},{"name":"yy","n":9}],"kind":"b"} */
    const char *hex =
        "82a56974656d739282a46e616d65a178a16e0182a46e616d65a27979a16e09a46b696e64a162";
    assert_int_equal(decode_body_hex(&outer_desc, hex, &o, &err, &k), 0);
    assert_int_equal(o.items.n, 2);
    assert_int_equal(o.items.items[1].n, 9);
    assert_memory_equal(o.items.items[1].name.ptr, "yy", 2);
    assert_int_equal(o.kind, 1);
    assert_false(o.has_flag);
    /* re-encoding gives the same bytes */
    sb_buf_t b;
    sb_buf_init(&b, 0);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, sb_buf_msgpack_write);
    assert_int_equal(sb_proto_pack_struct(&pk, &outer_desc, &o), 0);
    assert_int_equal(b.len, k.len);
    assert_memory_equal(sb_buf_data(&b), k.bytes, k.len);
    sb_buf_dispose(&b);
    decoded_free(&k);
    /* a nested error names the path */
    hex = "82a56974656d739182a46e616d65a178a16e0aa46b696e64a162"; /* n = 10 > 9 */
    assert_int_not_equal(decode_body_hex(&outer_desc, hex, &o, &err, &k), 0);
    assert_string_equal(err.field, "items[0].n");
    decoded_free(&k);
    /* too many items */
    hex = "82a56974656d739480808080a46b696e64a162";
    assert_int_not_equal(decode_body_hex(&outer_desc, hex, &o, &err, &k), 0);
    assert_string_equal(err.field, "items");
    decoded_free(&k);
    /* unknown enum value */
    hex = "82a56974656d7390a46b696e64a17a";
    assert_int_not_equal(decode_body_hex(&outer_desc, hex, &o, &err, &k), 0);
    assert_string_equal(err.field, "kind");
    decoded_free(&k);
}

static void test_error_reply_encoding(void **state)
{
    (void)state;
    sb_buf_t b;
    sb_buf_init(&b, 0);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, sb_buf_msgpack_write);
    assert_int_equal(sb_proto_pack_error(&pk, true, 7, SB_WERR_BAD_FIELD, "m", "f", 0), 0);
    /* {"t":"error","id":7,"b":{"code":"BAD_FIELD","message":"m","field":"f"}} */
    const char *want =
        "83a174a56572726f72a2696407a16283a4636f6465a94241445f4649454c44a76d657373616765a16d"
        "a56669656c64a166";
    size_t n;
    uint8_t *w = sb_test_unhex(want, &n);
    assert_int_equal(b.len, n);
    assert_memory_equal(sb_buf_data(&b), w, n);
    free(w);
    sb_buf_dispose(&b);
}

/* ------------------------------------------------------------------------------------------------
 * Shared vectors
 * ---------------------------------------------------------------------------------------------- */

/* Compares a decoded struct with its JSON form, field by field. */
static void check_struct(const sb_proto_struct_desc_t *d, const void *s, json_t *j,
                         const char *name);

static void check_value(const sb_proto_type_t *t, const void *v, json_t *j, const char *name)
{
    switch (t->kind) {
    case SB_PF_STR: {
        const sb_str_t *str = v;
        if (!json_is_string(j))
            fail_msg("%s: expected a string in the vector", name);
        assert_int_equal(str->len, json_string_length(j));
        assert_memory_equal(str->ptr, json_string_value(j), str->len);
        break;
    }
    case SB_PF_UINT:
        assert_true(json_is_integer(j));
        assert_int_equal(*(const uint64_t *)v, (uint64_t)json_integer_value(j));
        break;
    case SB_PF_BOOL:
        assert_int_equal(*(const bool *)v, json_is_true(j));
        break;
    case SB_PF_ENUM:
        assert_string_equal(t->enum_values[*(const uint16_t *)v], json_string_value(j));
        break;
    case SB_PF_STRUCT:
        check_struct(t->sub, v, j, name);
        break;
    case SB_PF_LIST: {
        const struct {
            const char *items;
            uint32_t n;
        } *l = v;
        assert_int_equal(l->n, json_array_size(j));
        for (uint32_t i = 0; i < l->n; i++)
            check_value(t->elem, l->items + (size_t)i * t->elem_size, json_array_get(j, i), name);
        break;
    }
    }
}

static void check_struct(const sb_proto_struct_desc_t *d, const void *s, json_t *j,
                         const char *name)
{
    assert_true(json_is_object(j));
    size_t present = 0;
    for (uint16_t i = 0; i < d->n_fields; i++) {
        const sb_proto_field_t *f = &d->fields[i];
        json_t *jv = json_object_get(j, f->name);
        bool has = !f->optional || *(const bool *)((const char *)s + f->has_offset);
        if (!has) {
            if (jv)
                fail_msg("%s: field %s absent after decoding but present in the vector", name,
                         f->name);
            continue;
        }
        if (!jv)
            fail_msg("%s: field %s decoded but absent from the vector", name, f->name);
        present++;
        check_value(&f->type, (const char *)s + f->offset, jv, name);
    }
    assert_int_equal(present, json_object_size(j));
}

static const sb_proto_struct_desc_t *body_desc(json_t *e, sb_proto_envelope_t *env)
{
    if (env->is_error)
        return &sb_pt_error_body_desc;
    if (env->is_ok) {
        const char *req = json_string_value(json_object_get(e, "request"));
        sb_msg_type_t m = sb_proto_msg_lookup(req, strlen(req));
        assert_int_not_equal(m, SB_MSG_NONE);
        return sb_proto_msgs[m].reply;
    }
    return sb_proto_msgs[env->msg].body;
}

static void check_valid(json_t *v)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    bool c2s = strcmp(json_string_value(json_object_get(v, "dir")), "c2s") == 0;
    size_t len;
    uint8_t *bytes = sb_test_unhex(json_string_value(json_object_get(v, "hex")), &len);
    json_t *envs = json_object_get(v, "envelopes");
    sb_proto_limits_t l = lim();
    sb_proto_err_t err;
    uint32_t n;
    if (sb_proto_validate(bytes, len, &l, &n, &err) != 0)
        fail_msg("%s: %s", name, err.message);
    assert_int_equal(n, json_array_size(envs));
    msgpack_zone zone;
    msgpack_zone_init(&zone, 1024);
    sb_arena_t arena;
    sb_arena_init(&arena, 0);
    sb_buf_t out;
    sb_buf_init(&out, 0);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, sb_buf_msgpack_write);
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        json_t *e = json_array_get(envs, i);
        sb_proto_envelope_t env;
        if (sb_proto_next_envelope(bytes, len, &off, &zone,
                                   c2s ? SB_PROTO_DIR_C2S : SB_PROTO_DIR_S2C, &env, &err) != 0)
            fail_msg("%s: %s", name, err.message);
        json_t *jid = json_object_get(e, "id");
        assert_int_equal(env.has_id, jid != NULL);
        if (jid)
            assert_int_equal(env.id, (uint64_t)json_integer_value(jid));
        const char *t = json_string_value(json_object_get(e, "t"));
        if (!env.is_ok && !env.is_error)
            assert_string_equal(sb_proto_msgs[env.msg].name, t);
        const sb_proto_struct_desc_t *d = body_desc(e, &env);
        void *body = sb_arena_alloc(&arena, d->size);
        if (sb_proto_decode_struct(d, &env.body, &arena, body, &err) != 0)
            fail_msg("%s: %s (%s)", name, err.message, err.field);
        check_struct(d, body, json_object_get(e, "b"), name);
        /* re-encode */
        if (env.is_error) {
            assert_int_equal(sb_proto_pack_error_body(&pk, env.has_id, env.id, body), 0);
        } else if (env.is_ok) {
            const char *req = json_string_value(json_object_get(e, "request"));
            assert_int_equal(
                sb_proto_pack_ok(&pk, sb_proto_msg_lookup(req, strlen(req)), env.id, body), 0);
        } else if (c2s) {
            assert_int_equal(sb_proto_pack_request(&pk, env.msg, env.id, body), 0);
        } else {
            assert_int_equal(sb_proto_pack_event(&pk, env.msg, body), 0);
        }
    }
    if (out.len != len || memcmp(sb_buf_data(&out), bytes, len) != 0)
        fail_msg("%s: re-encoding differs from the vector's bytes", name);
    sb_buf_dispose(&out);
    sb_arena_dispose(&arena);
    msgpack_zone_destroy(&zone);
    free(bytes);
}

static void check_invalid(json_t *v)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    const char *want = json_string_value(json_object_get(v, "error"));
    json_t *jf = json_object_get(v, "field");
    bool c2s = strcmp(json_string_value(json_object_get(v, "dir")), "c2s") == 0;
    size_t len;
    uint8_t *bytes = sb_test_unhex(json_string_value(json_object_get(v, "hex")), &len);
    sb_proto_limits_t l = lim();
    sb_proto_err_t err;
    memset(&err, 0, sizeof err);
    uint32_t n;
    int rc = sb_proto_validate(bytes, len, &l, &n, &err);
    msgpack_zone zone;
    msgpack_zone_init(&zone, 1024);
    sb_arena_t arena;
    sb_arena_init(&arena, 0);
    size_t off = 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        sb_proto_envelope_t env;
        rc = sb_proto_next_envelope(bytes, len, &off, &zone,
                                    c2s ? SB_PROTO_DIR_C2S : SB_PROTO_DIR_S2C, &env, &err);
        if (rc)
            break;
        const sb_proto_struct_desc_t *d =
            env.is_error ? &sb_pt_error_body_desc
            : env.is_ok
                ? sb_proto_msgs[sb_proto_msg_lookup(
                                    json_string_value(json_object_get(v, "request")),
                                    strlen(json_string_value(json_object_get(v, "request"))))]
                      .reply
                : sb_proto_msgs[env.msg].body;
        void *body = sb_arena_alloc(&arena, d->size);
        rc = sb_proto_decode_struct(d, &env.body, &arena, body, &err);
    }
    if (rc == 0)
        fail_msg("%s: decoded although it should fail with %s", name, want);
    if (strcmp(sb_wire_err_name(err.code), want) != 0)
        fail_msg("%s: got %s (%s), want %s", name, sb_wire_err_name(err.code), err.message, want);
    const char *want_field = jf ? json_string_value(jf) : "";
    if (strcmp(err.field, want_field) != 0)
        fail_msg("%s: field '%s', want '%s'", name, err.field, want_field);
    sb_arena_dispose(&arena);
    msgpack_zone_destroy(&zone);
    free(bytes);
}

static void test_shared_vectors(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *root = json_load_file(sb_test_source_path("proto/vectors.json"), 0, &jerr);
    if (!root)
        fail_msg("proto/vectors.json: %s", jerr.text);
    json_t *valid = json_object_get(root, "valid"), *invalid = json_object_get(root, "invalid");
    assert_true(json_array_size(valid) >= 10);
    assert_true(json_array_size(invalid) >= 10);
    size_t i;
    json_t *v;
    json_array_foreach(valid, i, v) check_valid(v);
    json_array_foreach(invalid, i, v) check_invalid(v);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_lying_lengths), cmocka_unit_test(test_validate_forms),
        cmocka_unit_test(test_validate_structure),     cmocka_unit_test(test_validate_frame_limit),
        cmocka_unit_test(test_envelope_rules),         cmocka_unit_test(test_body_rules),
        cmocka_unit_test(test_lists_structs_enums),    cmocka_unit_test(test_error_reply_encoding),
        cmocka_unit_test(test_shared_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
