/* Conversations: creating one for a new chat (its reply comes just before its contact's CREATE
 * commit, sent in the same pipeline) and reading them back after a restart. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "chat/chat_internal.h"
#include "store/keys.h"
#include "store/route_store.h"
#include "util/clock.h"
#include "util/err.h"

/* ------------------------------------------------------------------------------------------------
 * Creating and loading
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_app_t *app;
    char id[SB_ROUTE_ID_LEN + 1];
    char customer[SB_ROUTE_ID_LEN + 1];
    char name[81];
    char topic[SB_ROUTE_ID_LEN + 1];
    char lang[36];
    char claim_ref[33];
    char contact[SB_ROUTE_ID_LEN + 1];
    sb_chat_created_cb done;
    void (*loaded)(void *);
    void *arg;
} create_job_t;

static void created_cb(sb_store_t *s, redisReply *r, void *priv)
{
    create_job_t *j = priv;
    (void)s;
    sb_chat_t *ch = chat_of(j->app);
    int st = sb_store_reply_status(r);
    int werr = 0;
    if (st == SB_E_STORE_FULL)
        werr = SB_WERR_STORE_FULL;
    else if (st != 0 || r->type != REDIS_REPLY_INTEGER)
        werr = SB_WERR_STORE_UNAVAILABLE;
    else if (r->integer == -1)
        werr = SB_WERR_FORBIDDEN;
    else if (r->integer == -2)
        werr = SB_WERR_RATE_LIMITED;
    else if (r->integer != 1)
        werr = SB_WERR_INTERNAL; /* an id collision: astronomically unlikely */
    if (!werr && ch) {
        conv_t *v = conv_add(ch, j->id);
        if (!v) {
            werr = SB_WERR_INTERNAL;
        } else {
            snprintf(v->customer_id, sizeof v->customer_id, "%s", j->customer);
            snprintf(v->name, sizeof v->name, "%s", j->name);
            snprintf(v->topic, sizeof v->topic, "%s", j->topic);
            snprintf(v->lang, sizeof v->lang, "%s", j->lang);
            snprintf(v->claim_ref, sizeof v->claim_ref, "%s", j->claim_ref);
            snprintf(v->contact_id, sizeof v->contact_id, "%s", j->contact);
            v->started_ms = sb_clock_now_ms();
        }
    }
    j->done(j->app, werr, werr ? NULL : j->id, j->arg);
    free(j);
}

int sb_chat_can_create(sb_app_t *app)
{
    sb_chat_t *ch = chat_of(app);
    return ch && ch->open_count >= app->cfg->chat.max_conversations ? SB_WERR_BUSY : 0;
}

void sb_chat_new_id(char *out, size_t len)
{
    sb_random_id("v-", out, len);
}

