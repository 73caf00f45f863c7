/* What staff and customers do to a conversation besides writing in it: identity verification,
 * transfers, end-and-block, "I'm still here", and the rating. See docs/protocol.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "chat/chat_internal.h"
#include "router/router.h"
#include "stats/stats.h"
#include "store/conv_store.h"
#include "util/clock.h"
#include "util/log.h"

#define SYS(name)  SB_PT_CHAT_EVENT_SYSTEM_##name
#define BLOCK_DAYS 30

static char *dup_str(sb_str_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        memcpy(p, s.ptr, s.len);
        p[s.len] = 0;
    }
    return p;
}

static void reply_empty(sb_conn_t *c, sb_msg_type_t type, uint64_t id)
{
    char empty[8] = {0};
    sb_conn_send_ok(c, type, id, empty);
}

/* A request that waits for one Redis reply before it is answered. */
typedef struct {
    sb_app_t *app;
    uint64_t conn_id, req_id;
    sb_msg_type_t type;
    char conv[SB_ROUTE_ID_LEN + 1];
    char actor[65];
    char detail[129];
} wait_job_t;

static wait_job_t *wait_job(sb_conn_t *c, uint64_t id, sb_msg_type_t type, const conv_t *v)
{
    wait_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return NULL;
    }
    j->app = sb_conn_app(c);
    j->conn_id = c->id;
    j->req_id = id;
    j->type = type;
    snprintf(j->conv, sizeof j->conv, "%s", v->id);
    snprintf(j->actor, sizeof j->actor, "%s", c->user);
    return j;
}

/* The waiting connection, if it is still there. */
static sb_conn_t *job_conn(const wait_job_t *j)
{
    sb_conn_t *c = j->app->net ? sb_net_conn_find(j->app->net, j->conn_id) : NULL;
    return c && c->state == SB_CONN_READY ? c : NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Identity verified
 * ---------------------------------------------------------------------------------------------- */

static void verified_cb(int st, void *priv)
{
    wait_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    sb_conn_t *c = job_conn(j);
    if (st != 0) {
        if (c)
            sb_conn_send_store_error(c, j->req_id, st);
        free(j);
        return;
    }
    conv_t *v = conv_find(ch, j->conv);
    if (v) {
        snprintf(v->verified, sizeof v->verified, "%s", j->detail);
        chat_audit(ch, j->actor, "identity_verified", v->id, j->detail);
        chat_system(ch, v, SYS(VERIFIED), "Identity verified.", NULL);
    }
    if (c)
        reply_empty(c, SB_MSG_CHAT_VERIFY, j->req_id);
    free(j);
}

void sb_chat_verify(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_verify_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff, answered;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, &answered);
    if (!v)
        return;
    if (!answered) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "the chat has ended", NULL, 0);
        return;
    }
    const char *method = NULL;
    for (size_t i = 0; i < app->cfg->n_identity_methods; i++)
        if (strlen(app->cfg->identity_methods[i]) == req->method.len &&
            memcmp(app->cfg->identity_methods[i], req->method.ptr, req->method.len) == 0)
            method = app->cfg->identity_methods[i];
    if (!method) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD, "not one of the configured methods",
                           "method", 0);
        return;
    }
    wait_job_t *j = wait_job(c, id, SB_MSG_CHAT_VERIFY, v);
    if (!j)
        return;
    snprintf(j->detail, sizeof j->detail, "%s", method);
    int rc = sb_cv_set_verified(app->store, app->key_prefix, v->id, method, verified_cb, j);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Transfers (the routing side is in transfer.c)
 * ---------------------------------------------------------------------------------------------- */

static void store_segment(sb_chat_t *ch, const conv_t *v, const char *note)
{
    sb_cv_segment(ch->app->store, ch->app->key_prefix, v->id, v->contact_id, note);
}

void sb_chat_set_contact(sb_app_t *app, const char *conv_id, const char *contact_id)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *v = conv_find(ch, conv_id);
    if (!v || strcmp(v->contact_id, contact_id) == 0)
        return;
    snprintf(v->contact_id, sizeof v->contact_id, "%s", contact_id);
    store_segment(ch, v, NULL);
}

