/* Contact-center statistics in Redis (stats/stats.c keeps the counts; docs/redis-keys.md,
 * "Statistics", has the keys and fields): one batch of increments into one 15-minute bucket hash,
 * applied at most once (lua/stats_add.lua), and the live gauges, written whole
 * (lua/stats_live.lua).
 *
 * Contract of store/store.h: 0 and the callback runs exactly once, or an SB_E... code (SB_E_INVAL
 * when the id cannot be part of a key, or too many fields) and it never runs. */
#ifndef SB_STORE_STATS_STORE_H
#define SB_STORE_STATS_STORE_H

#include "store/store.h"

/* Increments and settings one bucket write may carry. */
#define SB_STS_MAX_FIELDS 192

typedef struct {
    const char *name;
    uint64_t value;
} sb_sts_field_t;

typedef enum { SB_STS_QUEUE, SB_STS_AGENT } sb_sts_kind_t;

typedef enum {
    SB_STS_APPLIED,   /* applied; `bad_fields` of its fields were skipped (not integers) */
    SB_STS_DUPLICATE, /* this batch number was applied before: nothing changed */
    SB_STS_RETRY,     /* refused before changing anything, for a reason that passes (OOM, BUSY,
                         LOADING, READONLY, ...): send it again later */
    SB_STS_REFUSED,   /* refused for good (the key is not a hash, ...): `error` says why */
    SB_STS_UNKNOWN,   /* no reply (the connection failed after sending): it may or may not have
                         been applied */
} sb_sts_outcome_t;

typedef struct {
    sb_sts_outcome_t outcome;
    uint64_t bad_fields;
    const char *error; /* RETRY, REFUSED: Redis' error (not NUL-terminated); valid during the
                          callback */
    size_t error_len;
} sb_sts_result_t;
typedef void (*sb_sts_added_cb)(const sb_sts_result_t *res, void *priv);

/* Adds `incr` to the bucket hash of queue or agent `id` for the bucket starting at bucket_ms, and
 * sets `set` (sl_threshold_ms), unless the hash records batch number `batch` (or a later one)
 * under `marker` ("_w:<instance>"); the hash then expires after expire_s. At most
 * SB_STS_MAX_FIELDS fields in all. */
int sb_sts_add(sb_store_t *s, const char *prefix, sb_sts_kind_t kind, const char *id,
               uint64_t bucket_ms, const char *marker, uint64_t batch, uint64_t expire_s,
               const sb_sts_field_t *incr, size_t n_incr, const sb_sts_field_t *set, size_t n_set,
               sb_sts_added_cb cb, void *priv);

/* Replaces the live gauges (st:live) with `total`, `updated_ms` and gauges[0..n) ("q:<queue>",
 * "a:<username>"), expiring after ttl_s. `written` false: not written (no reply, or refused):
 * write them again. */
typedef void (*sb_sts_live_cb)(bool written, void *priv);
int sb_sts_live(sb_store_t *s, const char *prefix, uint32_t ttl_s, uint64_t total,
                uint64_t updated_ms, const sb_sts_field_t *gauges, size_t n, sb_sts_live_cb cb,
                void *priv);

#endif
