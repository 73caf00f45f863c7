/* Who is on the other end of a WebSocket: staff sessions (cookie, checked in Redis when the socket
 * opens) and customers (anonymous, bound to their record by a server-minted resume token). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "chat/chat.h"
#include "auth/auth.h"
#include "router/router.h"
#include "metrics/metrics.h"
#include "store/session_store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

typedef struct {
    sb_app_t *app;
    uint64_t conn_id;
    uint64_t req_id;
    char customer_id[32];
    char contact_id[SB_ROUTE_ID_LEN + 1];
    char token[SB_TOKEN_LEN + 1];
    char hash[SB_TOKEN_HASH_LEN + 1];
    char lang[36];
} pending_t;

static sb_conn_t *find(sb_app_t *app, uint64_t id)
{
    return app->net ? sb_net_conn_find(app->net, id) : NULL;
}

static const sb_cfg_staff_t *staff_of(const sb_app_t *app, const sb_conn_t *c)
{
    return sb_config_find_staff(app->cfg, c->user, strlen(c->user));
}

/* ------------------------------------------------------------------------------------------------
 * Staff: the session behind the cookie
 * ---------------------------------------------------------------------------------------------- */

static void staff_lookup_cb(int st, const sb_ss_session_t *sess, void *priv)
{
    pending_t *p = priv;
    sb_conn_t *c = find(p->app, p->conn_id);
    if (!c || c->state == SB_CONN_CLOSING) {
        free(p);
        return;
    }
    if (st != 0) {
        /* not the client's fault: ask it to come back rather than to sign in again */
        sb_conn_close(c, SB_CLOSE_TRY_AGAIN_LATER, "storage unavailable; reconnect shortly");
        free(p);
        return;
    }
    if (!sess || strlen(sess->user) >= sizeof c->user || sess->expires_ms <= sb_clock_now_ms()) {
        sb_conn_close(c, SB_CLOSE_UNAUTHORIZED, "session expired or unknown: sign in again");
        free(p);
        return;
    }
    snprintf(c->user, sizeof c->user, "%s", sess->user);
    const sb_cfg_staff_t *st_cfg = staff_of(p->app, c);
    if (!st_cfg) {
        sb_conn_close(c, SB_CLOSE_UNAUTHORIZED, "this account no longer exists");
        free(p);
        return;
    }
    /* the role comes from the current config, not from the session record */
    sb_conn_set_role(c, (sb_role_t)st_cfg->role);
    c->session_expires_ms = sess->expires_ms;
    c->state = SB_CONN_AWAIT_HELLO;
    sb_conn_rx_pause(c, SB_RX_PAUSE_AUTH, false);
    free(p);
}

void sb_session_on_established(void *user, sb_conn_t *c)
{
    (void)user; /* the app: also sb_conn_app(c) */
    sb_app_t *app = sb_conn_app(c);
    if (c->endpoint != SB_EP_STAFF)
        return;
    sb_conn_rx_pause(c, SB_RX_PAUSE_AUTH, true);
    pending_t *p = calloc(1, sizeof *p);
    if (!p) {
        sb_conn_close(c, SB_CLOSE_TRY_AGAIN_LATER, "server out of memory");
        return;
    }
    p->app = app;
    p->conn_id = c->id;
    int rc = sb_ss_session_lookup(app->store, app->key_prefix, c->secret_hash, staff_lookup_cb, p);
    if (rc != 0) {
        free(p);
        sb_conn_close(c, SB_CLOSE_TRY_AGAIN_LATER, "storage unavailable; reconnect shortly");
    }
}

