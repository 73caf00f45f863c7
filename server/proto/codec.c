#include "proto/codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/utf8.h"

/* ------------------------------------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------------------------------- */

static const char *const g_werr_names[SB_WERR__COUNT] = {[SB_WERR_NONE] = "NONE",
#define SB_WERR_NAME(name, retry) [SB_WERR_##name] = #name,
                                                         SB_WIRE_ERR_LIST(SB_WERR_NAME)
#undef SB_WERR_NAME
};

static const bool g_werr_retry[SB_WERR__COUNT] = {
#define SB_WERR_RETRY(name, retry) [SB_WERR_##name] = retry,
    SB_WIRE_ERR_LIST(SB_WERR_RETRY)
#undef SB_WERR_RETRY
};

static const char *const g_role_names[SB_ROLE__COUNT] = {
#define SB_ROLE_NAME(name, bit) [bit] = #name,
    SB_ROLE_LIST(SB_ROLE_NAME)
#undef SB_ROLE_NAME
};

const char *sb_wire_err_name(sb_wire_err_t e)
{
    return (unsigned)e < SB_WERR__COUNT ? g_werr_names[e] : "INTERNAL";
}

bool sb_wire_err_retryable(sb_wire_err_t e)
{
    return (unsigned)e < SB_WERR__COUNT && g_werr_retry[e];
}

const char *sb_role_name(sb_role_t r)
{
    /* the X-macro names are upper case; the wire and config use lower case */
    static const char *const lower[SB_ROLE__COUNT] = {"customer", "agent", "supervisor", "admin"};
    _Static_assert(SB_ROLE__COUNT == 4, "role names out of date");
    (void)g_role_names;
    return (unsigned)r < SB_ROLE__COUNT ? lower[r] : "unknown";
}

int sb_role_parse(const char *s, size_t n)
{
    for (int r = 0; r < SB_ROLE__COUNT; r++) {
        const char *name = sb_role_name((sb_role_t)r);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return r;
    }
    return -1;
}

sb_proto_limits_t sb_proto_default_limits(void)
{
    return (sb_proto_limits_t){
        .max_frame_bytes = SB_PROTO_MAX_FRAME_BYTES,
        .max_depth = SB_PROTO_MAX_DEPTH,
        .max_items = SB_PROTO_MAX_ITEMS,
        .max_envelopes = SB_PROTO_MAX_ENVELOPES_PER_FRAME,
    };
}

sb_msg_type_t sb_proto_msg_lookup(const char *name, size_t n)
{
    for (int i = 1; i < SB_MSG__COUNT; i++)
        if (sb_proto_msgs[i].name_len == n && memcmp(sb_proto_msgs[i].name, name, n) == 0)
            return (sb_msg_type_t)i;
    return SB_MSG_NONE;
}

static int fail(sb_proto_err_t *err, sb_wire_err_t code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(sb_proto_err_t *err, sb_wire_err_t code, const char *field, const char *fmt, ...)
{
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->buf, sizeof err->buf, fmt, ap);
    va_end(ap);
    err->message = err->buf;
    return SB_E_PROTO;
}

/* ------------------------------------------------------------------------------------------------
 * Step 1: allocation-free validation of the raw bytes
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len;
    size_t off;
    uint32_t items;
    const sb_proto_limits_t *lim;
    sb_proto_err_t *err;
} vstate_t;

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

#define VFAIL(st, ...) fail((st)->err, SB_WERR_BAD_FRAME, NULL, __VA_ARGS__)

/* Reads an n-byte big-endian length or value after the type byte. */
static int vread(vstate_t *st, int n, uint64_t *out)
{
    if (st->len - st->off < (size_t)n)
        return VFAIL(st, "frame ends inside a value");
    *out = be(st->p + st->off, n);
    st->off += (size_t)n;
    return 0;
}

static int vskip_bytes(vstate_t *st, uint64_t n)
{
    if (st->len - st->off < n)
        return VFAIL(st, "a declared length runs past the end of the frame");
    st->off += (size_t)n;
    return 0;
}

