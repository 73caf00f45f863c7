/* Telling people what the routing engine committed: offers and work lists to agents, status and
 * place in line to customers, and the answers to requests that waited for a commit. Everything
 * here runs after Redis accepted the change (commit, then announce). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "router/router_internal.h"
#include "store/route_store.h"
#include "store/session_store.h"
#include "util/clock.h"
#include "util/err.h"

#define MAX_WORK 64

static sb_str_t S(const char *s)
{
    return (sb_str_t){s ? s : "", s ? (uint32_t)strlen(s) : 0};
}

static const char *queue_name(const sb_router_t *R, uint32_t q)
{
    const sb_cfg_queue_t *cq = rtr_queue_cfg(R, q);
    return cq ? cq->name : (q < R->n_queue_ids ? R->queue_ids[q] : "");
}

static const char *agent_name(const sb_router_t *R, uint32_t ai)
{
    const sb_cfg_staff_t *st = rtr_staff_cfg(R, ai);
    return st ? st->display_name : "";
}

/* ------------------------------------------------------------------------------------------------
 * What a commit needs besides the engine's view
 * ---------------------------------------------------------------------------------------------- */

void rtr_commit_extra(sb_router_t *R, const sb_rcommit_t *cm, void *extra)
{
    sb_rs_extra_t *x = extra;
    const sb_config_t *cfg = R->app->cfg;
    memset(x, 0, sizeof *x);
    x->retention_s = cfg->routing.retention_days * 86400u;
    x->status = sb_agent_status_name(cm->status);
    x->away_reason = "";
    const sb_cfg_staff_t *st = cm->agent != SB_ROUTE_NONE ? rtr_staff_cfg(R, cm->agent) : NULL;
    if (st) {
        static const int chan_of_class[] = {SB_CHAN_CHAT, SB_CHAN_VOICE, SB_CHAN_TASK};
        x->capacity = st->capacity[chan_of_class[cm->cls < 3 ? cm->cls : 0]];
    }
    if (cm->kind == SB_COMMIT_AGENT && cm->status == SB_AGENT_AWAY &&
        cm->reason < cfg->n_away_reasons)
        x->away_reason = cfg->away_reasons[cm->reason];
    if (cm->kind == SB_COMMIT_RETURN && cm->agent_to_away)
        x->away_reason = cfg->routing.missed_offers_reason;
    x->default_disposition = cfg->routing.wrapup_default_disposition;
    const cside_t *cs = cm->contact_id[0] ? rtr_cside(R, cm->contact_id) : NULL;
    /* a direct transfer's segment becomes the customer's contact only once accepted */
    x->token_hash = cs && !(cs->direct && cm->kind == SB_COMMIT_CREATE) ? cs->token_hash : "";
    if (cm->kind == SB_COMMIT_CREATE) {
        sb_rcontact_view_t v;
        sb_route_contact_view(R->eng, cm->contact, &v);
        x->queue_id = cm->queue < R->n_queue_ids ? R->queue_ids[cm->queue] : "";
        x->lang = rtr_lang_code(R, v.lang);
        x->priority = v.priority;
        x->enqueued_ms = v.enqueued_ms;
        x->due_ms = v.due_ms;
        x->prev_id = v.prev_id;
        x->customer_id = cs ? cs->customer_id : "";
        x->topic = cs ? cs->topic : "";
        x->title = cs ? cs->title : "";
        x->conv_id = cs ? cs->conv_id : "";
        x->direct = cs && cs->direct;
    }
}

/* ------------------------------------------------------------------------------------------------
 * Agents
 * ---------------------------------------------------------------------------------------------- */

static uint16_t work_state(sb_cstate_t s)
{
    return s == SB_CSTATE_OFFERED    ? SB_PT_WORK_ITEM_STATE_OFFERED
           : s == SB_CSTATE_WRAPPING ? SB_PT_WORK_ITEM_STATE_WRAPPING
                                     : SB_PT_WORK_ITEM_STATE_ASSIGNED;
}

