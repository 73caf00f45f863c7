/* One WebSocket connection (staff or customer).
 *
 * The struct is libwebsockets' per-session data for the connection, so it lives exactly as long
 * as the wsi. Handlers never write to the socket: they append envelopes to the connection's send
 * queue, and the loop writes everything queued in one turn as one frame when lws says the socket
 * is writable (one lws_write per WRITEABLE callback). Async work (Redis) keeps `id`, never the
 * pointer, and looks the connection up again with sb_net_conn_find().
 *
 * Closing is deferred: sb_conn_close() marks the connection and wakes lws, which closes it from
 * its TIMER callback with the code and reason (closing from WRITEABLE sends no close frame on
 * Debian's lws build, TECH_NOTES). A peer that stopped answering pings is dropped instead: the
 * close frame is written, and the socket goes at once, without waiting for an answer. */
#ifndef SB_NET_CONN_H
#define SB_NET_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "proto/codec.h"
#include "util/buf.h"
#include "util/timer.h"

struct lws;

typedef enum { SB_EP_STAFF, SB_EP_CUSTOMER } sb_endpoint_t;

typedef enum {
    SB_CONN_AUTHENTICATING, /* staff: session being checked in Redis; reading paused */
    SB_CONN_AWAIT_HELLO,
    SB_CONN_HELLO_PENDING, /* hello received, its reply not yet sent (Redis) */
    SB_CONN_READY,
    SB_CONN_CLOSING,
} sb_conn_state_t;

enum { SB_RX_PAUSE_AUTH = 1, SB_RX_PAUSE_STORE = 2 };

typedef struct sb_chunk sb_chunk_t;

struct sb_conn {
    uint64_t id;
    struct lws *wsi;
    sb_net_t *net;
    sb_conn_t *prev, *next; /* every established connection */
    uint8_t endpoint;       /* sb_endpoint_t */
    uint8_t state;          /* sb_conn_state_t */
    int8_t role;            /* sb_role_t once known, -1 before */
    uint8_t rx_pause;       /* SB_RX_PAUSE_* bits */
    bool established;
    bool writable_requested;
    bool want_ping;
    bool awaiting_pong;
    uint64_t ping_mono_ns; /* when the pong we wait for was asked for (steady time) */
    bool close_armed;      /* TIMER callback should close */
    bool close_drop;       /* ... without waiting for the peer's answer (it stopped answering) */
    uint16_t close_waits;  /* ticks spent waiting for lws to flush before closing */
    bool close_writable;   /* lws reported the socket writable since the close was decided */
    uint16_t close_code;
    const char *close_reason; /* static string */
    uint32_t strikes;         /* protocol errors, decaying */
    uint64_t strike_at;
    uint64_t tokens_at; /* message rate token bucket: tokens in thousandths */
    uint32_t tokens_milli;
    uint64_t hold_until;  /* RATE_LIMITED told the client to wait until then */
    uint64_t flood_since; /* first message of the current run sent before hold_until; 0 none */
    uint64_t flood_last;  /* latest message of that run */
    uint64_t last_token_refresh_ms; /* customers: when the resume token TTL was last extended */
    uint64_t session_expires_ms;    /* staff */
    sb_timer_t timer;               /* handshake deadline, then keepalive */
    sb_timer_t expiry;              /* staff session expiry */
    bool addr_counted;              /* counted in the per-address table */
    char addr[46];                  /* peer address */
    char user[65];                  /* staff username or customer id */
    char secret_hash[65];           /* staff session hash, or customer resume token hash */
    sb_buf_t rx;                    /* fragments of a frame being assembled */
    uint32_t rx_frame_bytes;        /* bytes of the current frame so far */
    sb_chunk_t *tx_head, *tx_tail;
    uint32_t tx_bytes;
    sb_conn_t *flush_next; /* on the net's list of connections to write at the end of the turn */
    bool flush_queued;
};

/* Queues replies, errors and events. They never fail loudly: when memory runs out or the send
 * queue passes its cap, the connection is closed (SLOW_CONSUMER) and they return -1. */
int sb_conn_send_ok(sb_conn_t *c, sb_msg_type_t request_type, uint64_t id, const void *reply);
/* The one helper for error replies: also counts the code in the metrics. */
int sb_conn_send_error(sb_conn_t *c, bool has_id, uint64_t id, sb_wire_err_t code,
                       const char *message, const char *field, uint64_t retry_after_ms);
int sb_conn_send_event(sb_conn_t *c, sb_msg_type_t type, const void *body);
/* An error reply with every field of the error body (code is filled in from `code`). */
int sb_conn_send_error_body(sb_conn_t *c, bool has_id, uint64_t id, sb_wire_err_t code,
                            sb_pt_error_body_t *body);
/* Maps an internal error (SB_E_BUSY, SB_E_STORE_DOWN, ...) to the matching retryable wire error. */
int sb_conn_send_store_error(sb_conn_t *c, uint64_t id, int err);

/* Marks the connection to be closed with `code` and the static `reason`; what is queued and not
 * yet written is dropped. Safe to call from any callback, repeatedly (the first code wins). */
void sb_conn_close(sb_conn_t *c, int code, const char *reason);

/* The user pointer the network layer was created with (the application: see sb_conn_app). */
void *sb_conn_user(const sb_conn_t *c);
/* Sets the role once the connection is identified (moves it in the metrics). */
void sb_conn_set_role(sb_conn_t *c, sb_role_t role);
/* Called by the handler of `hello` when it has replied: starts keepalive and marks ready. */
void sb_conn_hello_done(sb_conn_t *c);
/* Pauses or resumes reading for one reason (SB_RX_PAUSE_*). */
void sb_conn_rx_pause(sb_conn_t *c, uint8_t reason, bool pause);

#endif
