/* Loopback connections: WebSocket connections without a socket, for driving the handlers in unit
 * tests through the very code a real client reaches (in the spirit of h2o's loopback connection).
 *
 * A loopback network layer has no libwebsockets context and listens nowhere; its connections go
 * through admission, hello, the dispatch table, the rate limits and the send queues like any
 * other. Frames the server writes are captured in memory, in order, for the test to read; a close
 * is recorded with its code and reason. Pings are answered at once (a responsive peer). */
#ifndef SB_NET_LOOPBACK_H
#define SB_NET_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"
#include "net/net.h"
#include "util/buf.h"

/* A network layer for loopback connections only. NULL when out of memory. Stop and destroy it
 * with sb_net_stop / sb_net_destroy like the real one. */
sb_net_t *sb_net_create_loopback(const sb_net_deps_t *deps);

/* Opens a connection to `endpoint` from `addr`; a staff connection presents `session_token` (the
 * value of the sb_session cookie) as the upgrade would. The connection is established at once
 * (the events table hears of it). NULL when out of memory. The caller frees it with
 * sb_loopback_free, after or instead of its close. */
sb_conn_t *sb_loopback_open(sb_net_t *n, sb_endpoint_t endpoint, const char *addr,
                            const char *session_token);
/* The client sends one frame (msgpack envelopes). -1 when the connection is closed. */
int sb_loopback_send(sb_conn_t *c, const uint8_t *frame, size_t len);
/* The oldest frame the server wrote and the client has not read, moved into `out` (which the
 * caller disposes). false when none. Frames are written at the end of a loop turn, as for real. */
bool sb_loopback_take(sb_conn_t *c, sb_buf_t *out);
/* 0 while open, else the close code the server sent (*reason: its reason, kept until freed). */
int sb_loopback_close_code(const sb_conn_t *c, const char **reason);
/* The client goes away (a closed tab, a dropped network). */
void sb_loopback_hangup(sb_conn_t *c);
/* Frees a loopback connection, hanging up first if it is still open. */
void sb_loopback_free(sb_conn_t *c);

#endif
