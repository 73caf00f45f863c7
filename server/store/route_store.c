#include "store/route_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/reply.h"
#include "util/err.h"

#define MAX_ARGS 48


/* ------------------------------------------------------------------------------------------------
 * Commits
 * ---------------------------------------------------------------------------------------------- */

/* {1, version} or {0, why} (route_commit.lua) */
static sb_commit_outcome_t commit_outcome(const redisReply *r, const char **why)
{
    *why = "";
    if (!r)
        return SB_COMMIT_UNKNOWN;
    if (r->type == REDIS_REPLY_ERROR) {
        *why = "error";
        /* the script did not run (or failed before writing): nothing was applied */
        return SB_COMMIT_REFUSED;
    }
    long long ok;
    if (!sb_reply_int_at(r, 0, &ok) || r->elements < 2)
        return SB_COMMIT_UNKNOWN;
    if (ok == 1)
        return SB_COMMIT_OK;
    const char *w = sb_reply_str_at(r, 1);
    if (w) {
        static const char *const known[] = {"exists", "agent",   "version",     "state",
                                            "offer",  "expired", "conversation"};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(w, known[i]) == 0)
                *why = known[i];
    }
    return SB_COMMIT_REFUSED;
}

static void commit_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    const char *why;
    sb_commit_outcome_t out = commit_outcome(r, &why);
    ((sb_rs_commit_cb)done)(out, why, priv);
}

int sb_rs_commit(sb_store_t *s, const char *prefix, const sb_rcommit_t *cm, const sb_rs_extra_t *x,
                 sb_rs_commit_cb cb, void *priv)
{
    char kc[SB_KEY_MAX], ka[SB_KEY_MAX], kl[SB_KEY_MAX], kt[SB_KEY_MAX], kv[SB_KEY_MAX],
        kn[SB_KEY_MAX];
    char ver[24], now[24], cap[8], keep[16], offer[24], dl[24];
    char prio[8], enq[24], due[24];
    /* placeholders keep the key count fixed; they are never written */
    bool conv = cm->kind == SB_COMMIT_CREATE && x->conv_id && x->conv_id[0];
    if (sb_key_contact(prefix, cm->contact_id[0] ? cm->contact_id : SB_KEY_UNUSED, kc, sizeof kc) <
            0 ||
        sb_key_agent(prefix, cm->agent_id[0] ? cm->agent_id : SB_KEY_UNUSED, ka, sizeof ka) < 0 ||
        sb_key_live(prefix, kl, sizeof kl) < 0 ||
        sb_key_resume_token(prefix,
                            x->token_hash && x->token_hash[0] ? x->token_hash : SB_KEY_UNUSED, kt,
                            sizeof kt) < 0 ||
        sb_key_conversation(prefix, conv ? x->conv_id : SB_KEY_UNUSED, kv, sizeof kv) < 0 ||
        sb_key_arrivals(prefix, kn, sizeof kn) < 0)
        return SB_E_INVAL;
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
    return sb_store_eval_as(s, &sb_lua_route_commit, commit_adapter, (sb_store_fn)cb, priv, 6, n,
                            argv, lens);
}

int sb_rs_wrapup(sb_store_t *s, const char *prefix, const char *contact_id, const char *disposition,
                 const char *services, const char *notes)
{
    char key[SB_KEY_MAX];
    if (sb_key_contact(prefix, contact_id, key, sizeof key) < 0)
        return SB_E_INVAL;
    const char *argv[] = {"HSET",     key,      "disposition", disposition,
                          "services", services, "wrap_notes",  notes};
    size_t lens[8];
    for (int i = 0; i < 8; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_cmdargv_as(s, sb_store_ignore, NULL, NULL, 8, argv, lens);
}

/* ------------------------------------------------------------------------------------------------
 * Reading back
 * ---------------------------------------------------------------------------------------------- */

static void live_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_rs_live_cb cb = (sb_rs_live_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && r->type != REDIS_REPLY_ARRAY)
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, 0, priv);
        return;
    }
    if (r->elements == 0) {
        cb(0, NULL, 0, priv);
        return;
    }
    char **ids = calloc(r->elements, sizeof *ids);
    if (!ids) {
        cb(SB_E_NOMEM, NULL, 0, priv);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING && e->len <= SB_ROUTE_ID_LEN && (ids[n] = strdup(e->str)))
            n++;
    }
    cb(0, ids, n, priv);
}

int sb_rs_live(sb_store_t *s, const char *prefix, sb_rs_live_cb cb, void *priv)
{
    char key[SB_KEY_MAX];
    if (sb_key_live(prefix, key, sizeof key) < 0)
        return SB_E_INVAL;
    const char *argv[] = {"SMEMBERS", key};
    size_t lens[] = {8, strlen(key)};
    return sb_store_cmdargv_as(s, live_adapter, (sb_store_fn)cb, priv, 2, argv, lens);
}

