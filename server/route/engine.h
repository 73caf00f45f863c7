/* The routing engine: which specialist helps which person next.
 *
 * Pure C: no I/O, no clock, no logging, no randomness. Every call takes `now` (milliseconds on the
 * Switchboard clock) and the engine answers with decisions, appended to an outbox the shell drains
 * (sb_route_next). The same calls in the same order always give the same decisions.
 *
 * Commit, then announce. A decision that changes shared state is a *commit*: the engine applies it
 * to its own view at once as a pending reservation (an offered contact is not offered twice, a
 * reserved slot counts against capacity), and the shell runs it in Redis as one conditional script
 * (docs/redis-keys.md) and reports the outcome with sb_route_committed():
 *   OK       the change stands; follow-up decisions (announcements) are emitted now;
 *   REFUSED  Redis saw different state (another process, a lost race): the change is undone;
 *   UNKNOWN  the connection dropped before the answer: the objects are in doubt, nothing routes
 *            them until the shell has reloaded them from Redis (sb_route_reload_contact/agent).
 * Only one commit per contact is in flight at a time; events that arrive meanwhile wait for it.
 *
 * docs/routing.md states every rule this module implements. */
#ifndef SB_ROUTE_ENGINE_H
#define SB_ROUTE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "route/calendar.h" /* sb_rinterval_t: a queue's opening hours, as UTC intervals */

#define SB_ROUTE_MAX_REQS  8
#define SB_ROUTE_MAX_STEPS 4 /* step 0 = base requirements, then up to 3 relax steps */
#define SB_ROUTE_ID_LEN    64
#define SB_ROUTE_NONE      UINT32_MAX

/* Channel classes: capacity is counted per class; voice and video share the call slot. The names
 * are what Redis stores (a:<agent> load_<class>, route_commit.lua). */
#define SB_CLASS_LIST(X) X(CHAT, "chat") X(CALL, "call") X(TASK, "task")

typedef enum {
#define SB_CLASS_ENUM(n, s) SB_CLASS_##n,
    SB_CLASS_LIST(SB_CLASS_ENUM)
#undef SB_CLASS_ENUM
        SB_CLASS__COUNT
} sb_class_t;

const char *sb_class_name(sb_class_t c);

static inline sb_class_t sb_channel_class(sb_channel_t ch)
{
    return ch == SB_CHAN_CHAT ? SB_CLASS_CHAT : ch == SB_CHAN_TASK ? SB_CLASS_TASK : SB_CLASS_CALL;
}

/* ------------------------------------------------------------------------------------------------
 * Setup: what the engine routes with, built by the shell from the configuration
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    uint16_t skill; /* index into the configured skills */
    uint8_t min;    /* 1..5 */
} sb_rreq_t;

typedef struct {
    uint32_t after_ms; /* step 0 has 0 */
    uint8_t n_reqs;
    sb_rreq_t reqs[SB_ROUTE_MAX_REQS];
} sb_rstep_t;

typedef struct {
    char id[SB_ROUTE_ID_LEN + 1];
    uint8_t channels; /* bit per sb_channel_t */
    uint64_t langs;   /* bit per language index */
    uint8_t priority; /* 1..10 */
    sb_strategy_t strategy;
    uint32_t offer_timeout_ms;
    uint32_t wrapup_limit_ms;
    uint32_t max_wait_ms; /* 0 = none */
    sb_overflow_kind_t overflow;
    uint32_t overflow_queue; /* index, for SB_OVERFLOW_QUEUE */
    uint8_t n_steps;         /* >= 1 */
    sb_rstep_t steps[SB_ROUTE_MAX_STEPS];
    bool by_due; /* task queue: ordered by due time */
    bool always_open;
    const sb_rinterval_t *hours; /* sorted, not overlapping (sb_cal_intervals makes them from
                                    the configured hours for the days around `now`); borrowed
                                    during the setup call */
    size_t n_hours;
    bool removed; /* no longer configured: drains, takes no new contacts */
} sb_rqueue_def_t;

