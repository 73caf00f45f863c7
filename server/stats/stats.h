/* Contact-center statistics recorded in Redis, exactly as defined in DESIGN.md ("Metric
 * definitions"): per queue and per agent, in 15-minute buckets, as sums and counts, so that any
 * period's averages and service level can be computed by adding buckets.
 *
 * The routing and chat shells call the sb_stats_* functions when things happen; the module
 * accumulates in memory and flushes to Redis at least once a second (sb_stats_flush, driven by a
 * timer). Calls are cheap (no I/O). `now` is the Switchboard clock; the bucket of an event is
 * the 15-minute bucket containing the time it is reported at (a contact counts in the bucket of
 * the queue where its segment ended).
 *
 * Identifiers (queue ids, usernames) are borrowed for the duration of the call. They must match
 * [A-Za-z0-9_.:-]{1,64}; an event naming anything else is dropped whole and counted
 * (sb_stats_info_t.refused). NULL for `queue` or `agent` means "not concerned".
 *
 * Keys, fields and the formulas (service level, averages) are in docs/redis-keys.md,
 * "Statistics". Memory is bounded: at most max_buckets (default SB_STATS_MAX_BUCKETS) bucket
 * hashes (one queue or agent in one 15-minute bucket) are held between flushes; an event that
 * needs one more is dropped and counted (sb_stats_info_t.dropped). */
#ifndef SB_STATS_STATS_H
#define SB_STATS_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

typedef struct sb_stats sb_stats_t;
struct sb_store;

typedef enum {
    SB_OFFER_OFFERED,
    SB_OFFER_ACCEPTED,
    SB_OFFER_DECLINED,
    SB_OFFER_TIMED_OUT
} sb_offer_outcome_t;

#define SB_STATS_BUCKET_MS   (15u * 60u * 1000u)
#define SB_STATS_MAX_BUCKETS 8192u /* about 1 KB each: 8 MB at most */

/* What the module did, for /metrics and tests. Counters only grow. */
typedef struct {
    uint64_t refused; /* events dropped: an identifier, status, reason or value was invalid */
    uint64_t dropped; /* events (or parts of a status time) dropped: bound reached, or no memory */
    uint64_t clipped_ms;   /* status time older than a day before its report, not recorded */
    uint64_t writes;       /* bucket writes Redis confirmed */
    uint64_t retries;      /* bucket writes sent again after their outcome was unknown */
    uint64_t deduplicated; /* ... of which Redis had already applied the first one */
    uint64_t requeued;   /* bucket writes Redis refused for a passing reason (OOM, ...): re-sent */
    uint64_t lost;       /* bucket writes Redis refused for good (wrong type): counts dropped */
    uint64_t bad_fields; /* fields Redis could not increment (a value that is not an integer) */
    uint32_t buckets;    /* bucket hashes held now (dirty, in flight or in doubt) */
    uint32_t in_flight;  /* requests sent, reply not yet seen */
    uint32_t in_doubt;   /* bucket writes whose outcome is unknown, to re-send as they were */
} sb_stats_info_t;

/* Creates the accumulator. `prefix` is the deployment's key prefix ("sb:{demo}:"); copied.
 * Bucket hashes expire retention_days (at least 1) after their last write. NULL when out of
 * memory. */
sb_stats_t *sb_stats_create(const char *prefix, uint32_t retention_days);
/* Frees the accumulator; what was not flushed is lost. Safe while writes are in flight: the
 * memory is released when the last reply (or failure) arrives, which the store guarantees. */
void sb_stats_destroy(sb_stats_t *s);

/* A contact segment was answered (accepted) after waiting wait_ms in `queue`. Counted as answered,
 * with its wait (speed of answer), and as answered within the queue's service-level threshold
 * when wait_ms <= sl_threshold_ms. */
void sb_stats_answered(sb_stats_t *s, const char *queue, const char *agent, sb_channel_t ch,
                       uint64_t wait_ms, uint64_t sl_threshold_ms, uint64_t now);
/* The customer left while queued or offered, after wait_ms. A short abandon when
 * wait_ms < short_abandon_ms (default 10 s): counted apart, and excluded from service level. */
void sb_stats_abandoned(sb_stats_t *s, const char *queue, sb_channel_t ch, uint64_t wait_ms,
                        uint64_t short_abandon_ms, uint64_t now);
/* The customer disconnected after the answer (not an abandon). */
void sb_stats_customer_disconnected(sb_stats_t *s, const char *queue, const char *agent,
                                    uint64_t now);
