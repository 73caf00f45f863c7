/* Customers asking for help: a contact is requested on a topic and channel, followed with status
 * and place in line, and canceled when the customer leaves. A customer who disconnects while
 * waiting keeps the place for the resume window (auth.resume_ttl_s); after it the contact is
 * canceled as abandoned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "router/router_internal.h"
#include "util/clock.h"
#include "util/log.h"

static const sb_cfg_topic_t *find_topic(const sb_config_t *cfg, sb_str_t id)
{
    for (size_t i = 0; i < cfg->n_topics; i++)
        if (strlen(cfg->topics[i].id) == id.len && memcmp(cfg->topics[i].id, id.ptr, id.len) == 0)
            return &cfg->topics[i];
    return NULL;
}

void rtr_abandon_cb(sb_timer_t *t)
{
    cside_t *cs = (cside_t *)((char *)t - offsetof(cside_t, abandon));
    sb_router_t *R = t->data;
    if (!R || cs->conn)
        return;
    uint32_t ci = sb_route_contact_find(R->eng, cs->contact_id);
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v))
        return;
    if (v.state == SB_CSTATE_QUEUED || v.state == SB_CSTATE_OFFERED) {
        SB_INFO("route", "customer did not come back; contact abandoned",
                SB_F_STR("contact", cs->contact_id));
        sb_route_contact_withdraw(R->eng, ci, SB_CANCEL_ABANDONED, sb_clock_now_ms());
        rtr_pump(R);
    } else if (v.state == SB_CSTATE_ASSIGNED) {
        /* answered: the conversation waited for a resume that never came */
        SB_INFO("route", "customer did not come back; conversation ended",
                SB_F_STR("contact", cs->contact_id));
        cs->customer_gone = true;
        if (cs->conv_id[0])
            R->conv->customer_gone(R->app, cs->conv_id);
        else
            sb_router_end_contact(R->app, cs->contact_id, false);
    }
}

static sb_str_t S(const char *s)
{
    return (sb_str_t){s ? s : "", s ? (uint32_t)strlen(s) : 0};
}

/* What the widget offers: topics with the channels and languages of their queues, and whether
 * each is open now (a closed one shows its next opening and the leave-a-message path). */
static void send_setup(sb_router_t *R, sb_conn_t *c)
{
    const sb_config_t *cfg = R->app->cfg;
    enum { MAXT = 64, MAXL = 64, MAXTL = 16 };
    sb_pt_topic_t topics[MAXT];
    uint16_t chans[MAXT][3];
    sb_str_t tlangs[MAXT][MAXTL];
    sb_str_t langs[MAXL];
    uint64_t now = sb_clock_now_ms();
    size_t nt = 0;
    for (size_t i = 0; i < cfg->n_topics && nt < MAXT; i++) {
        const sb_cfg_topic_t *t = &cfg->topics[i];
        const sb_cfg_queue_t *q = sb_config_find_queue(cfg, t->queue);
        uint32_t qi = rtr_queue_of(R, t->queue);
        if (!q || qi == SB_ROUTE_NONE)
            continue;
        sb_pt_topic_t *o = &topics[nt];
        memset(o, 0, sizeof *o);
        o->id = S(t->id);
        o->label_en = S(t->label_en);
        if (t->label_es) {
            o->label_es = S(t->label_es);
            o->has_label_es = true;
        }
        uint32_t nc = 0;
        for (int ch = SB_CHAN_CHAT; ch <= SB_CHAN_VIDEO; ch++)
            if (q->channels[ch])
                chans[nt][nc++] = (uint16_t)ch;
        o->channels.items = chans[nt];
        o->channels.n = nc;
        uint32_t nl = 0;
        for (size_t k = 0; k < q->n_languages && nl < MAXTL; k++)
            tlangs[nt][nl++] = S(q->languages[k]);
        o->languages.items = tlangs[nt];
        o->languages.n = nl;
        uint64_t next = 0;
        /* a closed queue that overflows to an open one still takes contacts */
        o->open = sb_route_entry_queue(R->eng, qi, -1, -1, now, &next) != SB_ROUTE_NONE;
        if (!o->open && next) {
            o->next_open_ms = next;
            o->has_next_open_ms = true;
        }
        nt++;
    }
    size_t nl = cfg->n_languages < MAXL ? cfg->n_languages : MAXL;
    for (size_t k = 0; k < nl; k++)
        langs[k] = S(cfg->languages[k]);
    sb_msg_customer_setup_t ev = {.topics = {topics, (uint32_t)nt},
                                  .languages = {langs, (uint32_t)nl}};
    sb_conn_send_event(c, SB_MSG_CUSTOMER_SETUP, &ev);
}

