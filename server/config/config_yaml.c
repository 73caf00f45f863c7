/* The table-driven YAML reader behind the configuration (see config_yaml.h). */
#include "config/config_yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "util/err.h"
#include "util/strmap.h"

#define SB_CFG_TEXT_MAX_DEFAULT 128
#define SB_CFG_LANG_MAX         35

/* ------------------------------------------------------------------------------------------------
 * Field paths and messages
 * ---------------------------------------------------------------------------------------------- */

static void path_set_len(sb_cfg_ctx_t *ctx, size_t saved, int n)
{
    size_t cap = sizeof ctx->path;
    size_t len = n < 0 ? saved : saved + (size_t)n;
    ctx->path_len = len >= cap ? cap - 1 : len;
    ctx->path[ctx->path_len] = 0;
}

size_t sb_cfg_push_key(sb_cfg_ctx_t *ctx, const char *key)
{
    size_t saved = ctx->path_len;
    int n = snprintf(ctx->path + saved, sizeof ctx->path - saved, saved ? ".%s" : "%s", key);
    path_set_len(ctx, saved, n);
    return saved;
}

size_t sb_cfg_push_index(sb_cfg_ctx_t *ctx, size_t i)
{
    size_t saved = ctx->path_len;
    int n = snprintf(ctx->path + saved, sizeof ctx->path - saved, "[%zu]", i);
    path_set_len(ctx, saved, n);
    return saved;
}

void sb_cfg_pop(sb_cfg_ctx_t *ctx, size_t saved)
{
    ctx->path_len = saved;
    ctx->path[saved] = 0;
}

const char *sb_cfg_show(const char *s, char *buf, size_t len)
{
    /* Values end up in terminals and logs: control characters become '?', long ones are cut.
     * Callers pass buffers of at least 16 bytes. */
    size_t i = 0;
    for (; s[i] && i + 4 < len; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (s[i]) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = 0;
    return buf;
}

static int vfail(sb_cfg_ctx_t *ctx, const yaml_node_t *node, const char *fmt, va_list ap)
{
    if (!ctx->err || !ctx->errlen)
        return SB_E_CONFIG;
    if (!node)
        node = ctx->near;
    size_t line = node ? node->start_mark.line + 1 : 1;
    int n = snprintf(ctx->err, ctx->errlen, "%s:%zu: %s: ", ctx->file, line,
                     ctx->path_len ? ctx->path : "(root)");
    if (n >= 0 && (size_t)n < ctx->errlen)
        vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
    return SB_E_CONFIG;
}

int sb_cfg_fail(sb_cfg_ctx_t *ctx, const yaml_node_t *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(ctx, node, fmt, ap);
    va_end(ap);
    return rc;
}

int sb_cfg_fail_key(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key, const char *fmt, ...)
{
    yaml_node_t *val = sb_cfg_map_get(ctx, map, key);
    size_t saved = sb_cfg_push_key(ctx, key);
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(ctx, val ? val : map, fmt, ap);
    va_end(ap);
    sb_cfg_pop(ctx, saved);
    return rc;
}

int sb_cfg_nomem(sb_cfg_ctx_t *ctx)
{
    if (ctx->err && ctx->errlen)
        snprintf(ctx->err, ctx->errlen, "%s: out of memory", ctx->file);
    return SB_E_NOMEM;
}

char *sb_cfg_strdup(sb_cfg_ctx_t *ctx, const char *s)
{
    char *d = strdup(s);
    if (!d)
        sb_cfg_nomem(ctx);
    return d;
}

void sb_cfg_free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

int sb_cfg_find_id(const char *const *ids, size_t n, size_t stride, const char *id)
{
    /* `ids` points at the first element's char * id; elements are `stride` bytes apart. */
    for (size_t i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)ids + i * stride);
        if (s && strcmp(s, id) == 0)
            return (int)i;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------------
 * Nodes
 * ---------------------------------------------------------------------------------------------- */

bool sb_cfg_is_null(const yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE ||
        node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)node->data.scalar.value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *node)
{
    if (node->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (node->type == YAML_SEQUENCE_NODE)
        return "a list";
    return sb_cfg_is_null(node) ? "nothing (null)" : "a string";
}

static const char *scalar(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

static yaml_node_pair_t *map_pair(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
            return p;
    }
    return NULL;
}

yaml_node_t *sb_cfg_map_get(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p = map_pair(ctx, map, key);
    return p ? yaml_document_get_node(ctx->doc, p->value) : NULL;
}

yaml_node_t *sb_cfg_map_key_node(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p = map_pair(ctx, map, key);
    return p ? yaml_document_get_node(ctx->doc, p->key) : NULL;
}

yaml_node_t *sb_cfg_seq_item(sb_cfg_ctx_t *ctx, yaml_node_t *seq, size_t i)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return NULL;
    yaml_node_item_t *items = seq->data.sequence.items.start;
    if (i >= (size_t)(seq->data.sequence.items.top - items))
        return NULL;
    return yaml_document_get_node(ctx->doc, items[i]);
}