/* First response: accept to the agent's first message (automatic greetings excluded). */
void sb_stats_first_response(sb_stats_t *s, const char *queue, const char *agent, uint64_t ms,
                             uint64_t now);
/* One response time: from the first unanswered customer message to the next agent message. */
void sb_stats_response(sb_stats_t *s, const char *queue, const char *agent, uint64_t ms,
                       uint64_t now);
/* A segment ended: talk time (accept to end) and wrap-up time (end to wrap-up done); handle time
 * is their sum (DESIGN.md). `flagged`: the wrap-up hit its time limit and got the default code. */
void sb_stats_handled(sb_stats_t *s, const char *queue, const char *agent, sb_channel_t ch,
                      uint64_t talk_ms, uint64_t wrap_ms, bool flagged, uint64_t now);
/* A customer satisfaction score, 1..5. */
void sb_stats_csat(sb_stats_t *s, const char *queue, const char *agent, uint32_t score,
                   uint64_t now);
/* An offer and its outcome. */
void sb_stats_offer(sb_stats_t *s, const char *queue, const char *agent, sb_offer_outcome_t o,
                    uint64_t now);
/* Time an agent spent in a status (available, away with reason, offline), reported when the
 * status ends: the interval [now - ms, now) is split at bucket boundaries (at most the last 24 h
 * of it is recorded). `status` is [A-Za-z0-9_.-]{1,32}; `reason` is NULL, "" or printable UTF-8
 * of at most 64 bytes (away reasons are configured text such as "Case work").
 * Use either this or the running form below for a given agent, never both. */
void sb_stats_agent_status(sb_stats_t *s, const char *agent, const char *status, const char *reason,
                           uint64_t ms, uint64_t now);
/* The running form: the agent is in `status` from `now` on (ending its previous running status,
 * if any, at `now`). Each flush records the time elapsed so far, split at bucket boundaries, so a
 * status that lasts hours shows up in every bucket as it goes. After a restart, begin again at
 * the current time (the previous process recorded up to its last flush). */
void sb_stats_agent_status_begin(sb_stats_t *s, const char *agent, const char *status,
                                 const char *reason, uint64_t now);
/* Ends the agent's running status at `now` (signed out, disconnected for good). No-op when the
 * agent has none. */
void sb_stats_agent_status_end(sb_stats_t *s, const char *agent, uint64_t now);
/* Concurrent conversations: the current number per agent, per queue and in total (gauges,
 * written at flush). Call once per conversation start (+1) and end (-1) with its queue and agent:
 * the total moves by `delta` once per call. A gauge never goes below zero. */
void sb_stats_concurrency(sb_stats_t *s, const char *queue, const char *agent, int delta);

/* Writes what accumulated since the last flush to Redis: one small script per bucket hash
 * (HINCRBY of every non-zero field, and its EXPIRE), all issued in this loop turn so that hiredis
 * pipelines them, plus the live gauges when they changed (or every 15 s). Call it at least once a
 * second, and once more at shutdown before sb_store_stop(store, false, ...).
 *
 * Delivery is exactly once while the process lives: a bucket that could not be sent (SB_E_BUSY,
 * SB_E_STORE_DOWN) keeps its counts for the next flush; a write whose reply was lost (the
 * connection failed after sending) is sent again as it was, and Redis applies it only if the first
 * copy never arrived (each write carries a batch number, recorded in the hash). Counts are lost
 * only with the process (what accumulated since the last confirmed write, and writes still in
 * doubt) or when Redis refuses a write for good (counted in `lost`). At most one write per bucket
 * hash is in flight; at most 2048 writes are issued per call (the rest go next time) so that a
 * backlog after an outage does not take the store's whole in-flight window. 0, or the first
 * submission error (SB_E_BUSY, SB_E_STORE_DOWN, SB_E_NOMEM): what was not sent stays for the next
 * time. */
int sb_stats_flush(sb_stats_t *s, struct sb_store *store, uint64_t now);
/* Statuses still running are written by sb_stats_flush at least once a minute and at bucket
 * boundaries; this counts their time up to `now` at once (before the last flush at shutdown). */
void sb_stats_settle(sb_stats_t *s, uint64_t now);

/* Changes the bound on bucket hashes held in memory (0: SB_STATS_MAX_BUCKETS). Buckets already
 * held are kept even when there are more. */
void sb_stats_set_max_buckets(sb_stats_t *s, uint32_t max_buckets);
void sb_stats_get_info(const sb_stats_t *s, sb_stats_info_t *out);

#endif
