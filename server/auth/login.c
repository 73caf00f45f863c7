/* Staff sign-in over HTTP: POST /api/login, POST /api/logout, GET /api/me,
 * POST /api/admin/revoke.
 *
 * A login is a chain of asynchronous steps, each keeping only the HTTP transaction's id:
 *   admission -> attempt reserved (Redis) -> Argon2id verification (thread pool, in turn by
 *   address) -> outcome settled (Redis) -> session (Redis); details above sb_auth_login.
 * The password is copied once into the verification job and wiped there; it is never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "util/token.h"
#include "auth/auth.h"
#include "metrics/metrics.h"
#include "store/limit_store.h"
#include "store/session_store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

typedef struct {
    sb_app_t *app;
    uint64_t http_id;
    char username[65];
    char addr[48];
    char *password;
    size_t pwlen;
    char token[SB_TOKEN_LEN + 1];
    char hash[SB_TOKEN_HASH_LEN + 1];
    char target[65];        /* admin revoke: whose sessions */
    sb_auth_staff_fn ext_fn; /* sb_auth_with_staff */
    void *ext_arg;
} job_t;

static void job_free(job_t *j)
{
    if (j->password) {
        sb_secure_wipe(j->password, j->pwlen);
        free(j->password);
    }
    sb_secure_wipe(j->token, sizeof j->token);
    free(j);
}

/* The transaction, or NULL (and the job freed) when the client went away meanwhile. */
static sb_http_t *resume(job_t *j)
{
    sb_http_t *h = j->app->net ? sb_http_find(j->app->net, j->http_id) : NULL;
    if (!h)
        job_free(j);
    return h;
}

static void store_failed(sb_http_t *h, int err)
{
    if (err == SB_E_BUSY)
        sb_http_error(h, 503, SB_WERR_BUSY, "the server is busy; try again in a moment");
    else
        sb_http_error(h, 503, SB_WERR_STORE_UNAVAILABLE, "sign-in is unavailable; try again shortly");
}

static job_t *job_new(sb_app_t *app, sb_http_t *h)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j) {
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        return NULL;
    }
    if (sb_http_hold(h) != 0) {
        free(j);
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        return NULL;
    }
    j->app = app;
    j->http_id = h->id;
    snprintf(j->addr, sizeof j->addr, "%s", h->peer);
    return j;
}

/* A cookie-bearing POST from a page on another origin: refused (SameSite=Strict already keeps the
 * cookie off cross-site requests; this also covers sign-in, which carries no cookie). */
static bool origin_refused(sb_http_t *h)
{
    if (!h->origin_present || h->origin_ok)
        return false;
    sb_metrics_limit_hit(SB_LIMIT_ORIGIN);
    sb_http_error(h, 403, SB_WERR_FORBIDDEN, "origin not allowed");
    return true;
}

/* After handing a job to Redis: when that failed, answer now and free the job. */
static void submitted(job_t *j, sb_http_t *h, int rc)
{
    if (rc != 0) {
        store_failed(h, rc);
        job_free(j);
    }
}

static bool valid_username(const char *s, size_t n)
{
    return n >= 1 && n <= 64 && sb_proto_charset_ok(SB_CS_ID, s, n);
}

static void user_json(json_t *o, const sb_cfg_staff_t *st)
{
    json_object_set_new(o, "username", json_string(st->username));
    json_object_set_new(o, "display_name", json_string(st->display_name));
    json_object_set_new(o, "role", json_string(sb_role_name((sb_role_t)st->role)));
}

/* ------------------------------------------------------------------------------------------------
 * POST /api/login
 *
 * A flood of guesses must neither get more than the configured number of passwords checked nor
 * keep anyone else from signing in. So an attempt is
 *   admitted (a place among the sign-ins its client address may have in progress) ->
 *   reserved in Redis (counted before its check runs, so concurrent guesses cannot pass the
 *   limit) -> verified when it is its address's turn for a slot of the thread pool ->
 *   settled in Redis (failure counted, or the account's failures cleared) -> session.
 * A reserved attempt is settled even when its client went away meanwhile.
 * ---------------------------------------------------------------------------------------------- */

static int reserve(job_t *j, sb_ls_reserved_cb cb)
{
    const sb_cfg_auth_t *a = &j->app->cfg->auth;
    return sb_ls_login_reserve(j->app->store, j->app->key_prefix, j->username, j->addr,
                               a->login_window_s, a->login_max_failures_per_account,
                               a->login_max_failures_per_address, cb, j);
}

/* Ends a reserved attempt. Nobody waits for the answer: if Redis cannot take it now, the
 * reservation lapses with its counter (auth.login_window_s). */
static void settle(job_t *j, sb_ls_outcome_t outcome)
{
    sb_ls_login_settle(j->app->store, j->app->key_prefix, j->username, j->addr,
                       j->app->cfg->auth.login_window_s, outcome);
}