void sb_router_customer_ready(sb_conn_t *c, const char *contact_id)
{
    sb_router_t *R = rtr(sb_conn_app(c));
    if (!R)
        return;
    send_setup(R, c);
    cside_t *cs = contact_id && contact_id[0] ? rtr_cside(R, contact_id) : NULL;
    if (!cs)
        cs = rtr_cside_of_customer(R, c->user);
    if (!cs || strcmp(cs->customer_id, c->user) != 0)
        return;
    cs->conn = c->id;
    sb_timer_disarm(&R->app->timers, &cs->abandon);
    rtr_customer_presence(R, cs, SB_PRESENCE_BACK, sb_clock_now_ms());
    if (cs->conv_id[0])
        R->conv->customer_ready(c, cs->conv_id);
    rtr_send_contact_status(R, cs);
    rtr_pump(R);
}

void rtr_customer_presence(sb_router_t *R, cside_t *cs, sb_presence_t pr, uint64_t now)
{
    cs->left_ms = pr == SB_PRESENCE_LEFT ? now : 0;
    uint32_t ci = sb_route_contact_find(R->eng, cs->contact_id);
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v))
        return;
    if (v.state == SB_CSTATE_QUEUED || v.state == SB_CSTATE_OFFERED)
        sb_route_customer_presence(R->eng, ci, pr, now);
    else if (v.state == SB_CSTATE_ASSIGNED && v.agent != SB_ROUTE_NONE)
        rtr_send_work(R, v.agent); /* "left at 14:02, can come back until 14:17" */
}

void sb_router_keep_token(sb_app_t *app, const char *contact_id)
{
    sb_router_t *R = rtr(app);
    cside_t *cs = R ? rtr_cside(R, contact_id) : NULL;
    if (cs)
        cs->keep_token = true;
}

const char *sb_router_contact_conv(sb_app_t *app, const char *contact_id)
{
    sb_router_t *R = rtr(app);
    const cside_t *cs = R && contact_id && contact_id[0] ? rtr_cside(R, contact_id) : NULL;
    return cs && cs->conv_id[0] ? cs->conv_id : NULL;
}

void sb_router_customer_closed(sb_conn_t *c)
{
    sb_router_t *R = rtr(sb_conn_app(c));
    if (!R)
        return;
    cside_t *cs = rtr_cside_of_customer(R, c->user);
    if (!cs || cs->conn != c->id)
        return;
    cs->conn = 0;
    uint64_t now = sb_clock_now_ms();
    /* the place in line is kept for the resume window, but nobody is offered a customer who is
     * gone: an offer out is withdrawn now (docs/routing.md, "Customers who disconnect") */
    sb_timer_arm(&R->app->timers, &cs->abandon,
                 now + (uint64_t)R->app->cfg->auth.resume_ttl_s * 1000u);
    rtr_customer_presence(R, cs, SB_PRESENCE_LEFT, now);
    rtr_pump(R);
}

typedef struct {
    sb_rcontact_t spec;
    uint64_t conn_id, req_id;
} request_t;

static bool app_has_chat(const sb_router_t *R)
{
    return R->conv != NULL;
}

/* The contact enters the engine, whose CREATE commit goes out at the next pump. false when it
 * could not (closed, no agent for its channel or language): the customer was told, `rq` freed. */
