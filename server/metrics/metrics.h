/* Process metrics, rendered at GET /metrics in the Prometheus text format.
 *
 * One global struct, like Redis' server.stat_* fields: counters are bumped from the loop thread
 * only, so plain integers suffice. Label sets are fixed enums (X-macro lists below), never strings
 * a client controls, so the number of series is bounded. */
#ifndef SB_METRICS_METRICS_H
#define SB_METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Limits that refuse or close something when they bite: X(NAME, "label") */
#define SB_LIMIT_LIST(X)                                                                           \
    X(FRAME_SIZE, "frame_size")                                                                    \
    X(SEND_QUEUE, "send_queue")                                                                    \
    X(CONNECTIONS_TOTAL, "connections_total")                                                      \
    X(CONNECTIONS_PER_ADDRESS, "connections_per_address")                                          \
    X(UPGRADE_RATE, "upgrade_rate")                                                                \
    X(MESSAGE_RATE, "message_rate")                                                                \
    X(MESSAGE_FLOOD, "message_flood")                                                              \
    X(BAD_FRAMES, "bad_frames")                                                                    \
    X(HANDSHAKE_TIMEOUT, "handshake_timeout")                                                      \
    X(PING_TIMEOUT, "ping_timeout")                                                                \
    X(REDIS_IN_FLIGHT, "redis_in_flight")                                                          \
    X(HTTP_BODY, "http_body")                                                                      \
    X(LOGIN_RATE, "login_rate")                                                                    \
    X(HASH_JOBS, "hash_jobs")                                                                      \
    X(ORIGIN, "origin")

typedef enum {
#define SB_LIMIT_ENUM(name, label) SB_LIMIT_##name,
    SB_LIMIT_LIST(SB_LIMIT_ENUM)
#undef SB_LIMIT_ENUM
        SB_LIMIT__COUNT
} sb_limit_t;

#define SB_HIST_BUCKETS 14

typedef struct {
    uint64_t buckets[SB_HIST_BUCKETS]; /* cumulative counts are computed when rendering */
    uint64_t count;
    double sum_s;
} sb_hist_t;

#define SB_WERR_SLOTS  32
#define SB_CLOSE_SLOTS 16

typedef struct {
    uint64_t conns_by_role[5]; /* customer, agent, supervisor, admin, pending (not yet hello) */
    uint64_t frames_in, frames_out, envelopes_in, envelopes_out, bytes_in, bytes_out;
    uint64_t pings_sent, pongs_received;    /* keepalive */
    uint64_t errors_by_code[SB_WERR_SLOTS]; /* wire error replies, by sb_wire_err_t */
    uint64_t closes_by_code[SB_CLOSE_SLOTS];
    uint64_t limit_hits[SB_LIMIT__COUNT];
    uint64_t http_requests[6]; /* by status class 1xx..5xx, [0] unused */
    uint64_t logins_ok, logins_failed, logins_limited;
    uint64_t password_checks, password_waiting; /* Argon2id runs; sign-ins waiting for a slot */
    uint64_t redis_commands, redis_errors, redis_reconnects, redis_timeouts;
    uint64_t redis_in_flight, redis_connected, ready;
    sb_hist_t redis_rtt;
    sb_hist_t loop_lag;
    uint64_t loop_lag_max_ns; /* since the last scrape */
    uint64_t reloads_ok, reloads_failed;
} sb_metrics_t;

extern sb_metrics_t sb_metrics;

void sb_metrics_limit_hit(sb_limit_t l);
void sb_metrics_hist_observe(sb_hist_t *h, uint64_t ns);
/* Counts a close code (only the codes of the protocol's list are kept apart). */
void sb_metrics_close(int code);
/* Appends the whole exposition to `out`. 0 or SB_E_NOMEM. */
int sb_metrics_render(sb_buf_t *out);
const char *sb_limit_name(sb_limit_t l);

#endif
