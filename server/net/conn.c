#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "metrics/metrics.h"
#include "net/net_internal.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

/* A queued frame: envelopes packed back to back after LWS_PRE bytes of headroom. */
struct sb_chunk {
    sb_chunk_t *next;
    uint32_t n_env;
    sb_buf_t buf;
};

/* A frame is closed to new envelopes past this size; one envelope may make it larger. */
#define SB_CHUNK_SOFT_MAX 32768
/* Strikes drain by one every this many milliseconds. */
#define SB_STRIKE_DECAY_MS 10000
/* A run of messages sent before their retry time ends after this long without one. */
#define SB_FLOOD_QUIET_MS 1000

/* With the test clock, how much real time a pong gets before its peer counts as silent. */
#define TEST_PONG_GRACE_NS 500000000u

/* How long a close waits for lws to flush a partly written frame (x 10 ms). */
#define CLOSE_DRAIN_TRIES 500

#define CONN_OF(ptr, member) ((sb_conn_t *)((char *)(ptr)-offsetof(sb_conn_t, member)))

static const sb_config_t *cfg_of(const sb_conn_t *c)
{
    return SB_NET_CFG(c->net);
}

void *sb_conn_user(const sb_conn_t *c)
{
    return c->net->deps.user;
}

static int role_slot(const sb_conn_t *c)
{
    return c->role < 0 ? 4 : c->role;
}

/* ------------------------------------------------------------------------------------------------
 * What this file asks of the socket: libwebsockets, or, for a loopback connection (no wsi:
 * net/loopback.c, which drives handlers without sockets in unit tests), the loopback instead.
 * ---------------------------------------------------------------------------------------------- */

static int tx_write(sb_conn_t *c, uint8_t *p, size_t len, enum lws_write_protocol kind)
{
    if (!c->wsi)
        return kind == LWS_WRITE_BINARY ? sb_loopback_written(c, p, len) : (int)len;
    return lws_write(c->wsi, p, len, kind);
}

static bool tx_partial(const sb_conn_t *c)
{
    return c->wsi && lws_partial_buffered(c->wsi);
}

/* lws calls WRITEABLE, or the loopback writes at the end of the loop turn */
static void want_writable(sb_conn_t *c)
{
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
    else
        sb_net_flush_later(c);
}

static void wake_in(sb_conn_t *c, lws_usec_t us)
{
    if (c->wsi)
        lws_set_timer_usecs(c->wsi, us);
    else
        sb_net_flush_later(c);
}

static void rx_flow(sb_conn_t *c, bool on)
{
    if (c->wsi)
        lws_rx_flow_control(c->wsi, on);
    else if (on)
        sb_net_flush_later(c); /* the loopback delivers what waited (sb_loopback_flush) */
}

void sb_conn_set_role(sb_conn_t *c, sb_role_t role)
{
    sb_metrics.conns_by_role[role_slot(c)]--;
    c->role = (int8_t)role;
    sb_metrics.conns_by_role[role_slot(c)]++;
}

/* ------------------------------------------------------------------------------------------------
 * Sending
 * ---------------------------------------------------------------------------------------------- */

static void free_tx(sb_conn_t *c)
{
    sb_chunk_t *k = c->tx_head;
    while (k) {
        sb_chunk_t *next = k->next;
        sb_buf_dispose(&k->buf);
        free(k);
        k = next;
    }
    c->tx_head = c->tx_tail = NULL;
    c->tx_bytes = 0;
}

/* The chunk the next envelope goes into, opening a new one when the tail is full. */
static sb_chunk_t *tail_chunk(sb_conn_t *c)
{
    sb_chunk_t *t = c->tx_tail;
    if (t && t->buf.len < SB_CHUNK_SOFT_MAX && t->n_env < SB_PROTO_MAX_ENVELOPES_PER_FRAME)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    sb_buf_init(&t->buf, LWS_PRE);
    /* most frames are one envelope of a few hundred bytes: one allocation instead of growing
     * from 64 through three reallocs */
    if (sb_buf_reserve(&t->buf, 512) != 0) {
        free(t);
        return NULL;
    }
    if (c->tx_tail)
        c->tx_tail->next = t;
    else
        c->tx_head = t;
    c->tx_tail = t;
    return t;
}