static int vcount(vstate_t *st, uint64_t n, uint64_t per)
{
    /* every element takes at least one byte: a count larger than what is left is a lie */
    if (n * per > st->len - st->off)
        return VFAIL(st, "a declared count runs past the end of the frame");
    if (st->items + n * per > st->lim->max_items)
        return VFAIL(st, "too many items in one frame");
    st->items += (uint32_t)(n * per);
    return 0;
}

static int vvalue(vstate_t *st, uint32_t depth);

static int vcontainer(vstate_t *st, uint64_t n, bool map, uint32_t depth)
{
    if (depth + 1 > st->lim->max_depth)
        return VFAIL(st, "nesting deeper than %u", (unsigned)st->lim->max_depth);
    if (vcount(st, n, map ? 2 : 1))
        return SB_E_PROTO;
    for (uint64_t i = 0; i < n * (map ? 2 : 1); i++)
        if (vvalue(st, depth + 1))
            return SB_E_PROTO;
    return 0;
}

static int vvalue(vstate_t *st, uint32_t depth)
{
    if (st->off >= st->len)
        return VFAIL(st, "frame ends where a value was expected");
    uint8_t c = st->p[st->off++];
    uint64_t v = 0;             /* set by vread() on success; initialised for the optimiser */
    if (c <= 0x7f || c >= 0xe0) /* fixint */
        return 0;
    if (c >= 0x80 && c <= 0x8f)
        return vcontainer(st, c & 0x0f, true, depth);
    if (c >= 0x90 && c <= 0x9f)
        return vcontainer(st, c & 0x0f, false, depth);
    if (c >= 0xa0 && c <= 0xbf)
        return vskip_bytes(st, c & 0x1f);
    switch (c) {
    case 0xc0: /* nil */
    case 0xc2: /* false */
    case 0xc3: /* true */
        return 0;
    case 0xc1:
        return VFAIL(st, "reserved byte 0xc1");
    case 0xc4:
    case 0xc5:
    case 0xc6: {
        int w = 1 << (c - 0xc4);
        if (vread(st, w, &v))
            return SB_E_PROTO;
        if ((w == 2 && v < 0x100) || (w == 4 && v < 0x10000))
            return VFAIL(st, "binary length not in its smallest form");
        return vskip_bytes(st, v);
    }
    case 0xca:
    case 0xcb:
        return VFAIL(st, "floats are not allowed on the wire");
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
        int w = 1 << (c - 0xcc);
        if (vread(st, w, &v))
            return SB_E_PROTO;
        static const uint64_t min[] = {0x80, 0x100, 0x10000, 0x100000000ull};
        if (v < min[c - 0xcc])
            return VFAIL(st, "integer not in its smallest form");
        return 0;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        int w = 1 << (c - 0xd0);
        if (vread(st, w, &v))
            return SB_E_PROTO;
        /* sign-extend, then require a negative value too large for the next smaller form */
        int64_t s = (int64_t)(v << (64 - 8 * w)) >> (64 - 8 * w);
        static const int64_t lim[] = {-32, -128, -32768, -2147483648ll};
        if (s >= lim[c - 0xd0])
            return VFAIL(st, "integer not in its smallest form");
        return 0;
    }
    case 0xd9:
    case 0xda:
    case 0xdb: {
        int w = 1 << (c - 0xd9);
        if (vread(st, w, &v))
            return SB_E_PROTO;
        static const uint64_t min[] = {32, 0x100, 0x10000};
        if (v < min[c - 0xd9])
            return VFAIL(st, "string length not in its smallest form");
        return vskip_bytes(st, v);
    }
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
        bool map = c >= 0xde;
        int w = (c == 0xdc || c == 0xde) ? 2 : 4;
        if (vread(st, w, &v))
            return SB_E_PROTO;
        if (v < (w == 2 ? 16u : 0x10000u))
            return VFAIL(st, "container size not in its smallest form");
        return vcontainer(st, v, map, depth);
    }
    default: /* 0xc7-0xc9, 0xd4-0xd8: extension types */
        return VFAIL(st, "extension types are not allowed on the wire");
    }
}

