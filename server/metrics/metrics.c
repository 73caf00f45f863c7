#include "metrics/metrics.h"

#include <inttypes.h>
#include <string.h>

#include "proto/codec.h"
#include "util/clock.h"

sb_metrics_t sb_metrics;

/* Bucket upper bounds in seconds: 50 us .. 5 s, enough to see a Redis round trip and a loop stall
 */
static const double g_bounds[SB_HIST_BUCKETS] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0};

static const char *const g_limit_names[SB_LIMIT__COUNT] = {
#define SB_LIMIT_NAME(name, label) label,
    SB_LIMIT_LIST(SB_LIMIT_NAME)
#undef SB_LIMIT_NAME
};

static const int g_close_codes[] = {
#define SB_CLOSE_CODE(name, code) code,
    SB_CLOSE_LIST(SB_CLOSE_CODE)
#undef SB_CLOSE_CODE
};
_Static_assert(sizeof g_close_codes / sizeof g_close_codes[0] < SB_CLOSE_SLOTS, "close slots");
_Static_assert(SB_WERR__COUNT <= SB_WERR_SLOTS, "wire error slots");

const char *sb_limit_name(sb_limit_t l)
{
    return (unsigned)l < SB_LIMIT__COUNT ? g_limit_names[l] : "unknown";
}

void sb_metrics_limit_hit(sb_limit_t l)
{
    if ((unsigned)l < SB_LIMIT__COUNT)
        sb_metrics.limit_hits[l]++;
}

void sb_metrics_hist_observe(sb_hist_t *h, uint64_t ns)
{
    double s = (double)ns / 1e9;
    h->count++;
    h->sum_s += s;
    for (int i = 0; i < SB_HIST_BUCKETS; i++)
        if (s <= g_bounds[i]) {
            h->buckets[i]++;
            return;
        }
}

void sb_metrics_close(int code)
{
    size_t n = sizeof g_close_codes / sizeof g_close_codes[0];
    for (size_t i = 0; i < n; i++)
        if (g_close_codes[i] == code) {
            sb_metrics.closes_by_code[i]++;
            return;
        }
    sb_metrics.closes_by_code[n]++; /* other */
}

static int hist(sb_buf_t *o, const char *name, const char *help, const sb_hist_t *h)
{
    int rc = sb_buf_printf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (int i = 0; i < SB_HIST_BUCKETS; i++) {
        cum += h->buckets[i];
        rc |= sb_buf_printf(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, g_bounds[i], cum);
    }
    rc |= sb_buf_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
    rc |= sb_buf_printf(o, "%s_sum %.9f\n%s_count %" PRIu64 "\n", name, h->sum_s, name, h->count);
    return rc;
}

static int counter(sb_buf_t *o, const char *name, const char *type, const char *help, uint64_t v)
{
    return sb_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type,
                         name, v);
}

