/* The load generator's shared state: options, the simulated agents and customers, and the hooks
 * through which each mode (relay, idle, offer, storm) follows them. */
#ifndef LG_H
#define LG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net.h"

typedef struct {
    const char *mode;
    const char *url;
    char host[256];
    int port;
    struct sockaddr_in addr;
    char origin_buf[300];
    const char *origin, *widget_origin;
    const char *customer_path, *staff_path, *login_path, *subprotocol;
    const char *topic, *channel, *disposition, *client_name;
    uint32_t agents, agent_first;
    const char *agent_prefix, *password;
    uint32_t customers;
    double rate;
    bool saturate;
    uint32_t inflight;
    double duration, warmup, drain;
    uint32_t text_bytes;
    double hold;
    uint32_t src_addrs;
    double connect_rate;
    uint32_t connect_concurrency, login_concurrency;
    double setup_timeout;
    uint32_t pool;
    const char *save, *resume;
    double jitter, timeout, backoff_ms, backoff_max_ms;
    int server_pid, redis_pid;
    bool json, quiet, cleanup;
    uint64_t seed;
    int lws_log;
    uint32_t fd_limit; /* open files this process may use (soft limit after raising) */
    uint32_t fd_hard;  /* the hard limit */
} lg_opts_t;

/* Request ids the fleet uses for setup; the modes number their own requests from LG_ID_FIRST. */
enum { LG_ID_HELLO = 1, LG_ID_SETUP2 = 2, LG_ID_CANCEL = 3, LG_ID_FIRST = 16 };

enum {
    LG_A_NEW,
    LG_A_LOGIN,
    LG_A_CONNECTING,
    LG_A_HELLO,
    LG_A_SETTING,
    LG_A_READY,
    LG_A_FAILED,
};

enum {
    LG_C_NEW,
    LG_C_CONNECTING,
    LG_C_HELLO, /* hello sent */
    LG_C_IDLE,  /* hello answered; no contact yet */
    LG_C_REQUESTED,
    LG_C_QUEUED,   /* contact.request answered */
    LG_C_ASSIGNED, /* an agent joined: chat ready */
    LG_C_ENDED,
    LG_C_FAILED,
};

enum { LG_W_FREE, LG_W_ACCEPT, LG_W_END, LG_W_WRAP };

#define LG_AGENT_SLOTS 32
#define LG_ID_LEN      72

typedef struct {
    uint64_t req_id;
    uint8_t step;
    char contact[LG_ID_LEN];
} lg_work_t;

typedef struct {
    lg_conn_t conn;
    uint32_t idx;
    uint8_t state;
    uint32_t login_tries;
    char name[64];
    char *cookie;
    uint32_t chats_opened;
    lg_work_t work[LG_AGENT_SLOTS];
} lg_agent_t;

/* Requests in flight on one connection: request id -> (time, message number). Indexed by
 * id & mask; grows when an id would land on an entry still waiting. */
typedef struct {
    uint64_t id, t, k;
} lg_slot_t;

typedef struct {
    lg_slot_t *s;
    uint32_t mask;
    uint32_t n;
} lg_ring_t;

typedef struct {
    lg_conn_t conn;
    uint32_t idx;
    uint8_t state;
    uint8_t conv_len;
    char token[LG_ID_LEN + 8];
    char contact[LG_ID_LEN];
    char conv[LG_ID_LEN];
    /* relay */
    lg_ring_t ring;
    uint64_t *seq_bits; /* seqs delivered to the agent, to spot a seq delivered twice */
    uint32_t seq_words;
    uint64_t agent_last_seq;
    /* offer */
    uint64_t req_sched;
    bool in_pool;
    /* storm */
    uint32_t attempts;
    uint64_t t_first;
    bool done;
} lg_customer_t;

