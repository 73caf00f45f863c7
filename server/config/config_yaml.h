/* Internal to server/config: a table-driven reader over a libyaml document.
 *
 * Each section of the configuration is described by a table of sb_cfg_field_t (key, kind, where
 * the value goes in the C struct, range, default), the way nginx modules declare their
 * directives. sb_cfg_parse_map walks one YAML mapping against such a table: it refuses unknown
 * and repeated keys, checks types and ranges, applies defaults and keeps the field path
 * ("queues[2].skills[0].min") so that every error names file, line and field. Section-specific
 * rules (cross references, ordering) live next to their tables in config_*.c.
 *
 * Nothing here logs; the first error is written into the caller's errbuf and the parse stops. */
#ifndef SB_CONFIG_CONFIG_YAML_H
#define SB_CONFIG_CONFIG_YAML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "config/config.h"

typedef struct sb_cfg_ctx {
    const char *file; /* name used in messages */
    yaml_document_t *doc;
    sb_config_t *cfg; /* being built; sections parsed earlier may be consulted */
    char *err;
    size_t errlen;
    const yaml_node_t *near; /* last mapping entered: the line for errors about absent keys */
    char path[512];          /* current field path, NUL-terminated */
    size_t path_len;
} sb_cfg_ctx_t;

typedef int (*sb_cfg_parse_fn)(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);

typedef enum {
    SB_CFGK_TEXT,   /* char *: UTF-8 text, no control characters unless SB_CFGF_MULTILINE */
    SB_CFGK_ID,     /* char *: [A-Za-z0-9_.:-]{1,64} */
    SB_CFGK_LANG,   /* char *: a BCP 47 tag [A-Za-z0-9-]{1,35} */
    SB_CFGK_CHOICE, /* char *: one of `names` */
    SB_CFGK_ENUM,   /* int (an enum): min + index of the name in `names` */
    SB_CFGK_U8,     /* unsigned integers in [min, max] */
    SB_CFGK_U16,
    SB_CFGK_U32,
    SB_CFGK_BOOL,
    SB_CFGK_TEXTS,  /* char ** at off, size_t at n_off: a list of TEXT */
    SB_CFGK_IDS,    /* list of ID */
    SB_CFGK_LANGS,  /* list of LANG */
    SB_CFGK_LIST,   /* list of structs of elem_size, each read by `parse`; count at n_off */
    SB_CFGK_CUSTOM, /* any node, read by `parse` at dst + off; called with NULL when absent so
                       that nested mappings get their defaults */
    SB_CFGK_REFUSE, /* a key that must not appear; `def_str` says why */
} sb_cfg_kind_t;

enum {
    SB_CFGF_REQUIRED = 1u << 0,  /* absent (or null) is an error */
    SB_CFGF_NONEMPTY = 1u << 1,  /* lists: at least one item */
    SB_CFGF_UNIQUE = 1u << 2,    /* lists: no repeated value; LIST: by the char * at offset 0 */
    SB_CFGF_MULTILINE = 1u << 3, /* TEXT: newlines and tabs allowed */
    SB_CFGF_REF_SKILL = 1u << 4, /* ID/IDS: must name a configured skill */
    SB_CFGF_REF_QUEUE = 1u << 5, /* ID/IDS: must name a configured queue (parsed before) */
    SB_CFGF_REF_LANG = 1u << 6,  /* LANG/LANGS: must be in the top-level languages */
};

typedef struct {
    const char *key;
    sb_cfg_kind_t kind;
    unsigned flags;
    size_t off;               /* offset of the value in the destination struct */
    size_t n_off;             /* lists: offset of the size_t count */
    uint32_t min, max;        /* numbers: range; TEXT: length in bytes (0 = 1..128) */
    uint32_t def;             /* numbers, BOOL, ENUM (as a value): default when absent */
    const char *def_str;      /* TEXT/ID/CHOICE/LANG: default when absent; REFUSE: reason */
    const char *const *names; /* CHOICE/ENUM: NULL-terminated; LIST(UNIQUE): the unique key */
    size_t elem_size;         /* LIST */
    sb_cfg_parse_fn parse;    /* LIST (one element), CUSTOM */
} sb_cfg_field_t;

