/* Sign-in rate limits in Redis (lua/login_attempt.lua): every attempt is counted, per account and
 * per client address, before its password is checked, so that concurrent guesses cannot pass the
 * limit. Key names (rl:login:acct:<username>, rl:login:addr:<address>) are in
 * docs/redis-keys.md. The limit on new conversations per address is part of creating one
 * (store/conv_store.h).
 *
 * Contract of store/store.h: 0 and the callback runs exactly once, or an SB_E... code
 * (SB_E_INVAL when a part cannot be part of a key) and it never runs. `status` in a callback is 0,
 * SB_E_STORE_DOWN (no reply), SB_E_STORE_FULL (Redis is out of memory) or SB_E_IO (another error
 * reply, or a reply of a shape the script never returns). An empty `address` (not known) is
 * counted as "-". */
#ifndef SB_STORE_LIMIT_STORE_H
#define SB_STORE_LIMIT_STORE_H

#include "store/store.h"

typedef enum {
    SB_LS_GRANTED,         /* counted as being checked, in both counters */
    SB_LS_ACCOUNT_LIMITED, /* the account is at its limit: not counted */
    SB_LS_ADDRESS_LIMITED, /* the address is at its limit: not counted */
} sb_ls_verdict_t;

/* `retry_ms`: when refused, how long the counter that refused lives on (0 when Redis could not
 * say). */
typedef void (*sb_ls_reserved_cb)(int status, sb_ls_verdict_t verdict, uint64_t retry_ms,
                                  void *priv);

/* Reserves a sign-in attempt for `username` from `address`: refused when failures plus attempts
 * being checked are at `max_account` for the account or `max_address` for the address. Counters
 * live `window_s` from the attempt that created them. */
int sb_ls_login_reserve(sb_store_t *s, const char *prefix, const char *username,
                        const char *address, uint32_t window_s, uint32_t max_account,
                        uint32_t max_address, sb_ls_reserved_cb cb, void *priv);

typedef enum {
    SB_LS_OK,   /* the password was right: the account's failures are cleared */
    SB_LS_FAIL, /* wrong: counted as a failure for the account and the address */
    SB_LS_SKIP, /* never checked (the client went away, the check could not run) */
} sb_ls_outcome_t;

/* Ends a reserved attempt. Nobody waits for the answer: if Redis cannot take it now, the
 * reservation lapses with its counter (window_s). */
int sb_ls_login_settle(sb_store_t *s, const char *prefix, const char *username, const char *address,
                       uint32_t window_s, sb_ls_outcome_t outcome);

#endif
