/* Message handlers: what each protocol message and each HTTP API call does.
 *
 * The network layer decodes and bounds input, then calls in here; handlers reply through
 * sb_conn_send_* / sb_http_respond and never touch sockets. Work that needs Redis captures ids
 * (connection, request, HTTP transaction), never pointers, because the client may be gone when
 * the reply arrives. */
#ifndef SB_DISPATCH_H
#define SB_DISPATCH_H

#include <stdbool.h>

#include "app.h"
#include "net/conn.h"
#include "net/http.h"
#include "proto/codec.h"
#include "util/arena.h"

/* Routes one decoded envelope from `c`. Returns true when it was a protocol error (bad body,
 * wrong state, forbidden), which counts towards the connection's bad-frame limit. */
bool sb_handlers_dispatch(sb_conn_t *c, const sb_proto_envelope_t *env, sb_arena_t *arena);
/* A WebSocket was accepted: staff sessions are looked up in Redis now. */
void sb_handlers_on_established(sb_conn_t *c);
void sb_handlers_on_closed(sb_conn_t *c);
void sb_handlers_on_pong(sb_conn_t *c);

/* One HTTP request on a callback mount; answers through sb_http_respond now or later. */
void sb_api_handle(sb_app_t *app, sb_http_t *h);

/* Closes every WebSocket of the session with this hash (SESSION_REVOKED). */
void sb_handlers_revoke_local(sb_app_t *app, const char *session_hash);

/* Handler signature of one request type; `body` is the decoded struct of that type. */
typedef void (*sb_request_fn)(sb_conn_t *c, uint64_t id, const void *body);

/* session.c */
void sb_session_hello(sb_conn_t *c, uint64_t id, const void *body);
/* sys.c */
void sb_sys_ping(sb_conn_t *c, uint64_t id, const void *body);

#endif