bool sb_cfg_scalar_u32(const yaml_node_t *node, uint32_t *out)
{
    /* Only plain scalars are numbers: "30" in quotes is a string, as YAML says. */
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar(node);
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* ------------------------------------------------------------------------------------------------
 * Scalars
 * ---------------------------------------------------------------------------------------------- */

static bool looks_numeric(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int read_uint(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f, uint32_t *out)
{
    char show[64];
    if (node->type != YAML_SCALAR_NODE)
        return sb_cfg_fail(ctx, node, "must be an integer from %u to %u, got %s", f->min, f->max,
                           node_kind(node));
    const char *s = scalar(node);
    uint32_t v;
    bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (sb_cfg_scalar_u32(node, &v) && v >= f->min && v <= f->max) {
        *out = v;
        return 0;
    }
    if (plain && looks_numeric(s))
        return sb_cfg_fail(ctx, node, "must be %u to %u, got %s", f->min, f->max,
                           sb_cfg_show(s, show, sizeof show));
    return sb_cfg_fail(ctx, node, "must be an integer from %u to %u, got %s'%s'", f->min, f->max,
                       plain ? "" : "the quoted string ", sb_cfg_show(s, show, sizeof show));
}

static int read_bool(sb_cfg_ctx_t *ctx, yaml_node_t *node, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False",
                                                                              "FALSE"};
    char show[64];
    if (node->type == YAML_SCALAR_NODE && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        for (size_t i = 0; i < 3; i++) {
            if (!strcmp(scalar(node), yes[i]) || !strcmp(scalar(node), no[i])) {
                *out = !strcmp(scalar(node), yes[i]);
                return 0;
            }
        }
    }
    if (node->type != YAML_SCALAR_NODE)
        return sb_cfg_fail(ctx, node, "must be true or false, got %s", node_kind(node));
    return sb_cfg_fail(ctx, node, "must be true or false, got '%s'",
                       sb_cfg_show(scalar(node), show, sizeof show));
}

/* "a, b, c" from a NULL-terminated list, cut to fit `buf`. */
static const char *names_list(const char *const *names, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; names[i] && off < len; i++) {
        int n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i]);
        off += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

static int find_name(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

static int check_text(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f)
{
    const char *s = scalar(node);
    size_t len = node->data.scalar.length;
    uint32_t max = f->max ? f->max : SB_CFG_TEXT_MAX_DEFAULT, min = f->min ? f->min : 1;
    if (len < min || len > max)
        return sb_cfg_fail(ctx, node, "must be %u to %u bytes long, got %zu", min, max, len);
    /* libyaml checks the input encoding, but a "\0" escape still yields a NUL byte. */
    if (!sb_proto_charset_ok(SB_CS_TEXT, s, len))
        return sb_cfg_fail(ctx, node, "must be UTF-8 text without NUL bytes");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool allowed = (f->flags & SB_CFGF_MULTILINE) && (c == '\n' || c == '\t');
        if ((c < 0x20 || c == 0x7f) && !allowed)
            return sb_cfg_fail(ctx, node, "must not contain control characters%s",
                               (f->flags & SB_CFGF_MULTILINE) ? "" : " or line breaks");
    }
    return 0;
}

