/* Staff passwords: Argon2id (libsodium crypto_pwhash_str). Verifying costs tens of milliseconds and
 * 64 MiB on purpose, so it never runs on the loop thread: sb_password_verify_async hands it to
 * libuv's thread pool and calls back on the loop thread. */
#ifndef SB_AUTH_PASSWORD_H
#define SB_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define SB_PASSWORD_MAX 1024

/* `ok` is true when the password matches. Called on the loop thread, exactly once. */
typedef void (*sb_password_cb)(bool ok, void *priv);

/* Verifies `password` against `hash` off the loop. Copies both (the copy of the password is wiped
 * after use). `hash` NULL (unknown user) still costs a full verification against a fixed dummy
 * hash, so response time does not reveal which usernames exist. 0, or SB_E_NOMEM / SB_E_IO (then
 * cb is never called). */
int sb_password_verify_async(uv_loop_t *loop, const char *hash, const char *password, size_t len,
                             sb_password_cb cb, void *priv);
/* Prepares the dummy hash used for unknown users (blocks once, at start-up). 0 or -1. */
int sb_password_init(void);
/* Jobs handed to the pool and not finished yet. */
unsigned sb_password_jobs(void);
/* Hashes a password (for the hash-password subcommand; blocking). 0 or -1. */
int sb_password_hash(const char *password, size_t len, char *out, size_t outlen);

#endif