void rtr_send_work(sb_router_t *R, uint32_t ai)
{
    sb_conn_t *c = rtr_agent_conn(R, ai);
    if (!c)
        return;
    uint32_t ix[MAX_WORK];
    uint32_t n = sb_route_agent_contacts(R->eng, ai, ix, MAX_WORK);
    if (n > MAX_WORK)
        n = MAX_WORK;
    sb_pt_work_item_t items[MAX_WORK];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        sb_rcontact_view_t v;
        if (!sb_route_contact_view(R->eng, ix[i], &v))
            continue;
        if (v.state == SB_CSTATE_OFFERED && v.committing && !v.offer_deadline_ms)
            continue;
        sb_pt_work_item_t *w = &items[k++];
        memset(w, 0, sizeof *w);
        w->contact_id = S(v.id);
        w->channel = (uint16_t)v.channel;
        w->queue = S(v.queue < R->n_queue_ids ? R->queue_ids[v.queue] : "");
        w->queue_name = S(queue_name(R, v.queue));
        w->state = work_state(v.state);
        w->language = S(rtr_lang_code(R, v.lang));
        w->enqueued_ms = v.enqueued_ms;
        w->since_ms = v.state == SB_CSTATE_WRAPPING   ? v.wrap_started_ms
                      : v.state == SB_CSTATE_ASSIGNED ? v.assigned_ms
                                                      : v.enqueued_ms;
        uint64_t now = sb_clock_now_ms();
        if (v.state == SB_CSTATE_OFFERED) {
            w->offer_id = v.offer_id;
            w->has_offer_id = true;
            w->deadline_ms = v.offer_deadline_ms;
            w->has_deadline_ms = true;
        } else if (v.state == SB_CSTATE_WRAPPING) {
            const sb_cfg_queue_t *cq = rtr_queue_cfg(R, v.queue);
            if (cq && cq->wrapup_limit_s) { /* 0: no limit, so no deadline */
                w->deadline_ms = v.wrap_started_ms + (uint64_t)cq->wrapup_limit_s * 1000u;
                w->has_deadline_ms = true;
            }
        }
        if (w->has_deadline_ms) {
            w->remaining_ms = w->deadline_ms > now ? w->deadline_ms - now : 0;
            w->has_remaining_ms = true;
        }
        const cside_t *cs = v.state == SB_CSTATE_ASSIGNED ? rtr_cside(R, v.id) : NULL;
        if (cs && !cs->conn && cs->left_ms && sb_timer_armed(&cs->abandon)) {
            w->customer_left_ms = cs->left_ms;
            w->has_customer_left_ms = true;
            w->customer_back_by_ms = cs->abandon.deadline;
            w->has_customer_back_by_ms = true;
        }
    }
    sb_msg_agent_work_t ev = {.waiting = sb_route_waiting_for_agent(R->eng, ai)};
    ev.items.items = items;
    ev.items.n = k;
    sb_conn_send_event(c, SB_MSG_AGENT_WORK, &ev);
}

void rtr_send_state(sb_router_t *R, uint32_t ai, int by)
{
    sb_conn_t *c = rtr_agent_conn(R, ai);
    sb_ragent_view_t v;
    if (!c || !sb_route_agent_view(R->eng, ai, &v))
        return;
    const sb_config_t *cfg = R->app->cfg;
    uint64_t since = R->state_since[ai] ? R->state_since[ai] : sb_clock_now_ms();
    sb_msg_agent_state_t ev = {.status = (uint16_t)v.status, .since_ms = since};
    if (by >= 0) {
        ev.by = (uint16_t)by;
        ev.has_by = true;
    }
    /* the wire's enum order is available, away, offline */
    ev.status = v.status == SB_AGENT_AVAILABLE ? SB_MSG_AGENT_STATE_STATUS_AVAILABLE
                : v.status == SB_AGENT_AWAY    ? SB_MSG_AGENT_STATE_STATUS_AWAY
                                               : SB_MSG_AGENT_STATE_STATUS_OFFLINE;
    if (v.status == SB_AGENT_AWAY && v.reason < cfg->n_away_reasons) {
        ev.reason = S(cfg->away_reasons[v.reason]);
        ev.has_reason = true;
    }
    sb_conn_send_event(c, SB_MSG_AGENT_STATE, &ev);
}