int sb_chat_create(sb_app_t *app, const char *conv_id, const char *customer_id, const char *addr,
                   const char *name, const char *topic, const char *lang, const char *claim_ref,
                   const char *contact_id, sb_chat_created_cb done, void *arg)
{
    int werr = sb_chat_can_create(app);
    if (werr)
        return werr;
    create_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return SB_WERR_INTERNAL;
    j->app = app;
    snprintf(j->id, sizeof j->id, "%s", conv_id);
    snprintf(j->customer, sizeof j->customer, "%s", customer_id);
    snprintf(j->name, sizeof j->name, "%s", name);
    snprintf(j->topic, sizeof j->topic, "%s", topic);
    snprintf(j->lang, sizeof j->lang, "%s", lang);
    snprintf(j->claim_ref, sizeof j->claim_ref, "%s", claim_ref ? claim_ref : "");
    snprintf(j->contact, sizeof j->contact, "%s", contact_id);
    j->done = done;
    j->arg = arg;
    const sb_cfg_chat_t *cc = &app->cfg->chat;
    char kv[160], kb[160], kr[200], now[24], keep[16], lim[16], win[16];
    sb_key(app->key_prefix, kv, sizeof kv, "v:%s", j->id);
    sb_key(app->key_prefix, kb, sizeof kb, "block:%s", customer_id);
    /* an IPv4 peer on a dual-stack socket reads ::ffff:a.b.c.d: one address, one counter */
    if (addr && strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.'))
        addr += 7;
    sb_key(app->key_prefix, kr, sizeof kr, "rl:conv:%s", addr && addr[0] ? addr : "-");
    snprintf(now, sizeof now, "%" PRIu64, sb_clock_now_ms());
    snprintf(keep, sizeof keep, "%u", (unsigned)app->cfg->routing.retention_days * 86400u);
    snprintf(lim, sizeof lim, "%u", (unsigned)cc->conversations_per_address);
    snprintf(win, sizeof win, "%u", (unsigned)cc->conversations_window_s);
    const char *argv[] = {kv,           kb,  kr,         j->customer, j->name, j->topic, j->lang,
                          j->claim_ref, now, j->contact, keep,        lim,     win};
    size_t lens[13];
    for (int i = 0; i < 13; i++)
        lens[i] = strlen(argv[i]);
    int rc = sb_store_eval(app->store, &sb_lua_conv_create, created_cb, j, 3, 13, argv, lens);
    if (rc != 0) {
        free(j);
        return rc == SB_E_BUSY ? SB_WERR_BUSY : SB_WERR_STORE_UNAVAILABLE;
    }
    return 0;
}

/* The fields of v:<id> a restart reads back, in the order of the HMGET. */
enum {
    VF_CUSTOMER,
    VF_NAME,
    VF_TOPIC,
    VF_LANG,
    VF_CLAIM_REF,
    VF_VERIFIED,
    VF_QUEUE,
    VF_AGENT,
    VF_CREATED_MS,
    VF_SEQ,
    VF_LAST_PUB,
    VF_ACCEPTED_MS,
    VF_TRANSFER_NOTE,
    VF_STATE,
    VF__COUNT
};
static const char *const g_vfields[VF__COUNT] = {
    [VF_CUSTOMER] = "customer",
    [VF_NAME] = "name",
    [VF_TOPIC] = "topic",
    [VF_LANG] = "lang",
    [VF_CLAIM_REF] = "claim_ref",
    [VF_VERIFIED] = "verified",
    [VF_QUEUE] = "queue",
    [VF_AGENT] = "agent",
    [VF_CREATED_MS] = "created_ms",
    [VF_SEQ] = "seq",
    [VF_LAST_PUB] = "pub",
    [VF_ACCEPTED_MS] = "accepted_ms",
    [VF_TRANSFER_NOTE] = "transfer_note",
    [VF_STATE] = "state",
};

static void loaded_cb(sb_store_t *s, redisReply *r, void *priv)
{
    create_job_t *j = priv;
    (void)s;
    sb_chat_t *ch = chat_of(j->app);
    if (ch && sb_store_reply_status(r) == 0 && sb_rs_any(r)) {
        conv_t *v = conv_add(ch, j->id);
        if (v) {
            const char *f;
#define FIELD(dst, i)                                                                              \
    if ((f = sb_rs_at(r, i)))                                                                      \
        snprintf(dst, sizeof dst, "%s", f);
            FIELD(v->customer_id, VF_CUSTOMER);
            FIELD(v->name, VF_NAME);
            FIELD(v->topic, VF_TOPIC);
            FIELD(v->lang, VF_LANG);
            FIELD(v->claim_ref, VF_CLAIM_REF);
            FIELD(v->verified, VF_VERIFIED);
            FIELD(v->queue, VF_QUEUE);
            FIELD(v->agent, VF_AGENT);
#undef FIELD
            snprintf(v->contact_id, sizeof v->contact_id, "%s", j->contact);
            v->started_ms = sb_rs_at_u64(r, VF_CREATED_MS);
            v->last_seq = sb_rs_at_u64(r, VF_SEQ);
            v->last_pub = sb_rs_at_u64(r, VF_LAST_PUB);
            v->accepted_ms = sb_rs_at_u64(r, VF_ACCEPTED_MS);
            const char *note = sb_rs_at(r, VF_TRANSFER_NOTE);
            if (note && note[0])
                v->transfer_note = strdup(note);
            const char *state = sb_rs_at(r, VF_STATE);
            v->closed = state && strcmp(state, "closed") == 0;
            if (v->closed && ch->open_count)
                ch->open_count--;
            /* silence is counted from the restart, not from before it */
            v->customer_last_ms = sb_clock_now_ms();
            chat_watch(ch, v);
        }
    }
    if (j->loaded)
        j->loaded(j->arg);
    free(j);
}

void sb_chat_load(sb_app_t *app, const char *conv_id, const char *contact_id,
                  void (*done)(void *arg), void *arg)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *known = conv_find(ch, conv_id);
    if (!ch || known) {
        if (known)
            snprintf(known->contact_id, sizeof known->contact_id, "%s", contact_id);
        done(arg);
        return;
    }
    create_job_t *j = calloc(1, sizeof *j);
    char kv[160];
    if (!j || sb_key(app->key_prefix, kv, sizeof kv, "v:%s", conv_id) < 0) {
        free(j);
        done(arg);
        return;
    }
    j->app = app;
    snprintf(j->id, sizeof j->id, "%s", conv_id);
    snprintf(j->contact, sizeof j->contact, "%s", contact_id);
    j->loaded = done;
    j->arg = arg;
    if (sb_rs_hmget(app->store, loaded_cb, j, kv, g_vfields, VF__COUNT) != 0) {
        free(j);
        done(arg);
    }
}

void sb_chat_discard(sb_app_t *app, const char *conv_id)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *v = conv_find(ch, conv_id);
    if (v)
        conv_drop(ch, v);
}