typedef struct {
    char id[SB_ROUTE_ID_LEN + 1]; /* username */
    uint8_t levels_n;
    struct {
        uint16_t skill;
        uint8_t level;
    } levels[32];
    uint64_t langs;
    uint32_t n_queues;
    const uint32_t *queues; /* served queues (indexes); borrowed during the call */
    uint8_t capacity[SB_CLASS__COUNT];
    uint8_t auto_accept; /* bit per sb_class_t */
    bool removed;
} sb_ragent_def_t;

typedef struct {
    uint32_t decline_cooldown_ms; /* a declined contact is not offered to the same agent again */
    uint32_t max_missed_offers;   /* consecutive timeouts before "missed offers" away */
    uint32_t disconnect_grace_ms;
    uint32_t priority_step_ms;     /* ordering bonus per priority point */
    uint32_t position_every_ms;    /* recompute positions at most this often per queue */
    uint16_t missed_offers_reason; /* index of the away reason used */
} sb_rparams_t;

/* ------------------------------------------------------------------------------------------------
 * States
 * ---------------------------------------------------------------------------------------------- */

/* An agent's status; the names are what Redis stores and statistics count. */
#define SB_AGENT_STATUS_LIST(X) X(OFFLINE, "offline") X(AVAILABLE, "available") X(AWAY, "away")

typedef enum {
#define SB_AGENT_STATUS_ENUM(n, s) SB_AGENT_##n,
    SB_AGENT_STATUS_LIST(SB_AGENT_STATUS_ENUM)
#undef SB_AGENT_STATUS_ENUM
} sb_agent_status_t;

const char *sb_agent_status_name(sb_agent_status_t s);

#define SB_CSTATE_LIST(X)                                                                          \
    X(QUEUED, "queued")                                                                            \
    X(OFFERED, "offered")                                                                          \
    X(ASSIGNED, "assigned")                                                                        \
    X(WRAPPING, "wrapping")                                                                        \
    X(COMPLETED, "completed")                                                                      \
    X(CANCELED, "canceled")

typedef enum {
#define SB_CSTATE_ENUM(n, s) SB_CSTATE_##n,
    SB_CSTATE_LIST(SB_CSTATE_ENUM)
#undef SB_CSTATE_ENUM
        SB_CSTATE__COUNT
} sb_cstate_t;

#define SB_CANCEL_LIST(X)                                                                          \
    X(NONE, "")                                                                                    \
    X(ABANDONED, "abandoned")                                                                      \
    X(CUSTOMER_DISCONNECTED, "customer_disconnected")                                              \
    X(OVERFLOW, "overflow")                                                                        \
    X(MESSAGE, "leave_message")                                                                    \
    X(CALLBACK, "callback")                                                                        \
    X(QUEUE_REMOVED, "queue_removed")                                                              \
    X(TRANSFER_DECLINED, "transfer_declined") /* a direct transfer was declined or timed out */

typedef enum {
#define SB_CANCEL_ENUM(n, s) SB_CANCEL_##n,
    SB_CANCEL_LIST(SB_CANCEL_ENUM)
#undef SB_CANCEL_ENUM
} sb_cancel_t;

const char *sb_cstate_name(sb_cstate_t s);
const char *sb_cancel_name(sb_cancel_t c);
int sb_cstate_parse(const char *s);