static bool still_wanted(void *priv)
{
    job_t *j = priv;
    return j->app->net && sb_http_find(j->app->net, j->http_id) != NULL;
}

static void session_cb(int st, void *priv)
{
    job_t *j = priv;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    const sb_cfg_staff_t *staff =
        sb_config_find_staff(j->app->cfg, j->username, strlen(j->username));
    if (st != 0 || !staff) {
        if (st != 0)
            store_failed(h, st);
        else
            sb_http_error(h, 401, SB_WERR_BAD_CREDENTIALS, "wrong username or password");
        job_free(j);
        return;
    }
    char cookie[200];
    snprintf(cookie, sizeof cookie,
             "sb_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u%s", j->token,
             (unsigned)j->app->cfg->auth.session_ttl_s,
             j->app->cfg->auth.cookie_secure ? "; Secure" : "");
    sb_http_add_header(h, "Set-Cookie", cookie);
    sb_secure_wipe(cookie, sizeof cookie);
    json_t *o = json_object();
    user_json(o, staff);
    sb_metrics.logins_ok++;
    SB_INFO("auth", "staff signed in", SB_F_STR("user", j->username), SB_F_STR("addr", j->addr));
    sb_http_json(h, 200, o);
    job_free(j);
}

static int create_session(job_t *j, const sb_cfg_staff_t *staff)
{
    sb_token_new(j->token);
    sb_token_hash(j->token, SB_TOKEN_LEN, j->hash);
    return sb_ss_session_create(j->app->store, j->app->key_prefix, j->hash, j->username,
                                sb_role_name((sb_role_t)staff->role), sb_clock_now_ms(),
                                j->app->cfg->auth.session_ttl_s, session_cb, j);
}

static void verified_cb(sb_password_result_t result, void *priv)
{
    job_t *j = priv;
    if (result == SB_PASSWORD_UNCHECKED) {
        settle(j, SB_LS_SKIP);
        sb_http_t *h = resume(j);
        if (h) {
            sb_http_error(h, 500, SB_WERR_INTERNAL, "cannot verify the password now");
            job_free(j);
        }
        return;
    }
    /* a staff member removed by a reload while we were hashing is a wrong sign-in */
    const sb_cfg_staff_t *staff =
        sb_config_find_staff(j->app->cfg, j->username, strlen(j->username));
    bool right = result == SB_PASSWORD_MATCH && staff;
    settle(j, right ? SB_LS_OK : SB_LS_FAIL);
    if (!right) {
        /* counted and logged even when the client went away: a guess is a guess */
        sb_metrics.logins_failed++;
        SB_WARN("auth", "failed sign-in", SB_F_STR("user", j->username), SB_F_STR("addr", j->addr));
    }
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (!right) {
        sb_http_error(h, 401, SB_WERR_BAD_CREDENTIALS, "wrong username or password");
        job_free(j);
        return;
    }
    submitted(j, h, create_session(j, staff));
}

static void refuse_limited(job_t *j, sb_http_t *h, sb_ls_verdict_t verdict, uint64_t retry_ms)
{
    uint64_t ms = retry_ms ? retry_ms : 1000;
    unsigned secs = (unsigned)((ms + 999) / 1000);
    char ra[16];
    snprintf(ra, sizeof ra, "%u", secs);
    sb_http_add_header(h, "Retry-After", ra);
    sb_metrics.logins_limited++;
    sb_metrics_limit_hit(SB_LIMIT_LOGIN_RATE);
    SB_WARN("auth", "sign-in refused: too many failures",
            SB_F_STR("by", verdict == SB_LS_ACCOUNT_LIMITED ? "account" : "address"),
            SB_F_STR("user", j->username), SB_F_STR("addr", j->addr));
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string("RATE_LIMITED"));
    json_object_set_new(o, "message", json_string("too many failed sign-ins; try again later"));
    json_object_set_new(o, "retry_after_s", json_integer(secs));
    sb_http_json(h, 429, o);
}

static void reserved_cb(int st, sb_ls_verdict_t verdict, uint64_t retry_ms, void *priv)
{
    job_t *j = priv;
    if (st == 0 && verdict == SB_LS_GRANTED) {
        if (!still_wanted(j)) {
            settle(j, SB_LS_SKIP);
            sb_password_release(j->addr);
            job_free(j);
            return;
        }
        const sb_cfg_staff_t *staff =
            sb_config_find_staff(j->app->cfg, j->username, strlen(j->username));
        int rc =
            sb_password_verify_async(j->app->loop, j->addr, staff ? staff->password_hash : NULL,
                                     j->password, j->pwlen, still_wanted, verified_cb, j);
        sb_secure_wipe(j->password, j->pwlen);
        free(j->password);
        j->password = NULL;
        if (rc != 0) {
            settle(j, SB_LS_SKIP);
            sb_password_release(j->addr);
            sb_http_t *h = resume(j);
            if (h) {
                sb_http_error(h, 500, SB_WERR_INTERNAL, "cannot verify the password now");
                job_free(j);
            }
        }
        return;
    }
    sb_password_release(j->addr); /* no check for this one */
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (st != 0)
        store_failed(h, st);
    else
        refuse_limited(j, h, verdict, retry_ms);
    job_free(j);
}

