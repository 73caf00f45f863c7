/* The process: one libuv loop and everything that runs on it.
 *
 * Start order matters (TECH_NOTES): the libwebsockets context is created first, before any other
 * owner of file descriptors, because a context whose bind failed still closes a descriptor number
 * later; then the private Redis (if spawned), then the store connection. Stop order is the
 * reverse, in phases driven from the loop: stop accepting, close every WebSocket with GOING_AWAY,
 * let Redis answer what it still owes, close our own handles, then the second
 * lws_context_destroy() after uv_run() returned. */
#ifndef SB_APP_H
#define SB_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "net/conn.h"
#include "store/spawn.h"
#include "store/store.h"
#include "util/redact.h"
#include "util/timer.h"

typedef struct sb_net sb_net_t;
typedef struct sb_router sb_router_t;
typedef struct sb_chat sb_chat_t;

typedef struct sb_app {
    uv_loop_t *loop;
    sb_config_t *cfg; /* current; replaced on SIGHUP */
    char *config_path;
    char *redis_address; /* resolved: unix:... or tcp://... */
    sb_timers_t timers;
    sb_store_t *store;
    sb_spawn_t *spawn;
    sb_net_t *net;
    sb_router_t *router;
    sb_chat_t *chat;
    struct sb_stats *stats; /* contact-center statistics (stats/stats.h) */
    sb_timer_t stats_timer; /* flushes them every second */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t lag_timer;
    uint64_t lag_expected_ns;
    bool clock_slewing;    /* the wall clock stepped and the process clock is catching up */
    uv_timer_t stop_timer; /* deadline for a graceful stop */
    bool stopping;
    bool reloading;
    bool state_loaded;
    bool net_broken; /* lws failed half way: its handles must not run (see main.c) */
    int exit_code;
    char key_prefix[80];    /* "sb:{deployment}:" */
    sb_redactor_t redactor; /* masks every free text before it is stored (chat.redact_patterns) */
    uint16_t port;          /* the port actually bound */
} sb_app_t;

typedef struct {
    const char *config_path;
    bool test_clock;
    bool frozen_clock; /* the test clock moves only when advanced */
    /* Unit tests: no sockets, loopback connections only (net/loopback.h); listens nowhere. */
    bool loopback;
} sb_app_options_t;

/* The application a connection belongs to: the network layer's user pointer. */
static inline sb_app_t *sb_conn_app(const sb_conn_t *c)
{
    return (sb_app_t *)sb_conn_user(c);
}

/* Loads the config and brings everything up on `loop`. 0, or a negative SB_E... code after
 * logging why; then sb_app_dispose must still be called after running the loop once. */
int sb_app_start(sb_app_t *app, uv_loop_t *loop, const sb_app_options_t *opt);
/* Begins the graceful stop (what SIGTERM does). */
void sb_app_stop(sb_app_t *app);
/* After a failed start: closes whatever was opened so that uv_run() can finish. */
void sb_app_abort(sb_app_t *app);
/* Frees what is left after uv_run() returned. */
void sb_app_dispose(sb_app_t *app);
/* True when Redis is reachable and state is loaded (GET /readyz). `why` gets a reason otherwise. */
bool sb_app_ready(const sb_app_t *app, const char **why);

#endif
