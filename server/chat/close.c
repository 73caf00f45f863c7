/* Conversations meet routing: system events when a contact is answered, ended, re-queued or
 * completed; the inactivity watch; the end of a conversation (export, expiry); the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/chat_internal.h"
#include "router/router.h"
#include "store/conv_store.h"
#include "util/clock.h"
#include "util/log.h"

#define SYS(name) SB_PT_CHAT_EVENT_SYSTEM_##name

static sb_str_t S(const char *s)
{
    return (sb_str_t){s ? s : "", s ? (uint32_t)strlen(s) : 0};
}

/* ------------------------------------------------------------------------------------------------
 * The agent's view of a chat
 * ---------------------------------------------------------------------------------------------- */

static const char *topic_label(const sb_config_t *cfg, const char *topic)
{
    for (size_t i = 0; i < cfg->n_topics; i++)
        if (strcmp(cfg->topics[i].id, topic) == 0)
            return cfg->topics[i].label_en;
    return topic;
}

static void send_open(sb_chat_t *ch, conv_t *v, sb_conn_t *c)
{
    sb_msg_chat_open_t ev = {
        .conversation_id = S(v->id),
        .contact_id = S(v->contact_id),
        .customer_name = S(v->name),
        .topic = S(v->topic[0] ? v->topic : "none"),
        .topic_label = S(topic_label(ch->app->cfg, v->topic)),
        .language = S(v->lang[0] ? v->lang : "en"),
        .started_ms = v->started_ms,
        .last_seq = v->last_seq,
    };
    if (v->claim_ref[0]) {
        ev.claim_ref = S(v->claim_ref);
        ev.has_claim_ref = true;
    }
    if (v->verified[0]) {
        ev.verified_method = S(v->verified);
        ev.has_verified_method = true;
    }
    if (v->transfer_note) {
        ev.transfer_note = S(v->transfer_note);
        ev.has_transfer_note = true;
    }
    sb_conn_send_event(c, SB_MSG_CHAT_OPEN, &ev);
}

void sb_chat_staff_ready(sb_conn_t *c, uint32_t agent)
{
    sb_chat_t *ch = chat_of(sb_conn_app(c));
    for (uint32_t i = 0; ch && i < ch->n; i++) {
        conv_t *v = ch->convs[i];
        uint32_t ai;
        sb_cstate_t st;
        if (!v || v->closed || !sb_router_contact_state(ch->app, v->contact_id, &st, &ai) ||
            ai != agent || (st != SB_CSTATE_ASSIGNED && st != SB_CSTATE_WRAPPING))
            continue;
        send_open(ch, v, c);
    }
}

void sb_chat_customer_ready(sb_conn_t *c, const char *conv_id)
{
    sb_chat_t *ch = chat_of(sb_conn_app(c));
    conv_t *v = conv_id ? conv_find(ch, conv_id) : NULL;
    if (v && strcmp(v->customer_id, c->user) == 0)
        v->customer_conn = c->id;
}