void sb_auth_login(sb_app_t *app, sb_http_t *h)
{
    if (origin_refused(h))
        return;
    json_t *body = sb_http_json_body(h);
    json_t *u = body ? json_object_get(body, "username") : NULL;
    json_t *p = body ? json_object_get(body, "password") : NULL;
    if (!json_is_string(u) || !json_is_string(p)) {
        json_decref(body);
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST,
                      "send JSON {\"username\": \"...\", \"password\": \"...\"}");
        return;
    }
    size_t ul = json_string_length(u), pl = json_string_length(p);
    if (!valid_username(json_string_value(u), ul) || pl == 0 || pl > SB_PASSWORD_MAX) {
        json_decref(body);
        /* the same answer as a wrong password: a malformed name is not worth a clue */
        sb_http_error(h, 401, SB_WERR_BAD_CREDENTIALS, "wrong username or password");
        return;
    }
    /* Before anything is spent on it: one address may have only so many sign-ins in progress, so
     * that a flood from a few addresses cannot take every place (a flood of four used to answer
     * everyone else BUSY). */
    const sb_cfg_auth_t *a = &app->cfg->auth;
    sb_password_limits_t lim = {a->max_hash_jobs, a->max_pending_logins,
                                a->max_pending_logins_per_address};
    int adm = sb_password_admit(h->peer, &lim);
    if (adm != 0) {
        json_decref(body);
        if (adm == SB_E_BUSY) {
            sb_metrics_limit_hit(SB_LIMIT_HASH_JOBS);
            sb_http_add_header(h, "Retry-After", "1");
            sb_http_error(h, 503, SB_WERR_BUSY, "too many sign-ins at once; try again in a moment");
        } else {
            sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        }
        return;
    }
    job_t *j = job_new(app, h);
    if (!j) {
        sb_password_release(h->peer);
        json_decref(body);
        return;
    }
    memcpy(j->username, json_string_value(u), ul);
    j->password = malloc(pl + 1);
    if (j->password) {
        memcpy(j->password, json_string_value(p), pl);
        j->pwlen = pl;
    }
    /* jansson keeps its own copy of the password: wipe it before letting go */
    sb_secure_wipe((char *)json_string_value(p), pl);
    json_decref(body);
    if (!j->password) {
        sb_password_release(j->addr);
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        job_free(j);
        return;
    }
    int rc = reserve(j, reserved_cb);
    if (rc != 0)
        sb_password_release(j->addr);
    submitted(j, h, rc);
}

/* ------------------------------------------------------------------------------------------------
 * The session behind a cookie (logout, me, admin)
 * ---------------------------------------------------------------------------------------------- */

typedef void (*session_fn)(job_t *j, sb_http_t *h, const sb_cfg_staff_t *who);

typedef struct {
    job_t *job;
    session_fn fn;
} lookup_t;

static void lookup_cb(int st, const sb_ss_session_t *sess, void *priv)
{
    lookup_t *l = priv;
    job_t *j = l->job;
    session_fn fn = l->fn;
    free(l);
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (st != 0) {
        store_failed(h, st);
        job_free(j);
        return;
    }
    const sb_cfg_staff_t *who = NULL;
    if (sess && sess->expires_ms > sb_clock_now_ms()) {
        snprintf(j->username, sizeof j->username, "%s", sess->user);
        who = sb_config_find_staff(j->app->cfg, j->username, strlen(j->username));
    }
    fn(j, h, who);
}

/* Looks up the cookie's session and calls fn with the staff member (NULL when there is no valid
 * session). fn owns the job. */
static void with_session(sb_app_t *app, sb_http_t *h, session_fn fn, sb_auth_staff_fn ext,
                         void *ext_arg)
{
    job_t *j = job_new(app, h);
    if (!j)
        return;
    j->ext_fn = ext;
    j->ext_arg = ext_arg;
    if (!sb_token_well_formed(h->session, strlen(h->session))) {
        fn(j, h, NULL);
        return;
    }
    sb_token_hash(h->session, strlen(h->session), j->hash);
    lookup_t *l = malloc(sizeof *l);
    if (!l) {
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        job_free(j);
        return;
    }
    l->job = j;
    l->fn = fn;
    int rc = sb_ss_session_lookup(app->store, app->key_prefix, j->hash, lookup_cb, l);
    if (rc != 0) {
        free(l);
        store_failed(h, rc);
        job_free(j);
    }
}