/* A contact as the shell knows it: what arrives, and what is reloaded from Redis. */
typedef struct {
    char id[SB_ROUTE_ID_LEN + 1];
    char prev_id[SB_ROUTE_ID_LEN + 1]; /* previous segment, "" if none */
    uint32_t queue;
    sb_channel_t channel;
    uint16_t lang;
    uint8_t priority;     /* queue priority plus any boost */
    uint64_t enqueued_ms; /* original waiting start (kept across re-queues) */
    uint64_t due_ms;      /* task queues */
    /* A transfer to one named agent: offered to `agent` only (at arrival too), never to anyone
     * else; declined or timed out, it is canceled (SB_CANCEL_TRANSFER_DECLINED). */
    bool direct;
    /* reload only (and the target of a direct contact at arrival): */
    sb_cstate_t state;
    uint64_t version;
    uint32_t agent; /* holder or offered agent, SB_ROUTE_NONE */
    uint64_t offer_id;
    uint64_t offer_deadline_ms;
    uint64_t assigned_ms;
    uint64_t wrap_started_ms;
    uint64_t segment_ms; /* when this segment (or re-queue) started waiting; 0: unknown (now) */
    /* Arrival order among contacts with the same ordering key: the number Redis gave the contact
     * when it was created (docs/redis-keys.md, `arrivals`), so that a restart rebuilds every queue
     * in exactly the order it had. 0 on arrival and for records that predate it: the engine
     * numbers those itself, after every number it has seen. */
    uint64_t arrival;
} sb_rcontact_t;

/* ------------------------------------------------------------------------------------------------
 * Decisions
 * ---------------------------------------------------------------------------------------------- */

#define SB_COMMIT_LIST(X)                                                                          \
    X(CREATE, "create")     /* a new contact, queued (and maybe offered: see offer_agent) */       \
    X(OFFER, "offer")       /* queued -> offered to agent until deadline */                        \
    X(ACCEPT, "accept")     /* offered -> assigned */                                              \
    X(RETURN, "return")     /* offered -> queued: declined, timed out, withdrawn */                \
    X(REQUEUE, "requeue")   /* assigned -> queued at its original wait (agent gone) */             \
    X(CANCEL, "cancel")     /* queued or offered -> canceled(reason) */                            \
    X(END, "end")           /* assigned -> wrapping */                                             \
    X(COMPLETE, "complete") /* wrapping -> completed (flagged when by time limit) */               \
    X(AGENT, "agent")       /* agent status change */

typedef enum {
#define SB_COMMIT_ENUM(n, s) SB_COMMIT_##n,
    SB_COMMIT_LIST(SB_COMMIT_ENUM)
#undef SB_COMMIT_ENUM
        SB_COMMIT__COUNT
} sb_commit_kind_t;

const char *sb_commit_name(sb_commit_kind_t k);

typedef enum { SB_COMMIT_OK, SB_COMMIT_REFUSED, SB_COMMIT_UNKNOWN } sb_commit_outcome_t;

typedef enum {
    SB_RD_COMMIT,         /* run `commit` in Redis, then call sb_route_committed */
    SB_RD_ANNOUNCE,       /* a commit succeeded: tell the people concerned (see commit kind) */
    SB_RD_POSITION,       /* a waiting contact's position or expected wait changed */
    SB_RD_CLOSED_REFUSED, /* unused placeholder for symmetry; refusals are return values */
} sb_rdecision_kind_t;

/* What a commit changes; all fields a script needs, copied (the engine may move on). */
typedef struct {
    uint64_t commit_id;
    sb_commit_kind_t kind;
    uint32_t contact; /* engine index, SB_ROUTE_NONE for AGENT */
    char contact_id[SB_ROUTE_ID_LEN + 1];
    uint64_t expect_version; /* contact version Redis must hold (0 for CREATE) */
    uint32_t agent;          /* offered/holding agent, SB_ROUTE_NONE if none */
    char agent_id[SB_ROUTE_ID_LEN + 1];
    uint32_t queue;
    sb_channel_t channel;
    sb_class_t cls;
    uint64_t offer_id;
    uint64_t deadline_ms;     /* OFFER (and CREATE with an offer) */
    sb_cancel_t cancel;       /* CANCEL */
    uint8_t return_reason;    /* RETURN: 0 declined, 1 timed out, 2 withdrawn */
    bool flagged;             /* COMPLETE by time limit */
    bool offer_with_create;   /* CREATE that also offers to `agent` */
    bool agent_to_away;       /* RETURN by timeout that also sets the agent away */
    sb_agent_status_t status; /* AGENT */
    uint16_t reason;          /* AGENT: away reason index */
    /* the contact's times when the commit was asked for (statistics: a finished contact is
     * gone from the engine by the time its commit is announced) */
    uint64_t segment_ms;      /* its segment (or re-queue) started waiting */
    uint64_t assigned_ms;     /* answered, 0 if not */
    uint64_t wrap_started_ms; /* wrap-up began, 0 if not */
    uint64_t now_ms;
    /* The caller's tag (sb_route_tag) on the first commit the tagged call asked for, so the shell
     * can answer the request that caused it; 0 on every other commit. */
    uint64_t tag;
} sb_rcommit_t;

