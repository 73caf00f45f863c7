/* Frame <-> typed message.
 *
 * A frame is one binary WebSocket message holding one or more envelopes, each a msgpack map
 *   {"t": type, "id": request id (requests and their replies), "b": body map}
 * in that key order. Decoding takes three steps:
 *   1. sb_proto_validate: an allocation-free walk over the bytes that checks every declared length
 *      and count against the bytes left, the nesting depth, the item count, the canonical
 * (smallest) form of every value, and that nothing trails. msgpack-c allocates declared sizes up
 * front, so it must never see bytes that did not pass this step (TECH_NOTES, msgpack-c 4.0).
 *   2. sb_proto_next_envelope: msgpack-c unpacks one envelope into a zone; the envelope's type and
 *      id are checked.
 *   3. sb_proto_decode_struct: the body map is checked field by field against the generated
 *      tables and written into the message's C struct.
 * Encoding packs structs the same way, keys in schema order, smallest forms (msgpack-c chooses
 * them), optional fields that are absent left out. */
#ifndef SB_PROTO_CODEC_H
#define SB_PROTO_CODEC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_proto_gen.h"
#include "util/arena.h"
#include "util/buf.h"

typedef enum {
    SB_WERR_NONE = 0,
#define SB_WERR_ENUM(name, retry) SB_WERR_##name,
    SB_WIRE_ERR_LIST(SB_WERR_ENUM)
#undef SB_WERR_ENUM
        SB_WERR__COUNT
} sb_wire_err_t;

enum {
#define SB_CLOSE_ENUM(name, code) SB_CLOSE_##name = code,
    SB_CLOSE_LIST(SB_CLOSE_ENUM)
#undef SB_CLOSE_ENUM
};

typedef enum {
#define SB_ROLE_ENUM(name, bit) SB_ROLE_##name = bit,
    SB_ROLE_LIST(SB_ROLE_ENUM)
#undef SB_ROLE_ENUM
        SB_ROLE__COUNT
} sb_role_t;

/* Stable upper-case code of a wire error ("BAD_FIELD"), and whether a retry may succeed. */
const char *sb_wire_err_name(sb_wire_err_t e);
bool sb_wire_err_retryable(sb_wire_err_t e);
const char *sb_role_name(sb_role_t r);
/* "agent" -> SB_ROLE_AGENT; -1 if unknown. */
int sb_role_parse(const char *s, size_t n);

typedef struct {
    uint32_t max_frame_bytes;
    uint32_t max_depth;
    uint32_t max_items;
    uint32_t max_envelopes;
} sb_proto_limits_t;

/* The schema's hard limits. */
sb_proto_limits_t sb_proto_default_limits(void);

/* What went wrong, for the error reply. `message` is a static or `buf`-backed sentence. */
typedef struct {
    sb_wire_err_t code;
    const char *message;
    char field[64];
    char buf[128];
} sb_proto_err_t;

/* Step 1. 0 when the frame is well formed; otherwise SB_E_PROTO with `err` filled (BAD_FRAME).
 * On success *n_envelopes is the number of envelopes in the frame. */
int sb_proto_validate(const uint8_t *buf, size_t len, const sb_proto_limits_t *lim,
                      uint32_t *n_envelopes, sb_proto_err_t *err);

typedef enum { SB_PROTO_DIR_C2S, SB_PROTO_DIR_S2C } sb_proto_dir_t;

typedef struct {
    sb_msg_type_t msg; /* SB_MSG_NONE for "ok" and "error" replies */
    bool is_ok;        /* S2C only */
    bool is_error;     /* S2C only */
    bool has_id;
    uint64_t id;
    msgpack_object body; /* a map */
} sb_proto_envelope_t;

/* Step 2: unpacks the envelope at *off (advancing it) from a validated frame into `zone` and checks
 * it for direction `dir`. Returns 0, or SB_E_PROTO with `err` filled; env->has_id/id are set
 * whenever a valid id was present, so an error reply can name the request. */
int sb_proto_next_envelope(const uint8_t *buf, size_t len, size_t *off, msgpack_zone *zone,
                           sb_proto_dir_t dir, sb_proto_envelope_t *env, sb_proto_err_t *err);

/* Step 3: decodes map `obj` into `out` (a zeroed struct of desc->size bytes). Lists are allocated
 * from `arena`; strings point into the frame. 0 or SB_E_PROTO (BAD_FIELD with the field path). */
int sb_proto_decode_struct(const sb_proto_struct_desc_t *desc, const msgpack_object *obj,
                           sb_arena_t *arena, void *out, sb_proto_err_t *err);

/* Packs `s` as a map in schema order. 0, or -1 when the packer's writer failed. */
int sb_proto_pack_struct(msgpack_packer *pk, const sb_proto_struct_desc_t *desc, const void *s);

/* Envelope packers; each appends one envelope to the packer's buffer. */
int sb_proto_pack_request(msgpack_packer *pk, sb_msg_type_t type, uint64_t id, const void *body);
int sb_proto_pack_event(msgpack_packer *pk, sb_msg_type_t type, const void *body);
int sb_proto_pack_ok(msgpack_packer *pk, sb_msg_type_t request_type, uint64_t id,
                     const void *reply);
/* An error reply; `has_id` false for errors about a frame whose request id is unknown.
 * `field` may be NULL; `retry_after_ms` 0 means absent. */
int sb_proto_pack_error(msgpack_packer *pk, bool has_id, uint64_t id, sb_wire_err_t code,
                        const char *message, const char *field, uint64_t retry_after_ms);

/* An error reply from a complete error body. */
int sb_proto_pack_error_body(msgpack_packer *pk, bool has_id, uint64_t id,
                             const sb_pt_error_body_t *body);

/* Checks a string against a charset (used by the decoder and by callers that build identifiers
 * from other sources, such as config). */
bool sb_proto_charset_ok(sb_charset_t cs, const char *s, size_t n);

/* Looks up a message by its wire name. SB_MSG_NONE if unknown. */
sb_msg_type_t sb_proto_msg_lookup(const char *name, size_t n);

#endif