static bool has_skill(const sb_config_t *cfg, const char *s)
{
    for (size_t i = 0; i < cfg->n_skills; i++)
        if (cfg->skills[i].id && !strcmp(cfg->skills[i].id, s))
            return true;
    return false;
}

static bool has_language(const sb_config_t *cfg, const char *s)
{
    for (size_t i = 0; i < cfg->n_languages; i++)
        if (cfg->languages[i] && !strcmp(cfg->languages[i], s))
            return true;
    return false;
}

static int check_ref(sb_cfg_ctx_t *ctx, yaml_node_t *node, unsigned flags, const char *s)
{
    char show[64];
    if ((flags & SB_CFGF_REF_SKILL) && !has_skill(ctx->cfg, s))
        return sb_cfg_fail(ctx, node, "unknown skill '%s' (not listed under skills)",
                           sb_cfg_show(s, show, sizeof show));
    if ((flags & SB_CFGF_REF_QUEUE) && !sb_config_find_queue(ctx->cfg, s))
        return sb_cfg_fail(ctx, node, "unknown queue '%s' (not listed under queues)",
                           sb_cfg_show(s, show, sizeof show));
    if ((flags & SB_CFGF_REF_LANG) && !has_language(ctx->cfg, s))
        return sb_cfg_fail(ctx, node, "language '%s' is not in the top-level languages list",
                           sb_cfg_show(s, show, sizeof show));
    return 0;
}

/* Reads one string-valued scalar of kind TEXT, ID, LANG or CHOICE into a new heap string. */
static int read_string(sb_cfg_ctx_t *ctx, yaml_node_t *node, sb_cfg_kind_t kind,
                       const sb_cfg_field_t *f, char **out)
{
    char show[64], names[256];
    if (node->type != YAML_SCALAR_NODE || sb_cfg_is_null(node))
        return sb_cfg_fail(ctx, node, "must be a string, got %s", node_kind(node));
    const char *s = scalar(node);
    size_t len = node->data.scalar.length;
    int rc = 0;
    if (kind == SB_CFGK_TEXT)
        rc = check_text(ctx, node, f);
    else if (kind == SB_CFGK_ID &&
             (!len || len > SB_CFG_MAX_ID || !sb_proto_charset_ok(SB_CS_ID, s, len)))
        rc = sb_cfg_fail(ctx, node, "must be 1 to %d characters of A-Z a-z 0-9 _ . : -, got '%s'",
                         SB_CFG_MAX_ID, sb_cfg_show(s, show, sizeof show));
    else if (kind == SB_CFGK_LANG &&
             (!len || len > SB_CFG_LANG_MAX || !sb_proto_charset_ok(SB_CS_LANG, s, len)))
        rc = sb_cfg_fail(ctx, node, "must be a language tag such as en or zh-Hant, got '%s'",
                         sb_cfg_show(s, show, sizeof show));
    else if (kind == SB_CFGK_CHOICE && find_name(f->names, s) < 0)
        rc = sb_cfg_fail(ctx, node, "must be one of %s, got '%s'",
                         names_list(f->names, names, sizeof names),
                         sb_cfg_show(s, show, sizeof show));
    if (!rc)
        rc = check_ref(ctx, node, f->flags, s);
    if (rc)
        return rc;
    *out = sb_cfg_strdup(ctx, s);
    return *out ? 0 : SB_E_NOMEM;
}