void sb_chat_customer_gone(sb_app_t *app, const char *conv_id)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *v = conv_find(ch, conv_id);
    if (!v)
        return;
    sb_cstate_t st;
    if (sb_router_contact_state(app, v->contact_id, &st, NULL) && st == SB_CSTATE_ASSIGNED) {
        chat_system(ch, v, SYS(CUSTOMER_DISCONNECTED),
                    "The customer's connection was lost and did not come back.", NULL);
        sb_router_end_contact(app, v->contact_id, false);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Inactivity: never a silent end. A warning comes first, with a way to stay.
 * ---------------------------------------------------------------------------------------------- */

void chat_watch(sb_chat_t *ch, conv_t *v)
{
    sb_app_t *app = ch->app;
    sb_cstate_t st;
    if (v->closed || !v->accepted_ms || !sb_router_contact_state(app, v->contact_id, &st, NULL) ||
        st != SB_CSTATE_ASSIGNED) {
        sb_timer_disarm(&app->timers, &v->inactivity);
        return;
    }
    uint64_t since = v->customer_last_ms > v->accepted_ms ? v->customer_last_ms : v->accepted_ms;
    if (v->inactive_stage == 0)
        sb_timer_arm(&app->timers, &v->inactivity,
                     since + (uint64_t)app->cfg->chat.inactivity_warn_s * 1000u);
}

void chat_inactivity_fired(sb_chat_t *ch, conv_t *v)
{
    if (v->closed)
        return;
    sb_app_t *app = ch->app;
    sb_cstate_t st;
    if (!sb_router_contact_state(app, v->contact_id, &st, NULL) || st != SB_CSTATE_ASSIGNED)
        return;
    if (v->inactive_stage == 0) {
        char text[200];
        unsigned mins = (app->cfg->chat.inactivity_end_s + 59) / 60;
        snprintf(text, sizeof text,
                 "Are you still there? This chat will end in %u minute%s unless you reply or "
                 "choose \"I'm still here\".",
                 mins, mins == 1 ? "" : "s");
        chat_system(ch, v, SYS(INACTIVE_WARNING), text, NULL);
        v->inactive_stage = 1;
        sb_timer_arm(&app->timers, &v->inactivity,
                     sb_clock_now_ms() + (uint64_t)app->cfg->chat.inactivity_end_s * 1000u);
        return;
    }
    chat_system(ch, v, SYS(INACTIVE_ENDED),
                "The chat ended because there was no reply. You can start a new chat at any time.",
                NULL);
    sb_router_end_contact(app, v->contact_id, false);
}

/* ------------------------------------------------------------------------------------------------
 * Routing told us
 * ---------------------------------------------------------------------------------------------- */

void sb_chat_on_commit(sb_app_t *app, const sb_rcommit_t *cm, const char *conv_id)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *v = conv_id && conv_id[0] ? conv_find(ch, conv_id) : NULL;
    if (!v)
        return;
    bool current = strcmp(v->contact_id, cm->contact_id) == 0;
    uint64_t now = cm->now_ms;
    char text[256];
    switch (cm->kind) {
    case SB_COMMIT_ACCEPT: {
        if (!current)
            break;
        const char *name = sb_router_agent_name(app, cm->agent);
        snprintf(text, sizeof text, "%s joined the chat.", name);
        chat_system(ch, v, SYS(JOINED), text, name);
        v->accepted_ms = now;
        v->first_response_pending = true;
        v->unanswered_since = 0;
        v->inactive_stage = 0;
        snprintf(v->queue, sizeof v->queue, "%s", sb_router_queue_id(app, cm->queue));
        snprintf(v->agent, sizeof v->agent, "%s", cm->agent_id);
        sb_cv_set_answered(app->store, app->key_prefix, v->id, now, v->queue, v->agent);
        sb_conn_t *c = sb_router_agent_conn(app, cm->agent);
        if (c)
            send_open(ch, v, c);
        chat_watch(ch, v);
        break;
    }
    case SB_COMMIT_END:
        sb_timer_disarm(&app->timers, &v->inactivity);
        break;
    case SB_COMMIT_REQUEUE:
        if (current) {
            sb_timer_disarm(&app->timers, &v->inactivity);
            chat_system(ch, v, SYS(REQUEUED),
                        "Your specialist was disconnected. You keep your place in line.", NULL);
        }
        break;
    case SB_COMMIT_COMPLETE:
        if (current)
            chat_close(ch, v, "completed");
        break;
    case SB_COMMIT_CANCEL:
        if (current && cm->cancel != SB_CANCEL_OVERFLOW)
            chat_close(ch, v, sb_cancel_name(cm->cancel));
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------------------------------------
 * The end of a conversation: export, expiry, and a while longer in memory (rating, transcript)
 * ---------------------------------------------------------------------------------------------- */

void chat_close(sb_chat_t *ch, conv_t *v, const char *outcome)
{
    if (v->closed)
        return;
    sb_app_t *app = ch->app;
    v->closed = true;
    if (ch->open_count)
        ch->open_count--;
    sb_timer_disarm(&app->timers, &v->inactivity);
    /* one script writes the export record (transcript, segments with their codes and timings)
     * and sets every key's expiry */
    if (sb_cv_close(app->store, app->key_prefix, v->id, outcome, sb_clock_now_ms(),
                    app->cfg->routing.retention_days * 86400u) != 0)
        SB_WARN("chat", "the end of a conversation could not be recorded now",
                SB_F_STR("conversation", v->id));
    /* the customer may still rate the service or save the transcript for a while */
    sb_timer_arm(&app->timers, &v->expire,
                 sb_clock_now_ms() + (uint64_t)app->cfg->auth.resume_ttl_s * 1000u);
}

#define TRIM_EVERY_MS (3600u * 1000u)

void chat_trim_streams(sb_chat_t *ch)
{
    sb_app_t *app = ch->app;
    uint64_t now = sb_clock_now_ms(), keep = (uint64_t)app->cfg->routing.retention_days * 86400000u;
    if (now > keep)
        sb_cv_trim_streams(app->store, app->key_prefix, now - keep);
    sb_timer_arm(&app->timers, &ch->trim, now + TRIM_EVERY_MS);
}

void chat_audit(sb_chat_t *ch, const char *actor, const char *action, const char *object,
                const char *detail)
{
    sb_app_t *app = ch->app;
    /* a detail may name the customer: the record lives no longer than the conversation would */
    sb_cv_audit(app->store, app->key_prefix, sb_clock_now_ms(),
                (uint64_t)app->cfg->routing.retention_days * 86400000u, actor, action, object,
                detail);
    SB_INFO("audit", action, SB_F_STR("actor", actor), SB_F_STR("object", object));
}
