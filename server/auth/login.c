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
#include "store/keys.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define MAX_REVOKE 256

typedef struct {
    sb_app_t *app;
    uint64_t http_id;
    char username[65];
    char addr[48];
    char acct_key[200];
    char addr_key[200];
    char *password;
    size_t pwlen;
    char token[SB_TOKEN_LEN + 1];
    char hash[SB_TOKEN_HASH_LEN + 1];
    char target[65];         /* admin revoke: whose sessions */
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

static int reserve(job_t *j, sb_store_cb cb)
{
    const sb_cfg_auth_t *a = &j->app->cfg->auth;
    char win[16], la[16], lb[16];
    snprintf(win, sizeof win, "%u", (unsigned)a->login_window_s);
    snprintf(la, sizeof la, "%u", (unsigned)a->login_max_failures_per_account);
    snprintf(lb, sizeof lb, "%u", (unsigned)a->login_max_failures_per_address);
    const char *argv[] = {j->acct_key, j->addr_key, "reserve", win, la, lb};
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_eval(j->app->store, &sb_lua_login_attempt, cb, j, 2, 6, argv, lens);
}

static void ignore_cb(sb_store_t *s, redisReply *r, void *priv)
{
    (void)s;
    (void)r;
    (void)priv;
}

/* Ends a reserved attempt: "ok", "fail" or "skip" (not checked). Nobody waits for the answer; if
 * Redis cannot take it now, the reservation lapses with its counter (auth.login_window_s). */
static void settle(job_t *j, const char *outcome)
{
    char win[16];
    snprintf(win, sizeof win, "%u", (unsigned)j->app->cfg->auth.login_window_s);
    const char *argv[] = {j->acct_key, j->addr_key, "done", win, outcome};
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(argv[i]);
    sb_store_eval(j->app->store, &sb_lua_login_attempt, ignore_cb, NULL, 2, 5, argv, lens);
}

static bool still_wanted(void *priv)
{
    job_t *j = priv;
    return j->app->net && sb_http_find(j->app->net, j->http_id) != NULL;
}

static void session_cb(sb_store_t *s, redisReply *r, void *priv)
{
    job_t *j = priv;
    (void)s;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    int st = sb_store_reply_status(r);
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
    const sb_config_t *cfg = j->app->cfg;
    char sess_key[200], user_key[200], created[24], expires[24], ttl[16];
    sb_token_new(j->token);
    sb_token_hash(j->token, SB_TOKEN_LEN, j->hash);
    uint64_t now = sb_clock_now_ms();
    sb_key(j->app->key_prefix, sess_key, sizeof sess_key, "sess:%s", j->hash);
    sb_key(j->app->key_prefix, user_key, sizeof user_key, "user_sess:%s", j->username);
    snprintf(created, sizeof created, "%llu", (unsigned long long)now);
    snprintf(expires, sizeof expires, "%llu",
             (unsigned long long)(now + (uint64_t)cfg->auth.session_ttl_s * 1000u));
    snprintf(ttl, sizeof ttl, "%u", (unsigned)cfg->auth.session_ttl_s);
    const char *role = sb_role_name((sb_role_t)staff->role);
    const char *argv[] = {sess_key, user_key, j->username, role, created, expires, ttl, j->hash};
    size_t lens[8];
    for (int i = 0; i < 8; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_eval(j->app->store, &sb_lua_session_create, session_cb, j, 2, 8, argv, lens);
}

static void verified_cb(sb_password_result_t result, void *priv)
{
    job_t *j = priv;
    if (result == SB_PASSWORD_UNCHECKED) {
        settle(j, "skip");
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
    settle(j, right ? "ok" : "fail");
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

static void refuse_limited(job_t *j, sb_http_t *h, const redisReply *r)
{
    long long ms = r->element[1]->integer > 0 ? r->element[1]->integer : 1000;
    unsigned secs = (unsigned)((ms + 999) / 1000);
    char ra[16];
    snprintf(ra, sizeof ra, "%u", secs);
    sb_http_add_header(h, "Retry-After", ra);
    sb_metrics.logins_limited++;
    sb_metrics_limit_hit(SB_LIMIT_LOGIN_RATE);
    SB_WARN("auth", "sign-in refused: too many failures",
            SB_F_STR("by", r->element[0]->integer == 1 ? "account" : "address"),
            SB_F_STR("user", j->username), SB_F_STR("addr", j->addr));
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string("RATE_LIMITED"));
    json_object_set_new(o, "message", json_string("too many failed sign-ins; try again later"));
    json_object_set_new(o, "retry_after_s", json_integer(secs));
    sb_http_json(h, 429, o);
}

static void reserved_cb(sb_store_t *s, redisReply *r, void *priv)
{
    job_t *j = priv;
    (void)s;
    int st = sb_store_reply_status(r);
    bool valid = st == 0 && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                 r->element[0]->type == REDIS_REPLY_INTEGER &&
                 r->element[1]->type == REDIS_REPLY_INTEGER;
    if (valid && r->element[0]->integer == 0) {
        if (!still_wanted(j)) {
            settle(j, "skip");
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
            settle(j, "skip");
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
    if (!valid)
        store_failed(h, st ? st : SB_E_IO);
    else
        refuse_limited(j, h, r);
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
    sb_key(app->key_prefix, j->acct_key, sizeof j->acct_key, "rl:login:acct:%s", j->username);
    sb_key(app->key_prefix, j->addr_key, sizeof j->addr_key, "rl:login:addr:%s", j->addr);
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

static void lookup_cb(sb_store_t *s, redisReply *r, void *priv)
{
    lookup_t *l = priv;
    job_t *j = l->job;
    session_fn fn = l->fn;
    free(l);
    (void)s;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    int st = sb_store_reply_status(r);
    if (st != 0) {
        store_failed(h, st);
        job_free(j);
        return;
    }
    const sb_cfg_staff_t *who = NULL;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING &&
        strtoull(r->element[1]->str, NULL, 10) > sb_clock_now_ms() &&
        r->element[0]->len < sizeof j->username) {
        memcpy(j->username, r->element[0]->str, r->element[0]->len);
        j->username[r->element[0]->len] = 0;
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
    char key[200];
    sb_key(app->key_prefix, key, sizeof key, "sess:%s", j->hash);
    lookup_t *l = malloc(sizeof *l);
    if (!l) {
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        job_free(j);
        return;
    }
    l->job = j;
    l->fn = fn;
    const char *argv[] = {"HMGET", key, "user", "expires_ms"};
    size_t lens[] = {5, strlen(key), 4, 10};
    int rc = sb_store_cmdargv(app->store, lookup_cb, l, 4, argv, lens);
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

static void revoked_cb(sb_store_t *s, redisReply *r, void *priv)
{
    job_t *j = priv;
    (void)s;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    int st = sb_store_reply_status(r);
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
    char user_key[200], sess_key[200];
    sb_key(j->app->key_prefix, user_key, sizeof user_key, "user_sess:%s", j->username);
    sb_key(j->app->key_prefix, sess_key, sizeof sess_key, "sess:%s", j->hash);
    const char *argv[] = {user_key, sess_key, j->hash};
    size_t lens[] = {strlen(user_key), strlen(sess_key), strlen(j->hash)};
    int rc = sb_store_eval(j->app->store, &sb_lua_session_revoke, revoked_cb, j, 2, 3, argv, lens);
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

static void revoke_all_cb(sb_store_t *s, redisReply *r, void *priv)
{
    job_t *j = priv;
    (void)s;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    int st = sb_store_reply_status(r);
    if (st != 0) {
        store_failed(h, st);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "revoked",
                            json_integer(r->type == REDIS_REPLY_INTEGER ? r->integer : 0));
        SB_INFO("audit", "sessions revoked", SB_F_STR("by", j->username),
                SB_F_STR("user", j->target));
        sb_http_json(h, 200, o);
    }
    job_free(j);
}

static void members_cb(sb_store_t *s, redisReply *r, void *priv)
{
    job_t *j = priv;
    (void)s;
    sb_http_t *h = resume(j);
    if (!h)
        return;
    int st = sb_store_reply_status(r);
    if (st != 0 || r->type != REDIS_REPLY_ARRAY) {
        store_failed(h, st ? st : SB_E_IO);
        job_free(j);
        return;
    }
    size_t n = r->elements > MAX_REVOKE ? MAX_REVOKE : r->elements;
    /* keys: user_sess + one sess key per member; args: the member hashes */
    const char **argv = calloc(1 + 2 * n, sizeof *argv);
    size_t *lens = calloc(1 + 2 * n, sizeof *lens);
    char *keys = calloc(n + 1, 200);
    if (!argv || !lens || !keys) {
        free(argv);
        free(lens);
        free(keys);
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        job_free(j);
        return;
    }
    sb_key(j->app->key_prefix, keys, 200, "user_sess:%s", j->target);
    argv[0] = keys;
    size_t k = 1;
    for (size_t i = 0; i < n; i++) {
        const redisReply *m = r->element[i];
        if (m->type != REDIS_REPLY_STRING || m->len != SB_TOKEN_HASH_LEN)
            continue;
        char *key = keys + 200 * k;
        sb_key(j->app->key_prefix, key, 200, "sess:%.*s", (int)m->len, m->str);
        argv[k++] = key;
        sb_session_revoke_local(j->app, m->str);
    }
    size_t nkeys = k;
    for (size_t i = 0; i < n; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->len == SB_TOKEN_HASH_LEN)
            argv[k++] = r->element[i]->str;
    for (size_t i = 0; i < k; i++)
        lens[i] = strlen(argv[i]);
    int rc = sb_store_eval(j->app->store, &sb_lua_session_revoke, revoke_all_cb, j, (int)nkeys,
                           (int)k, argv, lens);
    free(argv);
    free(lens);
    free(keys);
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
    char key[200];
    sb_key(j->app->key_prefix, key, sizeof key, "user_sess:%s", j->target);
    const char *argv[] = {"SMEMBERS", key};
    size_t lens[] = {8, strlen(key)};
    int rc = sb_store_cmdargv(j->app->store, members_cb, j, 2, argv, lens);
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
