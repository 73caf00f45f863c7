#include "app.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api/api.h"
#include "auth/auth.h"
#include "auth/password.h"
#include "chat/chat.h"
#include "dispatch.h"
#include "metrics/metrics.h"
#include "net/loopback.h"
#include "net/net.h"
#include "router/router.h"
#include "stats/stats.h"
#include "store/keys.h"
#include "util/token.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define CLOCK_WARN_MS 1000 /* a wall-clock step worth a log line */
#define LAG_EVERY_MS  100
#define STOP_POLL_MS  20
#define DRAIN_MAX_MS  3000
#define FLUSH_MAX_MS  3000

typedef enum { STOP_DRAIN = 1, STOP_FLUSH, STOP_REDIS, STOP_CLOSE } stop_phase_t;

/* The config lws was created with: lws keeps pointers into it (interface, certificate paths),
 * so it lives until the end even when a reload replaced app->cfg. */
static sb_config_t *g_boot_cfg;
static stop_phase_t g_phase;
static uint64_t g_phase_started;

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t before = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            SB_INFO("app", "raised the open-files limit", SB_F_UINT("from", before),
                    SB_F_UINT("to", rl.rlim_cur));
    }
}

bool sb_app_ready(const sb_app_t *app, const char **why)
{
    if (app->stopping) {
        *why = "shutting down";
        return false;
    }
    if (!app->store || !sb_store_ready(app->store)) {
        *why = "Redis is not reachable";
        return false;
    }
    if (!app->state_loaded) {
        *why = "state is still loading";
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------------
 * Store events
 * ---------------------------------------------------------------------------------------------- */

static void store_ready_cb(sb_store_t *s, void *user)
{
    sb_app_t *app = user;
    (void)s;
    /* routing state is read back from Redis; readiness follows when it is in memory */
    sb_chat_store_ready(app);
    sb_router_store_ready(app);
}

static void store_down_cb(sb_store_t *s, void *user)
{
    (void)s;
    (void)user;
    sb_metrics.ready = 0;
}

static void store_pressure_cb(sb_store_t *s, bool paused, void *user)
{
    sb_app_t *app = user;
    (void)s;
    if (app->net)
        sb_net_set_store_paused(app->net, paused);
}

/* ------------------------------------------------------------------------------------------------
 * Wiring: the routing shell's conversations are chat/'s
 * ---------------------------------------------------------------------------------------------- */

static const sb_router_conv_port_t g_conv_port = {
    .can_create = sb_chat_can_create,
    .new_id = sb_chat_new_id,
    .create = sb_chat_create,
    .load = sb_chat_load,
    .discard = sb_chat_discard,
    .set_contact = sb_chat_set_contact,
    .moved = sb_chat_moved,
    .transfer_failed = sb_chat_transfer_failed,
    .on_commit = sb_chat_on_commit,
    .customer_ready = sb_chat_customer_ready,
    .customer_gone = sb_chat_customer_gone,
    .staff_ready = sb_chat_staff_ready,
};

/* ------------------------------------------------------------------------------------------------
 * Loop lag
 * ---------------------------------------------------------------------------------------------- */

/* The wall clock stepped (util/clock.h): say so once, and once more when the process clock has
 * caught up, so an operator can tell why times in new records differ from the machine's clock. */
static void clock_check(sb_app_t *app)
{
    (void)sb_clock_now_ms(); /* a fresh reading */
    int64_t off = sb_clock_offset_ms();
    int64_t mag = off < 0 ? -off : off;
    if (!app->clock_slewing && mag > CLOCK_WARN_MS) {
        app->clock_slewing = true;
        SB_WARN("clock", "the wall clock stepped; the server's clock follows it gradually",
                SB_F_INT("offset_ms", off),
                SB_F_UINT("catch_up_s", (uint64_t)mag * 1000000u / SB_CLOCK_SLEW_PPM / 1000u));
    } else if (app->clock_slewing && mag < 2) {
        app->clock_slewing = false;
        SB_INFO("clock", "the server's clock has caught up with the wall clock");
    }
}

static void lag_cb(uv_timer_t *t)
{
    sb_app_t *app = t->data;
    uint64_t now = sb_clock_mono_ns();
    uint64_t lag = now > app->lag_expected_ns ? now - app->lag_expected_ns : 0;
    sb_metrics_hist_observe(&sb_metrics.loop_lag, lag);
    if (lag > sb_metrics.loop_lag_max_ns)
        sb_metrics.loop_lag_max_ns = lag;
    app->lag_expected_ns = now + (uint64_t)LAG_EVERY_MS * 1000000u;
    clock_check(app);
}

/* ------------------------------------------------------------------------------------------------
 * Reload (SIGHUP): the file is read and parsed on the thread pool, swapped in on the loop
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    uv_work_t work;
    sb_app_t *app;
    char *path;
    sb_config_t *cfg;
    int rc;
    char err[512];
} reload_t;

static void reload_work(uv_work_t *w)
{
    reload_t *r = w->data;
    r->rc = sb_config_load(r->path, &r->cfg, r->err, sizeof r->err);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void reload_done(uv_work_t *w, int status)
{
    reload_t *r = w->data;
    sb_app_t *app = r->app;
    app->reloading = false;
    if (status != 0 || r->rc != 0 || app->stopping) {
        if (!app->stopping) {
            sb_metrics.reloads_failed++;
            SB_ERROR("config", "reload refused; keeping the running configuration",
                     SB_F_STR("error", r->rc ? r->err : "reload cancelled"));
        }
        if (r->cfg)
            sb_config_destroy(r->cfg);
    } else {
        const sb_config_t *o = app->cfg, *n = r->cfg;
        if (!same(o->listen.host, n->listen.host) || o->listen.port != n->listen.port ||
            !same(o->redis.address, n->redis.address) || !same(o->deployment, n->deployment) ||
            !same(o->listen.tls_cert, n->listen.tls_cert))
            SB_WARN("config", "listen, TLS, redis and deployment changes take effect at the next "
                              "restart");
        sb_config_t *old = app->cfg;
        app->cfg = r->cfg;
        sb_redactor_t red;
        if (sb_redactor_init(&red, app->cfg->chat.redact_patterns,
                             app->cfg->chat.n_redact_patterns) == 0) {
            sb_redactor_dispose(&app->redactor);
            app->redactor = red; /* new masking patterns apply from the next text stored */
        }
        if (old != g_boot_cfg)
            sb_config_destroy(old);
        int lvl = sb_log_level_parse(app->cfg->log_level);
        if (lvl >= 0)
            sb_log_set_level((sb_log_level_t)lvl);
        sb_store_set_limits(app->store, app->cfg->limits.redis_max_in_flight,
                            app->cfg->limits.redis_timeout_ms);
        if (app->net)
            sb_net_config_changed(app->net);
        sb_router_config_changed(app);
        sb_metrics.reloads_ok++;
        SB_INFO("config", "configuration reloaded", SB_F_STR("path", r->path),
                SB_F_UINT("queues", app->cfg->n_queues), SB_F_UINT("staff", app->cfg->n_staff));
    }
    free(r->path);
    free(r);
}

