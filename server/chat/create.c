/* Conversations: creating one for a new chat (its reply comes just before its contact's CREATE
 * commit, sent in the same pipeline) and reading them back after a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "chat/chat_internal.h"
#include "store/conv_store.h"
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

static void created_cb(int st, sb_cv_created_t outcome, void *priv)
{
    create_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    int werr = 0;
    if (st == SB_E_STORE_FULL)
        werr = SB_WERR_STORE_FULL;
    else if (st != 0)
        werr = SB_WERR_STORE_UNAVAILABLE;
    else if (outcome == SB_CV_BLOCKED)
        werr = SB_WERR_FORBIDDEN;
    else if (outcome == SB_CV_LIMITED)
        werr = SB_WERR_RATE_LIMITED;
    else if (outcome != SB_CV_CREATED)
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
    sb_cv_new_t n = {.id = j->id,
                     .customer_id = j->customer,
                     .address = addr,
                     .name = j->name,
                     .topic = j->topic,
                     .lang = j->lang,
                     .claim_ref = j->claim_ref,
                     .contact_id = j->contact,
                     .now_ms = sb_clock_now_ms(),
                     .retention_s = app->cfg->routing.retention_days * 86400u,
                     .per_address = cc->conversations_per_address,
                     .window_s = cc->conversations_window_s};
    int rc = sb_cv_create(app->store, app->key_prefix, &n, created_cb, j);
    if (rc != 0) {
        free(j);
        return rc == SB_E_BUSY ? SB_WERR_BUSY : SB_WERR_STORE_UNAVAILABLE;
    }
    return 0;
}

static void loaded_cb(int st, const sb_cv_record_t *rec, void *priv)
{
    create_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    if (ch && st == 0 && rec) {
        conv_t *v = conv_add(ch, j->id);
        if (v) {
#define FIELD(dst, f)                                                                              \
    if (rec->f)                                                                                    \
        snprintf(dst, sizeof dst, "%s", rec->f);
            FIELD(v->customer_id, customer);
            FIELD(v->name, name);
            FIELD(v->topic, topic);
            FIELD(v->lang, lang);
            FIELD(v->claim_ref, claim_ref);
            FIELD(v->verified, verified);
            FIELD(v->queue, queue);
            FIELD(v->agent, agent);
#undef FIELD
            snprintf(v->contact_id, sizeof v->contact_id, "%s", j->contact);
            v->started_ms = rec->created_ms;
            v->last_seq = rec->last_seq;
            v->last_pub = rec->last_pub;
            v->accepted_ms = rec->accepted_ms;
            if (rec->transfer_note && rec->transfer_note[0])
                v->transfer_note = strdup(rec->transfer_note);
            v->closed = rec->closed;
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
    if (!j) {
        done(arg);
        return;
    }
    j->app = app;
    snprintf(j->id, sizeof j->id, "%s", conv_id);
    snprintf(j->contact, sizeof j->contact, "%s", contact_id);
    j->loaded = done;
    j->arg = arg;
    if (sb_cv_load(app->store, app->key_prefix, conv_id, loaded_cb, j) != 0) {
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