typedef struct {
    void (*agents_ready)(void);
    void (*customer_hello)(lg_customer_t *c, const msgpack_object *b, uint64_t now);
    void (*customer_contact)(lg_customer_t *c, uint64_t now);
    void (*customer_assigned)(lg_customer_t *c, uint64_t now);
    void (*customer_ended)(lg_customer_t *c, uint64_t now);
    /* a reply to a request id >= LG_ID_FIRST */
    void (*customer_reply)(lg_customer_t *c, const lg_env_t *e, bool ok, uint64_t now);
    /* a failed hello or contact.request (error reply): the customer is left as it is */
    void (*customer_refused)(lg_customer_t *c, const char *code);
    void (*customer_closed)(lg_customer_t *c, int code, const char *why);
    /* an offer arrived (before it is accepted) */
    void (*agent_offer)(lg_agent_t *a, const char *contact, uint32_t len, uint64_t now);
    void (*agent_chat_event)(lg_agent_t *a, const msgpack_object *b, uint64_t now);
    /* a wrap-up was acknowledged: the slot is free */
    void (*agent_done)(lg_agent_t *a, uint64_t now);
    void (*agent_closed)(lg_agent_t *a, int code);
    /* a request of the accept/end/wrap-up sequence was refused (step: LG_W_ACCEPT, LG_W_END or
     * LG_W_WRAP); the slot is free again. A server without contact.end (the relay peer) answers
     * UNKNOWN_TYPE: then only the customer leaving ends the contact. */
    void (*agent_refused)(lg_agent_t *a, uint8_t step, const char *contact, const char *code);
} lg_hooks_t;

typedef struct {
    uv_loop_t *loop;
    lg_opts_t *o;
    lg_hooks_t hooks;
    lg_agent_t *agents;
    uint32_t nagents;
    lg_customer_t *custs;
    uint32_t ncusts;
    bool end_after_accept; /* agents end and wrap up every contact they accept */
    bool wrap_wrapping;    /* agents wrap up whatever agent.work lists as wrapping */
    char **src;            /* source addresses, NULL when not binding */
    uint32_t nsrc;
    uint32_t agents_ready, agents_failed;
    uint64_t offers, accepts, wrapups;
    uint64_t agent_closes;
    uint64_t cancels_refused; /* contact.cancel answered with an error (cleanup) */
} lg_world_t;

extern lg_world_t W;

/* fleet.c: agents and customers */
void lg_fleet_init(uv_loop_t *loop, lg_opts_t *o, const lg_hooks_t *hooks, uint32_t nagents,
                   uint32_t ncusts);
void lg_fleet_dispose(void);
/* Closes the connector's timer (part of shutdown). */
void lg_fleet_close_handles(void);
/* Logs every agent in (login_concurrency at a time), connects and sets them available; calls
 * hooks.agents_ready once each is ready or failed. */
void lg_fleet_start_agents(void);
/* Queues a customer connection (paced by --connect-rate and --connect-concurrency); hello follows
 * (with c->token when set). direct: connect now, bypassing the pacing. */
void lg_customer_connect(lg_customer_t *c, bool direct);
/* Sends contact.request {topic, channel, name}. */
void lg_customer_request_contact(lg_customer_t *c);
/* Sends contact.cancel for the customer's contact (cleanup). */
void lg_customer_cancel(lg_customer_t *c);
/* Customers whose connection handshake is under way (connector). */
uint32_t lg_fleet_pending_connects(void);

/* ring of requests in flight */
void lg_ring_put(lg_ring_t *r, uint64_t id, uint64_t t, uint64_t k);
bool lg_ring_take(lg_ring_t *r, uint64_t id, uint64_t *t, uint64_t *k);
void lg_ring_free(lg_ring_t *r);

/* error replies by code, over the run */
void lg_errors_count(const msgpack_object *b);
void lg_errors_note(const char *code);
uint64_t lg_errors_total(void);
/* The codes seen so far and their counts; returns how many were written. */
uint32_t lg_errors_list(const char **codes, uint64_t *counts, uint32_t cap);

/* tq.c: a timer queue on one uv_timer (millisecond precision) for everything but the send
 * schedule: retries, reconnects, phase changes. */
typedef void (*lg_tq_fn)(void *arg);
void lg_tq_init(uv_loop_t *loop);
void lg_tq_add(uint64_t at_ns, lg_tq_fn fn, void *arg);
void lg_tq_close(void);

/* sched.c: the open-loop send schedule, on a timerfd armed at absolute nanosecond times (libuv's
 * own timers have millisecond resolution, too coarse for sends every 100 us). fn is called with
 * the current time once the armed time passed; it sends what is due and arms the next time. */
int lg_sched_init(uv_loop_t *loop, void (*fn)(uint64_t now));
void lg_sched_at(uint64_t t_ns);
void lg_sched_close(void);

/* main.c: a mode calls this once when it has finished (after printing its report). */
void lg_done(int exit_code);
/* CPU and memory readings of the server (and Redis) for the measured window. */
typedef struct {
    bool have_server, have_redis;
    uint64_t server_cpu_ns, redis_cpu_ns, self_cpu_ns, t_ns;
} lg_usage_t;
void lg_usage_read(lg_usage_t *u);

#endif