static int read_enum(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f, int *out)
{
    char show[64], names[256];
    int i = node->type == YAML_SCALAR_NODE ? find_name(f->names, scalar(node)) : -1;
    if (i >= 0) {
        *out = (int)f->min + i;
        return 0;
    }
    names_list(f->names, names, sizeof names);
    if (node->type != YAML_SCALAR_NODE)
        return sb_cfg_fail(ctx, node, "must be one of %s, got %s", names, node_kind(node));
    return sb_cfg_fail(ctx, node, "must be one of %s, got '%s'", names,
                       sb_cfg_show(scalar(node), show, sizeof show));
}

/* ------------------------------------------------------------------------------------------------
 * Lists
 * ---------------------------------------------------------------------------------------------- */

static size_t seq_len(const yaml_node_t *seq)
{
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

static int check_seq(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f)
{
    if (node->type != YAML_SEQUENCE_NODE)
        return sb_cfg_fail(ctx, node, "must be a list, got %s", node_kind(node));
    if ((f->flags & SB_CFGF_NONEMPTY) && seq_len(node) == 0)
        return sb_cfg_fail(ctx, node, "must list at least one item");
    return 0;
}

static int duplicate(sb_cfg_ctx_t *ctx, yaml_node_t *node, yaml_node_t *first, const char *s)
{
    char show[64];
    return sb_cfg_fail(ctx, node, "'%s' is repeated (first at line %zu)",
                       sb_cfg_show(s, show, sizeof show), first->start_mark.line + 1);
}

static int read_strings(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f, char *obj)
{
    static const sb_cfg_kind_t item_kind[] = {
        [SB_CFGK_TEXTS] = SB_CFGK_TEXT, [SB_CFGK_IDS] = SB_CFGK_ID, [SB_CFGK_LANGS] = SB_CFGK_LANG};
    int rc = check_seq(ctx, node, f);
    size_t n = rc ? 0 : seq_len(node);
    if (rc || n == 0)
        return rc;
    char **v = calloc(n, sizeof *v);
    if (!v)
        return sb_cfg_nomem(ctx);
    memcpy(obj + f->off, &v, sizeof v);
    memcpy(obj + f->n_off, &n, sizeof n);
    for (size_t i = 0; i < n && !rc; i++) {
        yaml_node_t *item = sb_cfg_seq_item(ctx, node, i);
        size_t saved = sb_cfg_push_index(ctx, i);
        rc = read_string(ctx, item, item_kind[f->kind], f, &v[i]);
        int j = rc ? -1 : sb_cfg_find_id((const char *const *)v, i, sizeof *v, v[i]);
        if (j >= 0 && (f->flags & SB_CFGF_UNIQUE))
            rc = duplicate(ctx, item, sb_cfg_seq_item(ctx, node, (size_t)j), v[i]);
        sb_cfg_pop(ctx, saved);
    }
    return rc;
}

/* `seen` (ids of elements 0..i-1 -> index) makes a long list (5,000 staff) linear; NULL when
 * memory ran out, then the elements are searched. */
static int check_unique_elem(sb_cfg_ctx_t *ctx, yaml_node_t *seq, const sb_cfg_field_t *f,
                             char *elems, size_t i, sb_strmap_t *seen)
{
    const char *id = *(char **)(elems + i * f->elem_size);
    int j = -1;
    if (id && seen) {
        uint32_t at;
        if (sb_strmap_get(seen, id, &at))
            j = (int)at;
        else
            sb_strmap_put(seen, id, (uint32_t)i);
    } else if (id) {
        j = sb_cfg_find_id((const char *const *)elems, i, f->elem_size, id);
    }
    if (j < 0)
        return 0;
    const char *key = f->names[0];
    yaml_node_t *item = sb_cfg_seq_item(ctx, seq, i);
    yaml_node_t *first = sb_cfg_map_get(ctx, sb_cfg_seq_item(ctx, seq, (size_t)j), key);
    yaml_node_t *here = sb_cfg_map_get(ctx, item, key);
    size_t saved = sb_cfg_push_key(ctx, key);
    int rc = duplicate(ctx, here ? here : item, first ? first : item, id);
    sb_cfg_pop(ctx, saved);
    return rc;
}

static int read_list(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *f, char *obj)
{
    int rc = check_seq(ctx, node, f);
    size_t n = rc ? 0 : seq_len(node);
    if (rc || n == 0)
        return rc;
    char *elems = calloc(n, f->elem_size);
    if (!elems)
        return sb_cfg_nomem(ctx);
    /* Published before the elements are read so that destroy frees a half-read list. */
    memcpy(obj + f->off, &elems, sizeof elems);
    memcpy(obj + f->n_off, &n, sizeof n);
    sb_strmap_t seen;
    sb_strmap_init(&seen);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t saved = sb_cfg_push_index(ctx, i);
        rc = f->parse(ctx, sb_cfg_seq_item(ctx, node, i), elems + i * f->elem_size);
        if (!rc && (f->flags & SB_CFGF_UNIQUE))
            rc = check_unique_elem(ctx, node, f, elems, i, &seen);
        sb_cfg_pop(ctx, saved);
    }
    sb_strmap_dispose(&seen);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Mappings
 * ---------------------------------------------------------------------------------------------- */

static int unknown_key(sb_cfg_ctx_t *ctx, yaml_node_t *key, const sb_cfg_field_t *fields,
                       size_t n_fields)
{
    char show[64], known[400];
    size_t off = 0;
    known[0] = 0;
    for (size_t i = 0; i < n_fields && off < sizeof known; i++) {
        if (fields[i].kind == SB_CFGK_REFUSE)
            continue;
        int n = snprintf(known + off, sizeof known - off, "%s%s", off ? ", " : "", fields[i].key);
        off += n > 0 ? (size_t)n : 0;
    }
    size_t saved = sb_cfg_push_key(ctx, sb_cfg_show(scalar(key), show, sizeof show));
    int rc = sb_cfg_fail(ctx, key, "unknown key; expected one of: %s", known);
    sb_cfg_pop(ctx, saved);
    return rc;
}

static int check_keys(sb_cfg_ctx_t *ctx, yaml_node_t *map, const sb_cfg_field_t *fields,
                      size_t n_fields)
{
    char show[64];
    yaml_node_pair_t *start = map->data.mapping.pairs.start;
    for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, p->key);
        if (key->type != YAML_SCALAR_NODE)
            return sb_cfg_fail(ctx, key, "keys must be plain words, got %s", node_kind(key));
        size_t i = 0;
        while (i < n_fields && strcmp(fields[i].key, scalar(key)) != 0)
            i++;
        /* "x-" keys at the top hold YAML anchors for reuse (x-business-hours: &hours ...). */
        bool extension = ctx->path_len == 0 && !strncmp(scalar(key), "x-", 2);
        if (i == n_fields && !extension)
            return unknown_key(ctx, key, fields, n_fields);
        yaml_node_t *first = sb_cfg_map_key_node(ctx, map, scalar(key));
        if (first != key) {
            size_t saved = sb_cfg_push_key(ctx, sb_cfg_show(scalar(key), show, sizeof show));
            int rc = sb_cfg_fail(ctx, key, "key is repeated (first at line %zu)",
                                 first->start_mark.line + 1);
            sb_cfg_pop(ctx, saved);
            return rc;
        }
    }
    return 0;
}