typedef struct {
    sb_rdecision_kind_t kind;
    sb_rcommit_t commit; /* COMMIT and ANNOUNCE */
    /* POSITION */
    uint32_t contact;
    uint32_t position; /* 1-based among contacts with the same requirements */
    uint32_t wait_s;   /* expected wait in seconds */
} sb_rdecision_t;

/* ------------------------------------------------------------------------------------------------
 * The engine
 * ---------------------------------------------------------------------------------------------- */

typedef struct sb_route sb_route_t;

sb_route_t *sb_route_create(const sb_rparams_t *params);
void sb_route_destroy(sb_route_t *r);

/* (Re)defines the queues and agents. Indexes are positions in the arrays and stay stable across
 * calls (the shell keeps removed ones with `removed` set). 0 or SB_E_NOMEM / SB_E_INVAL. */
int sb_route_setup(sb_route_t *r, const sb_rqueue_def_t *queues, uint32_t n_queues,
                   const sb_ragent_def_t *agents, uint32_t n_agents, const sb_rparams_t *params,
                   uint64_t now);

/* Tags the next call: the first commit it asks for carries `tag` (sb_rcommit_t.tag), to the
 * decision and to its announcement, so that the shell finds the request that caused it without
 * relying on order. Returns the tag that was set before and not used (0 when it was used: the
 * call asked for a commit); sb_route_tag(r, 0) after a call says whether it did. */
uint64_t sb_route_tag(sb_route_t *r, uint64_t tag);

/* Decisions in the order they were made. Returns false when the outbox is empty. */
bool sb_route_next(sb_route_t *r, sb_rdecision_t *out);
/* The earliest time sb_route_tick needs to run (UINT64_MAX if none). */
uint64_t sb_route_next_deadline(const sb_route_t *r);
/* Handles everything due at `now`: offer timeouts, relax steps, maximum waits, closing hours,
 * wrap-up limits, disconnect grace, decline cool-downs, position refresh. */
void sb_route_tick(sb_route_t *r, uint64_t now);

/* The outcome of a commit the engine asked for. */
void sb_route_committed(sb_route_t *r, uint64_t commit_id, sb_commit_outcome_t outcome,
                        uint64_t now);

/* Presence. */
void sb_route_agent_connected(sb_route_t *r, uint32_t agent, uint64_t now);
void sb_route_agent_disconnected(sb_route_t *r, uint32_t agent, uint64_t now);
/* 0, or SB_E_INVAL (unknown agent or status), SB_E_BUSY (a change is being committed). */
int sb_route_agent_set_status(sb_route_t *r, uint32_t agent, sb_agent_status_t st, uint16_t reason,
                              uint64_t now);