static void send_offer(sb_router_t *R, const sb_rcommit_t *cm)
{
    sb_conn_t *c = rtr_agent_conn(R, cm->agent);
    sb_rcontact_view_t v;
    if (!c || !sb_route_contact_view(R->eng, cm->contact, &v))
        return;
    uint64_t now = sb_clock_now_ms();
    sb_msg_offer_t ev = {
        .offer_id = cm->offer_id,
        .contact_id = S(cm->contact_id),
        .channel = (uint16_t)cm->channel,
        .queue = S(cm->queue < R->n_queue_ids ? R->queue_ids[cm->queue] : ""),
        .queue_name = S(queue_name(R, cm->queue)),
        .language = S(rtr_lang_code(R, v.lang)),
        .enqueued_ms = v.enqueued_ms,
        .deadline_ms = cm->deadline_ms,
        .remaining_ms = cm->deadline_ms > now ? cm->deadline_ms - now : 0,
    };
    sb_conn_send_event(c, SB_MSG_OFFER, &ev);
}

static void send_offer_gone(sb_router_t *R, uint32_t ai, uint64_t offer_id, bool expired)
{
    sb_conn_t *c = rtr_agent_conn(R, ai);
    if (!c)
        return;
    sb_msg_offer_gone_t ev = {.offer_id = offer_id,
                              .reason = expired ? SB_MSG_OFFER_GONE_REASON_EXPIRED
                                                : SB_MSG_OFFER_GONE_REASON_WITHDRAWN};
    sb_conn_send_event(c, SB_MSG_OFFER_GONE, &ev);
}

/* ------------------------------------------------------------------------------------------------
 * Customers
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    uint16_t state;
    int reason; /* -1 none */
    const char *message;
    uint32_t position, wait_s;
    const char *agent;
    uint32_t queue;
} cstatus_t;

static void send_status(sb_router_t *R, const cside_t *cs, const cstatus_t *st)
{
    sb_conn_t *c = cs->transferred ? NULL : rtr_customer_conn(R, cs);
    if (!c)
        return;
    sb_msg_contact_status_t ev = {.contact_id = S(cs->contact_id), .state = st->state};
    if (cs->conv_id[0]) {
        ev.conversation_id = S(cs->conv_id);
        ev.has_conversation_id = true;
    }
    if (st->position) {
        if (st->position <= 10) {
            ev.position = st->position;
            ev.has_position = true;
        } else {
            ev.position_more_than = st->position > 100  ? 100
                                    : st->position > 50 ? 50
                                    : st->position > 20 ? 20
                                                        : 10;
            ev.has_position_more_than = true;
        }
        ev.wait_s = st->wait_s;
        ev.has_wait_s = true;
    }
    if (st->reason >= 0) {
        ev.reason = (uint16_t)st->reason;
        ev.has_reason = true;
    }
    if (st->message) {
        ev.message = S(st->message);
        ev.has_message = true;
    }
    if (st->queue != SB_ROUTE_NONE) {
        ev.queue_name = S(queue_name(R, st->queue));
        ev.has_queue_name = true;
    }
    if (st->agent) {
        ev.agent_name = S(st->agent);
        ev.has_agent_name = true;
    }
    sb_conn_send_event(c, SB_MSG_CONTACT_STATUS, &ev);
}

void rtr_send_contact_status(sb_router_t *R, const cside_t *cs)
{
    uint32_t ci = sb_route_contact_find(R->eng, cs->contact_id);
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v))
        return;
    cstatus_t st = {.reason = -1, .queue = v.queue, .position = v.position, .wait_s = v.wait_s};
    switch (v.state) {
    case SB_CSTATE_ASSIGNED:
        st.state = SB_MSG_CONTACT_STATUS_STATE_ASSIGNED;
        st.agent = agent_name(R, v.agent);
        st.position = 0;
        break;
    case SB_CSTATE_WRAPPING:
        st.state = SB_MSG_CONTACT_STATUS_STATE_WRAPPING;
        st.position = 0;
        break;
    default: /* queued, and offered: the customer is still waiting */
        st.state = SB_MSG_CONTACT_STATUS_STATE_QUEUED;
        break;
    }
    send_status(R, cs, &st);
}