static int apply_default(sb_cfg_ctx_t *ctx, const sb_cfg_field_t *f, char *obj)
{
    char *dst = obj + f->off;
    switch (f->kind) {
    case SB_CFGK_TEXT:
    case SB_CFGK_ID:
    case SB_CFGK_LANG:
    case SB_CFGK_CHOICE:
        if (f->def_str) {
            char *s = sb_cfg_strdup(ctx, f->def_str);
            if (!s)
                return SB_E_NOMEM;
            memcpy(dst, &s, sizeof s);
        }
        return 0;
    case SB_CFGK_ENUM: {
        int v = (int)f->def;
        memcpy(dst, &v, sizeof v);
        return 0;
    }
    case SB_CFGK_U8:
        *(uint8_t *)dst = (uint8_t)f->def;
        return 0;
    case SB_CFGK_U16:
        *(uint16_t *)dst = (uint16_t)f->def;
        return 0;
    case SB_CFGK_U32:
        *(uint32_t *)dst = f->def;
        return 0;
    case SB_CFGK_BOOL:
        *(bool *)dst = f->def != 0;
        return 0;
    case SB_CFGK_CUSTOM:
        return f->parse(ctx, NULL, dst);
    default:
        return 0; /* lists stay empty; REFUSE has nothing to set */
    }
}

