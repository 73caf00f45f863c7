#include "store/route_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "util/err.h"

#define MAX_ARGS 48

int sb_rs_commit(sb_store_t *s, const char *prefix, const sb_rcommit_t *cm, const sb_rs_extra_t *x,
                 sb_store_cb cb, void *priv)
{
    char kc[160], ka[160], kl[160], kt[160], kv[160], kn[160];
    char ver[24], now[24], cap[8], keep[16], offer[24], dl[24];
    char prio[8], enq[24], due[24];
    /* placeholders keep the key count fixed; they are never written */
    sb_key(prefix, kc, sizeof kc, "c:%s", cm->contact_id[0] ? cm->contact_id : "-");
    sb_key(prefix, ka, sizeof ka, "a:%s", cm->agent_id[0] ? cm->agent_id : "-");
    sb_key(prefix, kl, sizeof kl, "live");
    sb_key(prefix, kt, sizeof kt, "rtok:%s",
           x->token_hash && x->token_hash[0] ? x->token_hash : "-");
    bool conv = cm->kind == SB_COMMIT_CREATE && x->conv_id && x->conv_id[0];
    sb_key(prefix, kv, sizeof kv, "v:%s", conv ? x->conv_id : "-");
    sb_key(prefix, kn, sizeof kn, "arrivals");
    snprintf(ver, sizeof ver, "%" PRIu64, cm->expect_version);
    snprintf(now, sizeof now, "%" PRIu64, cm->now_ms);
    snprintf(cap, sizeof cap, "%u", (unsigned)x->capacity);
    snprintf(keep, sizeof keep, "%u", (unsigned)x->retention_s);
    snprintf(offer, sizeof offer, "%" PRIu64, cm->offer_id);
    snprintf(dl, sizeof dl, "%" PRIu64, cm->deadline_ms);
    const char *reason = "";
    bool flag = false;
    const char *extra13 = NULL;
    switch (cm->kind) {
    case SB_COMMIT_RETURN:
        reason = cm->return_reason == 0   ? "declined"
                 : cm->return_reason == 1 ? "timeout"
                                          : "withdrawn";
        flag = cm->agent_to_away;
        extra13 = x->away_reason;
        break;
    case SB_COMMIT_CANCEL:
        reason = sb_cancel_name(cm->cancel);
        break;
    case SB_COMMIT_COMPLETE:
        flag = cm->flagged;
        extra13 = cm->flagged && x->default_disposition ? x->default_disposition : NULL;
        break;
    case SB_COMMIT_CREATE:
        flag = cm->offer_with_create;
        break;
    case SB_COMMIT_AGENT:
        reason = x->status;
        extra13 = cm->status == SB_AGENT_AWAY ? x->away_reason : "";
        break;
    default:
        break;
    }
    const char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = kc;
    argv[n++] = ka;
    argv[n++] = kl;
    argv[n++] = kt;
    argv[n++] = kv;
    argv[n++] = kn;
    argv[n++] = sb_commit_name(cm->kind);
    argv[n++] = ver;
    argv[n++] = now;
    argv[n++] = sb_class_name(cm->cls);
    argv[n++] = cap;
    argv[n++] = keep;
    argv[n++] = cm->contact_id;
    argv[n++] = cm->agent_id;
    argv[n++] = offer;
    argv[n++] = dl;
    argv[n++] = reason;
    argv[n++] = flag ? "1" : "0";
    if (extra13)
        argv[n++] = extra13;
    if (cm->kind == SB_COMMIT_CREATE) {
        snprintf(prio, sizeof prio, "%u", (unsigned)x->priority);
        snprintf(enq, sizeof enq, "%" PRIu64, x->enqueued_ms);
        snprintf(due, sizeof due, "%" PRIu64, x->due_ms);
        const char *pairs[][2] = {
            {"queue", x->queue_id},
            {"channel", sb_channel_name(cm->channel)},
            {"lang", x->lang},
            {"priority", prio},
            {"enq_ms", enq},
            {"due_ms", due},
            {"customer", x->customer_id},
            {"topic", x->topic ? x->topic : ""},
            {"prev", x->prev_id ? x->prev_id : ""},
            {"rtok", x->token_hash ? x->token_hash : ""},
            {"title", x->title ? x->title : ""},
            {"conv", x->conv_id ? x->conv_id : ""},
            {"direct", x->direct ? "1" : "0"},
        };
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            argv[n++] = pairs[i][0];
            argv[n++] = pairs[i][1] ? pairs[i][1] : "";
        }
    }
    size_t lens[MAX_ARGS];
    for (int i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_eval(s, &sb_lua_route_commit, cb, priv, 6, n, argv, lens);
}

sb_commit_outcome_t sb_rs_outcome(const redisReply *r, const char **why)
{
    *why = "";
    if (!r)
        return SB_COMMIT_UNKNOWN;
    if (r->type == REDIS_REPLY_ERROR) {
        *why = "error";
        /* the script did not run (or failed before writing): nothing was applied */
        return SB_COMMIT_REFUSED;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER)
        return SB_COMMIT_UNKNOWN;
    if (r->element[0]->integer == 1)
        return SB_COMMIT_OK;
    if (r->element[1]->type == REDIS_REPLY_STRING) {
        static const char *const known[] = {"exists", "agent",   "version",     "state",
                                            "offer",  "expired", "conversation"};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(r->element[1]->str, known[i]) == 0)
                *why = known[i];
    }
    return SB_COMMIT_REFUSED;
}

const char *sb_rs_field(const redisReply *r, const char *name)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return NULL;
    /* lengths first: a restart reads some 25 fields of 200,000 hashes this way */
    size_t n = strlen(name);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i];
        if (k->type == REDIS_REPLY_STRING && k->len == n && memcmp(k->str, name, n) == 0)
            return r->element[i + 1]->type == REDIS_REPLY_STRING ? r->element[i + 1]->str : NULL;
    }
    return NULL;
}

uint64_t sb_rs_field_u64(const redisReply *r, const char *name)
{
    const char *v = sb_rs_field(r, name);
    return v ? strtoull(v, NULL, 10) : 0;
}

#define HMGET_MAX 32

int sb_rs_hmget(sb_store_t *s, sb_store_cb cb, void *priv, const char *key,
                const char *const *fields, size_t n)
{
    const char *argv[HMGET_MAX + 2];
    size_t lens[HMGET_MAX + 2];
    if (n > HMGET_MAX)
        return SB_E_INVAL;
    argv[0] = "HMGET";
    lens[0] = 5;
    argv[1] = key;
    lens[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        argv[i + 2] = fields[i];
        lens[i + 2] = strlen(fields[i]);
    }
    return sb_store_cmdargv(s, cb, priv, (int)n + 2, argv, lens);
}

const char *sb_rs_at(const redisReply *r, size_t i)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
        return NULL;
    const redisReply *e = r->element[i];
    return e->type == REDIS_REPLY_STRING ? e->str : NULL;
}

uint64_t sb_rs_at_u64(const redisReply *r, size_t i)
{
    const char *v = sb_rs_at(r, i);
    return v ? strtoull(v, NULL, 10) : 0;
}

bool sb_rs_any(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return false;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING)
            return true;
    return false;
}
