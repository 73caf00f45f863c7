/* Routing state in Redis: the one script that commits a routing decision (lua/route_commit.lua)
 * and reading contacts and agents back. Key names are in docs/redis-keys.md. */
#ifndef SB_STORE_ROUTE_STORE_H
#define SB_STORE_ROUTE_STORE_H

#include <hiredis/hiredis.h>

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

/* Runs commit `cm` as one EVALSHA. The reply is {1, version} or {0, why}. Same contract as
 * sb_store_eval. */
int sb_rs_commit(sb_store_t *s, const char *prefix, const sb_rcommit_t *cm, const sb_rs_extra_t *x,
                 sb_store_cb cb, void *priv);
/* Outcome of a commit reply: SB_COMMIT_OK, REFUSED (with *why, a static string) or UNKNOWN. */
sb_commit_outcome_t sb_rs_outcome(const redisReply *r, const char **why);

/* The value of field `name` in an HGETALL reply, or NULL. */
const char *sb_rs_field(const redisReply *r, const char *name);
uint64_t sb_rs_field_u64(const redisReply *r, const char *name);

/* HMGET `key` `fields[0..n)`: the reply's element i is field i (nil when absent). For hashes read
 * in bulk (a restart reads 200,000): half the reply objects of HGETALL, and no search by name. */
int sb_rs_hmget(sb_store_t *s, sb_store_cb cb, void *priv, const char *key,
                const char *const *fields, size_t n);
/* Field i of an HMGET reply: NULL when absent, or when the reply is not an array. */
const char *sb_rs_at(const redisReply *r, size_t i);
uint64_t sb_rs_at_u64(const redisReply *r, size_t i);
/* True when an HMGET reply holds at least one field (the hash exists). */
bool sb_rs_any(const redisReply *r);

#endif
