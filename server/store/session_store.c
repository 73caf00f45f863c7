#include "store/session_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/reply.h"
#include "util/err.h"

#define HASH_LEN 64

static void lens_of(const char *const *argv, size_t *lens, int n)
{
    for (int i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
}

/* Copies a string reply into dst[cap] when it fits; false otherwise. */
static bool copy_str(char *dst, size_t cap, const redisReply *e)
{
    if (!e || e->type != REDIS_REPLY_STRING || e->len >= cap)
        return false;
    memcpy(dst, e->str, e->len);
    dst[e->len] = 0;
    return true;
}

static void done_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    if (done)
        ((sb_ss_done_cb)done)(sb_store_reply_status(r), priv);
}

/* ------------------------------------------------------------------------------------------------
 * Staff sessions
 * ---------------------------------------------------------------------------------------------- */

int sb_ss_session_create(sb_store_t *s, const char *prefix, const char *hash, const char *username,
                         const char *role, uint64_t created_ms, uint32_t ttl_s, sb_ss_done_cb cb,
                         void *priv)
{
    char ks[SB_KEY_MAX], ku[SB_KEY_MAX], created[24], expires[24], ttl[16];
    if (sb_key_session(prefix, hash, ks, sizeof ks) < 0 ||
        sb_key_user_sessions(prefix, username, ku, sizeof ku) < 0)
        return SB_E_INVAL;
    snprintf(created, sizeof created, "%" PRIu64, created_ms);
    snprintf(expires, sizeof expires, "%" PRIu64, created_ms + (uint64_t)ttl_s * 1000u);
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_s);
    const char *argv[] = {ks, ku, username, role, created, expires, ttl, hash};
    size_t lens[8];
    lens_of(argv, lens, 8);
    return sb_store_eval_as(s, &sb_lua_session_create, done_adapter, (sb_store_fn)cb, priv, 2, 8,
                            argv, lens);
}

/* HMGET user expires_ms */
static void lookup_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ss_session_cb cb = (sb_ss_session_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    sb_ss_session_t sess = {.expires_ms = sb_reply_u64_at(r, 1)};
    bool found = copy_str(sess.user, sizeof sess.user, r->element[0]);
    cb(0, found ? &sess : NULL, priv);
}

int sb_ss_session_lookup(sb_store_t *s, const char *prefix, const char *hash, sb_ss_session_cb cb,
                         void *priv)
{
    char key[SB_KEY_MAX];
    if (sb_key_session(prefix, hash, key, sizeof key) < 0)
        return SB_E_INVAL;
    static const char *const fields[] = {"user", "expires_ms"};
    return sb_store_hmget_as(s, lookup_adapter, (sb_store_fn)cb, priv, key, fields, 2);
}

/* SMEMBERS user_sess:<username> */
static void list_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ss_list_cb cb = (sb_ss_list_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && r->type != REDIS_REPLY_ARRAY)
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, 0, priv);
        return;
    }
    const char *hashes[SB_SS_LIST_MAX];
    size_t n = 0;
    for (size_t i = 0; i < r->elements && i < SB_SS_LIST_MAX; i++) {
        const redisReply *m = r->element[i];
        if (m->type == REDIS_REPLY_STRING && m->len == HASH_LEN)
            hashes[n++] = m->str;
    }
    cb(0, hashes, n, priv);
}

int sb_ss_session_list(sb_store_t *s, const char *prefix, const char *username, sb_ss_list_cb cb,
                       void *priv)
{
    char key[SB_KEY_MAX];
    if (sb_key_user_sessions(prefix, username, key, sizeof key) < 0)
        return SB_E_INVAL;
    const char *argv[] = {"SMEMBERS", key};
    size_t lens[] = {8, strlen(key)};
    return sb_store_cmdargv_as(s, list_adapter, (sb_store_fn)cb, priv, 2, argv, lens);
}

static void revoked_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ss_revoked_cb cb = (sb_ss_revoked_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && r->type != REDIS_REPLY_INTEGER)
        st = SB_E_IO;
    cb(st, st == 0 ? r->integer : 0, priv);
}