void sb_chat_moved(sb_app_t *app, const char *conv_id, const char *contact_id, const char *to_name,
                   bool to_queue)
{
    sb_chat_t *ch = chat_of(app);
    conv_t *v = conv_find(ch, conv_id);
    if (!v)
        return;
    snprintf(v->contact_id, sizeof v->contact_id, "%s", contact_id);
    if (v->pending_note) {
        free(v->transfer_note);
        v->transfer_note = v->pending_note;
        v->pending_note = NULL;
    }
    store_segment(ch, v, v->transfer_note);
    /* a new specialist: response times start over, the watch waits for the answer */
    v->accepted_ms = 0;
    v->unanswered_since = 0;
    v->inactive_stage = 0;
    sb_timer_disarm(&app->timers, &v->inactivity);
    char text[300];
    if (to_queue)
        snprintf(text, sizeof text,
                 "You are being transferred to %s. You keep your place in line; please stay in "
                 "this chat.",
                 to_name);
    else
        snprintf(text, sizeof text, "You are being transferred to %s.", to_name);
    chat_system(ch, v, SYS(TRANSFERRED), text, NULL);
}

void sb_chat_transfer_failed(sb_app_t *app, const char *conv_id)
{
    conv_t *v = conv_find(chat_of(app), conv_id);
    if (v) {
        free(v->pending_note);
        v->pending_note = NULL;
    }
}

void sb_chat_transfer(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_transfer_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff, answered;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, &answered);
    if (!v)
        return;
    if (req->has_to_queue == req->has_to_agent) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD, "give either to_queue or to_agent",
                           req->has_to_queue ? "to_agent" : "to_queue", 0);
        return;
    }
    if (!answered) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "only a chat in progress is transferred",
                           NULL, 0);
        return;
    }
    char *note = dup_str(req->note);
    char *target = dup_str(req->has_to_queue ? req->to_queue : req->to_agent);
    if (!note || !target) {
        free(note);
        free(target);
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    sb_redact(&app->redactor, note, req->note.len);
    /* the note waits for the transfer to happen; one already waiting is kept if the router
     * refuses this one (it refuses a second transfer while the first is undecided) */
    char *prev_note = v->pending_note;
    v->pending_note = note;
    char contact[SB_ROUTE_ID_LEN + 1];
    snprintf(contact, sizeof contact, "%s", v->contact_id);
    const char *why = "";
    int werr = sb_router_transfer(app, contact, sb_router_agent_index(app, c->user),
                                  req->has_to_queue ? target : NULL,
                                  req->has_to_agent ? target : NULL, c->id, id, &why);
    if (werr) {
        free(note);
        v->pending_note = prev_note;
        sb_conn_send_error(
            c, true, id, (sb_wire_err_t)werr, why,
            werr == SB_WERR_NOT_FOUND ? (req->has_to_queue ? "to_queue" : "to_agent") : NULL, 0);
    } else {
        /* answered by the router: to a queue once the new segment exists, to a colleague with
         * the colleague's answer */
        free(prev_note);
        chat_audit(chat_of(app), c->user, req->has_to_queue ? "transfer_queue" : "transfer_agent",
                   v->id, target);
    }
    free(target);
}

/* ------------------------------------------------------------------------------------------------
 * End and block
 * ---------------------------------------------------------------------------------------------- */

static void blocked_cb(int st, void *priv)
{
    wait_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    sb_conn_t *c = job_conn(j);
    if (st != 0) {
        if (c)
            sb_conn_send_store_error(c, j->req_id, st);
        free(j);
        return;
    }
    conv_t *v = conv_find(ch, j->conv);
    if (v) {
        chat_audit(ch, j->actor, "customer_blocked", v->id, j->detail);
        chat_system(ch, v, SYS(BLOCKED), "The specialist ended this chat.", NULL);
        sb_router_keep_token(j->app, v->contact_id); /* so this browser stays blocked */
        sb_router_end_contact(j->app, v->contact_id, false);
    }
    if (c)
        reply_empty(c, SB_MSG_CHAT_BLOCK, j->req_id);
    free(j);
}