void rtr_position(sb_router_t *R, uint32_t contact, uint32_t position, uint32_t wait_s)
{
    sb_rcontact_view_t v;
    if (!sb_route_contact_view(R->eng, contact, &v))
        return;
    cside_t *cs = rtr_cside(R, v.id);
    if (!cs)
        return;
    cs->last_position = position;
    cs->last_wait_s = wait_s;
    cstatus_t st = {.state = SB_MSG_CONTACT_STATUS_STATE_QUEUED,
                    .reason = -1,
                    .position = position,
                    .wait_s = wait_s,
                    .queue = v.queue};
    send_status(R, cs, &st);
}

static int cancel_reason(sb_cancel_t c)
{
    switch (c) {
    case SB_CANCEL_ABANDONED:
        return SB_MSG_CONTACT_STATUS_REASON_ABANDONED;
    case SB_CANCEL_CUSTOMER_DISCONNECTED:
        return SB_MSG_CONTACT_STATUS_REASON_CUSTOMER_DISCONNECTED;
    case SB_CANCEL_OVERFLOW:
        return SB_MSG_CONTACT_STATUS_REASON_OVERFLOW;
    case SB_CANCEL_MESSAGE:
        return SB_MSG_CONTACT_STATUS_REASON_LEAVE_MESSAGE;
    case SB_CANCEL_CALLBACK:
        return SB_MSG_CONTACT_STATUS_REASON_CALLBACK;
    case SB_CANCEL_QUEUE_REMOVED:
        return SB_MSG_CONTACT_STATUS_REASON_QUEUE_REMOVED;
    default:
        return -1;
    }
}

static const char *cancel_message(sb_cancel_t c)
{
    switch (c) {
    case SB_CANCEL_OVERFLOW:
        return "We are moving you to another line that can help sooner. You keep your place.";
    case SB_CANCEL_MESSAGE:
        return "Everyone is busy. Please leave a message and we will answer it.";
    case SB_CANCEL_CALLBACK:
        return "Everyone is busy. Leave your number and a specialist will call you back.";
    case SB_CANCEL_QUEUE_REMOVED:
        return "This line is no longer available. Please start again.";
    default:
        return "You have left the line.";
    }
}

/* A chat that ended for the customer revokes the resume token: nothing outlives it. */
static void revoke_token(sb_router_t *R, const cside_t *cs)
{
    if (!cs->conv_id[0] || !cs->token_hash[0] || cs->transferred || cs->direct || cs->keep_token)
        return;
    sb_ss_token_revoke(R->app->store, R->app->key_prefix, cs->token_hash);
}

/* A contact that overflowed continues as a new segment: the customer follows it. */
static void follow_overflow(sb_router_t *R, const cside_t *old)
{
    uint32_t cur = 0, ci;
    while (sb_route_contact_iter(R->eng, &cur, &ci)) {
        sb_rcontact_view_t v;
        if (!sb_route_contact_view(R->eng, ci, &v) || strcmp(v.prev_id, old->contact_id) != 0)
            continue;
        cside_t *cs = rtr_cside_add(R, v.id);
        if (!cs)
            return;
        memcpy(cs->customer_id, old->customer_id, sizeof cs->customer_id);
        memcpy(cs->token_hash, old->token_hash, sizeof cs->token_hash);
        memcpy(cs->topic, old->topic, sizeof cs->topic);
        memcpy(cs->conv_id, old->conv_id, sizeof cs->conv_id);
        cs->conn = old->conn;
        if (cs->conv_id[0])
            R->conv->set_contact(R->app, cs->conv_id, cs->contact_id);
        sb_strmap_put(&R->by_customer, cs->customer_id, cs->ix);
        return;
    }
}

/* ------------------------------------------------------------------------------------------------
 * Announcements
 * ---------------------------------------------------------------------------------------------- */

