/* Test support for the routing engine (server/route): a model of what Redis holds for it, and a
 * harness that plays the shell.
 *
 * The model store applies a commit with the checks the Lua scripts make (docs/redis-keys.md): the
 * contact's version, the state transition, the offer id, the agent's status and capacity. A commit
 * the engine meant to succeed but the model refuses means the engine's view drifted from Redis.
 *
 * The harness owns an engine and a model store, keeps a test clock (`now`, never real time), drains
 * decisions into a log after every call and answers commits: at once with OK (applied to the
 * model), or, in manual mode, when the test says so and with the outcome it chooses. */
#ifndef SB_TEST_ROUTE_MODEL_H
#define SB_TEST_ROUTE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route/engine.h"
#include "util/strmap.h"

/* ------------------------------------------------------------------------------------------------
 * Model store
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_agent_status_t status;
    uint16_t reason;
    uint64_t last_finished[SB_CLASS__COUNT];
    uint8_t load[SB_CLASS__COUNT];    /* assigned and wrapping */
    uint8_t offered[SB_CLASS__COUNT]; /* offered */
} rm_agent_t;

typedef struct {
    sb_rcontact_t *c; /* every contact ever created, final ones included */
    size_t n, cap;
    sb_strmap_t by_id;
    rm_agent_t *a;
    const sb_ragent_def_t *defs; /* capacities; borrowed */
    uint32_t na;
    uint16_t missed_reason; /* away reason a RETURN with agent_to_away writes */
    size_t n_live;          /* contacts not completed or canceled */
    uint64_t arrivals;      /* the `arrivals` counter: numbers contacts as CREATE commits apply */
} rm_store_t;

int rm_init(rm_store_t *s, const sb_ragent_def_t *defs, uint32_t na);
void rm_dispose(rm_store_t *s);
/* Applies a commit as the script would: 0, or -1 with a reason in *why when a check fails (then
 * nothing changed). A CREATE takes what the commit does not carry (language, priority, times,
 * previous segment) from `v`, the engine's view of the contact, as the shell does. */
int rm_apply(rm_store_t *s, const sb_rcommit_t *k, const sb_rcontact_view_t *v, const char **why);
/* The contact as the shell would read it back; a contact the store never created reads as
 * canceled (so the engine forgets it). Returns whether the store has it. */
bool rm_read(const rm_store_t *s, const char *id, sb_rcontact_t *out);
const sb_rcontact_t *rm_find(const rm_store_t *s, const char *id);

/* One line of text for a decision (decision logs, determinism checks, failure reports). */
void rm_format(const sb_rdecision_t *d, char *buf, size_t len);

/* ------------------------------------------------------------------------------------------------
 * Harness: the shell around one engine
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_route_t *r;
    uint64_t now;
    rm_store_t m;
    sb_rparams_t p;
    const sb_rqueue_def_t *q; /* borrowed for the harness' life */
    uint32_t nq;
    const sb_ragent_def_t *a;
    uint32_t na;
    bool manual; /* commits wait in `inflight` until rh_answer */
    sb_rcommit_t *inflight;
    size_t n_in, cap_in;
    sb_rdecision_t *log; /* every decision drained, in order */
    size_t n_log, cap_log;
    char err[1024]; /* first harness error (model refusal, runaway ticks), "" if none */
} rh_t;

int rh_init(rh_t *h, const sb_rqueue_def_t *q, uint32_t nq, const sb_ragent_def_t *a, uint32_t na,
            const sb_rparams_t *p, uint64_t now);
void rh_free(rh_t *h);
/* Drains the outbox into the log; in automatic mode answers every commit OK (applying it to the
 * model first) until nothing is left. */
void rh_pump(rh_t *h);
/* Manual mode: answers in-flight commit i (0 = oldest) with `outcome`; the model applies it when
 * the outcome is OK, or UNKNOWN with `applied`. Then pumps. */
void rh_answer(rh_t *h, size_t i, sb_commit_outcome_t outcome, bool applied);
/* Index of the oldest in-flight commit of `kind` (for any contact if contact_id is NULL), or -1. */
int rh_inflight_find(const rh_t *h, sb_commit_kind_t kind, const char *contact_id);
/* Reads a contact / an agent back from the model into the engine, as the shell does to settle a
 * doubt. */
int rh_reload_contact(rh_t *h, const char *id);
void rh_reload_agent(rh_t *h, uint32_t agent);
/* Moves the clock to t, running sb_route_tick at each deadline on the way (as a timer would). */
void rh_run_until(rh_t *h, uint64_t t);
/* Moves the clock to t and ticks once at t (a stalled loop catching up). */
void rh_jump(rh_t *h, uint64_t t);

/* Shell-side helpers. */
sb_arrive_t rh_arrive(rh_t *h, const char *id, uint32_t queue, sb_channel_t ch, uint16_t lang,
                      uint8_t priority, uint32_t *index);
void rh_online(rh_t *h, uint32_t agent); /* connect + available */
sb_rcontact_view_t rh_contact(const rh_t *h, uint32_t contact);
sb_ragent_view_t rh_agent(const rh_t *h, uint32_t agent);
uint32_t rh_find_contact(const rh_t *h, const char *id);

/* The first decision at or after log position `from` matching kind, commit kind (-1 for any) and
 * contact id (NULL for any); NULL when none. */
const sb_rdecision_t *rh_find(const rh_t *h, size_t from, sb_rdecision_kind_t kind, int ckind,
                              const char *contact_id);
size_t rh_count(const rh_t *h, size_t from, sb_rdecision_kind_t kind, int ckind,
                const char *contact_id);
/* The whole decision log as text (caller frees). */
char *rh_log_text(const rh_t *h);

#endif
