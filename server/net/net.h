/* The network layer: libwebsockets on the server's libuv loop, serving HTTP (static apps, health,
 * metrics, the JSON API) and the two WebSocket endpoints on one port.
 *
 * It knows no handler: what arrives is raised through an events table that app.c fills in (the
 * session, the dispatch table, the HTTP API), with the user pointer given at creation. */
#ifndef SB_NET_NET_H
#define SB_NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "proto/codec.h"
#include "util/arena.h"
#include "util/timer.h"

typedef struct sb_net sb_net_t;
typedef struct sb_conn sb_conn_t;
typedef struct sb_http sb_http_t;

/* What the network layer raises. Each gets the `user` pointer of sb_net_deps_t. */
typedef struct {
    /* A WebSocket was accepted (before hello). */
    void (*established)(void *user, sb_conn_t *c);
    /* It closed; the connection is still valid during the call. */
    void (*closed)(void *user, sb_conn_t *c);
    /* A keepalive pong came back. */
    void (*pong)(void *user, sb_conn_t *c);
    /* One decoded, bounded envelope. Returns true when it was a protocol error (a bad body, the
     * wrong state, a role that may not send it), which counts towards the bad-frame limit.
     * `arena` is scratch memory reset after the frame. */
    bool (*envelope)(void *user, sb_conn_t *c, const sb_proto_envelope_t *env, sb_arena_t *arena);
    /* One HTTP request on a callback mount (health, metrics, the API); answered now or later
     * through sb_http_respond. */
    void (*http)(void *user, sb_http_t *h);
} sb_net_events_t;

typedef struct {
    uv_loop_t *loop;
    sb_timers_t *timers;
    /* Where the current configuration is (it is replaced on SIGHUP): borrowed, read on use. */
    sb_config_t *const *cfg;
    sb_net_events_t events;
    void *user;
} sb_net_deps_t;

/* Creates the lws context on deps->loop and binds the listening socket. NULL after logging why
 * (e.g. the port is in use). `deps` is copied. */
sb_net_t *sb_net_create(const sb_net_deps_t *deps);
/* Checks that host:port can be bound, before libwebsockets tries: lws fails half way when it
 * cannot bind and leaves handles on the loop that point into its unloaded plugin, so the process
 * could not stop cleanly. 0, or an errno value (EADDRINUSE, EADDRNOTAVAIL, ...). */
int sb_net_probe_port(const char *host, uint16_t port);
/* Port actually bound (useful with port 0). */
uint16_t sb_net_port(const sb_net_t *n);
/* Applies limits and origin lists of a new config (after SIGHUP). */
void sb_net_config_changed(sb_net_t *n);
/* Stops accepting: new upgrades and API calls get 503; then closes every WebSocket with
 * GOING_AWAY and `reason`. */
void sb_net_drain(sb_net_t *n, const char *reason);
/* Number of open WebSockets (any state). */
uint32_t sb_net_conn_count(const sb_net_t *n);
/* First phase of lws teardown (inside the loop). */
void sb_net_stop(sb_net_t *n);
/* Second phase, after uv_run() returned: frees the context. */
void sb_net_destroy(sb_net_t *n);

/* Redis backpressure: stop or resume reading from every WebSocket. */
void sb_net_set_store_paused(sb_net_t *n, bool paused);

/* Looks a connection up by id; NULL when it has gone. Async callbacks keep ids, never pointers. */
sb_conn_t *sb_net_conn_find(sb_net_t *n, uint64_t id);
/* Calls fn for every open connection; fn may close the connection it is given. */
void sb_net_conn_foreach(sb_net_t *n, void (*fn)(sb_conn_t *c, void *arg), void *arg);

#endif