void sb_chat_block(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_block_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff, answered;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, &answered);
    if (!v)
        return;
    if (!answered) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "the chat has already ended", NULL, 0);
        return;
    }
    wait_job_t *j = wait_job(c, id, SB_MSG_CHAT_BLOCK, v);
    if (!j)
        return;
    snprintf(j->detail, sizeof j->detail, "%.*s", (int)req->reason.len, req->reason.ptr);
    sb_redact(&app->redactor, j->detail, strlen(j->detail));
    int rc = sb_cv_block(app->store, app->key_prefix, v->customer_id, j->actor, BLOCK_DAYS * 86400u,
                         blocked_cb, j);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Customers: still here, rating
 * ---------------------------------------------------------------------------------------------- */

void sb_chat_stay(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_stay_t *req = body;
    sb_chat_t *ch = chat_of(sb_conn_app(c));
    bool staff;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, NULL);
    if (!v)
        return;
    v->customer_last_ms = sb_clock_now_ms();
    v->inactive_stage = 0;
    chat_watch(ch, v);
    reply_empty(c, SB_MSG_CHAT_STAY, id);
}

static void rated_cb(int st, sb_cv_rated_t outcome, void *priv)
{
    wait_job_t *j = priv;
    sb_conn_t *c = job_conn(j);
    if (c) {
        if (st != 0)
            sb_conn_send_store_error(c, j->req_id, st);
        else if (outcome == SB_CV_ALREADY_RATED)
            sb_conn_send_error(c, true, j->req_id, SB_WERR_CONFLICT,
                               "this conversation was already rated", NULL, 0);
        else if (outcome == SB_CV_RATE_GONE)
            sb_conn_send_error(c, true, j->req_id, SB_WERR_NOT_FOUND, "no such conversation",
                               "conversation_id", 0);
        else
            reply_empty(c, SB_MSG_CHAT_RATE, j->req_id);
    }
    /* counted once Redis took it (a second rating of the same conversation returns 0) */
    conv_t *v = conv_find(chat_of(j->app), j->conv);
    if (st == 0 && outcome == SB_CV_RATED && v && j->app->stats)
        sb_stats_csat(j->app->stats, v->queue[0] ? v->queue : NULL, v->agent[0] ? v->agent : NULL,
                      (uint32_t)atoi(j->detail), sb_clock_now_ms());
    free(j);
}

void sb_chat_rate(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_rate_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff, answered;
    conv_t *v = chat_authorize(c, id, req->conversation_id, false, &staff, &answered);
    if (!v)
        return;
    if (req->score < 1) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD, "score is 1 to 5", "score", 0);
        return;
    }
    sb_cstate_t cst;
    bool live = sb_router_contact_state(app, v->contact_id, &cst, NULL);
    if (!v->closed && live && cst != SB_CSTATE_WRAPPING) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "rate the chat after it ended", NULL, 0);
        return;
    }
    if (v->rated) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "this conversation was already rated",
                           NULL, 0);
        return;
    }
    char *comment = req->has_comment ? dup_str(req->comment) : strdup("");
    wait_job_t *j = comment ? wait_job(c, id, SB_MSG_CHAT_RATE, v) : NULL;
    if (!j) {
        if (!comment)
            sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        free(comment);
        return;
    }
    sb_redact(&app->redactor, comment, strlen(comment));
    v->rated = true;
    snprintf(j->detail, sizeof j->detail, "%u", (unsigned)req->score);
    int rc = sb_cv_rate(app->store, app->key_prefix, v->id, req->score, comment, sb_clock_now_ms(),
                        app->cfg->routing.retention_days * 86400u, rated_cb, j);
    free(comment);
    if (rc != 0) {
        v->rated = false;
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}

/* ------------------------------------------------------------------------------------------------
 * A message left for a closed or busy team, or a request to be called back
 * ---------------------------------------------------------------------------------------------- */

/* A number someone can dial: 7 to 15 digits (E.164 allows 15), with the spaces, dashes, dots and
 * brackets people write, and a + first. The widget checks the same rule; this one is for every
 * other client, so a callback record never carries an address that cannot be called. */
static bool phone_number_ok(sb_str_t s)
{
    size_t digits = 0;
    for (uint32_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (ch == '+' && i == 0)
            continue;
        else if (ch == '\0' || !strchr(" -.()", ch))
            return false;
    }
    return digits >= 7 && digits <= 15;
}

