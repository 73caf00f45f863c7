/* libFuzzer target for the frame decoder (server/proto/codec.c).
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks a property: every request
 * envelope that decodes re-encodes to exactly the bytes it came from (the encoding is canonical),
 * so a decoder that accepts something the encoder would write differently is caught. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sb_proto_limits_t lim = sb_proto_default_limits();
    sb_proto_err_t err;
    uint32_t n_env;
    if (sb_proto_validate(data, size, &lim, &n_env, &err) != 0)
        return 0;
    msgpack_zone zone;
    msgpack_zone_init(&zone, 4096);
    sb_arena_t arena;
    sb_arena_init(&arena, 1u << 20);
    size_t off = 0;
    for (uint32_t i = 0; i < n_env; i++) {
        size_t before = off;
        sb_proto_envelope_t env;
        int rc = sb_proto_next_envelope(data, size, &off, &zone, SB_PROTO_DIR_C2S, &env, &err);
        if (off == before)
            abort(); /* a validated frame always unpacks */
        if (rc != 0)
            continue;
        const sb_proto_struct_desc_t *d = sb_proto_msgs[env.msg].body;
        void *body = sb_arena_alloc(&arena, d->size);
        if (!body || sb_proto_decode_struct(d, &env.body, &arena, body, &err) != 0)
            continue;
        sb_buf_t out;
        sb_buf_init(&out, 0);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &out, sb_buf_msgpack_write);
        if (sb_proto_pack_request(&pk, env.msg, env.id, body) != 0)
            abort();
        if (out.len != off - before || memcmp(sb_buf_data(&out), data + before, out.len) != 0) {
            fprintf(stderr, "decoded request does not re-encode to its own bytes\n");
            abort();
        }
        sb_buf_dispose(&out);
        sb_arena_reset(&arena);
        msgpack_zone_clear(&zone);
    }
    sb_arena_dispose(&arena);
    msgpack_zone_destroy(&zone);
    return 0;
}