/* The leading members of a table entry; the rest are given by name. */
#define SB_CFG_F(k, kd, fl, o) .key = (k), .kind = (kd), .flags = (fl), .off = (o)
#define SB_CFG_NFIELDS(t)      (sizeof(t) / sizeof((t)[0]))

/* Reads mapping `node` (NULL or a YAML null: all defaults) into `obj` following `fields`. */
int sb_cfg_parse_map(sb_cfg_ctx_t *ctx, yaml_node_t *node, const sb_cfg_field_t *fields,
                     size_t n_fields, void *obj);

/* Reads one present, non-null value as field `f` of `obj` (for sections that walk nodes
 * themselves, such as the skill: level mapping of a staff member). */
int sb_cfg_read_value(sb_cfg_ctx_t *ctx, yaml_node_t *val, const sb_cfg_field_t *f, void *obj);

/* The value of `key` in mapping `map`, or NULL when absent or `map` is not a mapping. */
yaml_node_t *sb_cfg_map_get(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key);
/* Item `i` of sequence `seq`, or NULL. */
yaml_node_t *sb_cfg_seq_item(sb_cfg_ctx_t *ctx, yaml_node_t *seq, size_t i);
/* The key node of `key` in `map` (for the line of a mapping's key), or NULL. */
yaml_node_t *sb_cfg_map_key_node(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key);
bool sb_cfg_is_null(const yaml_node_t *node);
/* Unsigned integer of a plain scalar; false when it is not one (or exceeds UINT32_MAX). */
bool sb_cfg_scalar_u32(const yaml_node_t *node, uint32_t *out);

/* Field path: push ".key" (or "key" at the top) or "[i]"; pop back to a saved length. */
size_t sb_cfg_push_key(sb_cfg_ctx_t *ctx, const char *key);
size_t sb_cfg_push_index(sb_cfg_ctx_t *ctx, size_t i);
void sb_cfg_pop(sb_cfg_ctx_t *ctx, size_t saved);

/* Writes "<file>:<line of node>: <path>: <message>" and returns SB_E_CONFIG. */
int sb_cfg_fail(sb_cfg_ctx_t *ctx, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, with ".key" appended to the path and the line of that key's value (or of `map`). */
int sb_cfg_fail_key(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes "<file>: out of memory" and returns SB_E_NOMEM. */
int sb_cfg_nomem(sb_cfg_ctx_t *ctx);
/* A printable, shortened copy of a user value for messages. */
const char *sb_cfg_show(const char *s, char *buf, size_t len);

/* Helpers shared by the sections. */
char *sb_cfg_strdup(sb_cfg_ctx_t *ctx, const char *s); /* NULL (and errbuf set) on no memory */
int sb_cfg_find_id(const char *const *ids, size_t n, size_t stride, const char *id);
void sb_cfg_free_strs(char **v, size_t n);

/* Sections, each in its own file. */
int sb_cfg_parse_queue(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);
int sb_cfg_check_queues(sb_cfg_ctx_t *ctx, yaml_node_t *queues);
int sb_cfg_parse_topic(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);
int sb_cfg_parse_hours(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);
void sb_cfg_hours_dispose(sb_cfg_queue_t *q); /* the hours fields of a queue */
int sb_cfg_parse_staff(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);
int sb_cfg_parse_canned(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst);
void sb_cfg_queue_dispose(sb_cfg_queue_t *q);
void sb_cfg_staff_dispose(sb_cfg_staff_t *s);

extern const char *const sb_cfg_channel_names[];
extern const char *const sb_cfg_strategy_names[];

#endif