static int read_number(sb_cfg_ctx_t *ctx, yaml_node_t *val, const sb_cfg_field_t *f, char *dst)
{
    uint32_t v = 0;
    int rc = read_uint(ctx, val, f, &v);
    if (rc)
        return rc;
    if (f->kind == SB_CFGK_U8)
        *(uint8_t *)dst = (uint8_t)v;
    else if (f->kind == SB_CFGK_U16)
        *(uint16_t *)dst = (uint16_t)v;
    else
        *(uint32_t *)dst = v;
    return 0;
}

int sb_cfg_read_value(sb_cfg_ctx_t *ctx, yaml_node_t *val, const sb_cfg_field_t *f, void *obj)
{
    char *dst = (char *)obj + f->off;
    switch (f->kind) {
    case SB_CFGK_TEXT:
    case SB_CFGK_ID:
    case SB_CFGK_LANG:
    case SB_CFGK_CHOICE:
        return read_string(ctx, val, f->kind, f, (char **)dst);
    case SB_CFGK_ENUM: {
        int v, rc = read_enum(ctx, val, f, &v);
        if (!rc)
            memcpy(dst, &v, sizeof v);
        return rc;
    }
    case SB_CFGK_U8:
    case SB_CFGK_U16:
    case SB_CFGK_U32:
        return read_number(ctx, val, f, dst);
    case SB_CFGK_BOOL:
        return read_bool(ctx, val, (bool *)dst);
    case SB_CFGK_TEXTS:
    case SB_CFGK_IDS:
    case SB_CFGK_LANGS:
        return read_strings(ctx, val, f, (char *)obj);
    case SB_CFGK_LIST:
        return read_list(ctx, val, f, (char *)obj);
    case SB_CFGK_CUSTOM:
        return f->parse(ctx, val, dst);
    case SB_CFGK_REFUSE:
        return sb_cfg_fail(ctx, val, "%s", f->def_str);
    }
    return 0;
}

static int read_field(sb_cfg_ctx_t *ctx, yaml_node_t *map, const sb_cfg_field_t *f, void *obj)
{
    yaml_node_t *val = map ? sb_cfg_map_get(ctx, map, f->key) : NULL;
    int rc;
    size_t saved = sb_cfg_push_key(ctx, f->key);
    if (f->kind == SB_CFGK_REFUSE && val)
        rc = sb_cfg_read_value(ctx, val, f, obj);
    else if (val && !sb_cfg_is_null(val))
        rc = sb_cfg_read_value(ctx, val, f, obj);
    else if (f->flags & SB_CFGF_REQUIRED)
        rc = sb_cfg_fail(ctx, val ? val : map, "is required");
    else
        rc = apply_default(ctx, f, obj);
    sb_cfg_pop(ctx, saved);
    return rc;
}

int sb_cfg_parse_map(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *fields,
                     size_t n_fields, void *obj)
{
    if (node)
        ctx->near = node;
    if (sb_cfg_is_null(node))
        node = NULL;
    if (node && node->type != YAML_MAPPING_NODE)
        return sb_cfg_fail(ctx, node, "must be a mapping (key: value), got %s", node_kind(node));
    int rc = node ? check_keys(ctx, node, fields, n_fields) : 0;
    for (size_t i = 0; i < n_fields && !rc; i++)
        rc = read_field(ctx, node, &fields[i], obj);
    return rc;
}
