/* The message table: which handler answers each request type of the protocol, after the envelope
 * was checked against the connection's state and role and its body decoded. The network layer
 * raises each envelope here through its events table (app.c wires it).
 *
 * Handlers reply through sb_conn_send_* and never touch sockets. Work that needs Redis captures
 * ids (connection, request), never pointers, because the client may be gone when the reply
 * arrives. */
#ifndef SB_DISPATCH_H
#define SB_DISPATCH_H

#include <stdbool.h>

#include "net/conn.h"
#include "proto/codec.h"
#include "util/arena.h"

/* Routes one decoded envelope from `c` (`user`: the app). Returns true when it was a protocol
 * error (bad body, wrong state, forbidden), which counts towards the bad-frame limit. */
bool sb_dispatch_envelope(void *user, sb_conn_t *c, const sb_proto_envelope_t *env,
                          sb_arena_t *arena);

/* Handler signature of one request type; `body` is the decoded struct of that type. */
typedef void (*sb_request_fn)(sb_conn_t *c, uint64_t id, const void *body);

#endif