void rtr_announce(sb_router_t *R, const sb_rcommit_t *cm)
{
    cside_t *cs = cm->contact_id[0] ? rtr_cside(R, cm->contact_id) : NULL;
    bool has_agent = cm->agent != SB_ROUTE_NONE;
    rtr_stats_commit(R, cs, cm);
    /* transfers first: the customer follows the new segment before hearing of it */
    if (cs && cm->kind == SB_COMMIT_CREATE && !cs->direct && cs->transfer_from[0])
        rtr_transfer_created(R, cs, cm);
    if (cs && cm->kind == SB_COMMIT_ACCEPT && cs->direct && cs->transfer_from[0])
        rtr_transfer_accepted(R, cs, cm);
    if (cs && cs->conv_id[0])
        R->conv->on_commit(R->app, cm, cs->conv_id); /* system events in the conversation */
    cstatus_t st = {.reason = -1, .queue = cm->queue};
    switch (cm->kind) {
    case SB_COMMIT_CREATE:
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_QUEUED;
            send_status(R, cs, &st);
        }
        if (cm->offer_with_create)
            send_offer(R, cm);
        break;
    case SB_COMMIT_OFFER:
        send_offer(R, cm);
        break;
    case SB_COMMIT_ACCEPT:
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_ASSIGNED;
            st.agent = agent_name(R, cm->agent);
            send_status(R, cs, &st);
        }
        break;
    case SB_COMMIT_RETURN:
        if (cm->return_reason != 0)
            send_offer_gone(R, cm->agent, cm->offer_id, cm->return_reason == 1);
        if (cm->agent_to_away) {
            R->state_since[cm->agent] = cm->now_ms;
            rtr_send_state(R, cm->agent, SB_MSG_AGENT_STATE_BY_SYSTEM);
        }
        break;
    case SB_COMMIT_REQUEUE:
        if (cs)
            rtr_transfer_source_ended(R, cs);
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_QUEUED;
            st.reason = SB_MSG_CONTACT_STATUS_REASON_AGENT_UNAVAILABLE;
            st.message = "Your specialist was disconnected. You keep your place in line.";
            send_status(R, cs, &st);
        }
        break;
    case SB_COMMIT_CANCEL:
        if (has_agent)
            send_offer_gone(R, cm->agent, cm->offer_id, false);
        if (cs && cs->direct)
            rtr_transfer_canceled(R, cs);
        else if (cs)
            rtr_transfer_source_ended(R, cs);
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_CANCELED;
            st.reason = cancel_reason(cm->cancel);
            st.message = cancel_message(cm->cancel);
            send_status(R, cs, &st);
            if (cm->cancel == SB_CANCEL_OVERFLOW)
                follow_overflow(R, cs);
            else
                revoke_token(R, cs);
            rtr_cside_del(R, cs);
        }
        break;
    case SB_COMMIT_END:
        if (cs)
            rtr_transfer_source_ended(R, cs);
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_WRAPPING;
            st.reason = cs->customer_ended ? SB_MSG_CONTACT_STATUS_REASON_CUSTOMER_ENDED
                                           : SB_MSG_CONTACT_STATUS_REASON_AGENT_ENDED;
            st.message = cs->customer_ended ? "You left the conversation."
                                            : "The specialist ended the conversation.";
            if (cs->customer_gone) {
                st.reason = SB_MSG_CONTACT_STATUS_REASON_CUSTOMER_DISCONNECTED;
                st.message = "The conversation ended because the connection was lost.";
            }
            send_status(R, cs, &st);
            revoke_token(R, cs);
            /* the customer is done: a new request may start while the specialist wraps up */
            uint32_t ix;
            if (cs->customer_id[0] && sb_strmap_get(&R->by_customer, cs->customer_id, &ix) &&
                ix == cs->ix)
                sb_strmap_del(&R->by_customer, cs->customer_id);
        }
        break;
    case SB_COMMIT_COMPLETE:
        if (cs) {
            st.state = SB_MSG_CONTACT_STATUS_STATE_COMPLETED;
            send_status(R, cs, &st);
            rtr_cside_del(R, cs);
        }
        break;
    case SB_COMMIT_AGENT:
        R->state_since[cm->agent] = cm->now_ms;
        rtr_send_state(R, cm->agent, SB_MSG_AGENT_STATE_BY_SELF);
        break;
    default:
        break;
    }
    if (has_agent && cm->agent < R->n_agent_ids)
        rtr_send_work(R, cm->agent);
}

/* ------------------------------------------------------------------------------------------------
 * Answers to requests that waited for their commit
 * ---------------------------------------------------------------------------------------------- */

