/* Who is signed in, in Redis: staff sessions (sess:<hash>, user_sess:<username>) and customers'
 * resume tokens (rtok:<hash>). Secrets never reach Redis: every call takes the BLAKE2b hash of the
 * cookie or token (util/token.h). Key names and lifetimes are in docs/redis-keys.md.
 *
 * Every call has the contract of store/store.h: 0 and the callback runs exactly once, or an
 * SB_E... code (SB_E_INVAL when a part cannot be part of a key) and it never runs. `status` in a
 * callback is 0, SB_E_STORE_DOWN (no reply), SB_E_STORE_FULL (Redis is out of memory) or SB_E_IO
 * (another error reply, or a reply of a shape the script never returns). Results are copies, but
 * valid only during the callback unless said otherwise. A NULL callback: nobody waits. */
#ifndef SB_STORE_SESSION_STORE_H
#define SB_STORE_SESSION_STORE_H

#include "store/store.h"

#define SB_SS_USER_MAX     64  /* a username, as configured staff have */
#define SB_SS_CUSTOMER_MAX 31  /* a customer id ("c-" and 24 hex digits) */
#define SB_SS_CONTACT_MAX  64  /* SB_ROUTE_ID_LEN */
#define SB_SS_LIST_MAX     256 /* sessions of one user handled by one revocation */

typedef void (*sb_ss_done_cb)(int status, void *priv);

/* ------------------------------------------------------------------------------------------------
 * Staff sessions
 * ---------------------------------------------------------------------------------------------- */

/* A new session `hash` for `username` (session_create.lua), expiring after ttl_s. */
int sb_ss_session_create(sb_store_t *s, const char *prefix, const char *hash, const char *username,
                         const char *role, uint64_t created_ms, uint32_t ttl_s, sb_ss_done_cb cb,
                         void *priv);

typedef struct {
    char user[SB_SS_USER_MAX + 1];
    uint64_t expires_ms; /* 0 when not recorded: treat as expired */
} sb_ss_session_t;
/* `sess` NULL: no such session (or one naming no usable user). Whether it expired is the
 * caller's question (expires_ms against its clock). */
typedef void (*sb_ss_session_cb)(int status, const sb_ss_session_t *sess, void *priv);
int sb_ss_session_lookup(sb_store_t *s, const char *prefix, const char *hash, sb_ss_session_cb cb,
                         void *priv);

/* The hashes of `username`'s sessions, at most SB_SS_LIST_MAX (members that are not hashes are
 * left out). `hashes` is valid during the callback. */
typedef void (*sb_ss_list_cb)(int status, const char *const *hashes, size_t n, void *priv);
int sb_ss_session_list(sb_store_t *s, const char *prefix, const char *username, sb_ss_list_cb cb,
                       void *priv);

/* Deletes sessions `hashes[0..n)` of `username` (n <= SB_SS_LIST_MAX; session_revoke.lua).
 * `revoked`: how many of them existed. */
typedef void (*sb_ss_revoked_cb)(int status, long long revoked, void *priv);
int sb_ss_session_revoke(sb_store_t *s, const char *prefix, const char *username,
                         const char *const *hashes, size_t n, sb_ss_revoked_cb cb, void *priv);

/* ------------------------------------------------------------------------------------------------
 * Customers' resume tokens (customer_token.lua)
 * ---------------------------------------------------------------------------------------------- */

/* Binds a new token `hash` to `customer_id`. `created` false: the hash already exists (a 2^-256
 * collision, or someone wrote the key), and nothing was written. */
typedef void (*sb_ss_token_created_cb)(int status, bool created, void *priv);
int sb_ss_token_create(sb_store_t *s, const char *prefix, const char *hash, const char *customer_id,
                       const char *lang, uint64_t now_ms, uint32_t ttl_s, sb_ss_token_created_cb cb,
                       void *priv);

typedef struct {
    char customer_id[SB_SS_CUSTOMER_MAX + 1];
    char contact_id[SB_SS_CONTACT_MAX + 1]; /* the open contact, "" if none */
} sb_ss_token_t;
/* Reads token `hash` and restarts its window. `t` NULL: unknown, expired, or bound to nothing
 * usable. */
typedef void (*sb_ss_token_cb)(int status, const sb_ss_token_t *t, void *priv);
int sb_ss_token_resume(sb_store_t *s, const char *prefix, const char *hash, uint32_t ttl_s,
                       sb_ss_token_cb cb, void *priv);

/* Restarts the window of token `hash` (a keepalive, a disconnect). Nobody waits. */
int sb_ss_token_touch(sb_store_t *s, const char *prefix, const char *hash, uint32_t ttl_s);
/* Deletes token `hash`: the chat it led to ended. Nobody waits. */
int sb_ss_token_revoke(sb_store_t *s, const char *prefix, const char *hash);

#endif