static void left_cb(int st, bool limited, void *priv)
{
    wait_job_t *j = priv;
    sb_conn_t *c = job_conn(j);
    if (c) {
        if (st != 0) {
            sb_conn_send_store_error(c, j->req_id, st);
        } else if (limited) {
            sb_conn_send_error(c, true, j->req_id, SB_WERR_RATE_LIMITED,
                               "too many messages and chats from here; try again later", NULL,
                               60000);
        } else {
            sb_msg_contact_message_reply_t rep = {
                .reference = {j->detail, (uint32_t)strlen(j->detail)}};
            sb_conn_send_ok(c, SB_MSG_CONTACT_MESSAGE, j->req_id, &rep);
            SB_INFO("chat", "message left", SB_F_STR("reference", j->detail));
        }
    }
    free(j);
}

void sb_chat_leave_message(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_contact_message_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    const sb_config_t *cfg = app->cfg;
    const sb_cfg_topic_t *topic = NULL;
    for (size_t i = 0; i < cfg->n_topics; i++)
        if (strlen(cfg->topics[i].id) == req->topic.len &&
            memcmp(cfg->topics[i].id, req->topic.ptr, req->topic.len) == 0)
            topic = &cfg->topics[i];
    if (!topic) {
        sb_conn_send_error(c, true, id, SB_WERR_NO_SERVICE, "no service for this topic", "topic",
                           0);
        return;
    }
    /* a callback needs a number to call (the record's type follows the reference: "cb-...") */
    bool callback = req->has_callback && req->callback;
    if (callback && !(req->has_reply_to && phone_number_ok(req->reply_to))) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD,
                           req->has_reply_to ? "reply_to is not a phone number"
                                             : "reply_to (a phone number to call back) is required",
                           "reply_to", 0);
        return;
    }
    const char *lang = cfg->n_languages ? cfg->languages[0] : "en";
    if (req->has_lang) {
        lang = NULL;
        for (size_t i = 0; i < cfg->n_languages; i++)
            if (strlen(cfg->languages[i]) == req->lang.len &&
                memcmp(cfg->languages[i], req->lang.ptr, req->lang.len) == 0)
                lang = cfg->languages[i];
        if (!lang) {
            sb_conn_send_error(c, true, id, SB_WERR_NO_SERVICE, "this language is not offered",
                               "lang", 0);
            return;
        }
    }
    char *name = dup_str(req->name), *text = dup_str(req->text);
    char *reply_to = req->has_reply_to ? dup_str(req->reply_to) : strdup("");
    char *claim = req->has_claim_ref ? dup_str(req->claim_ref) : strdup("");
    wait_job_t *j = calloc(1, sizeof *j);
    if (!name || !text || !reply_to || !claim || !j) {
        free(name);
        free(text);
        free(reply_to);
        free(claim);
        free(j);
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    j->app = app;
    j->conn_id = c->id;
    j->req_id = id;
    sb_random_id(callback ? "cb-" : "m-", j->detail, sizeof j->detail);
    /* masked like every customer-supplied text; a phone number in reply_to stays */
    sb_redact(&app->redactor, name, strlen(name));
    sb_redact(&app->redactor, text, strlen(text));
    sb_redact(&app->redactor, reply_to, strlen(reply_to));
    sb_redact(&app->redactor, claim, strlen(claim));
    sb_cv_message_t m = {.reference = j->detail,
                         .customer_id = c->user,
                         .address = c->addr,
                         .topic = topic->id,
                         .queue = topic->queue,
                         .lang = lang,
                         .name = name,
                         .text = text,
                         .reply_to = reply_to,
                         .claim_ref = claim,
                         .now_ms = sb_clock_now_ms(),
                         .per_address = cfg->chat.conversations_per_address,
                         .window_s = cfg->chat.conversations_window_s,
                         .retention_s = cfg->routing.retention_days * 86400u};
    int rc = sb_cv_leave_message(app->store, app->key_prefix, &m, left_cb, j);
    free(name);
    free(text);
    free(reply_to);
    free(claim);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}