static bool enter(sb_router_t *R, request_t *rq)
{
    sb_rcontact_t *spec = &rq->spec;
    cside_t *cs = rtr_cside(R, spec->id);
    sb_conn_t *c = R->app->net ? sb_net_conn_find(R->app->net, rq->conn_id) : NULL;
    if (c && c->state != SB_CONN_READY)
        c = NULL;
    spec->enqueued_ms = sb_clock_now_ms();
    uint32_t ix;
    uint64_t next_open = 0;
    rtr_tag(R);
    sb_arrive_t a = sb_route_contact_arrive(R->eng, spec, spec->enqueued_ms, &ix, &next_open);
    if (a == SB_ARRIVE_OK)
        return true;
    rtr_untag(R);
    const sb_cfg_queue_t *cq = rtr_queue_cfg(R, spec->queue);
    rtr_cside_del(R, cs);
    switch (c ? a : SB_ARRIVE_OK) {
    case SB_ARRIVE_OK:
        break;
    case SB_ARRIVE_CLOSED: {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is closed now", cq ? cq->name : "this service");
        sb_pt_error_body_t e = {.message = {msg, (uint32_t)strlen(msg)},
                                .next_open_ms = next_open,
                                .has_next_open_ms = next_open != 0};
        sb_conn_send_error_body(c, true, rq->req_id, SB_WERR_QUEUE_CLOSED, &e);
        break;
    }
    case SB_ARRIVE_FULL:
        sb_conn_send_error(c, true, rq->req_id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        break;
    default:
        sb_conn_send_error(c, true, rq->req_id, SB_WERR_NO_SERVICE,
                           "this service does not take that channel or language", NULL, 0);
        break;
    }
    free(rq);
    rtr_pump(R);
    return false;
}

/* The request waits for the CREATE commit, which the pump sends. */
static void arrived(sb_router_t *R, request_t *rq)
{
    sb_conn_t *c = R->app->net ? sb_net_conn_find(R->app->net, rq->conn_id) : NULL;
    if (c && c->state == SB_CONN_READY)
        rtr_wait_for_commit(R, c, rq->req_id, SB_MSG_CONTACT_REQUEST);
    free(rq);
    rtr_pump(R);
}

/* The customer hears why a chat could not start (a refused conversation). */
void rtr_conv_error(sb_conn_t *c, uint64_t req_id, int werr)
{
    const char *msg = werr == SB_WERR_FORBIDDEN      ? "chat is not available to you"
                      : werr == SB_WERR_RATE_LIMITED ? "too many chats started from here; "
                                                       "try again later"
                      : werr == SB_WERR_BUSY         ? "too many chats are open; try again "
                                                       "in a few minutes"
                                                     : "the chat could not be started; "
                                                       "try again";
    sb_conn_send_error(c, true, req_id, (sb_wire_err_t)werr, msg, NULL,
                       werr == SB_WERR_FORBIDDEN ? 0 : 5000);
}

/* The conversation's reply, which comes just before its contact's CREATE commit (same pipeline).
 * `arg`: the contact id (malloc'd). */
static void conv_created(sb_app_t *app, int werr, const char *conv_id, void *arg)
{
    char *contact_id = arg;
    sb_router_t *R = rtr(app);
    cside_t *cs = R ? rtr_cside(R, contact_id) : NULL;
    free(contact_id);
    if (werr) {
        /* route_commit.lua refuses the contact too; its answer tells the customer why */
        if (cs)
            cs->conv_werr = (int16_t)werr;
        return;
    }
    if (!cs || strcmp(cs->conv_id, conv_id) != 0) {
        R->conv->discard(app, conv_id); /* the contact is gone meanwhile */
        return;
    }
    sb_conn_t *c = app->net && cs->conn ? sb_net_conn_find(app->net, cs->conn) : NULL;
    if (c && c->state == SB_CONN_READY)
        R->conv->customer_ready(c, conv_id); /* deliveries reach this connection */
}

void sb_router_contact_request(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_contact_request_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    const sb_config_t *cfg = R->app->cfg;
    const sb_cfg_topic_t *topic = find_topic(cfg, req->topic);
    uint32_t q = topic ? rtr_queue_of(R, topic->queue) : SB_ROUTE_NONE;
    if (q == SB_ROUTE_NONE) {
        sb_conn_send_error(c, true, id, SB_WERR_NO_SERVICE, "no service for this topic", "topic",
                           0);
        return;
    }
    if (rtr_cside_of_customer(R, c->user)) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "you already have an open request", NULL,
                           0);
        return;
    }
    int lang = 0;
    if (req->has_lang) {
        char code[40];
        snprintf(code, sizeof code, "%.*s", (int)req->lang.len, req->lang.ptr);
        lang = rtr_lang_of(R, code);
        if (lang < 0) {
            sb_conn_send_error(c, true, id, SB_WERR_NO_SERVICE, "this language is not offered",
                               "lang", 0);
            return;
        }
    }
    if (req->channel == SB_MSG_CONTACT_REQUEST_CHANNEL_CHAT && !app_has_chat(R)) {
        sb_conn_send_error(c, true, id, SB_WERR_NO_SERVICE, "chat is not available", "channel", 0);
        return;
    }
    const sb_cfg_queue_t *cq = sb_config_find_queue(cfg, topic->queue);
    request_t *rq = calloc(1, sizeof *rq);
    if (!rq) {
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    sb_rcontact_t *spec = &rq->spec;
    sb_random_id("k-", spec->id, sizeof spec->id);
    spec->queue = q;
    spec->channel = (sb_channel_t)req->channel; /* the wire's chat, voice, video match */
    spec->lang = (uint16_t)lang;
    spec->priority = cq ? cq->priority : 5;
    spec->agent = SB_ROUTE_NONE;
    rq->conn_id = c->id;
    rq->req_id = id;
    cside_t *cs = rtr_cside_add(R, spec->id);
    if (!cs) {
        free(rq);
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    snprintf(cs->customer_id, sizeof cs->customer_id, "%s", c->user);
    memcpy(cs->token_hash, c->secret_hash, sizeof cs->token_hash);
    snprintf(cs->topic, sizeof cs->topic, "%s", topic->id);
    cs->conn = c->id;
    /* claimed now: a second request while this one is being set up is refused */
    sb_strmap_put(&R->by_customer, cs->customer_id, cs->ix);
    if (spec->channel != SB_CHAN_CHAT) {
        if (enter(R, rq))
            arrived(R, rq);
        return;
    }
    /* A chat is a conversation first; it may be refused (a blocked customer, too many from one
     * address). Its creation and the contact's CREATE commit go to Redis together, in that order,
     * and the commit is refused if the conversation was: one round trip, not two. */
    int werr = R->conv->can_create(R->app);
    char *arg = werr ? NULL : strdup(spec->id);
    if (werr || !arg) {
        rtr_conv_error(c, id, werr ? werr : SB_WERR_INTERNAL);
        rtr_cside_del(R, cs);
        free(rq);
        return;
    }
    R->conv->new_id(cs->conv_id, sizeof cs->conv_id);
    char name[81], lc[36], claim[33];
    snprintf(name, sizeof name, "%.*s", (int)req->name.len, req->name.ptr);
    sb_redact(&R->app->redactor, name, strlen(name)); /* people type their SSN anywhere */
    snprintf(lc, sizeof lc, "%s", rtr_lang_code(R, (uint16_t)lang));
    snprintf(claim, sizeof claim, "%.*s", req->has_claim_ref ? (int)req->claim_ref.len : 0,
             req->has_claim_ref ? req->claim_ref.ptr : "");
    sb_redact(&R->app->redactor, claim, strlen(claim)); /* "claim number" fields get SSNs too */
    if (!enter(R, rq)) {                                /* closed: no conversation is created */
        free(arg);
        return;
    }
    werr = R->conv->create(R->app, cs->conv_id, c->user, c->addr, name, topic->id, lc, claim,
                           spec->id, conv_created, arg);
    if (werr) {
        /* not sent: the CREATE commit finds no conversation and is refused with this reason */
        free(arg);
        cs->conv_werr = (int16_t)werr;
    }
    arrived(R, rq);
}

void sb_router_contact_cancel(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_contact_cancel_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    char cid[SB_ROUTE_ID_LEN + 1];
    snprintf(cid, sizeof cid, "%.*s", (int)req->contact_id.len, req->contact_id.ptr);
    cside_t *cs = rtr_cside(R, cid);
    uint32_t ci = cs ? sb_route_contact_find(R->eng, cid) : SB_ROUTE_NONE;
    sb_rcontact_view_t v;
    /* a token never reaches any contact but its own: someone else's id looks like no id */
    if (!cs || strcmp(cs->customer_id, c->user) != 0 || ci == SB_ROUTE_NONE ||
        !sb_route_contact_view(R->eng, ci, &v)) {
        sb_conn_send_error(c, true, id, SB_WERR_NOT_FOUND, "no such contact", "contact_id", 0);
        return;
    }
    sb_route_result_t r;
    uint64_t now = sb_clock_now_ms();
    cs->customer_ended = true; /* if this ends an answered contact, the customer ended it */
    rtr_tag(R);
    if (v.state == SB_CSTATE_ASSIGNED)
        r = sb_route_contact_end(R->eng, v.agent, ci, now);
    else if (v.committing)
        r = sb_route_contact_withdraw(R->eng, ci, SB_CANCEL_ABANDONED, now); /* applied later */
    else
        r = sb_route_contact_withdraw(R->eng, ci, SB_CANCEL_ABANDONED, now);
    if (r == SB_ROUTE_OK && !v.committing) {
        rtr_wait_for_commit(R, c, id, SB_MSG_CONTACT_CANCEL);
    } else if (r == SB_ROUTE_OK) {
        rtr_untag(R); /* applied when the commit in flight returns */
        char empty[8] = {0};
        sb_conn_send_ok(c, SB_MSG_CONTACT_CANCEL, id, empty);
    } else {
        rtr_untag(R);
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "this contact has already ended", NULL,
                           0);
    }
    rtr_pump(R);
}

