/* Staff sign-in and sessions, and the session side of every WebSocket.
 *
 * Sign-in (login.c): passwords are checked with Argon2id on the thread pool, attempts are counted
 * in Redis before the check (docs/protocol.md, "Sign-in limits"), and a session is an HttpOnly
 * cookie whose hash lives in Redis. Sessions (session.c): a staff WebSocket is authenticated from
 * its cookie at the upgrade, a customer from the resume token of its hello; every connection ends
 * in sb_session_on_closed. */
#ifndef SB_AUTH_AUTH_H
#define SB_AUTH_AUTH_H

#include "app.h"
#include "config/config.h"
#include "net/conn.h"
#include "net/http.h"

/* ------------------------------------------------------------------------------------------------
 * HTTP: sign-in, sign-out, who am I, revocation (login.c)
 * ---------------------------------------------------------------------------------------------- */

void sb_auth_login(sb_app_t *app, sb_http_t *h);
void sb_auth_logout(sb_app_t *app, sb_http_t *h);
void sb_auth_me(sb_app_t *app, sb_http_t *h);
void sb_auth_admin_revoke(sb_app_t *app, sb_http_t *h);

/* Calls fn with the staff member whose session cookie came with the request (NULL when there is
 * none or it expired); fn answers the request. A request from a foreign Origin is refused. */
typedef void (*sb_auth_staff_fn)(sb_app_t *app, sb_http_t *h, const sb_cfg_staff_t *who, void *arg);
void sb_auth_with_staff(sb_app_t *app, sb_http_t *h, sb_auth_staff_fn fn, void *arg);

/* ------------------------------------------------------------------------------------------------
 * WebSocket sessions (session.c): the network layer's events, and hello
 * ---------------------------------------------------------------------------------------------- */

/* A WebSocket was accepted: a staff session is looked up in Redis now. `user` is the app. */
void sb_session_on_established(void *user, sb_conn_t *c);
void sb_session_on_closed(void *user, sb_conn_t *c);
void sb_session_on_pong(void *user, sb_conn_t *c);
/* Closes every WebSocket of the session with this hash (SESSION_REVOKED). */
void sb_session_revoke_local(sb_app_t *app, const char *session_hash);

/* Requests (the dispatch table). */
void sb_session_hello(sb_conn_t *c, uint64_t id, const void *body);
void sb_session_ping(sb_conn_t *c, uint64_t id, const void *body);

#endif