void rtr_answer_waiting(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type,
                        const sb_rcommit_t *cm, sb_commit_outcome_t out, const char *why)
{
    if (!conn_id || !R->app->net)
        return;
    if (type == RTR_HTTP) {
        sb_http_t *h = sb_http_find(R->app->net, conn_id);
        if (!h)
            return;
        char body[160];
        int n;
        if (out == SB_COMMIT_OK || strcmp(why, "exists") == 0) {
            n = snprintf(body, sizeof body, "{\"task_id\":\"%s\",\"created\":%s}", cm->contact_id,
                         out == SB_COMMIT_OK ? "true" : "false");
            sb_http_respond(h, out == SB_COMMIT_OK ? 201 : 200, "application/json", body,
                            (size_t)n);
        } else {
            sb_http_error(h, 503, SB_WERR_STORE_UNAVAILABLE,
                          "the task could not be saved; try again");
        }
        return;
    }
    sb_conn_t *c = sb_net_conn_find(R->app->net, conn_id);
    if (!c || c->state != SB_CONN_READY)
        return;
    if (out == SB_COMMIT_UNKNOWN) {
        sb_conn_send_error(c, true, req_id, SB_WERR_STORE_UNAVAILABLE,
                           "storage did not answer; check the state and try again", NULL, 1000);
        return;
    }
    if (out == SB_COMMIT_REFUSED) {
        const cside_t *cs = type == SB_MSG_CONTACT_REQUEST ? rtr_cside(R, cm->contact_id) : NULL;
        if (strcmp(why, "conversation") == 0 || (cs && cs->conv_werr))
            rtr_conv_error(c, req_id, cs && cs->conv_werr ? cs->conv_werr : SB_WERR_INTERNAL);
        else if (strcmp(why, "expired") == 0)
            sb_conn_send_error(c, true, req_id, SB_WERR_OFFER_EXPIRED,
                               "the offer expired before it was accepted", NULL, 0);
        else if (strcmp(why, "busy") == 0)
            sb_conn_send_store_error(c, req_id, SB_E_BUSY);
        else if (strcmp(why, "store") == 0)
            sb_conn_send_store_error(c, req_id, SB_E_STORE_DOWN);
        else
            sb_conn_send_error(c, true, req_id, SB_WERR_CONFLICT,
                               "this changed meanwhile; the screen will update", NULL, 0);
        return;
    }
    switch (type) {
    case SB_MSG_CONTACT_REQUEST: {
        const cside_t *cs = rtr_cside(R, cm->contact_id);
        sb_msg_contact_request_reply_t rep = {.contact_id = S(cm->contact_id),
                                              .queue_name = S(queue_name(R, cm->queue)),
                                              .conversation_id = S(cs ? cs->conv_id : "")};
        sb_conn_send_ok(c, type, req_id, &rep);
        break;
    }
    case SB_MSG_OFFER_ACCEPT: {
        sb_msg_offer_accept_reply_t rep = {.contact_id = S(cm->contact_id)};
        sb_conn_send_ok(c, type, req_id, &rep);
        break;
    }
    case SB_MSG_AGENT_STATE_SET: {
        const sb_config_t *cfg = R->app->cfg;
        sb_msg_agent_state_set_reply_t rep = {
            .status = cm->status == SB_AGENT_AVAILABLE
                          ? SB_MSG_AGENT_STATE_SET_REPLY_STATUS_AVAILABLE
                      : cm->status == SB_AGENT_AWAY ? SB_MSG_AGENT_STATE_SET_REPLY_STATUS_AWAY
                                                    : SB_MSG_AGENT_STATE_SET_REPLY_STATUS_OFFLINE};
        if (cm->status == SB_AGENT_AWAY && cm->reason < cfg->n_away_reasons) {
            rep.reason = S(cfg->away_reasons[cm->reason]);
            rep.has_reason = true;
        }
        sb_conn_send_ok(c, type, req_id, &rep);
        break;
    }
    default: {
        /* replies without fields: decline, end, wrap-up, cancel */
        char empty[8] = {0};
        sb_conn_send_ok(c, type, req_id, empty);
        break;
    }
    }
}