/* Packs one envelope through `fn` into the send queue and asks lws for a writable callback. */
static int enqueue(sb_conn_t *c, int (*fn)(msgpack_packer *, void *), void *arg)
{
    if (c->state == SB_CONN_CLOSING)
        return -1;
    bool was_empty = c->tx_head == NULL;
    sb_chunk_t *t = tail_chunk(c);
    if (!t) {
        sb_conn_close(c, SB_CLOSE_SLOW_CONSUMER, "server out of memory for this connection");
        return -1;
    }
    size_t before = t->buf.len;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &t->buf, sb_buf_msgpack_write);
    if (fn(&pk, arg) != 0) {
        t->buf.len = before;
        sb_conn_close(c, SB_CLOSE_SLOW_CONSUMER, "server out of memory for this connection");
        return -1;
    }
    t->n_env++;
    c->tx_bytes += (uint32_t)(t->buf.len - before);
    sb_metrics.envelopes_out++;
    if (c->tx_bytes > cfg_of(c)->limits.max_send_queue_bytes) {
        sb_metrics_limit_hit(SB_LIMIT_SEND_QUEUE);
        SB_WARN("net", "closing a slow consumer", SB_F_UINT("conn", c->id),
                SB_F_UINT("queued_bytes", c->tx_bytes));
        sb_conn_close(c, SB_CLOSE_SLOW_CONSUMER, "send queue full: reconnect and resume");
        return -1;
    }
    if (was_empty)
        sb_net_flush_later(c);
    return 0;
}

typedef struct {
    sb_msg_type_t type;
    uint64_t id;
    const void *body;
} ok_args_t;

static int pack_ok_cb(msgpack_packer *pk, void *arg)
{
    ok_args_t *a = arg;
    return sb_proto_pack_ok(pk, a->type, a->id, a->body);
}

static int pack_event_cb(msgpack_packer *pk, void *arg)
{
    ok_args_t *a = arg;
    return sb_proto_pack_event(pk, a->type, a->body);
}

int sb_conn_send_ok(sb_conn_t *c, sb_msg_type_t request_type, uint64_t id, const void *reply)
{
    ok_args_t a = {request_type, id, reply};
    return enqueue(c, pack_ok_cb, &a);
}

int sb_conn_send_event(sb_conn_t *c, sb_msg_type_t type, const void *body)
{
    ok_args_t a = {type, 0, body};
    return enqueue(c, pack_event_cb, &a);
}

typedef struct {
    bool has_id;
    uint64_t id;
    sb_wire_err_t code;
    const char *message, *field;
    uint64_t retry;
} err_args_t;

static int pack_error_cb(msgpack_packer *pk, void *arg)
{
    err_args_t *a = arg;
    return sb_proto_pack_error(pk, a->has_id, a->id, a->code, a->message, a->field, a->retry);
}

int sb_conn_send_error(sb_conn_t *c, bool has_id, uint64_t id, sb_wire_err_t code,
                       const char *message, const char *field, uint64_t retry_after_ms)
{
    if ((unsigned)code < SB_WERR_SLOTS)
        sb_metrics.errors_by_code[code]++;
    err_args_t a = {has_id, id, code, message, field, retry_after_ms};
    return enqueue(c, pack_error_cb, &a);
}

typedef struct {
    bool has_id;
    uint64_t id;
    const sb_pt_error_body_t *body;
} errbody_args_t;

static int pack_error_body_cb(msgpack_packer *pk, void *arg)
{
    errbody_args_t *a = arg;
    return sb_proto_pack_error_body(pk, a->has_id, a->id, a->body);
}