/* Why a new contact was not taken. */
typedef enum {
    SB_ARRIVE_OK,
    SB_ARRIVE_CLOSED,      /* the queue is closed now; *next_open_ms says when it opens */
    SB_ARRIVE_NO_CHANNEL,  /* the queue does not take this channel */
    SB_ARRIVE_NO_LANGUAGE, /* the queue does not serve this language */
    SB_ARRIVE_REMOVED,     /* the queue was removed from the configuration */
    SB_ARRIVE_FULL,        /* out of memory */
    SB_ARRIVE_EXISTS,      /* a contact with this id exists */
    SB_ARRIVE_AGENT_BUSY,  /* direct: the agent is not available, or has no free slot now */
} sb_arrive_t;

/* The queue a new contact for queue `q` enters now: `q` when it is open, else (a closed queue
 * whose overflow is another queue) the first open queue along its overflow targets; SB_ROUTE_NONE
 * when none is open (*next_open_ms: when `q` opens, 0 if not soon). `channel` and `lang` -1 for
 * any. */
uint32_t sb_route_entry_queue(const sb_route_t *r, uint32_t q, int channel, int lang, uint64_t now,
                              uint64_t *next_open_ms);
/* A new contact. On SB_ARRIVE_OK *index is its engine index and a CREATE commit follows; a closed
 * queue whose overflow is another queue sends it there (sb_route_entry_queue): the contact's view
 * says which. */
sb_arrive_t sb_route_contact_arrive(sb_route_t *r, const sb_rcontact_t *c, uint64_t now,
                                    uint32_t *index, uint64_t *next_open_ms);

typedef enum {
    SB_ROUTE_OK = 0,
    SB_ROUTE_NOT_FOUND,   /* no such contact or offer */
    SB_ROUTE_NOT_YOURS,   /* the agent does not hold / was not offered this contact */
    SB_ROUTE_EXPIRED,     /* the offer's deadline passed */
    SB_ROUTE_WRONG_STATE, /* e.g. ending a contact that is not assigned */
    SB_ROUTE_BUSY,        /* a commit for this contact is in flight: try again */
    SB_ROUTE_WITHDRAWN,   /* the offer was withdrawn (the customer left) before the accept */
    SB_ROUTE_DECLINED,    /* the agent declined this offer already */
} sb_route_result_t;

sb_route_result_t sb_route_offer_accept(sb_route_t *r, uint32_t agent, uint64_t offer_id,
                                        uint64_t now);
sb_route_result_t sb_route_offer_decline(sb_route_t *r, uint32_t agent, uint64_t offer_id,
                                         uint64_t now);
/* Whether the customer of a waiting contact is connected. A customer whose connection closed
 * keeps the place in line but is not offered to anyone until back (LEFT); an offer already out
 * is withdrawn at once (RETURN, not counted as missed; a late accept gets SB_ROUTE_WITHDRAWN).
 * After a restart, customers not yet reconnected are NOT_BACK: the same, but an offer made
 * before the restart stands. Tasks and direct transfers have no customer on a line and are
 * never away. The shell cancels the contact when the resume window ends. */
typedef enum { SB_PRESENCE_BACK, SB_PRESENCE_LEFT, SB_PRESENCE_NOT_BACK } sb_presence_t;
sb_route_result_t sb_route_customer_presence(sb_route_t *r, uint32_t contact, sb_presence_t pr,
                                             uint64_t now);
/* The customer left (or the contact is withdrawn): canceled if queued or offered. */
sb_route_result_t sb_route_contact_withdraw(sb_route_t *r, uint32_t contact, sb_cancel_t why,
                                            uint64_t now);
/* The agent ended the contact: assigned -> wrapping. */
sb_route_result_t sb_route_contact_end(sb_route_t *r, uint32_t agent, uint32_t contact,
                                       uint64_t now);
/* The wrap-up form was submitted: wrapping -> completed; the slot frees. */
sb_route_result_t sb_route_wrapup_done(sb_route_t *r, uint32_t agent, uint32_t contact,
                                       uint64_t now);

/* Recovery: contacts and agents read back from Redis (at start, or to settle a doubt). A contact
 * in a final state is forgotten. Agent presence starts disconnected with the grace period from
 * `now` (the restart), so agents find what they held when they come back. */
