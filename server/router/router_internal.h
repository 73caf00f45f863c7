/* Shared by the files of the routing shell (router*.c, presence.c, contact.c). */
#ifndef SB_ROUTER_ROUTER_INTERNAL_H
#define SB_ROUTER_ROUTER_INTERNAL_H

#include "app.h"
#include "net/conn.h"
#include "net/http.h"
#include "proto/codec.h"
#include "router/router.h"
#include "util/strmap.h"
#include "util/timer.h"

#define RTR_DEFERRED 256
#define RTR_WAITS    16

/* What the shell keeps per contact: who the customer is and where they are connected. */
typedef struct {
    char contact_id[SB_ROUTE_ID_LEN + 1];
    char customer_id[SB_ROUTE_ID_LEN + 1];
    char token_hash[65];
    char topic[SB_ROUTE_ID_LEN + 1];
    char title[201];        /* tasks: what the work is, for the agent */
    uint64_t conn;          /* the customer's connection id, 0 while disconnected */
    uint64_t left_ms;       /* when that connection closed (0: connected, or not known since a
                               restart); answered chats show it to the agent */
    uint32_t ix;            /* slot in csides */
    sb_timer_t abandon;     /* disconnected while waiting: cancel when the resume window ends */
    uint32_t last_position; /* last sent, to send only changes */
    uint32_t last_wait_s;
    bool customer_ended; /* the customer left an answered contact (contact.cancel) */
    bool customer_gone;  /* the customer's connection did not come back (resume window) */
    bool transferred;    /* the conversation moved on to a later segment: the customer hears
                            nothing more about this one */
    int16_t conv_werr;   /* chats: why its conversation was refused (the CREATE commit is
                            refused with it, "conversation"), 0 if it was not */
    bool keep_token;     /* the end does not revoke the resume token (a blocked customer stays
                            recognisable) */
    char conv_id[SB_ROUTE_ID_LEN + 1]; /* chats: the conversation, "" if none */
    /* transfers (transfer.c) */
    char transfer_from[SB_ROUTE_ID_LEN + 1]; /* the segment this one continues */
    char transfer_to[SB_ROUTE_ID_LEN + 1];   /* a direct transfer waiting for an answer */
    bool direct;                             /* offered to one named agent */
    uint64_t reply_conn, reply_req;          /* the sender of a direct transfer, to answer */
    /* statistics (router/stats.c): counted as a concurrent conversation, and where */
    bool counted;
    char counted_queue[SB_ROUTE_ID_LEN + 1];
    char counted_agent[SB_ROUTE_ID_LEN + 1];
} cside_t;

struct sb_router {
    sb_app_t *app;
    const sb_router_conv_port_t *conv; /* chat/, wired by app.c; NULL: no chats */
    sb_route_t *eng;
    sb_timer_t timer;       /* the engine's next deadline */
    sb_timer_t hours_timer; /* opening hours refresh */
    sb_timer_t retry_timer; /* reloads that could not be sent */
    bool pumping;
    /* stable indexes: engine index -> id, id -> engine index */
    char **queue_ids;
    uint32_t n_queue_ids;
    sb_strmap_t queue_ix;
    char **agent_ids;
    uint32_t n_agent_ids;
    sb_strmap_t agent_ix;
    uint64_t *agent_conn;  /* per agent: its staff connection id, 0 if none */
    uint64_t *state_since; /* per agent: when its current state began */
    /* waiting counts pushed to agents (agent.work.waiting), at most once a second per change */
    uint32_t *last_waiting; /* per queue: the count agents last heard */
    sb_timer_t waiting_timer;
    uint64_t waiting_pushed_ms;
    /* contact side data */
    cside_t **csides;
    uint32_t n_cs, cap_cs;
    uint32_t *free_cs;
    uint32_t n_free_cs;
    sb_strmap_t cside_ix;    /* contact id -> csides slot */
    sb_strmap_t by_customer; /* customer id -> csides slot of the open contact */
    /* requests waiting for the commit they caused, found by the commit's tag (sb_route_tag):
     * registered just before the pump that submits that commit, so there are few at a time */
    uint64_t next_tag, tag; /* tag: the one set on the engine call being made, 0 if none */
    struct {
        uint64_t tag, conn_id, req_id;
        sb_msg_type_t type;
    } waits[RTR_WAITS];
    uint32_t n_waits;
    uint64_t deferred_refusals[RTR_DEFERRED];
    uint32_t n_deferred;
    /* recovery */
    struct {
        char **ids;
        uint32_t n, next;
        bool issuing; /* load_next is issuing: completions only count down */
        sb_strmap_t seen;
    } load;
    bool loading;
    uint32_t load_pending;
    uint64_t load_generation;
    char **doubt_contacts;
    uint32_t n_doubt_c;
    uint32_t *doubt_agents;
    uint32_t n_doubt_a;
};