int sb_conn_send_error_body(sb_conn_t *c, bool has_id, uint64_t id, sb_wire_err_t code,
                            sb_pt_error_body_t *body)
{
    if ((unsigned)code < SB_WERR_SLOTS)
        sb_metrics.errors_by_code[code]++;
    const char *name = sb_wire_err_name(code);
    body->code = (sb_str_t){name, (uint32_t)strlen(name)};
    errbody_args_t a = {has_id, id, body};
    return enqueue(c, pack_error_body_cb, &a);
}

int sb_conn_send_store_error(sb_conn_t *c, uint64_t id, int err)
{
    switch (err) {
    case SB_E_BUSY:
        return sb_conn_send_error(c, true, id, SB_WERR_BUSY,
                                  "the server is busy; try again in a moment", NULL, 200);
    case SB_E_STORE_FULL:
        return sb_conn_send_error(c, true, id, SB_WERR_STORE_FULL,
                                  "storage is full; nothing was saved", NULL, 5000);
    case SB_E_STORE_DOWN:
        return sb_conn_send_error(c, true, id, SB_WERR_STORE_UNAVAILABLE,
                                  "storage is unreachable; try again shortly", NULL, 1000);
    default:
        return sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "internal error; it was logged",
                                  NULL, 1000);
    }
}

/* Writes the first queued frame. lws keeps what the kernel does not take and writes it when the
 * socket has room (lws_partial_buffered() is true until then). -1 when the socket failed. */
static int write_head(sb_conn_t *c)
{
    sb_chunk_t *k = c->tx_head;
    c->tx_head = k->next;
    if (!c->tx_head)
        c->tx_tail = NULL;
    size_t len = k->buf.len;
    c->tx_bytes -= (uint32_t)len;
    int w = tx_write(c, sb_buf_data(&k->buf), len, LWS_WRITE_BINARY);
    sb_buf_dispose(&k->buf);
    free(k);
    if (w < (int)len)
        return -1;
    sb_metrics.frames_out++;
    sb_metrics.bytes_out += len;
    return 0;
}