int sb_route_reload_contact(sb_route_t *r, const sb_rcontact_t *c, uint64_t now);
void sb_route_reload_agent(sb_route_t *r, uint32_t agent, sb_agent_status_t st, uint16_t reason,
                           const uint64_t last_finished_ms[SB_CLASS__COUNT], uint64_t now);
/* After a bulk reload: start routing (offers for waiting contacts, grace timers). */
void sb_route_reload_done(sb_route_t *r, uint64_t now);

/* ------------------------------------------------------------------------------------------------
 * Reading the engine's view (for the shell's announcements and for tests)
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_agent_status_t status;
    uint16_t reason;
    bool connected;
    uint64_t grace_deadline_ms;
    uint8_t load[SB_CLASS__COUNT];    /* committed holdings */
    uint8_t pending[SB_CLASS__COUNT]; /* reservations awaiting their commit */
    uint32_t offer_contact;           /* pending or announced offer, SB_ROUTE_NONE */
    uint64_t offer_id;
    uint64_t offer_deadline_ms;
    uint32_t missed_in_a_row;
    uint64_t last_finished_ms[SB_CLASS__COUNT];
    bool in_doubt;
    bool status_committing; /* a status change is being committed */
} sb_ragent_view_t;

typedef struct {
    bool exists;
    const char *id;
    const char *prev_id;
    sb_cstate_t state;
    bool committing; /* a commit is in flight */
    bool in_doubt;
    uint32_t queue;
    sb_channel_t channel;
    uint16_t lang;
    uint8_t priority;
    uint8_t step; /* current relax step */
    uint64_t enqueued_ms;
    uint64_t
        segment_ms; /* when this segment (or re-queue) started waiting: waits count from here */
    uint64_t key;   /* ordering key: smaller is served first */
    uint64_t order; /* among equal keys: smaller is served first (the arrival number) */
    uint64_t version;
    uint32_t agent;
    uint64_t offer_id;
    uint64_t offer_deadline_ms;
    uint64_t assigned_ms;
    uint64_t wrap_started_ms;
    bool customer_away; /* its customer is disconnected (sb_route_customer_presence) */
    uint32_t position;  /* last computed, 0 if not waiting */
    uint32_t wait_s;
    uint64_t due_ms; /* as given (task queues); a CREATE the engine makes (overflow) needs it */
} sb_rcontact_view_t;

bool sb_route_agent_view(const sb_route_t *r, uint32_t agent, sb_ragent_view_t *out);
bool sb_route_contact_view(const sb_route_t *r, uint32_t contact, sb_rcontact_view_t *out);
/* Engine index of a contact id, SB_ROUTE_NONE if unknown. */
uint32_t sb_route_contact_find(const sb_route_t *r, const char *id);
/* Contacts held or offered by `agent`: writes up to `max` indexes, returns how many there are. */
uint32_t sb_route_agent_contacts(const sb_route_t *r, uint32_t agent, uint32_t *out, uint32_t max);
/* Number of contacts waiting in the queues `agent` serves and could take. */
uint32_t sb_route_waiting_for_agent(const sb_route_t *r, uint32_t agent);
uint32_t sb_route_waiting_in_queue(const sb_route_t *r, uint32_t queue);
/* Iterates over live contacts (for tests and recovery checks): first call with *cursor = 0. */
bool sb_route_contact_iter(const sb_route_t *r, uint32_t *cursor, uint32_t *contact);
/* Whether `agent` could be offered `contact` right now (the eligibility rule, for tests). */
bool sb_route_eligible(const sb_route_t *r, uint32_t agent, uint32_t contact, uint64_t now);
/* Whether the queue is open at `now`; *next_open_ms gets the next opening when it is not. */
bool sb_route_queue_open(const sb_route_t *r, uint32_t queue, uint64_t now, uint64_t *next_open_ms);

#endif
