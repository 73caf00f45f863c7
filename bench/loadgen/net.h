/* WebSocket clients on libwebsockets' client, on the generator's libuv loop, speaking frames of
 * msgpack envelopes {t, id, b}.
 *
 * Writes are batched per loop turn: a handler appends envelopes to the connection's output buffer
 * (lg_msg_begin ... lg_msg_end) and marks it dirty; once per loop turn (a uv_check handle, and
 * right after the send scheduler runs) every dirty connection is flushed as few frames as the
 * protocol allows (64 envelopes per frame), each frame one lws_write() straight from the buffer,
 * which keeps LWS_PRE bytes of headroom before every frame. lws keeps whatever the socket did not
 * take and sends it when writable, so writing outside the WRITEABLE callback is safe.
 *
 * Incoming frames are reassembled when lws hands them over in pieces, split into envelopes by an
 * allocation-free walk that checks every declared length against the bytes left, then unpacked
 * by msgpack-c into one zone that is cleared after every frame (no allocation per message once it
 * has grown). */
#ifndef LG_NET_H
#define LG_NET_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct lws;
typedef struct lg_conn lg_conn_t;

/* One decoded envelope. Strings point into the frame (not NUL-terminated) and live until the
 * handler returns. */
typedef struct {
    const char *t;
    uint32_t tlen;
    bool has_id;
    uint64_t id;
    const msgpack_object *b; /* a map, or NULL when the envelope had none */
} lg_env_t;

typedef struct {
    /* The WebSocket is open: send hello. */
    void (*open_cb)(lg_conn_t *c);
    /* One envelope; now_ns is the receive time of its frame. */
    void (*env_cb)(lg_conn_t *c, const lg_env_t *e, uint64_t now_ns);
    /* The connection is gone. code: the server's close code, 1006 when it closed without one,
     * 0 when the connection was never established (refused, upgrade denied, timeout); why: lws'
     * reason for a failed connect, or "". The struct may be reopened after this returns (never
     * from inside this callback: schedule it). */
    void (*close_cb)(lg_conn_t *c, int code, const char *why);
} lg_conn_ops_t;

typedef struct {
    uint32_t start, end;
} lg_grp_t;

enum { LG_CONN_IDLE, LG_CONN_CONNECTING, LG_CONN_OPEN, LG_CONN_CLOSED };

struct lg_conn {
    struct lws *wsi;
    const lg_conn_ops_t *ops;
    void *owner;  /* the agent or customer this connection belongs to */
    uint32_t gen; /* attempt number: callbacks of an older attempt are ignored */
    uint8_t state;
    bool dirty;
    bool want_close;
    bool counted_pending; /* counted by the connector among handshakes in progress */
    uint16_t close_code;
    uint32_t next_id;
    uint64_t t_open; /* when lg_conn_open() last started connecting */
    const char *path;
    const char *origin;
    const char *cookie;   /* borrowed; NULL for none */
    const char *src_addr; /* borrowed; NULL to let the kernel choose */
    lg_conn_t *next_dirty;
    /* output: [LWS_PRE][frame][LWS_PRE][frame]... */
    uint8_t *ob;
    uint32_t ob_len, ob_cap;
    uint32_t grp_start, grp_envs, env_start;
    lg_grp_t *grps;
    uint32_t ngrps, grps_cap;
    msgpack_packer pk;
    /* input reassembly */
    uint8_t *rb;
    uint32_t rb_len, rb_cap;
};

typedef struct {
    const char *host; /* numeric or resolvable; used for Host and the TCP connect */
    int port;
    const char *subprotocol;
    uint32_t rx_buffer_size; /* lws per-connection receive buffer */
    uint32_t fd_limit;
    int lws_log_level;
} lg_net_cfg_t;

/* Creates the lws context on `loop` and the per-turn flush handle. 0 or -1 (reported). */
int lg_net_init(uv_loop_t *loop, const lg_net_cfg_t *cfg);
/* First phase of shutdown: closes the flush handle and starts closing lws (every connection gets
 * its close_cb). Run the loop until it returns, then call lg_net_free(). */
void lg_net_shutdown(void);
void lg_net_free(void);
/* True once lg_net_shutdown() was called: close callbacks must not schedule reconnects. */
bool lg_net_stopping(void);

/* Prepares a connection struct (zeroed by the caller) for use. */
void lg_conn_init(lg_conn_t *c, const lg_conn_ops_t *ops, void *owner);
/* Frees its buffers (the connection must be closed). */
void lg_conn_dispose(lg_conn_t *c);
/* Starts connecting c->path with c->origin, c->cookie, c->src_addr. 0, or -1 when lws refused at
 * once (close_cb has then been called, or is called by this function). */
int lg_conn_open(lg_conn_t *c);
/* Asks lws to close the connection with 1000 (asynchronously: close_cb follows). */
void lg_conn_close(lg_conn_t *c);

/* Envelope building: lg_msg_begin(c, type, id, nfields) writes {t, id, b: {<nfields>...}} up to
 * the body's map header (id 0: an event-style envelope without id); then the caller packs exactly
 * nfields key/value pairs with the helpers below, then lg_msg_end(c). */
void lg_msg_begin(lg_conn_t *c, const char *type, uint64_t id, uint32_t nfields);
void lg_msg_end(lg_conn_t *c);
void lg_pk_str(lg_conn_t *c, const char *s, size_t len);
void lg_pk_cstr(lg_conn_t *c, const char *s);
void lg_pk_kv_str(lg_conn_t *c, const char *key, const char *s, size_t len);
void lg_pk_kv_cstr(lg_conn_t *c, const char *key, const char *s);
void lg_pk_kv_uint(lg_conn_t *c, const char *key, uint64_t v);
void lg_pk_kv_empty_array(lg_conn_t *c, const char *key);

/* Writes every dirty connection now (called by the flush handle each loop turn). */
void lg_net_flush(void);

/* Counters over the whole run. */
typedef struct {
    uint64_t frames_out, envs_out, bytes_out;
    uint64_t frames_in, envs_in, bytes_in;
    uint64_t bad_frames; /* undecodable frames or envelopes from the server */
    uint64_t text_frames;
} lg_net_stats_t;
const lg_net_stats_t *lg_net_stats(void);

/* msgpack object helpers */
const msgpack_object *lg_mp_get(const msgpack_object *map, const char *key);
bool lg_mp_is(const msgpack_object *o, const char *s);
bool lg_mp_str(const msgpack_object *o, const char **s, uint32_t *len);
bool lg_mp_uint(const msgpack_object *o, uint64_t *v);
/* Copies a string field into out (NUL-terminated, at most cap-1 bytes); false when absent. */
bool lg_mp_copy(const msgpack_object *map, const char *key, char *out, size_t cap);
/* Length of the first msgpack object in p[0..len), checking every declared size against the bytes
 * left (so that msgpack-c never allocates for a lie), or -1. */
long lg_mp_span(const uint8_t *p, size_t len);

#endif