static void me_fn(job_t *j, sb_http_t *h, const sb_cfg_staff_t *who)
{
    if (!who) {
        sb_http_error(h, 401, SB_WERR_UNAUTHORIZED, "not signed in");
    } else {
        json_t *o = json_object();
        user_json(o, who);
        sb_http_json(h, 200, o);
    }
    job_free(j);
}

void sb_auth_me(sb_app_t *app, sb_http_t *h)
{
    with_session(app, h, me_fn, NULL, NULL);
}

static void clear_cookie(sb_http_t *h)
{
    sb_http_add_header(h, "Set-Cookie",
                       "sb_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

static void revoked_cb(int st, long long revoked, void *priv)
{
    job_t *j = priv;
    (void)revoked;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (st != 0) {
        store_failed(h, st);
    } else {
        sb_session_revoke_local(j->app, j->hash);
        SB_INFO("auth", "staff signed out", SB_F_STR("user", j->username));
        clear_cookie(h);
        sb_http_respond(h, 204, "application/json", NULL, 0);
    }
    job_free(j);
}

static void logout_fn(job_t *j, sb_http_t *h, const sb_cfg_staff_t *who)
{
    (void)who;
    if (!j->username[0]) { /* no session: signing out is already true */
        clear_cookie(h);
        sb_http_respond(h, 204, "application/json", NULL, 0);
        job_free(j);
        return;
    }
    const char *hash = j->hash;
    int rc = sb_ss_session_revoke(j->app->store, j->app->key_prefix, j->username, &hash, 1,
                                  revoked_cb, j);
    submitted(j, h, rc);
}

void sb_auth_logout(sb_app_t *app, sb_http_t *h)
{
    if (origin_refused(h))
        return;
    with_session(app, h, logout_fn, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------------
 * POST /api/admin/revoke {"username": "..."}
 * ---------------------------------------------------------------------------------------------- */

static void revoke_all_cb(int st, long long revoked, void *priv)
{
    job_t *j = priv;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (st != 0) {
        store_failed(h, st);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "revoked", json_integer(revoked));
        SB_INFO("audit", "sessions revoked", SB_F_STR("by", j->username),
                SB_F_STR("user", j->target));
        sb_http_json(h, 200, o);
    }
    job_free(j);
}

static void members_cb(int st, const char *const *hashes, size_t n, void *priv)
{
    job_t *j = priv;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    if (st != 0) {
        store_failed(h, st);
        job_free(j);
        return;
    }
    for (size_t i = 0; i < n; i++)
        sb_session_revoke_local(j->app, hashes[i]);
    int rc = sb_ss_session_revoke(j->app->store, j->app->key_prefix, j->target, hashes, n,
                                  revoke_all_cb, j);
    if (rc == SB_E_NOMEM) {
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        job_free(j);
        return;
    }
    submitted(j, h, rc);
}

static void revoke_fn(job_t *j, sb_http_t *h, const sb_cfg_staff_t *who)
{
    if (!who || who->role != SB_STAFF_ADMIN) {
        sb_http_error(h, who ? 403 : 401, who ? SB_WERR_FORBIDDEN : SB_WERR_UNAUTHORIZED,
                      who ? "only administrators may revoke sessions" : "not signed in");
        job_free(j);
        return;
    }
    json_t *body = sb_http_json_body(h);
    json_t *u = body ? json_object_get(body, "username") : NULL;
    if (!json_is_string(u) || !valid_username(json_string_value(u), json_string_length(u))) {
        json_decref(body);
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST, "send JSON {\"username\": \"...\"}");
        job_free(j);
        return;
    }
    snprintf(j->target, sizeof j->target, "%s", json_string_value(u));
    json_decref(body);
    int rc = sb_ss_session_list(j->app->store, j->app->key_prefix, j->target, members_cb, j);
    submitted(j, h, rc);
}

/* ------------------------------------------------------------------------------------------------
 * For other API handlers: the staff member behind the cookie
 * ---------------------------------------------------------------------------------------------- */

static void ext_fn(job_t *j, sb_http_t *h, const sb_cfg_staff_t *who)
{
    sb_auth_staff_fn fn = j->ext_fn;
    void *arg = j->ext_arg;
    sb_app_t *app = j->app;
    job_free(j);
    fn(app, h, who, arg);
}

void sb_auth_with_staff(sb_app_t *app, sb_http_t *h, sb_auth_staff_fn fn, void *arg)
{
    if (origin_refused(h))
        return;
    with_session(app, h, ext_fn, fn, arg);
}

void sb_auth_admin_revoke(sb_app_t *app, sb_http_t *h)
{
    if (origin_refused(h))
        return;
    with_session(app, h, revoke_fn, NULL, NULL);
}
