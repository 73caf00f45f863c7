/* Shared by the files of the network layer only. */
#ifndef SB_NET_NET_INTERNAL_H
#define SB_NET_NET_INTERNAL_H

#include <libwebsockets.h>
#include <limits.h>
#include <msgpack.h>

#include "net/conn.h"
#include "net/http.h"
#include "net/net.h"
#include "util/arena.h"
#include "util/countmap.h"
#include "util/idmap.h"

#define SB_NET_MAX_HEADERS 8

/* The current configuration (replaced on SIGHUP: read it where it is used). */
#define SB_NET_CFG(n) (*(n)->deps.cfg)

struct sb_net {
    sb_net_deps_t deps;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    struct lws_protocols protocols[3];
    struct lws_http_mount mounts[6];
    struct lws_protocol_vhost_options headers[SB_NET_MAX_HEADERS];
    struct lws_protocol_vhost_options mimetypes[6];
    char static_dir[PATH_MAX];
    uint16_t port;

    sb_conn_t *conns; /* established connections, newest first */
    uint32_t n_conns;
    sb_idmap_t by_id;
    uint64_t next_id;
    sb_countmap_t per_addr;

    uint64_t upgrade_tokens_milli; /* token bucket for upgrades per second */
    uint64_t upgrade_tokens_at;

    bool draining;
    bool stopped;
    bool store_paused;
    const char *drain_reason;

    /* per-message scratch, reset after every frame */
    sb_arena_t arena;
    msgpack_zone zone;

    sb_idmap_t http_by_id; /* HTTP transactions waiting for async work */

    /* Connections with frames queued during this loop turn, written at its end (flush.c) */
    sb_conn_t *flush_head;
    struct sb_flusher *flusher;
};

/* conn.c: WebSocket callbacks */
int sb_conn_on_filter(sb_net_t *n, struct lws *wsi, sb_conn_t *c);
void sb_conn_on_established(sb_net_t *n, struct lws *wsi, sb_conn_t *c);
int sb_conn_on_receive(sb_conn_t *c, const void *in, size_t len);
void sb_conn_on_pong(sb_conn_t *c);
int sb_conn_on_writeable(sb_conn_t *c);
/* Writes what is queued, straight to the socket when lws holds nothing back (flush.c calls it
 * at the end of the loop turn); otherwise waits for a WRITEABLE callback. */
void sb_conn_flush(sb_conn_t *c);

/* flush.c: writing queued frames once per loop turn. libuv 1.44 re-registers a descriptor with
 * epoll (DEL, then ADD) on every uv_poll_start, and lws calls it twice per frame to ask for and
 * then drop write readiness, so asking lws for a WRITEABLE callback per reply cost four epoll_ctl
 * calls and an extra loop turn. Frames are written instead from a uv_check callback right after
 * the poll phase in which the handlers queued them; the WRITEABLE callback remains for what the
 * kernel did not take. */
int sb_net_flusher_start(sb_net_t *n);
void sb_net_flusher_stop(sb_net_t *n);
/* Queues `c` for the end of this loop turn (once). */
void sb_net_flush_later(sb_conn_t *c);
/* Takes `c` off the list (it is closing). */
void sb_net_flush_forget(sb_conn_t *c);
int sb_conn_on_timer(sb_conn_t *c);
void sb_conn_on_closed(sb_conn_t *c);
/* One whole frame from the client: validated, rate-limited, each envelope raised. */
void sb_conn_on_frame(sb_conn_t *c, const uint8_t *data, size_t len);
/* Writes everything queued (a loopback connection, where nothing is held back). 0 or -1. */
int sb_conn_write_queued(sb_conn_t *c);

/* loopback.c: what conn.c does instead of libwebsockets for a connection without a wsi */
int sb_loopback_written(sb_conn_t *c, const uint8_t *p, size_t len);
void sb_loopback_flush(sb_conn_t *c);

/* http.c: HTTP callbacks */
int sb_http_on_callback(sb_net_t *n, struct lws *wsi, enum lws_callback_reasons reason, void *user,
                        void *in, size_t len);

/* Copies the value of cookie `name` from the request into out (NUL-terminated). Length, or -1. */
int sb_net_cookie(struct lws *wsi, const char *name, char *out, size_t outlen);
/* Copies a header (lws token) into out; length or -1 when absent or too long. */
int sb_net_header(struct lws *wsi, enum lws_token_indexes h, char *out, size_t outlen);
/* True when the request's Origin is in the allowlist for `endpoint` (staff apps, or the widget
 * hosts plus the staff apps). A request without Origin (not a browser) is refused for
 * WebSockets and accepted for the JSON API only when `allow_missing`. */
bool sb_net_origin_ok(sb_net_t *n, struct lws *wsi, bool widget, bool allow_missing);

#endif