int sb_ss_session_revoke(sb_store_t *s, const char *prefix, const char *username,
                         const char *const *hashes, size_t n, sb_ss_revoked_cb cb, void *priv)
{
    if (n > SB_SS_LIST_MAX)
        return SB_E_INVAL;
    /* keys: user_sess, then one sess key per hash; arguments: the hashes */
    size_t argc = 1 + 2 * n;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    char *keys = calloc(n + 1, SB_KEY_MAX);
    int rc = SB_E_NOMEM;
    if (!argv || !lens || !keys)
        goto out;
    rc = SB_E_INVAL;
    if (sb_key_user_sessions(prefix, username, keys, SB_KEY_MAX) < 0)
        goto out;
    argv[0] = keys;
    for (size_t i = 0; i < n; i++) {
        char *key = keys + SB_KEY_MAX * (i + 1);
        if (sb_key_session(prefix, hashes[i], key, SB_KEY_MAX) < 0)
            goto out;
        argv[1 + i] = key;
        argv[1 + n + i] = hashes[i];
    }
    lens_of(argv, lens, (int)argc);
    rc = sb_store_eval_as(s, &sb_lua_session_revoke, revoked_adapter, (sb_store_fn)cb, priv,
                          (int)(1 + n), (int)argc, argv, lens);
out:
    free(argv);
    free(lens);
    free(keys);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Customers' resume tokens
 * ---------------------------------------------------------------------------------------------- */

/* new: 1 created, 0 the hash exists */
static void created_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ss_token_created_cb cb = (sb_ss_token_created_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && (r->type != REDIS_REPLY_INTEGER || (r->integer != 0 && r->integer != 1)))
        st = SB_E_IO;
    cb(st, st == 0 && r->integer == 1, priv);
}

int sb_ss_token_create(sb_store_t *s, const char *prefix, const char *hash, const char *customer_id,
                       const char *lang, uint64_t now_ms, uint32_t ttl_s, sb_ss_token_created_cb cb,
                       void *priv)
{
    char key[SB_KEY_MAX], ttl[16], now[24];
    if (sb_key_resume_token(prefix, hash, key, sizeof key) < 0)
        return SB_E_INVAL;
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_s);
    snprintf(now, sizeof now, "%" PRIu64, now_ms);
    const char *argv[] = {key, "new", ttl, customer_id, now, lang};
    size_t lens[6];
    lens_of(argv, lens, 6);
    return sb_store_eval_as(s, &sb_lua_customer_token, created_adapter, (sb_store_fn)cb, priv, 1, 6,
                            argv, lens);
}

/* resume: {customer id, language, open contact id or ""}, or nil */
static void resume_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ss_token_cb cb = (sb_ss_token_cb)done;
    int st = sb_store_reply_status(r);
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    sb_ss_token_t t;
    memset(&t, 0, sizeof t);
    if (!copy_str(t.customer_id, sizeof t.customer_id, sb_reply_elem(r, 0))) {
        cb(0, NULL, priv);
        return;
    }
    /* the contact becomes part of keys and messages: an id, or nothing */
    const redisReply *c = sb_reply_elem(r, 2);
    if (c && c->type == REDIS_REPLY_STRING && sb_key_id_ok(c->str, c->len))
        copy_str(t.contact_id, sizeof t.contact_id, c);
    cb(0, &t, priv);
}

int sb_ss_token_resume(sb_store_t *s, const char *prefix, const char *hash, uint32_t ttl_s,
                       sb_ss_token_cb cb, void *priv)
{
    char key[SB_KEY_MAX], ttl[16];
    if (sb_key_resume_token(prefix, hash, key, sizeof key) < 0)
        return SB_E_INVAL;
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_s);
    const char *argv[] = {key, "resume", ttl};
    size_t lens[3];
    lens_of(argv, lens, 3);
    return sb_store_eval_as(s, &sb_lua_customer_token, resume_adapter, (sb_store_fn)cb, priv, 1, 3,
                            argv, lens);
}

int sb_ss_token_touch(sb_store_t *s, const char *prefix, const char *hash, uint32_t ttl_s)
{
    char key[SB_KEY_MAX], ttl[16];
    if (sb_key_resume_token(prefix, hash, key, sizeof key) < 0)
        return SB_E_INVAL;
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_s);
    const char *argv[] = {key, "touch", ttl};
    size_t lens[3];
    lens_of(argv, lens, 3);
    return sb_store_eval_as(s, &sb_lua_customer_token, sb_store_ignore, NULL, NULL, 1, 3, argv,
                            lens);
}

int sb_ss_token_revoke(sb_store_t *s, const char *prefix, const char *hash)
{
    char key[SB_KEY_MAX];
    if (sb_key_resume_token(prefix, hash, key, sizeof key) < 0)
        return SB_E_INVAL;
    const char *argv[] = {"DEL", key};
    size_t lens[] = {3, strlen(key)};
    return sb_store_cmdargv_as(s, sb_store_ignore, NULL, NULL, 2, argv, lens);
}
