/* The network layer: libwebsockets on the server's libuv loop, serving HTTP (static apps, health,
 * metrics, the JSON API) and the two WebSocket endpoints on one port. */
#ifndef SB_NET_NET_H
#define SB_NET_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"

typedef struct sb_conn sb_conn_t;

/* Creates the lws context on app->loop and binds the listening socket. NULL after logging why
 * (e.g. the port is in use). */
sb_net_t *sb_net_create(sb_app_t *app);
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