int sb_proto_validate(const uint8_t *buf, size_t len, const sb_proto_limits_t *lim,
                      uint32_t *n_envelopes, sb_proto_err_t *err)
{
    vstate_t st = {.p = buf, .len = len, .off = 0, .items = 0, .lim = lim, .err = err};
    uint32_t n = 0;
    if (len == 0)
        return VFAIL(&st, "empty frame");
    if (len > lim->max_frame_bytes)
        return VFAIL(&st, "frame larger than %u bytes", (unsigned)lim->max_frame_bytes);
    while (st.off < len) {
        uint8_t c = buf[st.off];
        bool is_map = (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf;
        if (!is_map)
            return VFAIL(&st, "an envelope must be a map");
        if (++n > lim->max_envelopes)
            return VFAIL(&st, "more than %u envelopes in one frame", (unsigned)lim->max_envelopes);
        if (vvalue(&st, 0))
            return SB_E_PROTO;
    }
    *n_envelopes = n;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Step 2: envelopes
 * ---------------------------------------------------------------------------------------------- */

static bool key_is(const msgpack_object *k, const char *name, size_t n)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, name, n) == 0;
}

int sb_proto_next_envelope(const uint8_t *buf, size_t len, size_t *off, msgpack_zone *zone,
                           sb_proto_dir_t dir, sb_proto_envelope_t *env, sb_proto_err_t *err)
{
    memset(env, 0, sizeof *env);
    msgpack_object root;
    msgpack_unpack_return r = msgpack_unpack((const char *)buf, len, off, zone, &root);
    if (r != MSGPACK_UNPACK_SUCCESS && r != MSGPACK_UNPACK_EXTRA_BYTES)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "envelope could not be unpacked");
    if (root.type != MSGPACK_OBJECT_MAP)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "an envelope must be a map");
    const msgpack_object_map *m = &root.via.map;
    const msgpack_object *t = NULL, *id = NULL, *b = NULL;
    /* canonical order t, id, b; every key at most once */
    int stage = 0;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
        if (key_is(k, "t", 1) && stage < 1) {
            t = v;
            stage = 1;
        } else if (key_is(k, "id", 2) && stage < 2) {
            id = v;
            stage = 2;
        } else if (key_is(k, "b", 1) && stage < 3) {
            b = v;
            stage = 3;
        } else {
            return fail(err, SB_WERR_BAD_FRAME, NULL,
                        "envelope keys must be t, id, b, each once and in that order");
        }
    }
    if (id) {
        if (id->type != MSGPACK_OBJECT_POSITIVE_INTEGER || id->via.u64 > 9007199254740991ull)
            return fail(err, SB_WERR_BAD_FRAME, NULL, "id must be an integer 0..2^53-1");
        env->has_id = true;
        env->id = id->via.u64;
    }
    if (!t || t->type != MSGPACK_OBJECT_STR)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "envelope needs a type string t");
    if (!b || b->type != MSGPACK_OBJECT_MAP)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "envelope needs a body map b");
    env->body = *b;
    const char *tn = t->via.str.ptr;
    size_t tl = t->via.str.size;
    if (dir == SB_PROTO_DIR_S2C && (tl == 2 && memcmp(tn, "ok", 2) == 0)) {
        env->is_ok = true;
    } else if (dir == SB_PROTO_DIR_S2C && tl == 5 && memcmp(tn, "error", 5) == 0) {
        env->is_error = true;
    } else {
        env->msg = sb_proto_msg_lookup(tn, tl);
        uint8_t want = dir == SB_PROTO_DIR_C2S ? SB_PROTO_REQUEST : SB_PROTO_EVENT;
        if (env->msg == SB_MSG_NONE || sb_proto_msgs[env->msg].kind != want) {
            int shown = tl > 40 ? 40 : (int)tl;
            bool printable = sb_proto_charset_ok(SB_CS_ID, tn, (size_t)shown);
            env->msg = SB_MSG_NONE;
            return fail(err, SB_WERR_UNKNOWN_TYPE, NULL, "unknown message type %s%.*s%s",
                        printable ? "'" : "", printable ? shown : 0, tn, printable ? "'" : "");
        }
    }
    if ((dir == SB_PROTO_DIR_C2S || env->is_ok) && !env->has_id)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "a request and its reply need an id");
    if (dir == SB_PROTO_DIR_S2C && !env->is_ok && !env->is_error && env->has_id)
        return fail(err, SB_WERR_BAD_FRAME, NULL, "an event carries no id");
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Step 3: bodies
 * ---------------------------------------------------------------------------------------------- */