/* ------------------------------------------------------------------------------------------------
 * Tasks pushed by the server's API
 * ---------------------------------------------------------------------------------------------- */

void sb_router_create_task(sb_app_t *app, sb_http_t *h, const char *queue, const char *external_id,
                           const char *lang, uint64_t due_ms, const char *title)
{
    sb_router_t *R = rtr(app);
    const sb_cfg_queue_t *cq = sb_config_find_queue(app->cfg, queue);
    uint32_t q = rtr_queue_of(R, queue);
    if (!cq || q == SB_ROUTE_NONE || !cq->channels[SB_CHAN_TASK]) {
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST, "queue is not a configured task queue");
        return;
    }
    int li = rtr_lang_of(R, lang ? lang : (cq->n_languages ? cq->languages[0] : "en"));
    if (li < 0) {
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST,
                      "language is not one of the configured languages");
        return;
    }
    sb_rcontact_t spec;
    memset(&spec, 0, sizeof spec);
    /* the id comes from the external id: the same task pushed twice is the same task */
    char hash[SB_TOKEN_HASH_LEN + 1];
    sb_token_hash(external_id, strlen(external_id), hash);
    snprintf(spec.id, sizeof spec.id, "t-%.24s", hash);
    spec.queue = q;
    spec.channel = SB_CHAN_TASK;
    spec.lang = (uint16_t)li;
    spec.priority = cq->priority;
    spec.enqueued_ms = sb_clock_now_ms();
    spec.due_ms = due_ms;
    spec.agent = SB_ROUTE_NONE;
    cside_t *cs = rtr_cside_add(R, spec.id);
    if (!cs) {
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        return;
    }
    snprintf(cs->topic, sizeof cs->topic, "%s", external_id);
    snprintf(cs->title, sizeof cs->title, "%s", title ? title : "");
    uint32_t ix;
    uint64_t next_open = 0;
    rtr_tag(R);
    sb_arrive_t a = sb_route_contact_arrive(R->eng, &spec, spec.enqueued_ms, &ix, &next_open);
    if (a != SB_ARRIVE_OK)
        rtr_untag(R);
    if (a == SB_ARRIVE_EXISTS) {
        char body[96];
        int n = snprintf(body, sizeof body, "{\"task_id\":\"%s\",\"created\":false}", spec.id);
        sb_http_respond(h, 200, "application/json", body, (size_t)n);
        return;
    }
    if (a != SB_ARRIVE_OK) {
        rtr_cside_del(R, cs);
        if (a == SB_ARRIVE_CLOSED)
            sb_http_error(h, 409, SB_WERR_QUEUE_CLOSED, "the task queue is closed now");
        else if (a == SB_ARRIVE_FULL)
            sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
        else
            sb_http_error(h, 400, SB_WERR_BAD_REQUEST,
                          "the task queue does not take this language");
        rtr_pump(R);
        return;
    }
    if (sb_http_hold(h) == 0)
        rtr_wait_for_http(R, h->id);
    rtr_pump(R);
}