/* The fields of c:<id> that routing reads back, in the order of the HMGET. */
enum {
    CF_ID,
    CF_QUEUE,
    CF_STATE,
    CF_CHANNEL,
    CF_PREV,
    CF_LANG,
    CF_PRIORITY,
    CF_ENQ_MS,
    CF_DUE_MS,
    CF_VERSION,
    CF_AGENT,
    CF_OFFER_ID,
    CF_OFFER_DEADLINE_MS,
    CF_ASSIGNED_MS,
    CF_WRAP_MS,
    CF_SEG_MS,
    CF_DIRECT,
    CF_CUSTOMER,
    CF_RTOK,
    CF_TOPIC,
    CF_CONV,
    CF_ARRIVAL,
    CF__COUNT
};
static const char *const g_cfields[CF__COUNT] = {
    [CF_ID] = "id",
    [CF_QUEUE] = "queue",
    [CF_STATE] = "state",
    [CF_CHANNEL] = "channel",
    [CF_PREV] = "prev",
    [CF_LANG] = "lang",
    [CF_PRIORITY] = "priority",
    [CF_ENQ_MS] = "enq_ms",
    [CF_DUE_MS] = "due_ms",
    [CF_VERSION] = "version",
    [CF_AGENT] = "agent",
    [CF_OFFER_ID] = "offer_id",
    [CF_OFFER_DEADLINE_MS] = "offer_deadline_ms",
    [CF_ASSIGNED_MS] = "assigned_ms",
    [CF_WRAP_MS] = "wrap_ms",
    [CF_SEG_MS] = "seg_ms",
    [CF_DIRECT] = "direct",
    [CF_CUSTOMER] = "customer",
    [CF_RTOK] = "rtok",
    [CF_TOPIC] = "topic",
    [CF_CONV] = "conv",
    [CF_ARRIVAL] = "arr",
};

static void contact_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_rs_contact_cb cb = (sb_rs_contact_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != CF__COUNT))
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    const char *direct = sb_reply_str_at(r, CF_DIRECT);
    sb_rs_contact_t c = {
        .exists = sb_reply_any_str(r),
        .id = sb_reply_str_at(r, CF_ID),
        .queue = sb_reply_str_at(r, CF_QUEUE),
        .state = sb_reply_str_at(r, CF_STATE),
        .channel = sb_reply_str_at(r, CF_CHANNEL),
        .prev = sb_reply_str_at(r, CF_PREV),
        .lang = sb_reply_str_at(r, CF_LANG),
        .agent = sb_reply_str_at(r, CF_AGENT),
        .customer = sb_reply_str_at(r, CF_CUSTOMER),
        .rtok = sb_reply_str_at(r, CF_RTOK),
        .topic = sb_reply_str_at(r, CF_TOPIC),
        .conv = sb_reply_str_at(r, CF_CONV),
        .direct = direct && strcmp(direct, "1") == 0,
        .priority = (uint8_t)sb_reply_u64_at(r, CF_PRIORITY),
        .enqueued_ms = sb_reply_u64_at(r, CF_ENQ_MS),
        .due_ms = sb_reply_u64_at(r, CF_DUE_MS),
        .segment_ms = sb_reply_u64_at(r, CF_SEG_MS),
        .arrival = sb_reply_u64_at(r, CF_ARRIVAL),
        .version = sb_reply_u64_at(r, CF_VERSION),
        .offer_id = sb_reply_u64_at(r, CF_OFFER_ID),
        .offer_deadline_ms = sb_reply_u64_at(r, CF_OFFER_DEADLINE_MS),
        .assigned_ms = sb_reply_u64_at(r, CF_ASSIGNED_MS),
        .wrap_started_ms = sb_reply_u64_at(r, CF_WRAP_MS),
    };
    cb(0, &c, priv);
}

int sb_rs_read_contact(sb_store_t *s, const char *prefix, const char *contact_id,
                       sb_rs_contact_cb cb, void *priv)
{
    char key[SB_KEY_MAX];
    if (sb_key_contact(prefix, contact_id, key, sizeof key) < 0)
        return SB_E_INVAL;
    return sb_store_hmget_as(s, contact_adapter, (sb_store_fn)cb, priv, key, g_cfields, CF__COUNT);
}

enum { AF_STATUS, AF_REASON, AF_SINCE_MS, AF_LAST_CHAT, AF_LAST_CALL, AF_LAST_TASK, AF__COUNT };
static const char *const g_afields[AF__COUNT] = {
    [AF_STATUS] = "status",       [AF_REASON] = "reason",       [AF_SINCE_MS] = "since_ms",
    [AF_LAST_CHAT] = "last_chat", [AF_LAST_CALL] = "last_call", [AF_LAST_TASK] = "last_task",
};

static void agent_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_rs_agent_cb cb = (sb_rs_agent_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != AF__COUNT))
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    sb_rs_agent_t a = {
        .status = sb_reply_str_at(r, AF_STATUS),
        .reason = sb_reply_str_at(r, AF_REASON),
        .since_ms = sb_reply_u64_at(r, AF_SINCE_MS),
        .last_finished_ms = {[SB_CLASS_CHAT] = sb_reply_u64_at(r, AF_LAST_CHAT),
                             [SB_CLASS_CALL] = sb_reply_u64_at(r, AF_LAST_CALL),
                             [SB_CLASS_TASK] = sb_reply_u64_at(r, AF_LAST_TASK)},
    };
    cb(0, &a, priv);
}

int sb_rs_read_agent(sb_store_t *s, const char *prefix, const char *username, sb_rs_agent_cb cb,
                     void *priv)
{
    char key[SB_KEY_MAX];
    if (sb_key_agent(prefix, username, key, sizeof key) < 0)
        return SB_E_INVAL;
    return sb_store_hmget_as(s, agent_adapter, (sb_store_fn)cb, priv, key, g_afields, AF__COUNT);
}
