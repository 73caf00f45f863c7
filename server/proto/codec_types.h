/* Types the generated protocol tables (sb_proto_gen.[ch]) are made of.
 *
 * The codec is table driven: proto/gen.py emits one sb_proto_struct_desc_t per message body,
 * reply and shared struct, and codec.c walks those tables. No codec logic is generated. */
#ifndef SB_PROTO_CODEC_TYPES_H
#define SB_PROTO_CODEC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string that is not NUL-terminated. Decoded strings point into the frame buffer: they live as
 * long as the frame does (one message handler call). Copy what outlives it. */
typedef struct {
    const char *ptr;
    uint32_t len;
} sb_str_t;

#define SB_STR_LIT(s) ((sb_str_t){(s), (uint32_t)(sizeof(s) - 1)})
#define SB_STR_C(s)   ((sb_str_t){(s), (uint32_t)strlen(s)})

typedef enum {
    SB_PF_STR,
    SB_PF_UINT,
    SB_PF_BOOL,
    SB_PF_ENUM,
    SB_PF_STRUCT,
    SB_PF_LIST
} sb_pf_kind_t;

typedef enum { SB_CS_TEXT, SB_CS_ID, SB_CS_TOKEN, SB_CS_LANG } sb_charset_t;

typedef enum { SB_PROTO_REQUEST = 1, SB_PROTO_EVENT = 2 } sb_proto_kind_t;

typedef struct sb_proto_struct_desc sb_proto_struct_desc_t;

typedef struct sb_proto_type {
    uint8_t kind;    /* sb_pf_kind_t */
    uint8_t charset; /* sb_charset_t, for SB_PF_STR */
    uint32_t min;    /* bytes, for SB_PF_STR */
    uint64_t max;    /* bytes (str), items (list), value (uint) */
    const char *const *enum_values;
    uint16_t n_enum;
    const sb_proto_struct_desc_t *sub; /* SB_PF_STRUCT */
    const struct sb_proto_type *elem;  /* SB_PF_LIST */
    uint32_t elem_size;                /* SB_PF_LIST: C size of one element */
} sb_proto_type_t;

typedef struct {
    const char *name;
    uint8_t name_len;
    bool optional;
    uint16_t offset;     /* of the value in the C struct */
    uint16_t has_offset; /* of the `has_<name>` flag, for optional fields */
    sb_proto_type_t type;
} sb_proto_field_t;

struct sb_proto_struct_desc {
    const char *name;
    const sb_proto_field_t *fields;
    uint16_t n_fields;
    uint32_t size;
};

typedef struct {
    const char *name;
    uint8_t name_len;
    uint8_t kind;   /* sb_proto_kind_t */
    uint32_t roles; /* bit per role that may send this request */
    const sb_proto_struct_desc_t *body;
    const sb_proto_struct_desc_t *reply;
} sb_proto_msg_desc_t;

#endif