int sb_conn_on_writeable(sb_conn_t *c)
{
    if (c->state == SB_CONN_CLOSING) {
        /* room for the close frame now: the TIMER callback closes (closing from here sends no
         * close frame on Debian's lws build, TECH_NOTES) */
        c->close_writable = true;
        lws_set_timer_usecs(c->wsi, 1);
        return 0;
    }
    if (c->want_ping) {
        /* a ping with a payload: lws 4.1.6 drops an empty pong before RECEIVE_PONG
         * (roles/ws/ops-ws.c), so an empty ping would make every peer look dead */
        uint8_t buf[LWS_PRE + 4] = {0};
        memcpy(buf + LWS_PRE, "sb", 2);
        c->want_ping = false;
        if (lws_write(c->wsi, buf + LWS_PRE, 2, LWS_WRITE_PING) < 0)
            return -1;
        sb_metrics.pings_sent++;
        if (c->tx_head)
            lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (!c->tx_head)
        return 0; /* extra WRITEABLE callbacks happen */
    if (write_head(c) < 0)
        return -1;
    if (c->tx_head)
        lws_callback_on_writable(c->wsi);
    return 0;
}

void sb_conn_flush(sb_conn_t *c)
{
    if (!c->wsi) {
        sb_loopback_flush(c);
        return;
    }
    if (!c->established || c->state == SB_CONN_CLOSING || !c->tx_head)
        return;
    /* a ping waits for WRITEABLE, and so does everything behind a frame lws holds in part */
    while (c->tx_head && !c->want_ping && !tx_partial(c)) {
        if (write_head(c) < 0) {
            sb_conn_close(c, SB_CLOSE_GOING_AWAY, "the connection failed");
            return;
        }
    }
    if (c->tx_head)
        want_writable(c);
}

int sb_conn_write_queued(sb_conn_t *c)
{
    while (c->tx_head)
        if (write_head(c) < 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Closing
 * ---------------------------------------------------------------------------------------------- */

void sb_conn_close(sb_conn_t *c, int code, const char *reason)
{
    if (c->state == SB_CONN_CLOSING)
        return;
    c->state = SB_CONN_CLOSING;
    c->close_code = (uint16_t)code;
    c->close_reason = reason;
    free_tx(c);
    sb_timer_disarm(c->net->deps.timers, &c->timer);
    sb_timer_disarm(c->net->deps.timers, &c->expiry);
    sb_metrics_close(code);
    /* a paused socket would never read the peer's answer to our close frame, and lws would wait
     * for it until its close timeout: read again (whatever arrives is ignored while closing) */
    if (c->rx_pause) {
        c->rx_pause = 0;
        rx_flow(c, true);
    }
    c->close_armed = true;
    wake_in(c, 1);
    want_writable(c);
}

static int close_now(sb_conn_t *c)
{
    SB_DEBUG("net", "closing", SB_F_UINT("conn", c->id), SB_F_UINT("code", c->close_code),
             SB_F_UINT("waits", c->close_waits), SB_F_BOOL("writable", c->close_writable),
             SB_F_BOOL("partial", lws_partial_buffered(c->wsi)));
    const char *r = c->close_reason ? c->close_reason : "";
    lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)r, strlen(r));
    c->close_armed = false;
    return -1;
}

/* A peer that no longer answers pings will not answer a close frame either. lws' polite close
 * sends the frame and then waits 5 s for the answer before it lets go of the socket, so an agent's
 * disconnect grace or a customer's resume window, which start when the socket closes, started
 * about 5 s late. Write the close frame ourselves (a peer that still reads learns why; lws 4.1
 * keeps its close opcode private, so the frame is built here and written raw), then have lws kill
 * the connection at its next timer check: a connection killed by a timeout is closed at once,
 * without a close handshake, and CLOSED still reaches us. */
static int drop_now(sb_conn_t *c)
{
    c->close_armed = false;
    if (!lws_partial_buffered(c->wsi)) {
        uint8_t buf[LWS_PRE + 2 + 125];
        uint8_t *f = buf + LWS_PRE;
        const char *r = c->close_reason ? c->close_reason : "";
        size_t rl = strlen(r) > 123 ? 123 : strlen(r);
        f[0] = 0x88; /* FIN, close */
        f[1] = (uint8_t)(2 + rl);
        f[2] = (uint8_t)(c->close_code >> 8);
        f[3] = (uint8_t)(c->close_code & 0xff);
        memcpy(f + 4, r, rl);
        lws_write(c->wsi, f, 4 + rl, LWS_WRITE_RAW); /* best effort */
    }
    SB_DEBUG("net", "dropping", SB_F_UINT("conn", c->id), SB_F_UINT("code", c->close_code));
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    return 0;
}

int sb_conn_on_timer(sb_conn_t *c)
{
    /* lws fires cancelled timers at once: only our flag says whether this is the close */
    if (!c->close_armed)
        return 0;
    if (c->close_drop)
        return drop_now(c);
    /* A slow reader: part of a frame still waiting in lws, or a full socket buffer. Closing now
     * would lose our close frame, and the client would see 1006 instead of the reason. Wait until
     * lws says the socket is writable (it flushes its partial frame first), up to
     * CLOSE_DRAIN_TRIES x 10 ms; a peer that never reads gets the plain close. */
    if ((lws_partial_buffered(c->wsi) || !c->close_writable) &&
        c->close_waits < CLOSE_DRAIN_TRIES) {
        c->close_waits++;
        lws_callback_on_writable(c->wsi);
        lws_set_timer_usecs(c->wsi, 10000);
        return 0;
    }
    return close_now(c);
}

void sb_conn_rx_pause(sb_conn_t *c, uint8_t reason, bool pause)
{
    uint8_t before = c->rx_pause;
    if (pause)
        c->rx_pause |= reason;
    else
        c->rx_pause &= (uint8_t)~reason;
    if ((before == 0) != (c->rx_pause == 0))
        rx_flow(c, c->rx_pause == 0);
}

/* ------------------------------------------------------------------------------------------------
 * Timers: handshake deadline, keepalive, session expiry
 * ---------------------------------------------------------------------------------------------- */

static void conn_timer_cb(sb_timer_t *t)
{
    sb_conn_t *c = CONN_OF(t, timer);
    const sb_cfg_limits_t *lim = &cfg_of(c)->limits;
    if (c->state == SB_CONN_CLOSING)
        return;
    if (c->state != SB_CONN_READY) {
        sb_metrics_limit_hit(SB_LIMIT_HANDSHAKE_TIMEOUT);
        sb_conn_close(c, SB_CLOSE_HANDSHAKE_TIMEOUT, "hello not received in time");
        return;
    }
    if (c->awaiting_pong) {
        /* The test clock jumps by minutes in one call, so two calls in a row would condemn a
         * peer whose pong is still on its way: with it, a peer is silent only once its pong had
         * TEST_PONG_GRACE_NS of real time to arrive. (The real clock never jumps.) */
        uint64_t spent = sb_clock_mono_ns() - c->ping_mono_ns;
        if (sb_clock_is_test() && spent < TEST_PONG_GRACE_NS) {
            sb_timer_arm(c->net->deps.timers, &c->timer,
                         sb_clock_now_ms() + (TEST_PONG_GRACE_NS - spent) / 1000000u + 1);
            return;
        }
        sb_metrics_limit_hit(SB_LIMIT_PING_TIMEOUT);
        sb_conn_close(c, SB_CLOSE_PING_TIMEOUT, "no answer to keepalive pings");
        c->close_drop = true; /* sb_conn_on_timer drops it */
        return;
    }
    c->want_ping = true;
    c->awaiting_pong = true;
    c->ping_mono_ns = sb_clock_mono_ns();
    want_writable(c);
    sb_timer_arm(c->net->deps.timers, &c->timer,
                 sb_clock_now_ms() + (uint64_t)lim->ping_timeout_s * 1000u);
}

static void expiry_cb(sb_timer_t *t)
{
    sb_conn_t *c = CONN_OF(t, expiry);
    sb_conn_close(c, SB_CLOSE_UNAUTHORIZED, "session expired: sign in again");
}

void sb_conn_on_pong(sb_conn_t *c)
{
    if (!c->awaiting_pong || c->state != SB_CONN_READY)
        return;
    c->awaiting_pong = false;
    sb_metrics.pongs_received++;
    sb_timer_arm(c->net->deps.timers, &c->timer,
                 sb_clock_now_ms() + (uint64_t)cfg_of(c)->limits.ping_interval_s * 1000u);
    c->net->deps.events.pong(c->net->deps.user, c);
}

void sb_conn_hello_done(sb_conn_t *c)
{
    if (c->state == SB_CONN_CLOSING)
        return;
    c->state = SB_CONN_READY;
    sb_timer_arm(c->net->deps.timers, &c->timer,
                 sb_clock_now_ms() + (uint64_t)cfg_of(c)->limits.ping_interval_s * 1000u);
    if (c->session_expires_ms)
        sb_timer_arm(c->net->deps.timers, &c->expiry, c->session_expires_ms);
}

/* ------------------------------------------------------------------------------------------------
 * Receiving
 * ---------------------------------------------------------------------------------------------- */

static void strike(sb_conn_t *c)
{
    uint64_t now = sb_clock_now_ms();
    uint64_t drained = (now - c->strike_at) / SB_STRIKE_DECAY_MS;
    c->strikes = drained >= c->strikes ? 0 : c->strikes - (uint32_t)drained;
    c->strike_at = now;
    if (++c->strikes >= cfg_of(c)->limits.max_bad_frames) {
        sb_metrics_limit_hit(SB_LIMIT_BAD_FRAMES);
        SB_WARN("net", "closing a client that keeps sending invalid frames",
                SB_F_UINT("conn", c->id), SB_F_STR("addr", c->addr));
        sb_conn_close(c, SB_CLOSE_POLICY_VIOLATION, "too many invalid frames");
    }
}

/* Token bucket: `messages_per_s` sustained, `messages_burst` at once. Returns 0 when a message
 * may pass, else the milliseconds until one may. */
static uint64_t take_token(sb_conn_t *c)
{
    const sb_cfg_limits_t *lim = &cfg_of(c)->limits;
    uint64_t now = sb_clock_now_ms();
    uint64_t cap = (uint64_t)lim->messages_burst * 1000u;
    uint64_t add = (now - c->tokens_at) * lim->messages_per_s; /* thousandths per ms */
    c->tokens_at = now;
    uint64_t tokens = c->tokens_milli + add;
    if (tokens > cap)
        tokens = cap;
    if (tokens < 1000) {
        c->tokens_milli = (uint32_t)tokens;
        return (1000 - tokens) / (lim->messages_per_s ? lim->messages_per_s : 1) + 1;
    }
    c->tokens_milli = (uint32_t)(tokens - 1000);
    return 0;
}

/* Called for a message refused by the token bucket, `wait` ms before one may pass; true when the
 * client has ignored the limit long enough to be closed.
 *
 * A refusal tells the client when to come back (retry_after_ms). Messages that arrive before that
 * time were sent in spite of it, or were already on their way when the refusal was sent: a client
 * that pipelines has a round trip's worth of them, and must not be closed for those. So such
 * messages form runs; a run ends after SB_FLOOD_QUIET_MS without one, and a run that lasts
 * limits.flood_close_s is a client that does not listen. A client that waits as told never sends
 * before its retry time, however often it hits the limit (the messages that do get through on a
 * flood's heels do not end its run: a flood at any rate gets a trickle through). */
static bool ignores_limit(sb_conn_t *c, uint64_t wait)
{
    uint64_t now = sb_clock_now_ms();
    bool told = now < c->hold_until;
    if (now + wait > c->hold_until)
        c->hold_until = now + wait;
    if (!told)
        return false;
    if (!c->flood_since || now - c->flood_last >= SB_FLOOD_QUIET_MS)
        c->flood_since = now;
    c->flood_last = now;
    return now - c->flood_since >= (uint64_t)cfg_of(c)->limits.flood_close_s * 1000u;
}

void sb_conn_on_frame(sb_conn_t *c, const uint8_t *data, size_t len)
{
    sb_net_t *n = c->net;
    sb_metrics.frames_in++;
    sb_metrics.bytes_in += len;
    sb_proto_limits_t lim = sb_proto_default_limits();
    lim.max_frame_bytes = cfg_of(c)->limits.max_frame_bytes;
    sb_proto_err_t err;
    uint32_t n_env;
    if (sb_proto_validate(data, len, &lim, &n_env, &err) != 0) {
        sb_conn_send_error(c, false, 0, err.code, err.message, NULL, 0);
        strike(c);
        return;
    }
    size_t off = 0;
    for (uint32_t i = 0; i < n_env && c->state != SB_CONN_CLOSING; i++) {
        msgpack_zone_clear(&n->zone);
        sb_arena_reset(&n->arena);
        sb_proto_envelope_t env;
        size_t before = off;
        if (sb_proto_next_envelope(data, len, &off, &n->zone, SB_PROTO_DIR_C2S, &env, &err)) {
            sb_conn_send_error(c, env.has_id, env.id, err.code, err.message,
                               err.field[0] ? err.field : NULL, 0);
            strike(c);
            if (off == before)
                break; /* cannot happen after validation; never loop on it */
            continue;
        }
        sb_metrics.envelopes_in++;
        uint64_t wait = take_token(c);
        if (wait) {
            sb_metrics_limit_hit(SB_LIMIT_MESSAGE_RATE);
            if (ignores_limit(c, wait)) {
                sb_metrics_limit_hit(SB_LIMIT_MESSAGE_FLOOD);
                SB_WARN("net", "closing a client that keeps sending past its rate limit",
                        SB_F_UINT("conn", c->id), SB_F_STR("addr", c->addr));
                sb_conn_close(c, SB_CLOSE_POLICY_VIOLATION,
                              "kept sending past the rate limit after RATE_LIMITED");
                break;
            }
            sb_conn_send_error(c, true, env.id, SB_WERR_RATE_LIMITED,
                               "too many messages; slow down", NULL, wait);
            continue;
        }
        if (n->deps.events.envelope(n->deps.user, c, &env, &n->arena))
            strike(c);
    }
}

int sb_conn_on_receive(sb_conn_t *c, const void *in, size_t len)
{
    struct lws *wsi = c->wsi;
    if (c->state == SB_CONN_CLOSING)
        return 0;
    bool final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
    uint32_t max = cfg_of(c)->limits.max_frame_bytes;
    /* counted for text frames too, which are never buffered */
    if (lws_is_first_fragment(wsi))
        c->rx_frame_bytes = 0;
    c->rx_frame_bytes += (uint32_t)len;
    if (c->rx_frame_bytes > max) {
        sb_metrics_limit_hit(SB_LIMIT_FRAME_SIZE);
        sb_conn_close(c, SB_CLOSE_TOO_BIG, "frame too large");
        return close_now(c);
    }
    if (!lws_frame_is_binary(wsi)) {
        /* drop the rest of the text message, answer once at its end */
        if (final) {
            sb_conn_send_error(c, false, 0, SB_WERR_BAD_FRAME,
                               "text frames are not part of this protocol; send binary msgpack",
                               NULL, 0);
            strike(c);
        }
    } else if (final && c->rx.len == 0) {
        sb_conn_on_frame(c, in, len); /* the common case: one fragment, no copy */
    } else {
        if (sb_buf_append(&c->rx, in, len) != 0) {
            sb_conn_close(c, SB_CLOSE_TOO_BIG, "server out of memory for this frame");
            return close_now(c);
        }
        if (final) {
            sb_conn_on_frame(c, sb_buf_data(&c->rx), c->rx.len);
            sb_buf_dispose(&c->rx); /* idle connections hold no receive buffer */
        }
    }
    /* close at once, unless the peer is not reading: then the TIMER path waits for room so that
     * the close frame is not lost */
    if (c->close_armed && c->close_code != SB_CLOSE_SLOW_CONSUMER && !lws_partial_buffered(wsi))
        return close_now(c);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------------------------------------- */

int sb_conn_on_filter(sb_net_t *n, struct lws *wsi, sb_conn_t *c)
{
    char uri[64];
    if (!n || !c || sb_net_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) < 0)
        return -1;
    if (strcmp(uri, "/ws/staff") == 0) {
        char tok[64];
        int tl = sb_net_cookie(wsi, "sb_session", tok, sizeof tok);
        if (tl < 0 || !sb_token_well_formed(tok, (size_t)tl))
            return -1; /* CONFIRM_UPGRADE already answered 401; never get here */
        sb_token_hash(tok, (size_t)tl, c->secret_hash);
        c->endpoint = SB_EP_STAFF;
    } else if (strcmp(uri, "/ws/customer") == 0) {
        c->endpoint = SB_EP_CUSTOMER;
    } else {
        return -1;
    }
    lws_get_peer_simple(wsi, c->addr, sizeof c->addr);
    return 0;
}

/* Upgrades per second, across the process (a reconnect storm after a restart must not starve the
 * loop). Returns false when the bucket is empty. */
static bool take_upgrade_token(sb_net_t *n)
{
    uint64_t rate = SB_NET_CFG(n)->limits.max_upgrades_per_s;
    uint64_t now = sb_clock_now_ms();
    uint64_t cap = rate * 1000u;
    uint64_t tokens = n->upgrade_tokens_milli + (now - n->upgrade_tokens_at) * rate;
    n->upgrade_tokens_at = now;
    if (tokens > cap)
        tokens = cap;
    if (tokens < 1000) {
        n->upgrade_tokens_milli = tokens;
        return false;
    }
    n->upgrade_tokens_milli = tokens - 1000;
    return true;
}

static const char *admit(sb_net_t *n, sb_conn_t *c)
{
    const sb_cfg_limits_t *lim = &SB_NET_CFG(n)->limits;
    if (n->draining)
        return "server shutting down";
    if (!take_upgrade_token(n)) {
        sb_metrics_limit_hit(SB_LIMIT_UPGRADE_RATE);
        return "too many new connections; try again later";
    }
    if (n->n_conns > lim->max_connections) {
        sb_metrics_limit_hit(SB_LIMIT_CONNECTIONS_TOTAL);
        return "server full; try again later";
    }
    int64_t k = sb_countmap_incr(&n->per_addr, c->addr, lim->max_connections_per_address);
    if (k <= 0) {
        sb_metrics_limit_hit(SB_LIMIT_CONNECTIONS_PER_ADDRESS);
        return "too many connections from your address; try again later";
    }
    c->addr_counted = true;
    return NULL;
}

void sb_conn_on_established(sb_net_t *n, struct lws *wsi, sb_conn_t *c)
{
    c->id = ++n->next_id;
    c->wsi = wsi;
    c->net = n;
    c->role = -1;
    c->established = true;
    sb_timer_init(&c->timer, conn_timer_cb, c);
    sb_timer_init(&c->expiry, expiry_cb, c);
    sb_buf_init(&c->rx, 0);
    c->next = n->conns;
    if (n->conns)
        n->conns->prev = c;
    n->conns = c;
    n->n_conns++;
    sb_metrics.conns_by_role[4]++;
    c->tokens_milli = SB_NET_CFG(n)->limits.messages_burst * 1000u;
    c->tokens_at = c->strike_at = sb_clock_now_ms();
    c->state = c->endpoint == SB_EP_STAFF ? SB_CONN_AUTHENTICATING : SB_CONN_AWAIT_HELLO;
    if (sb_idmap_put(&n->by_id, c->id, c) != 0) {
        sb_conn_close(c, SB_CLOSE_TRY_AGAIN_LATER, "server out of memory");
        return;
    }
    const char *refused = admit(n, c);
    if (refused) {
        sb_conn_close(c, n->draining ? SB_CLOSE_GOING_AWAY : SB_CLOSE_TRY_AGAIN_LATER, refused);
        return;
    }
    sb_timer_arm(n->deps.timers, &c->timer,
                 sb_clock_now_ms() + SB_NET_CFG(n)->limits.handshake_timeout_ms);
    if (n->store_paused)
        sb_conn_rx_pause(c, SB_RX_PAUSE_STORE, true);
    n->deps.events.established(n->deps.user, c);
}

void sb_conn_on_closed(sb_conn_t *c)
{
    sb_net_t *n = c->net;
    c->net->deps.events.closed(c->net->deps.user, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        n->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    n->n_conns--;
    sb_metrics.conns_by_role[role_slot(c)]--;
    sb_idmap_del(&n->by_id, c->id);
    if (c->addr_counted)
        sb_countmap_decr(&n->per_addr, c->addr);
    sb_timer_disarm(n->deps.timers, &c->timer);
    sb_timer_disarm(n->deps.timers, &c->expiry);
    sb_net_flush_forget(c);
    sb_buf_dispose(&c->rx);
    free_tx(c);
    c->established = false;
}
