/* Staff passwords: Argon2id (libsodium crypto_pwhash_str). Verifying costs tens of milliseconds and
 * 64 MiB on purpose, so it never runs on the loop thread: sb_password_verify_async hands it to
 * libuv's thread pool and calls back on the loop thread.
 *
 * That capacity is small (max_running verifications at once) and every sign-in needs it, so it is
 * shared between client addresses: each address may have only so many sign-ins admitted at once,
 * and the verifications waiting for a slot are started round robin by address, so that a flood of
 * guesses from a few addresses delays a sign-in from another address by about one verification,
 * not by the flood's whole backlog. */
#ifndef SB_AUTH_PASSWORD_H
#define SB_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define SB_PASSWORD_MAX 1024

/* How sign-ins share the hashing capacity (auth.max_hash_jobs, auth.max_pending_logins,
 * auth.max_pending_logins_per_address). */
typedef struct {
    unsigned max_running;         /* verifications on the thread pool at once */
    unsigned max_pending;         /* admitted and not finished, all addresses together */
    unsigned max_pending_per_who; /* the same for one client address */
} sb_password_limits_t;

typedef enum {
    SB_PASSWORD_WRONG,     /* checked: no match (or an unknown user) */
    SB_PASSWORD_MATCH,     /* checked: the password is right */
    SB_PASSWORD_UNCHECKED, /* not checked: the caller no longer wanted it, or the pool refused */
} sb_password_result_t;

/* Called on the loop thread, exactly once per accepted sb_password_verify_async, never before that
 * call returned. */
typedef void (*sb_password_cb)(sb_password_result_t result, void *priv);
/* Asked just before a waiting verification starts: false skips it (UNCHECKED), e.g. when the client
 * who asked went away while it waited. */
typedef bool (*sb_password_live_fn)(void *priv);

/* Admits one sign-in from `who` (the client address; at most 47 bytes are significant) before any
 * work is spent on it: 0, or SB_E_BUSY when `who` already has lim->max_pending_per_who sign-ins
 * admitted or all lim->max_pending are taken (SB_E_NOMEM when out of memory). `lim` is copied and
 * applies from now on. Each admission ends exactly once: when the callback of the verification
 * submitted with it runs, or by sb_password_release() when the caller gives up before that. */
int sb_password_admit(const char *who, const sb_password_limits_t *lim);
void sb_password_release(const char *who);

/* Verifies `password` against `hash` off the loop, as soon as a slot is free and it is `who`'s
 * turn; uses up the admission made for `who`. Copies both (the copy of the password is wiped after
 * use). `hash` NULL (unknown user) still costs a full verification against a fixed dummy hash, so
 * response time does not reveal which usernames exist. `live` may be NULL. 0, or SB_E_NOMEM (then
 * cb is never called and the admission is still held). */
int sb_password_verify_async(uv_loop_t *loop, const char *who, const char *hash,
                             const char *password, size_t len, sb_password_live_fn live,
                             sb_password_cb cb, void *priv);
/* Prepares the dummy hash used for unknown users (blocks once, at start-up). 0 or -1. */
int sb_password_init(void);
/* Verifications on the thread pool now; waiting for a slot now. */
unsigned sb_password_running(void);
unsigned sb_password_waiting(void);
/* Hashes a password (for the hash-password subcommand; blocking). 0 or -1. */
int sb_password_hash(const char *password, size_t len, char *out, size_t outlen);

#endif