bool sb_proto_charset_ok(sb_charset_t cs, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    switch (cs) {
    case SB_CS_TEXT:
        if (memchr(s, 0, n))
            return false;
        return sb_utf8_valid(s, n);
    case SB_CS_ID:
        for (size_t i = 0; i < n; i++) {
            unsigned char c = u[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '-'))
                return false;
        }
        return true;
    case SB_CS_TOKEN:
        for (size_t i = 0; i < n; i++) {
            unsigned char c = u[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-'))
                return false;
        }
        return true;
    case SB_CS_LANG:
        for (size_t i = 0; i < n; i++) {
            unsigned char c = u[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-'))
                return false;
        }
        return true;
    }
    return false;
}

static const char *kind_word(uint8_t kind)
{
    switch (kind) {
    case SB_PF_STR:
        return "a string";
    case SB_PF_UINT:
        return "a non-negative integer";
    case SB_PF_BOOL:
        return "true or false";
    case SB_PF_ENUM:
        return "one of its listed strings";
    case SB_PF_STRUCT:
        return "a map";
    case SB_PF_LIST:
        return "an array";
    }
    return "?";
}

static int decode_value(const sb_proto_type_t *t, const msgpack_object *o, sb_arena_t *arena,
                        void *dst, sb_proto_err_t *err, const char *path);

static int decode_struct_at(const sb_proto_struct_desc_t *desc, const msgpack_object *obj,
                            sb_arena_t *arena, void *out, sb_proto_err_t *err, const char *path)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return fail(err, SB_WERR_BAD_FIELD, path, "%s must be a map", *path ? path : "body");
    const msgpack_object_map *m = &obj->via.map;
    uint16_t next = 0; /* schema index the next key may take: enforces order and uniqueness */
    char sub[64];
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            return fail(err, SB_WERR_BAD_FIELD, path, "keys must be strings");
        uint16_t f = next;
        while (f < desc->n_fields &&
               !(desc->fields[f].name_len == k->via.str.size &&
                 memcmp(desc->fields[f].name, k->via.str.ptr, k->via.str.size) == 0))
            f++;
        if (f == desc->n_fields) {
            /* either unknown, or known but out of order / repeated: say which */
            int shown = k->via.str.size > 32 ? 32 : (int)k->via.str.size;
            bool printable = sb_proto_charset_ok(SB_CS_ID, k->via.str.ptr, (size_t)shown);
            for (uint16_t j = 0; j < next; j++)
                if (desc->fields[j].name_len == k->via.str.size &&
                    memcmp(desc->fields[j].name, k->via.str.ptr, k->via.str.size) == 0)
                    return fail(err, SB_WERR_BAD_FIELD, desc->fields[j].name,
                                "field %s repeated or out of schema order", desc->fields[j].name);
            return fail(err, SB_WERR_BAD_FIELD, NULL, "unknown field %s%.*s%s",
                        printable ? "'" : "", printable ? shown : 0, k->via.str.ptr,
                        printable ? "'" : "");
        }
        /* every field skipped over must be optional */
        for (uint16_t j = next; j < f; j++)
            if (!desc->fields[j].optional) {
                snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", desc->fields[j].name);
                return fail(err, SB_WERR_BAD_FIELD, sub, "missing field %s", sub);
            }
        const sb_proto_field_t *fd = &desc->fields[f];
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", fd->name);
        if (decode_value(&fd->type, &m->ptr[i].val, arena, (char *)out + fd->offset, err, sub))
            return SB_E_PROTO;
        if (fd->optional)
            *(bool *)((char *)out + fd->has_offset) = true;
        next = (uint16_t)(f + 1);
    }
    for (uint16_t j = next; j < desc->n_fields; j++)
        if (!desc->fields[j].optional) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", desc->fields[j].name);
            return fail(err, SB_WERR_BAD_FIELD, sub, "missing field %s", sub);
        }
    return 0;
}