static void hello_reply(sb_conn_t *c, uint64_t id, sb_role_t role, const char *user,
                        const char *display, const char *token, const char *contact)
{
    const sb_config_t *cfg = sb_conn_app(c)->cfg;
    sb_msg_hello_reply_t rep = {
        .role = (uint16_t)role,
        .user_id = {user, (uint32_t)strlen(user)},
        .server_time_ms = sb_clock_now_ms(),
        .ping_interval_s = cfg->limits.ping_interval_s,
        .max_frame_bytes = cfg->limits.max_frame_bytes,
    };
    if (display) {
        rep.display_name = (sb_str_t){display, (uint32_t)strlen(display)};
        rep.has_display_name = true;
    }
    if (role == SB_ROLE_CUSTOMER) {
        rep.has_resume_ttl_s = true;
        rep.resume_ttl_s = cfg->auth.resume_ttl_s;
    }
    if (token) {
        rep.resume_token = (sb_str_t){token, (uint32_t)strlen(token)};
        rep.has_resume_token = true;
    }
    if (contact && contact[0]) {
        rep.contact_id = (sb_str_t){contact, (uint32_t)strlen(contact)};
        rep.has_contact_id = true;
        const char *conv = sb_router_contact_conv(sb_conn_app(c), contact);
        if (conv) {
            rep.conversation_id = (sb_str_t){conv, (uint32_t)strlen(conv)};
            rep.has_conversation_id = true;
        }
    }
    rep.epoch = sb_chat_epoch(sb_conn_app(c));
    rep.has_epoch = true;
    sb_conn_send_ok(c, SB_MSG_HELLO, id, &rep);
    sb_conn_hello_done(c);
    if (role == SB_ROLE_CUSTOMER)
        sb_router_customer_ready(c, contact);
    else
        sb_router_staff_ready(c);
}

/* ------------------------------------------------------------------------------------------------
 * Customers: resume tokens
 * ---------------------------------------------------------------------------------------------- */

/* The connection waiting for its hello, or NULL (and p freed) when it went away meanwhile. */
static sb_conn_t *customer_waiting(pending_t *p)
{
    sb_conn_t *c = find(p->app, p->conn_id);
    if (!c || c->state == SB_CONN_CLOSING) {
        free(p);
        return NULL;
    }
    return c;
}

static void customer_failed(sb_conn_t *c, pending_t *p, int st)
{
    c->state = SB_CONN_AWAIT_HELLO; /* the client may send hello again */
    sb_conn_send_store_error(c, p->req_id, st);
    free(p);
}

static void customer_ready(sb_conn_t *c, pending_t *p, bool minted)
{
    snprintf(c->user, sizeof c->user, "%s", p->customer_id);
    memcpy(c->secret_hash, p->hash, sizeof p->hash);
    c->last_token_refresh_ms = sb_clock_now_ms();
    sb_conn_set_role(c, SB_ROLE_CUSTOMER);
    hello_reply(c, p->req_id, SB_ROLE_CUSTOMER, c->user, NULL, minted ? p->token : NULL,
                p->contact_id);
    sb_secure_wipe(p->token, sizeof p->token);
    free(p);
}

static void token_created_cb(int st, bool created, void *priv)
{
    pending_t *p = priv;
    sb_conn_t *c = customer_waiting(p);
    if (!c)
        return;
    if (st != 0) {
        customer_failed(c, p, st);
        return;
    }
    if (!created) {
        /* 2^-256 collision, or someone wrote the key: refuse rather than share a record */
        c->state = SB_CONN_AWAIT_HELLO;
        sb_conn_send_error(c, true, p->req_id, SB_WERR_INTERNAL,
                           "could not start a session; try again", NULL, 100);
        free(p);
        return;
    }
    customer_ready(c, p, true);
}

static void token_resumed_cb(int st, const sb_ss_token_t *t, void *priv)
{
    pending_t *p = priv;
    sb_conn_t *c = customer_waiting(p);
    if (!c)
        return;
    if (st != 0) {
        customer_failed(c, p, st);
        return;
    }
    if (!t) {
        c->state = SB_CONN_AWAIT_HELLO;
        sb_conn_send_error(c, true, p->req_id, SB_WERR_TOKEN_INVALID,
                           "this conversation can no longer be resumed; start a new one", NULL, 0);
        free(p);
        return;
    }
    snprintf(p->customer_id, sizeof p->customer_id, "%s", t->customer_id);
    snprintf(p->contact_id, sizeof p->contact_id, "%s", t->contact_id);
    customer_ready(c, p, false);
}