static void reload(sb_app_t *app)
{
    if (app->reloading || app->stopping)
        return;
    reload_t *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(app->config_path))) {
        free(r);
        return;
    }
    r->app = app;
    r->work.data = r;
    app->reloading = true;
    SB_INFO("config", "reloading configuration", SB_F_STR("path", app->config_path));
    if (uv_queue_work(app->loop, &r->work, reload_work, reload_done) != 0) {
        app->reloading = false;
        free(r->path);
        free(r);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Stopping: drain WebSockets, let Redis answer, stop the private Redis, close handles
 * ---------------------------------------------------------------------------------------------- */

static void enter(stop_phase_t p)
{
    g_phase = p;
    g_phase_started = sb_clock_mono_ns();
}

static uint64_t phase_ms(void)
{
    return (sb_clock_mono_ns() - g_phase_started) / 1000000u;
}

static void flushed_cb(void *arg)
{
    sb_app_t *app = arg;
    SB_INFO("app", "Redis connection closed");
    enter(STOP_REDIS);
    (void)app;
}

static void redis_stopped_cb(void *arg)
{
    (void)arg;
    enter(STOP_CLOSE);
}

static void close_own_handles(sb_app_t *app)
{
    uv_timer_stop(&app->lag_timer);
    uv_close((uv_handle_t *)&app->lag_timer, NULL);
    uv_timer_stop(&app->stop_timer);
    uv_close((uv_handle_t *)&app->stop_timer, NULL);
    sb_timers_dispose(&app->timers);
    /* last: closing the last uv_signal_t restores the default action, and a second SIGTERM
     * arriving during the stop must not kill the process half way */
    uv_close((uv_handle_t *)&app->sig_hup, NULL);
    uv_close((uv_handle_t *)&app->sig_int, NULL);
    uv_close((uv_handle_t *)&app->sig_term, NULL);
}

static void stop_tick(uv_timer_t *t)
{
    sb_app_t *app = t->data;
    switch (g_phase) {
    case STOP_DRAIN:
        if (sb_net_conn_count(app->net) == 0 || phase_ms() > DRAIN_MAX_MS) {
            enter(STOP_FLUSH);
            /* the last second of statistics goes out with everything else */
            sb_timer_disarm(&app->timers, &app->stats_timer);
            if (app->stats && sb_store_ready(app->store)) {
                sb_stats_settle(app->stats, sb_clock_now_ms());
                sb_stats_flush(app->stats, app->store, sb_clock_now_ms());
            }
            sb_store_stop(app->store, false, flushed_cb, app);
        }
        break;
    case STOP_FLUSH:
        if (phase_ms() > FLUSH_MAX_MS) {
            SB_WARN("app", "Redis did not answer everything in time; closing anyway",
                    SB_F_UINT("in_flight", sb_store_in_flight(app->store)));
            sb_store_stop(app->store, true, flushed_cb, app);
            g_phase_started = sb_clock_mono_ns();
        }
        break;
    case STOP_REDIS:
        if (app->spawn) {
            g_phase = 0; /* waiting for redis_stopped_cb */
            sb_spawn_stop(app->spawn, redis_stopped_cb, app);
        } else {
            enter(STOP_CLOSE);
        }
        break;
    case STOP_CLOSE:
        g_phase = 0;
        sb_chat_stop(app);
        sb_router_stop(app);
        sb_net_stop(app->net);
        close_own_handles(app);
        SB_INFO("app", "stopped");
        break;
    default:
        break;
    }
}

void sb_app_stop(sb_app_t *app)
{
    if (app->stopping)
        return;
    app->stopping = true;
    sb_metrics.ready = 0;
    SB_INFO("app", "stopping: closing connections and flushing Redis",
            SB_F_UINT("connections", app->net ? sb_net_conn_count(app->net) : 0));
    if (app->net)
        sb_net_drain(app->net, "server restarting; reconnect shortly");
    enter(STOP_DRAIN);
    uv_timer_start(&app->stop_timer, stop_tick, 0, STOP_POLL_MS);
}

static void signal_cb(uv_signal_t *s, int signum)
{
    sb_app_t *app = s->data;
    if (signum == SIGHUP) {
        reload(app);
        return;
    }
    if (app->stopping) {
        SB_INFO("app", "already stopping", SB_F_INT("signal", signum));
        return;
    }
    SB_INFO("app", "signal received", SB_F_STR("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"));
    sb_app_stop(app);
}

/* ------------------------------------------------------------------------------------------------
 * Start
 * ---------------------------------------------------------------------------------------------- */

/* Statistics reach Redis at least once a second (DESIGN.md, "Metric definitions"). */
#define STATS_EVERY_MS 1000

static void stats_timer_cb(sb_timer_t *t)
{
    sb_app_t *app = (sb_app_t *)((char *)t - offsetof(sb_app_t, stats_timer));
    if (app->store && sb_store_ready(app->store))
        sb_stats_flush(app->stats, app->store, sb_clock_now_ms());
    if (!app->stopping)
        sb_timer_arm(&app->timers, &app->stats_timer, sb_clock_now_ms() + STATS_EVERY_MS);
}

static int start_redis(sb_app_t *app)
{
    const sb_cfg_redis_t *rc = &app->cfg->redis;
    char buf[4200];
    if (strcmp(rc->address, "spawn") == 0) {
        const char *sock = NULL;
        char err[512];
        app->spawn = sb_spawn_start(app->loop, rc->spawn_dir, rc->spawn_binary, rc->appendfsync,
                                    &sock, err, sizeof err);
        if (!app->spawn) {
            SB_ERROR("app", "cannot start the private Redis", SB_F_STR("error", err));
            return SB_E_IO;
        }
        if (sb_spawn_wait_ready(app->spawn, 10000) != 0) {
            SB_ERROR("app", "the private Redis did not come up; see its log",
                     SB_F_STR("dir", rc->spawn_dir));
            return SB_E_IO;
        }
        snprintf(buf, sizeof buf, "unix:%s", sock);
    } else {
        snprintf(buf, sizeof buf, "%s", rc->address);
    }
    app->redis_address = strdup(buf);
    sb_store_options_t opt = {
        .address = app->redis_address,
        .password = rc->password,
        .db = rc->db,
        .max_in_flight = app->cfg->limits.redis_max_in_flight,
        .timeout_ms = app->cfg->limits.redis_timeout_ms,
    };
    sb_store_events_t ev = {store_ready_cb, store_down_cb, store_pressure_cb, app};
    app->stats = sb_stats_create(app->key_prefix, app->cfg->routing.retention_days);
    if (!app->stats ||
        sb_redactor_init(&app->redactor, app->cfg->chat.redact_patterns,
                         app->cfg->chat.n_redact_patterns) != 0 ||
        sb_router_start(app) != 0 || sb_chat_start(app) != 0) {
        SB_ERROR("app", "cannot set up routing");
        return SB_E_NOMEM;
    }
    sb_router_set_conv_port(app, &g_conv_port);
    sb_timer_init(&app->stats_timer, stats_timer_cb, app);
    sb_timer_arm(&app->timers, &app->stats_timer, sb_clock_now_ms() + STATS_EVERY_MS);
    app->store = sb_store_create(app->loop, &app->timers, &opt, &ev);
    if (!app->store) {
        SB_ERROR("app", "invalid Redis address", SB_F_STR("address", app->redis_address));
        return SB_E_CONFIG;
    }
    return 0;
}

int sb_app_start(sb_app_t *app, uv_loop_t *loop, const sb_app_options_t *opt)
{
    memset(app, 0, sizeof *app);
    app->loop = loop;
    app->config_path = strdup(opt->config_path);
    char err[512];
    if (sb_config_load(opt->config_path, &app->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return SB_E_CONFIG;
    }
    g_boot_cfg = app->cfg;
    int lvl = sb_log_level_parse(app->cfg->log_level);
    if (lvl >= 0)
        sb_log_set_level((sb_log_level_t)lvl);
    if (sb_key_prefix(app->cfg->deployment, app->key_prefix, sizeof app->key_prefix) < 0)
        return SB_E_CONFIG;
    if (opt->test_clock) {
        sb_clock_enable_test();
        if (opt->frozen_clock)
            sb_clock_freeze();
        SB_WARN("app", "TEST CLOCK ENABLED: POST /test/clock moves time. Never use in production.");
    }
    if (sb_token_init() != 0 || sb_password_init() != 0) {
        SB_ERROR("app", "cannot initialise libsodium");
        return SB_E_IO;
    }
    if (!opt->loopback)
        raise_nofile();
    int perr = opt->loopback ? 0 : sb_net_probe_port(app->cfg->listen.host, app->cfg->listen.port);
    if (perr) {
        SB_ERROR("net",
                 perr == EADDRINUSE ? "cannot listen: the port is in use"
                                    : "cannot listen: the address is not available",
                 SB_F_STR("host", app->cfg->listen.host), SB_F_UINT("port", app->cfg->listen.port),
                 SB_F_STR("error", strerror(perr)));
        app->exit_code = 1;
        return SB_E_IO;
    }
    if (sb_timers_init(&app->timers, loop) != 0)
        return SB_E_IO;
    uv_timer_init(loop, &app->stop_timer);
    app->stop_timer.data = app;
    uv_timer_init(loop, &app->lag_timer);
    app->lag_timer.data = app;
    uv_signal_init(loop, &app->sig_term);
    uv_signal_init(loop, &app->sig_int);
    uv_signal_init(loop, &app->sig_hup);
    app->sig_term.data = app->sig_int.data = app->sig_hup.data = app;

    /* lws first: see app.h. The network layer knows no handler: these are its events. */
    sb_net_deps_t nd = {
        .loop = loop,
        .timers = &app->timers,
        .cfg = &app->cfg,
        .events = {.established = sb_session_on_established,
                   .closed = sb_session_on_closed,
                   .pong = sb_session_on_pong,
                   .envelope = sb_dispatch_envelope,
                   .http = sb_api_handle},
        .user = app,
    };
    app->net = opt->loopback ? sb_net_create_loopback(&nd) : sb_net_create(&nd);
    if (!app->net) {
        app->exit_code = 1;
        app->net_broken = true;
        return SB_E_IO;
    }
    app->port = opt->loopback ? 0 : sb_net_port(app->net);
    int rc = start_redis(app);
    if (rc != 0)
        return rc;
    uv_signal_start(&app->sig_term, signal_cb, SIGTERM);
    uv_signal_start(&app->sig_int, signal_cb, SIGINT);
    uv_signal_start(&app->sig_hup, signal_cb, SIGHUP);
    app->lag_expected_ns = sb_clock_mono_ns() + (uint64_t)LAG_EVERY_MS * 1000000u;
    uv_timer_start(&app->lag_timer, lag_cb, LAG_EVERY_MS, LAG_EVERY_MS);
    SB_INFO("app", "started", SB_F_STR("version", SB_VERSION), SB_F_STR("config", opt->config_path),
            SB_F_STR("deployment", app->cfg->deployment), SB_F_STR("redis", app->redis_address),
            SB_F_UINT("port", app->port));
    return 0;
}

/* Used when start failed part way: close whatever was opened so the loop can finish. */
void sb_app_abort(sb_app_t *app)
{
    sb_chat_stop(app);
    sb_router_stop(app);
    if (app->store)
        sb_store_stop(app->store, true, NULL, NULL);
    if (app->spawn)
        sb_spawn_stop(app->spawn, NULL, NULL);
    if (app->net)
        sb_net_stop(app->net);
    if (app->timers.uv.type == UV_TIMER) {
        uv_timer_stop(&app->lag_timer);
        uv_close((uv_handle_t *)&app->lag_timer, NULL);
        uv_close((uv_handle_t *)&app->stop_timer, NULL);
        sb_timers_dispose(&app->timers);
        uv_close((uv_handle_t *)&app->sig_hup, NULL);
        uv_close((uv_handle_t *)&app->sig_int, NULL);
        uv_close((uv_handle_t *)&app->sig_term, NULL);
    }
}

void sb_app_dispose(sb_app_t *app)
{
    sb_chat_destroy(app);
    sb_router_destroy(app);
    sb_redactor_dispose(&app->redactor);
    sb_stats_destroy(app->stats); /* safe with writes in flight: freed with the last reply */
    app->stats = NULL;
    if (app->net)
        sb_net_destroy(app->net);
    app->net = NULL;
    sb_store_destroy(app->store);
    sb_spawn_destroy(app->spawn);
    if (app->cfg && app->cfg != g_boot_cfg)
        sb_config_destroy(app->cfg);
    if (g_boot_cfg)
        sb_config_destroy(g_boot_cfg);
    g_boot_cfg = NULL;
    app->cfg = NULL;
    free(app->config_path);
    free(app->redis_address);
}