sb_router_t *rtr(const sb_app_t *app);
uint32_t rtr_agent_of(const sb_router_t *R, const char *username);
uint32_t rtr_queue_of(const sb_router_t *R, const char *id);
int rtr_lang_of(const sb_router_t *R, const char *code);
const char *rtr_lang_code(const sb_router_t *R, uint16_t lang);
const sb_cfg_queue_t *rtr_queue_cfg(const sb_router_t *R, uint32_t q);
const sb_cfg_staff_t *rtr_staff_cfg(const sb_router_t *R, uint32_t ai);
sb_conn_t *rtr_agent_conn(const sb_router_t *R, uint32_t ai);
cside_t *rtr_cside(const sb_router_t *R, const char *contact_id);
cside_t *rtr_cside_add(sb_router_t *R, const char *contact_id);
void rtr_cside_del(sb_router_t *R, cside_t *cs);
cside_t *rtr_cside_of_customer(const sb_router_t *R, const char *customer_id);
sb_conn_t *rtr_customer_conn(const sb_router_t *R, const cside_t *cs);

/* router.c */
void rtr_pump(sb_router_t *R);
/* A request is about to call the engine: its first commit will carry a fresh tag. */
void rtr_tag(sb_router_t *R);
/* The tagged call was refused (or answered otherwise): forget the tag. */
void rtr_untag(sb_router_t *R);
/* The tagged call was accepted: the request is answered when the commit it caused returns. */
void rtr_wait_for_commit(sb_router_t *R, sb_conn_t *c, uint64_t req_id, sb_msg_type_t type);
/* The same for a connection known by id. */
void rtr_wait_for_conn(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type);
/* contact.c: the customer hears why a chat could not start (`werr`: a refused conversation). */
void rtr_conv_error(sb_conn_t *c, uint64_t req_id, int werr);
/* The same for an HTTP transaction (an API call): marked by type RTR_HTTP. */
#define RTR_HTTP SB_MSG__COUNT
void rtr_wait_for_http(sb_router_t *R, uint64_t http_id);

/* router/announce.c */
void rtr_commit_extra(sb_router_t *R, const sb_rcommit_t *cm, void *extra /* sb_rs_extra_t */);
void rtr_announce(sb_router_t *R, const sb_rcommit_t *cm);
void rtr_position(sb_router_t *R, uint32_t contact, uint32_t position, uint32_t wait_s);
void rtr_answer_waiting(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type,
                        const sb_rcommit_t *cm, sb_commit_outcome_t out, const char *why);
void rtr_send_work(sb_router_t *R, uint32_t ai);
/* `by`: -1 when the state is only restated, else SB_MSG_AGENT_STATE_BY_*. */
void rtr_send_state(sb_router_t *R, uint32_t ai, int by);
void rtr_waiting_check(sb_router_t *R);
void rtr_send_contact_status(sb_router_t *R, const cside_t *cs);

/* router/recover.c */
void rtr_doubt(sb_router_t *R, const char *contact_id, uint32_t agent);
void rtr_retry_cb(sb_timer_t *t);
/* Frees what a load in progress holds (the router is going). */
void rtr_load_dispose(sb_router_t *R);

/* router/hours.c: the queue's opening hours as UTC intervals around `now` (always open without
 * hours). 0 or SB_E_NOMEM; free the intervals with rtr_hours_free. */
int rtr_hours(sb_router_t *R, uint32_t q, const sb_cfg_queue_t *cq, sb_rqueue_def_t *d,
              uint64_t now);
void rtr_hours_free(sb_rqueue_def_t *defs, uint32_t n);

/* contact.c */
void rtr_abandon_cb(sb_timer_t *t);
/* Tells the engine whether the customer of `cs` is connected, and the agent of an answered
 * contact that its customer left or came back. */
void rtr_customer_presence(sb_router_t *R, cside_t *cs, sb_presence_t pr, uint64_t now);

/* router/stats.c: statistics of an announced commit (before its side data goes), of a contact
 * read back from Redis, and the agents' statuses once loaded. */
void rtr_stats_commit(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm);
void rtr_stats_reloaded(sb_router_t *R, cside_t *cs, const sb_rcontact_t *c);
void rtr_stats_agents_loaded(sb_router_t *R, uint64_t now);

/* transfer.c: a direct transfer was accepted (before the conversation hears of the accept), was
 * canceled (declined, timed out), or its source segment ended or was re-queued meanwhile. */
void rtr_transfer_created(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm);
void rtr_transfer_accepted(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm);
void rtr_transfer_canceled(sb_router_t *R, cside_t *cs);
void rtr_transfer_source_ended(sb_router_t *R, cside_t *old);

#endif