static void customer_hello(sb_conn_t *c, uint64_t id, const sb_msg_hello_t *req)
{
    sb_app_t *app = sb_conn_app(c);
    pending_t *p = calloc(1, sizeof *p);
    if (!p) {
        sb_conn_send_store_error(c, id, SB_E_NOMEM);
        return;
    }
    p->app = app;
    p->conn_id = c->id;
    p->req_id = id;
    if (req->has_lang)
        snprintf(p->lang, sizeof p->lang, "%.*s", (int)req->lang.len, req->lang.ptr);
    else
        snprintf(p->lang, sizeof p->lang, "%s",
                 app->cfg->n_languages ? app->cfg->languages[0] : "en");
    if (req->has_resume_token &&
        !sb_token_well_formed(req->resume_token.ptr, req->resume_token.len)) {
        /* the right shape is known to every client: a different one was made up */
        free(p);
        sb_conn_send_error(c, true, id, SB_WERR_TOKEN_INVALID,
                           "this conversation can no longer be resumed; start a new one", NULL, 0);
        return;
    }
    uint32_t ttl = app->cfg->auth.resume_ttl_s;
    int rc;
    c->state = SB_CONN_HELLO_PENDING;
    if (req->has_resume_token) {
        sb_token_hash(req->resume_token.ptr, req->resume_token.len, p->hash);
        rc = sb_ss_token_resume(app->store, app->key_prefix, p->hash, ttl, token_resumed_cb, p);
    } else {
        sb_token_new(p->token);
        sb_token_hash(p->token, SB_TOKEN_LEN, p->hash);
        sb_random_id("c-", p->customer_id, sizeof p->customer_id);
        rc = sb_ss_token_create(app->store, app->key_prefix, p->hash, p->customer_id, p->lang,
                                sb_clock_now_ms(), ttl, token_created_cb, p);
    }
    if (rc != 0) {
        c->state = SB_CONN_AWAIT_HELLO;
        free(p);
        sb_conn_send_store_error(c, id, rc);
    }
}

void sb_session_hello(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_hello_t *req = body;
    if (c->endpoint == SB_EP_CUSTOMER) {
        customer_hello(c, id, req);
        return;
    }
    if (req->has_resume_token) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD,
                           "staff connections are identified by their session, not a token",
                           "resume_token", 0);
        return;
    }
    const sb_cfg_staff_t *st = staff_of(sb_conn_app(c), c);
    if (!st) {
        sb_conn_close(c, SB_CLOSE_UNAUTHORIZED, "this account no longer exists");
        return;
    }
    hello_reply(c, id, (sb_role_t)c->role, c->user, st->display_name, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------------
 * Keeping a customer's resume window open while connected, and starting it at disconnect
 * ---------------------------------------------------------------------------------------------- */

static void touch_token(sb_conn_t *c)
{
    sb_app_t *app = sb_conn_app(c);
    /* best effort: if Redis is busy now, the next pong tries again */
    if (sb_ss_token_touch(app->store, app->key_prefix, c->secret_hash,
                          app->cfg->auth.resume_ttl_s) == 0)
        c->last_token_refresh_ms = sb_clock_now_ms();
}

void sb_session_on_pong(void *user, sb_conn_t *c)
{
    (void)user; /* the app: also sb_conn_app(c) */
    if (c->role != SB_ROLE_CUSTOMER)
        return;
    uint64_t third = (uint64_t)sb_conn_app(c)->cfg->auth.resume_ttl_s * 1000u / 3;
    if (sb_clock_now_ms() - c->last_token_refresh_ms >= third)
        touch_token(c);
}

void sb_session_on_closed(void *user, sb_conn_t *c)
{
    (void)user; /* the app: also sb_conn_app(c) */
    sb_app_t *app = sb_conn_app(c);
    if (c->state == SB_CONN_READY || c->role >= 0) {
        if (c->role == SB_ROLE_CUSTOMER)
            sb_router_customer_closed(c);
        else if (c->role > SB_ROLE_CUSTOMER)
            sb_router_staff_closed(c);
    }
    if (c->role == SB_ROLE_CUSTOMER && app->store && !app->stopping)
        touch_token(c);
}

static void revoke_one(sb_conn_t *c, void *arg)
{
    if (c->endpoint == SB_EP_STAFF && strcmp(c->secret_hash, arg) == 0)
        sb_conn_close(c, SB_CLOSE_SESSION_REVOKED, "signed out");
}

void sb_session_revoke_local(sb_app_t *app, const char *session_hash)
{
    if (app->net)
        sb_net_conn_foreach(app->net, revoke_one, (void *)session_hash);
}
