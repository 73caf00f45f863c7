/* Routing state in Redis: the one script that commits a routing decision (lua/route_commit.lua),
 * the wrap-up fields of a contact, and reading contacts and agents back after a restart or when
 * a commit's outcome is in doubt. Key names are in docs/redis-keys.md.
 *
 * Every call has the contract of store/store.h: 0 and the callback runs exactly once, or an
 * SB_E... code and it never runs. `status` in a callback is 0, SB_E_STORE_DOWN (no reply: the
 * connection failed), SB_E_STORE_FULL (Redis is out of memory) or SB_E_IO (any other error reply,
 * or a reply of a shape the script never returns). Strings in a result point into the reply and
 * are valid only until the callback returns: copy what you keep. */
#ifndef SB_STORE_ROUTE_STORE_H
#define SB_STORE_ROUTE_STORE_H

#include "route/engine.h"
#include "store/store.h"

/* What a commit needs besides what the engine knows. */
typedef struct {
    uint8_t capacity;                /* the agent's capacity in the commit's class */
    uint32_t retention_s;            /* finished contacts expire after this */
    const char *token_hash;          /* the customer's resume token hash, "" if none */
    const char *status;              /* AGENT: available | away | offline */
    const char *away_reason;         /* AGENT (away) and RETURN with agent_to_away */
    const char *default_disposition; /* COMPLETE, flagged: the wrap-up nobody submitted */
    /* CREATE only */
    const char *queue_id;
    const char *lang;
    const char *customer_id;
    const char *topic;
    const char *title;
    uint8_t priority;
    uint64_t enqueued_ms;
    uint64_t due_ms;
    const char *prev_id;
    const char *conv_id; /* chats: the conversation this contact is a segment of */
    bool direct;         /* a transfer to a named agent */
} sb_rs_extra_t;

/* A commit's outcome: SB_COMMIT_OK; REFUSED with `why` (a static string: "exists", "agent",
 * "version", "state", "offer", "expired", "conversation"; "error" when Redis refused the script
 * itself, "" for a reason this server does not know), nothing having been applied; or UNKNOWN
 * (no reply, or one of no known shape), when it may or may not have been. */
typedef void (*sb_rs_commit_cb)(sb_commit_outcome_t out, const char *why, void *priv);

/* Runs commit `cm` as one EVALSHA. SB_E_INVAL when an id cannot be part of a key. */
int sb_rs_commit(sb_store_t *s, const char *prefix, const sb_rcommit_t *cm, const sb_rs_extra_t *x,
                 sb_rs_commit_cb cb, void *priv);

/* Writes a contact's wrap-up (disposition, comma-separated service codes, masked notes) where
 * the export record reads them. Nobody waits for the outcome. */
int sb_rs_wrapup(sb_store_t *s, const char *prefix, const char *contact_id, const char *disposition,
                 const char *services, const char *notes);

/* ------------------------------------------------------------------------------------------------
 * Reading back
 * ---------------------------------------------------------------------------------------------- */

/* The ids in `live`: every contact not yet completed or canceled. The callback takes `ids` (an
 * array of n strings, each malloc'ed, the array too; NULL when n is 0 or status != 0); members
 * that cannot be contact ids are left out. SB_E_NOMEM as status when they could not be copied. */
typedef void (*sb_rs_live_cb)(int status, char **ids, size_t n, void *priv);
int sb_rs_live(sb_store_t *s, const char *prefix, sb_rs_live_cb cb, void *priv);

/* One contact hash (c:<id>), the fields routing needs. Strings are NULL when absent. */
typedef struct {
    bool exists; /* false: no such contact (every field absent) */
    const char *id, *queue, *state, *channel, *prev, *lang, *agent;
    const char *customer, *rtok, *topic, *conv;
    bool direct;
    uint8_t priority;
    uint64_t enqueued_ms, due_ms, segment_ms, arrival, version;
    uint64_t offer_id, offer_deadline_ms, assigned_ms, wrap_started_ms;
} sb_rs_contact_t;
typedef void (*sb_rs_contact_cb)(int status, const sb_rs_contact_t *c, void *priv);
/* `c` is NULL when status != 0. */
int sb_rs_read_contact(sb_store_t *s, const char *prefix, const char *contact_id,
                       sb_rs_contact_cb cb, void *priv);

/* One agent's routing state (a:<username>). `status` and `reason` are NULL when absent; times 0. */
typedef struct {
    const char *status, *reason;
    uint64_t since_ms;
    uint64_t last_finished_ms[SB_CLASS__COUNT];
} sb_rs_agent_t;
typedef void (*sb_rs_agent_cb)(int status, const sb_rs_agent_t *a, void *priv);
/* `a` is NULL when status != 0. */
int sb_rs_read_agent(sb_store_t *s, const char *prefix, const char *username, sb_rs_agent_cb cb,
                     void *priv);

#endif
