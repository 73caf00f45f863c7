/* Redis key names: the one place that formats a key. Every key is "sb:{deployment}:<rest>" (the
 * braces are a Redis Cluster hash tag, so a deployment's keys live together and scripts may touch
 * several). SB_KEY_LIST below is the schema: one line per key of docs/redis-keys.md, with the
 * pattern written exactly as the document writes it; a unit test (tests/unit/store/test_keys.c)
 * checks that the two agree in both directions.
 *
 * Each key has a function, generated from its line:
 *
 *     int sb_key_contact(const char *prefix, const char *contact_id, char *out, size_t len);
 *
 * writes prefix + "c:<contact_id>" into out and returns its length. A key without a part takes
 * no part argument (sb_key_live(prefix, out, len)); a statistics bucket takes its bucket time too
 * (sb_key_stats_queue(prefix, queue, bucket_ms, out, len)).
 *
 * Parts that come from outside are checked before they reach a key (DESIGN.md principle 10):
 * `<hash>` must be 64 lowercase hex digits (the BLAKE2b-256 of a secret; secrets never appear in
 * keys), every other part an identifier, [A-Za-z0-9_.:-]{1,64}. A part that fails is a caller bug
 * or hostile input that slipped past a check: the function returns -1 and writes nothing usable.
 * -1 also when the key does not fit in `len` (SB_KEY_MAX always fits).
 *
 * SB_KEY_UNUSED as the part gives the key with "-" for its part ("c:-", "rtok:-"): a script takes
 * a fixed set of KEYS (Redis Cluster wants every key a script touches in KEYS), and a call that
 * does not concern one of them passes this placeholder, which scripts never write. */
#ifndef SB_STORE_KEYS_H
#define SB_STORE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any key with a prefix of up to SB_KEY_PREFIX_MAX bytes. */
#define SB_KEY_PREFIX_MAX 80
#define SB_KEY_MAX        176
#define SB_KEY_UNUSED     ((const char *)0)

/* X(ENUM, function suffix, pattern as docs/redis-keys.md writes it, parts: 0, 1 (a string) or 2
 * (a string and <bucket_ms>)) */
#define SB_KEY_LIST(X)                                                                             \
    /* staff sessions, customers' resume tokens, sign-in limits */                                 \
    X(SESSION, session, "sess:<hash>", 1)                                                          \
    X(USER_SESSIONS, user_sessions, "user_sess:<username>", 1)                                     \
    X(LOGIN_ACCOUNT, login_account, "rl:login:acct:<username>", 1)                                 \
    X(LOGIN_ADDRESS, login_address, "rl:login:addr:<address>", 1)                                  \
    X(RESUME_TOKEN, resume_token, "rtok:<hash>", 1)                                                \
    /* routing */                                                                                  \
    X(CONTACT, contact, "c:<contact_id>", 1)                                                       \
    X(LIVE, live, "live", 0)                                                                       \
    X(ARRIVALS, arrivals, "arrivals", 0)                                                           \
    X(AGENT, agent, "a:<username>", 1)                                                             \
    /* conversations */                                                                            \
    X(CONVERSATION, conversation, "v:<conversation_id>", 1)                                        \
    X(CONV_LOG, conv_log, "v:<conversation_id>:log", 1)                                            \
    X(CONV_PUB, conv_pub, "v:<conversation_id>:pub", 1)                                            \
    X(CONV_DEDUP, conv_dedup, "v:<conversation_id>:dedup", 1)                                      \
    X(BLOCK, block, "block:<customer_id>", 1)                                                      \
    X(RATE_CONV, rate_conv, "rl:conv:<address>", 1)                                                \
    X(EXPORT, export, "export", 0)                                                                 \
    X(AUDIT, audit, "audit", 0)                                                                    \
    X(EPOCH, epoch, "epoch", 0)                                                                    \
    X(RUNID, runid, "runid", 0)                                                                    \
    /* statistics */                                                                               \
    X(STATS_QUEUE, stats_queue, "st:q:<queue>:<bucket_ms>", 2)                                     \
    X(STATS_AGENT, stats_agent, "st:a:<username>:<bucket_ms>", 2)                                  \
    X(STATS_LIVE, stats_live, "st:live", 0)

typedef enum {
#define SB_KEY_ENUM(E, fn, pattern, parts) SB_KEY_##E,
    SB_KEY_LIST(SB_KEY_ENUM)
#undef SB_KEY_ENUM
        SB_KEY__COUNT
} sb_key_id_t;

/* The key functions, one per line of SB_KEY_LIST (see the top of this file). */
#define SB_KEY_FN_0(fn) int sb_key_##fn(const char *prefix, char *out, size_t len)
#define SB_KEY_FN_1(fn) int sb_key_##fn(const char *prefix, const char *part, char *out, size_t len)
#define SB_KEY_FN_2(fn)                                                                            \
    int sb_key_##fn(const char *prefix, const char *part, uint64_t bucket_ms, char *out, size_t len)
#define SB_KEY_DECLARE(E, fn, pattern, parts) SB_KEY_FN_##parts(fn);
SB_KEY_LIST(SB_KEY_DECLARE)
#undef SB_KEY_DECLARE

/* Key k's pattern as documented ("c:<contact_id>"), and how many parts it takes (0, 1, 2). */
const char *sb_key_pattern(sb_key_id_t k);
int sb_key_parts(sb_key_id_t k);

/* True when s[0..n) may be an identifier part of a key: [A-Za-z0-9_.:-]{1,64}. */
bool sb_key_id_ok(const char *s, size_t n);

/* Writes "sb:{deployment}:" into out. Returns its length, or -1 if it does not fit. */
int sb_key_prefix(const char *deployment, char *out, size_t outlen);

#endif