int sb_metrics_render(sb_buf_t *o)
{
    sb_metrics_t *m = &sb_metrics;
    static const char *const roles[5] = {"customer", "agent", "supervisor", "admin", "pending"};
    int rc = sb_buf_printf(o, "# HELP sb_connections Open WebSocket connections by role.\n"
                              "# TYPE sb_connections gauge\n");
    for (int i = 0; i < 5; i++)
        rc |= sb_buf_printf(o, "sb_connections{role=\"%s\"} %" PRIu64 "\n", roles[i],
                            m->conns_by_role[i]);
    rc |= counter(o, "sb_frames_in_total", "counter", "WebSocket frames received.", m->frames_in);
    rc |= counter(o, "sb_frames_out_total", "counter", "WebSocket frames sent.", m->frames_out);
    rc |= counter(o, "sb_pings_sent_total", "counter", "Keepalive pings sent.", m->pings_sent);
    rc |= counter(o, "sb_pongs_received_total", "counter", "Answers to keepalive pings.",
                  m->pongs_received);
    rc |= counter(o, "sb_envelopes_in_total", "counter", "Protocol envelopes received.",
                  m->envelopes_in);
    rc |= counter(o, "sb_envelopes_out_total", "counter", "Protocol envelopes queued to send.",
                  m->envelopes_out);
    rc |= counter(o, "sb_bytes_in_total", "counter", "WebSocket payload bytes received.",
                  m->bytes_in);
    rc |=
        counter(o, "sb_bytes_out_total", "counter", "WebSocket payload bytes sent.", m->bytes_out);
    rc |= sb_buf_printf(o, "# HELP sb_errors_total Error replies sent, by code.\n"
                           "# TYPE sb_errors_total counter\n");
    for (int i = 1; i < SB_WERR__COUNT; i++)
        rc |= sb_buf_printf(o, "sb_errors_total{code=\"%s\"} %" PRIu64 "\n",
                            sb_wire_err_name((sb_wire_err_t)i), m->errors_by_code[i]);
    rc |= sb_buf_printf(o, "# HELP sb_closes_total Connections closed by the server, by close "
                           "code.\n# TYPE sb_closes_total counter\n");
    size_t nc = sizeof g_close_codes / sizeof g_close_codes[0];
    for (size_t i = 0; i < nc; i++)
        rc |= sb_buf_printf(o, "sb_closes_total{code=\"%d\"} %" PRIu64 "\n", g_close_codes[i],
                            m->closes_by_code[i]);
    rc |= sb_buf_printf(o, "# HELP sb_limit_hits_total Times a configured limit refused or closed "
                           "something.\n# TYPE sb_limit_hits_total counter\n");
    for (int i = 0; i < SB_LIMIT__COUNT; i++)
        rc |= sb_buf_printf(o, "sb_limit_hits_total{limit=\"%s\"} %" PRIu64 "\n", g_limit_names[i],
                            m->limit_hits[i]);
    rc |= sb_buf_printf(o, "# HELP sb_http_requests_total HTTP responses by status class.\n"
                           "# TYPE sb_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        rc |= sb_buf_printf(o, "sb_http_requests_total{class=\"%dxx\"} %" PRIu64 "\n", i,
                            m->http_requests[i]);
    rc |= sb_buf_printf(o,
                        "# HELP sb_logins_total Staff login attempts by result.\n"
                        "# TYPE sb_logins_total counter\n"
                        "sb_logins_total{result=\"ok\"} %" PRIu64 "\n"
                        "sb_logins_total{result=\"failed\"} %" PRIu64 "\n"
                        "sb_logins_total{result=\"rate_limited\"} %" PRIu64 "\n",
                        m->logins_ok, m->logins_failed, m->logins_limited);
    rc |= counter(o, "sb_password_checks_total", "counter",
                  "Argon2id password verifications run (sign-ins that reached the check).",
                  m->password_checks);
    rc |= counter(o, "sb_password_checks_waiting", "gauge",
                  "Sign-ins waiting for a free verification slot.", m->password_waiting);
    rc |= counter(o, "sb_redis_commands_total", "counter", "Commands sent to Redis.",
                  m->redis_commands);
    rc |= counter(o, "sb_redis_errors_total", "counter", "Redis error replies and failed commands.",
                  m->redis_errors);
    rc |= counter(o, "sb_redis_reconnects_total", "counter", "Redis connections re-established.",
                  m->redis_reconnects);
    rc |= counter(o, "sb_redis_timeouts_total", "counter",
                  "Redis connections dropped because a reply took too long.", m->redis_timeouts);
    rc |= counter(o, "sb_redis_in_flight", "gauge", "Requests sent to Redis and not yet answered.",
                  m->redis_in_flight);
    rc |= counter(o, "sb_redis_connected", "gauge", "1 when the Redis connection is up.",
                  m->redis_connected);
    rc |= counter(o, "sb_ready", "gauge", "1 when the server is ready (Redis up, state loaded).",
                  m->ready);
    rc |= hist(o, "sb_redis_rtt_seconds", "Redis request round-trip time.", &m->redis_rtt);
    rc |= sb_buf_printf(o,
                        "# HELP sb_clock_offset_seconds Wall clock minus the server's clock: what "
                        "is left to catch up after a wall-clock step (slewed at 10%%).\n"
                        "# TYPE sb_clock_offset_seconds gauge\nsb_clock_offset_seconds %.3f\n",
                        (double)sb_clock_offset_ms() / 1e3);
    rc |= hist(o, "sb_loop_lag_seconds", "Event-loop lag (how late a 100 ms timer fired).",
               &m->loop_lag);
    rc |= sb_buf_printf(o,
                        "# HELP sb_loop_lag_max_seconds Largest loop lag since the previous "
                        "scrape.\n# TYPE sb_loop_lag_max_seconds gauge\n"
                        "sb_loop_lag_max_seconds %.6f\n",
                        (double)m->loop_lag_max_ns / 1e9);
    m->loop_lag_max_ns = 0;
    rc |= counter(o, "sb_config_reloads_total", "counter", "Successful config reloads.",
                  m->reloads_ok);
    rc |= counter(o, "sb_config_reload_failures_total", "counter",
                  "Config reloads refused because the new file was invalid.", m->reloads_failed);
    return rc ? -1 : 0;
}
