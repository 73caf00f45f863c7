/* Inside the routing engine: its data and the helpers its files share. */
#ifndef SB_ROUTE_ROUTE_INTERNAL_H
#define SB_ROUTE_ROUTE_INTERNAL_H

#include "route/engine.h"
#include "route/rheap.h"
#include "util/idmap.h"
#include "util/strmap.h"

#define LANG_SLOTS   64
#define CHANNELS     SB_CHAN__COUNT
#define CLASSES      SB_CLASS__COUNT
#define COOLDOWNS    6  /* declined-by entries kept per contact */
#define RECENT       32 /* recent answer times per queue, for expected waits */
#define SCAN_LIMIT   32 /* candidates examined per heap when the best one is excluded */
#define GONE_OFFERS  4  /* offers remembered per agent after they ended without an accept */
#define GONE_KEEP_MS (10u * 60u * 1000u) /* ... and for how long */

/* Why an offer ended without an accept, so a late accept hears the reason rather than "no such
 * offer" (a console that was asleep, a click that crossed the timeout). */
typedef enum { GONE_NONE, GONE_EXPIRED, GONE_WITHDRAWN, GONE_DECLINED } gone_why_t;

typedef struct {
    uint64_t offer_id;
    uint64_t at;
    uint8_t why; /* gone_why_t */
} gone_offer_t;

typedef struct {
    uint32_t agent; /* SB_ROUTE_NONE in an unused entry */
    uint64_t until;
} cooldown_t;

/* One place an available agent is listed: queue q, class c, language, from step `step` on. */
typedef struct {
    sb_hnode_t node; /* first: a node pointer is a membership pointer */
    uint32_t agent;
    uint32_t heap;
} membership_t;

/* The fields routing touches come first and the large definition last: with tens of thousands
 * of agents, every cache line an agent spans is a likely miss. */
typedef struct {
    uint32_t *queues; /* owned copy of def.queues */
    sb_agent_status_t status;
    uint16_t reason;
    bool connected;
    bool status_committing;
    bool in_doubt;
    uint64_t grace_deadline;
    uint8_t load[CLASSES];
    uint8_t pending[CLASSES];
    uint32_t offer_contact; /* SB_ROUTE_NONE when none */
    uint32_t missed;
    uint64_t last_finished[CLASSES];
    uint64_t rr_seq; /* round robin: when last offered */
    membership_t *mem;
    uint32_t n_mem, cap_mem;
    uint32_t listed_classes; /* bit per class: memberships of that class are in their heaps */
    sb_hnode_t timer;        /* grace deadline */
    /* contacts held (assigned or wrapping) or offered, by index: an array in the agent rather than
     * a list through the contacts, so that taking one out touches no other contact */
    uint32_t *held;
    uint32_t n_held, cap_held;
    gone_offer_t gone[GONE_OFFERS]; /* a ring, oldest overwritten */
    uint8_t gone_next;
    sb_ragent_def_t def;
} agent_t;

typedef struct {
    sb_rcontact_t c; /* identity and persisted state */
    uint32_t index;
    uint8_t step;
    uint64_t key;        /* ordering key */
    uint64_t segment_ms; /* when this segment started waiting (maximum wait counts from here) */
    uint64_t seq;        /* arrival order, the tie-breaker */
    bool committing;
    bool in_doubt;
    bool announced_offer;         /* the OFFER (or CREATE with offer) was committed */
    bool customer_away;           /* the customer's connection is gone: keeps the place, is not
                                     offered (sb_route_customer_presence) */
    sb_cancel_t withdraw_pending; /* customer left while a commit was in flight */
    sb_hnode_t wait;              /* in a waiting heap while routable */
    uint32_t wait_heap;
    sb_hnode_t timer;     /* next deadline of this contact */
    cooldown_t *cooldown; /* COOLDOWNS entries, allocated at the first decline (rare) */
    uint32_t position, wait_s;
    bool dirty; /* in the worklist */
} contact_t;

typedef struct {
    sb_rqueue_def_t def;
    sb_rinterval_t *hours;   /* owned copy */
    uint64_t recent[RECENT]; /* times contacts were answered, a ring */
    uint32_t n_recent, recent_at;
    uint32_t waiting;
    bool positions_dirty;
    uint64_t positions_at; /* when positions were last computed */
    sb_hnode_t timer;      /* position refresh */
} queue_t;

typedef struct {
    uint64_t id;
    sb_commit_kind_t kind;
    uint32_t contact;
    uint32_t agent;
    sb_class_t cls;
    /* undo data */
    sb_cstate_t prev_state;
    uint8_t return_reason;
    bool agent_to_away;
    sb_agent_status_t prev_status, status;
    uint16_t prev_reason, reason;
    bool offer_with_create;
    bool flagged;
    sb_cancel_t cancel;
    uint64_t tag; /* the caller's, sb_route_tag */
    /* the commit as it was asked for: its announcement reports the same data (offer id,
     * deadline, contact id), even though the contact moved on since */
    sb_rcommit_t asked;
} pending_t;