static int decode_value(const sb_proto_type_t *t, const msgpack_object *o, sb_arena_t *arena,
                        void *dst, sb_proto_err_t *err, const char *path)
{
    switch (t->kind) {
    case SB_PF_STR: {
        if (o->type != MSGPACK_OBJECT_STR)
            break;
        uint32_t n = o->via.str.size;
        if (n < t->min || n > t->max)
            return fail(err, SB_WERR_BAD_FIELD, path, "%s must be %u to %llu bytes long", path,
                        (unsigned)t->min, (unsigned long long)t->max);
        if (!sb_proto_charset_ok((sb_charset_t)t->charset, o->via.str.ptr, n))
            return fail(err, SB_WERR_BAD_FIELD, path, "%s has characters it may not contain", path);
        *(sb_str_t *)dst = (sb_str_t){o->via.str.ptr, n};
        return 0;
    }
    case SB_PF_UINT:
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            break;
        if (o->via.u64 > t->max)
            return fail(err, SB_WERR_BAD_FIELD, path, "%s must be at most %llu", path,
                        (unsigned long long)t->max);
        *(uint64_t *)dst = o->via.u64;
        return 0;
    case SB_PF_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            break;
        *(bool *)dst = o->via.boolean;
        return 0;
    case SB_PF_ENUM:
        if (o->type != MSGPACK_OBJECT_STR)
            break;
        for (uint16_t i = 0; i < t->n_enum; i++)
            if (strlen(t->enum_values[i]) == o->via.str.size &&
                memcmp(t->enum_values[i], o->via.str.ptr, o->via.str.size) == 0) {
                *(uint16_t *)dst = i;
                return 0;
            }
        return fail(err, SB_WERR_BAD_FIELD, path, "%s is not one of its allowed values", path);
    case SB_PF_STRUCT:
        return decode_struct_at(t->sub, o, arena, dst, err, path);
    case SB_PF_LIST: {
        if (o->type != MSGPACK_OBJECT_ARRAY)
            break;
        uint32_t n = o->via.array.size;
        if (n > t->max)
            return fail(err, SB_WERR_BAD_FIELD, path, "%s has more than %llu items", path,
                        (unsigned long long)t->max);
        char *items = NULL;
        if (n) {
            items = sb_arena_alloc(arena, (size_t)n * t->elem_size);
            if (!items)
                return fail(err, SB_WERR_INTERNAL, path, "out of scratch memory");
        }
        char sub[64];
        for (uint32_t i = 0; i < n; i++) {
            snprintf(sub, sizeof sub, "%s[%u]", path, (unsigned)i);
            if (decode_value(t->elem, &o->via.array.ptr[i], arena, items + (size_t)i * t->elem_size,
                             err, sub))
                return SB_E_PROTO;
        }
        /* every list is laid out as { T *items; uint32_t n; } */
        struct {
            void *items;
            uint32_t n;
        } *l = dst;
        l->items = items;
        l->n = n;
        return 0;
    }
    }
    return fail(err, SB_WERR_BAD_FIELD, path, "%s must be %s", path, kind_word(t->kind));
}

int sb_proto_decode_struct(const sb_proto_struct_desc_t *desc, const msgpack_object *obj,
                           sb_arena_t *arena, void *out, sb_proto_err_t *err)
{
    return decode_struct_at(desc, obj, arena, out, err, "");
}

/* ------------------------------------------------------------------------------------------------
 * Encoding
 * ---------------------------------------------------------------------------------------------- */

static int pack_value(msgpack_packer *pk, const sb_proto_type_t *t, const void *src);

int sb_proto_pack_struct(msgpack_packer *pk, const sb_proto_struct_desc_t *desc, const void *s)
{
    uint32_t n = 0;
    for (uint16_t i = 0; i < desc->n_fields; i++) {
        const sb_proto_field_t *f = &desc->fields[i];
        if (!f->optional || *(const bool *)((const char *)s + f->has_offset))
            n++;
    }
    int rc = msgpack_pack_map(pk, n);
    for (uint16_t i = 0; i < desc->n_fields && rc == 0; i++) {
        const sb_proto_field_t *f = &desc->fields[i];
        if (f->optional && !*(const bool *)((const char *)s + f->has_offset))
            continue;
        rc |= msgpack_pack_str_with_body(pk, f->name, f->name_len);
        rc |= pack_value(pk, &f->type, (const char *)s + f->offset);
    }
    return rc ? -1 : 0;
}

