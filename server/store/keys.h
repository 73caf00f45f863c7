/* Redis key names. Every key is "sb:{deployment}:..." (the braces are a Redis Cluster hash tag,
 * so a deployment's keys live together and scripts may touch several). docs/redis-keys.md lists
 * every key, its type and its lifetime. Parts that come from outside (usernames, ids, hashes)
 * are checked against their charset before they reach a key. */
#ifndef SB_STORE_KEYS_H
#define SB_STORE_KEYS_H

#include <stddef.h>

/* Writes "sb:{deployment}:" into out. Returns its length, or -1 if it does not fit. */
int sb_key_prefix(const char *deployment, char *out, size_t outlen);
/* prefix + formatted rest. Returns the length, or -1 when it does not fit (callers treat that
 * as a bad request: ids are bounded, so it means hostile input slipped past a check). */
int sb_key(const char *prefix, char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