struct sb_route {
    sb_rparams_t p;
    queue_t *queues;
    uint32_t n_queues;
    agent_t *agents;
    uint32_t n_agents;
    contact_t **contacts; /* slots by index; NULL = free */
    uint32_t n_slots, cap_slots;
    uint32_t *free_slots;
    uint32_t n_free;
    sb_strmap_t by_id;
    uint64_t seq;
    uint64_t commit_seq;
    uint64_t offer_seq;
    uint64_t rr_seq;
    uint64_t tag;       /* sb_route_tag: for the next commit asked for, then 0 */
    sb_idmap_t pending; /* commit id -> pending_t* */
    /* heaps */
    sb_rheap_t *agent_heaps;   /* [queue][class][lang][step] */
    sb_rheap_t *wait_heaps;    /* [queue][channel][lang][step] */
    sb_rheap_t contact_timers; /* contact->timer */
    sb_rheap_t agent_timers;   /* agent->timer */
    sb_rheap_t queue_timers;   /* queue->timer */
    /* worklists */
    uint32_t *dirty_contacts;
    uint32_t n_dirty_c, cap_dirty_c;
    uint32_t *dirty_agents;
    uint32_t n_dirty_a, cap_dirty_a;
    bool *agent_dirty;
    /* outbox */
    sb_rdecision_t *out;
    uint32_t out_head, out_n, out_cap;
    bool oom; /* a push failed: the engine keeps going but stops promising */
};

/* heap addressing */
static inline uint32_t agent_heap_ix(const sb_route_t *r, uint32_t q, uint32_t c, uint32_t lang,
                                     uint32_t step)
{
    (void)r;
    return ((q * CLASSES + c) * LANG_SLOTS + lang) * SB_ROUTE_MAX_STEPS + step;
}
static inline uint32_t wait_heap_ix(const sb_route_t *r, uint32_t q, uint32_t ch, uint32_t lang,
                                    uint32_t step)
{
    (void)r;
    return ((q * CHANNELS + ch) * LANG_SLOTS + lang) * SB_ROUTE_MAX_STEPS + step;
}

static inline contact_t *C(const sb_route_t *r, uint32_t i)
{
    return i < r->n_slots ? r->contacts[i] : NULL;
}

/* match.c: eligibility, indexes and matching */
bool rt_agent_meets(const agent_t *a, const sb_rstep_t *st);
int rt_agent_best_step(const sb_route_t *r, const agent_t *a, uint32_t q);
uint32_t rt_agent_classes(const sb_route_t *r, const agent_t *a);
void rt_agent_unlist(sb_route_t *r, agent_t *a);
void rt_agent_relist(sb_route_t *r, uint32_t ai);
int rt_agent_build_memberships(sb_route_t *r, uint32_t ai);
bool rt_in_cooldown(const contact_t *c, uint32_t agent, uint64_t now);
void rt_wait_insert(sb_route_t *r, contact_t *c);
void rt_wait_remove(sb_route_t *r, contact_t *c);
uint32_t rt_best_agent_for(sb_route_t *r, const contact_t *c, uint64_t now);
uint32_t rt_best_contact_for(sb_route_t *r, uint32_t ai, sb_class_t cls, uint64_t now);
uint64_t rt_contact_key(const sb_route_t *r, const sb_rcontact_t *c);

/* engine.c */
void rt_dirty_contact(sb_route_t *r, contact_t *c);
void rt_dirty_agent(sb_route_t *r, uint32_t ai);
bool rt_routable(const contact_t *c);
void rt_emit(sb_route_t *r, const sb_rdecision_t *d);
void rt_settle(sb_route_t *r, uint64_t now); /* offers every waiting contact it can */
uint8_t rt_step_at(const sb_route_t *r, const sb_rcontact_t *c, uint64_t now);
/* engine.c: asking for a commit (NULL when out of memory), then emitting it once filled in */
pending_t *rt_commit(sb_route_t *r, sb_commit_kind_t kind, contact_t *c, uint32_t agent,
                     uint64_t now);
void rt_emit_commit(sb_route_t *r, pending_t *p, uint64_t now);

/* tick.c: timers, positions */
void rt_contact_rearm(sb_route_t *r, contact_t *c, uint64_t now);
void rt_agent_rearm(sb_route_t *r, agent_t *a);
void rt_queue_touch(sb_route_t *r, uint32_t q, uint64_t now);
void rt_queue_answered(sb_route_t *r, uint32_t q, uint64_t now);
void rt_positions(sb_route_t *r, uint32_t q, uint64_t now);

/* deadlines.c: commits the timers need */
void rt_offer_timeout(sb_route_t *r, contact_t *c, uint64_t now);
void rt_relax(sb_route_t *r, contact_t *c, uint64_t now);
void rt_max_wait(sb_route_t *r, contact_t *c, uint64_t now);
void rt_wrap_limit(sb_route_t *r, contact_t *c, uint64_t now);
sb_overflow_kind_t rt_overflow(const sb_route_t *r, const contact_t *c);
/* actions.c: agents and their requests */
void rt_grace_over(sb_route_t *r, uint32_t ai, uint64_t now);
/* Remembers that `agent`'s offer `offer_id` ended without an accept, and why. */
void rt_offer_gone(sb_route_t *r, uint32_t agent, uint64_t offer_id, gone_why_t why, uint64_t now);
/* Returns an announced offer (not counted as missed): the customer left, the agent vanished. */
void rt_withdraw_offer(sb_route_t *r, contact_t *c, uint64_t now);
sb_route_result_t rt_held_action(sb_route_t *r, uint32_t ai, uint32_t ci, sb_cstate_t want,
                                 sb_commit_kind_t kind, uint64_t now);
/* recovery (engine.c) */
contact_t *rt_contact_alloc(sb_route_t *r, const sb_rcontact_t *spec);
void rt_contact_drop(sb_route_t *r, contact_t *c);
void rt_contact_set(sb_route_t *r, contact_t *c, const sb_rcontact_t *in, uint64_t now);

#endif