static int pack_value(msgpack_packer *pk, const sb_proto_type_t *t, const void *src)
{
    switch (t->kind) {
    case SB_PF_STR: {
        const sb_str_t *s = src;
        return msgpack_pack_str_with_body(pk, s->ptr ? s->ptr : "", s->len);
    }
    case SB_PF_UINT:
        return msgpack_pack_uint64(pk, *(const uint64_t *)src);
    case SB_PF_BOOL:
        return *(const bool *)src ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case SB_PF_ENUM: {
        uint16_t v = *(const uint16_t *)src;
        if (v >= t->n_enum)
            return -1;
        return msgpack_pack_str_with_body(pk, t->enum_values[v], strlen(t->enum_values[v]));
    }
    case SB_PF_STRUCT:
        return sb_proto_pack_struct(pk, t->sub, src);
    case SB_PF_LIST: {
        const struct {
            const void *items;
            uint32_t n;
        } *l = src;
        int rc = msgpack_pack_array(pk, l->n);
        for (uint32_t i = 0; i < l->n && rc == 0; i++)
            rc = pack_value(pk, t->elem, (const char *)l->items + (size_t)i * t->elem_size);
        return rc;
    }
    }
    return -1;
}

static int pack_head(msgpack_packer *pk, const char *t, size_t tl, bool has_id, uint64_t id)
{
    int rc = msgpack_pack_map(pk, has_id ? 3 : 2);
    rc |= msgpack_pack_str_with_body(pk, "t", 1);
    rc |= msgpack_pack_str_with_body(pk, t, tl);
    if (has_id) {
        rc |= msgpack_pack_str_with_body(pk, "id", 2);
        rc |= msgpack_pack_uint64(pk, id);
    }
    rc |= msgpack_pack_str_with_body(pk, "b", 1);
    return rc;
}

int sb_proto_pack_request(msgpack_packer *pk, sb_msg_type_t type, uint64_t id, const void *body)
{
    const sb_proto_msg_desc_t *m = &sb_proto_msgs[type];
    if (pack_head(pk, m->name, m->name_len, true, id))
        return -1;
    return sb_proto_pack_struct(pk, m->body, body);
}

int sb_proto_pack_event(msgpack_packer *pk, sb_msg_type_t type, const void *body)
{
    const sb_proto_msg_desc_t *m = &sb_proto_msgs[type];
    if (pack_head(pk, m->name, m->name_len, false, 0))
        return -1;
    return sb_proto_pack_struct(pk, m->body, body);
}

int sb_proto_pack_ok(msgpack_packer *pk, sb_msg_type_t request_type, uint64_t id, const void *reply)
{
    if (pack_head(pk, "ok", 2, true, id))
        return -1;
    return sb_proto_pack_struct(pk, sb_proto_msgs[request_type].reply, reply);
}

int sb_proto_pack_error_body(msgpack_packer *pk, bool has_id, uint64_t id,
                             const sb_pt_error_body_t *body)
{
    if (pack_head(pk, "error", 5, has_id, id))
        return -1;
    return sb_proto_pack_struct(pk, &sb_pt_error_body_desc, body);
}

int sb_proto_pack_error(msgpack_packer *pk, bool has_id, uint64_t id, sb_wire_err_t code,
                        const char *message, const char *field, uint64_t retry_after_ms)
{
    if (pack_head(pk, "error", 5, has_id, id))
        return -1;
    const char *name = sb_wire_err_name(code);
    sb_pt_error_body_t e = {
        .code = {name, (uint32_t)strlen(name)},
        .message = {message, (uint32_t)strnlen(message, 256)},
        .has_field = field && *field,
        .retry_after_ms = retry_after_ms,
        .has_retry_after_ms = retry_after_ms > 0,
    };
    if (e.has_field)
        e.field = (sb_str_t){field, (uint32_t)strnlen(field, 64)};
    return sb_proto_pack_struct(pk, &sb_pt_error_body_desc, &e);
}
