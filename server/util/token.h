/* Bearer secrets: staff session ids and customer resume tokens.
 *
 * A token is 32 bytes from libsodium's CSPRNG, base64url without padding (43 characters). Redis
 * only ever sees its BLAKE2b-256 hash (64 hex digits), so a copy of the database does not hand out
 * live sessions. A token is never accepted unless its hash is found: a made-up token finds
 * nothing. */
#ifndef SB_UTIL_TOKEN_H
#define SB_UTIL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define SB_TOKEN_LEN      43 /* characters, without NUL */
#define SB_TOKEN_HASH_LEN 64 /* hex characters, without NUL */

/* Fills out[SB_TOKEN_LEN + 1] with a new token. Call sb_token_init() first. */
void sb_token_new(char out[SB_TOKEN_LEN + 1]);
/* True when `s` has the shape of a token (length and alphabet); says nothing of validity. */
bool sb_token_well_formed(const char *s, size_t n);
/* Hex BLAKE2b-256 of the token, into out[SB_TOKEN_HASH_LEN + 1]. */
void sb_token_hash(const char *token, size_t n, char out[SB_TOKEN_HASH_LEN + 1]);
/* A random identifier: `prefix` followed by 24 hex digits (96 bits). out must hold
 * strlen(prefix) + 25 bytes. */
void sb_random_id(const char *prefix, char *out, size_t outlen);

/* Overwrites memory that held a secret, in a way the compiler cannot drop. */
void sb_secure_wipe(void *p, size_t n);

/* Initialises libsodium. 0, or -1 when it cannot (the process must not continue). */
int sb_token_init(void);

#endif
