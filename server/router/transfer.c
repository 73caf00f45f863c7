/* Transfers of answered chats (docs/protocol.md, "chat.transfer"), on the routing side.
 *
 * To a queue: a new segment of the conversation enters the queue at the customer's original
 * waiting time, its priority raised by chat.transfer_priority_boost; the sender's segment goes to
 * wrap-up at once and the customer follows the new segment.
 *
 * To a named agent: a direct segment is offered to that agent only, while the sender keeps the
 * chat. Accepted: the customer follows the new segment and the sender's goes to wrap-up. Declined
 * or timed out: the direct segment is canceled and nothing changed for the customer. The sender's
 * request is answered with the outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "router/router_internal.h"
#include "util/clock.h"
#include "util/log.h"

static cside_t *new_segment(sb_router_t *R, const cside_t *old, const char *id)
{
    cside_t *cs = rtr_cside_add(R, id);
    if (!cs)
        return NULL;
    memcpy(cs->customer_id, old->customer_id, sizeof cs->customer_id);
    memcpy(cs->token_hash, old->token_hash, sizeof cs->token_hash);
    memcpy(cs->topic, old->topic, sizeof cs->topic);
    memcpy(cs->conv_id, old->conv_id, sizeof cs->conv_id);
    snprintf(cs->transfer_from, sizeof cs->transfer_from, "%s", old->contact_id);
    cs->conn = old->conn;
    return cs;
}

/* The customer now follows `to`; `from` is done for them. */
static void follow(sb_router_t *R, cside_t *from, cside_t *to)
{
    from->transferred = true;
    from->transfer_to[0] = 0;
    to->transferred = false;
    sb_timer_disarm(&R->app->timers, &from->abandon);
    sb_strmap_put(&R->by_customer, to->customer_id, to->ix);
}

int sb_router_transfer(sb_app_t *app, const char *contact_id, uint32_t from_agent,
                       const char *to_queue, const char *to_agent, uint64_t conn_id,
                       uint64_t req_id, const char **why)
{
    sb_router_t *R = rtr(app);
    cside_t *old = R ? rtr_cside(R, contact_id) : NULL;
    uint32_t ci = old ? sb_route_contact_find(R->eng, contact_id) : SB_ROUTE_NONE;
    sb_rcontact_view_t v;
    *why = "this chat cannot be transferred now";
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v) ||
        v.state != SB_CSTATE_ASSIGNED || v.agent != from_agent || v.committing)
        return SB_WERR_CONFLICT;
    if (old->transfer_to[0]) {
        *why = "a transfer of this chat is already waiting for an answer";
        return SB_WERR_CONFLICT;
    }
    sb_rcontact_t spec;
    memset(&spec, 0, sizeof spec);
    /* a fresh id: a declined transfer's segment stays in Redis until it expires, so a name
     * derived from the old one could be taken; `prev` links the segments */
    sb_random_id("k-", spec.id, sizeof spec.id);
    snprintf(spec.prev_id, sizeof spec.prev_id, "%s", contact_id);
    spec.channel = v.channel;
    spec.lang = v.lang;
    spec.enqueued_ms = v.enqueued_ms; /* the customer keeps the original waiting time */
    spec.agent = SB_ROUTE_NONE;
    uint32_t target = SB_ROUTE_NONE;
    if (to_queue) {
        spec.queue = rtr_queue_of(R, to_queue);
        const sb_cfg_queue_t *cq =
            spec.queue == SB_ROUTE_NONE ? NULL : rtr_queue_cfg(R, spec.queue);
        if (!cq) {
            *why = "no such queue";
            return SB_WERR_NOT_FOUND;
        }
        unsigned prio = cq->priority + app->cfg->chat.transfer_priority_boost;
        spec.priority = (uint8_t)(prio > 255 ? 255 : prio);
    } else {
        target = rtr_agent_of(R, to_agent);
        if (target == SB_ROUTE_NONE || !rtr_staff_cfg(R, target)) {
            *why = "no such colleague";
            return SB_WERR_NOT_FOUND;
        }
        if (target == from_agent) {
            *why = "you already hold this chat";
            return SB_WERR_CONFLICT;
        }
        spec.queue = v.queue; /* the segment stays in its queue's figures */
        spec.priority = v.priority;
        spec.direct = true;
        spec.agent = target;
    }
    cside_t *cs = new_segment(R, old, spec.id);
    if (!cs) {
        *why = "out of memory";
        return SB_WERR_INTERNAL;
    }
    cs->direct = spec.direct;
    /* the customer follows it only once it exists (to a queue: its CREATE committed) or was
     * accepted (to a colleague); until then nothing changes for anyone */
    cs->transferred = true;
    uint32_t ix;
    uint64_t next_open = 0;
    rtr_tag(R);
    sb_arrive_t a = sb_route_contact_arrive(R->eng, &spec, sb_clock_now_ms(), &ix, &next_open);
    if (a != SB_ARRIVE_OK) {
        rtr_untag(R);
        rtr_cside_del(R, cs);
        rtr_pump(R);
        switch (a) {
        case SB_ARRIVE_CLOSED:
            *why = "that queue is closed now";
            return SB_WERR_QUEUE_CLOSED;
        case SB_ARRIVE_NO_CHANNEL:
        case SB_ARRIVE_NO_LANGUAGE:
        case SB_ARRIVE_REMOVED:
            *why = "that queue does not take chats in this language";
            return SB_WERR_NO_SERVICE;
        case SB_ARRIVE_AGENT_BUSY:
            *why = "that colleague is not available or has no free chat slot";
            return SB_WERR_CONFLICT;
        default:
            *why = "out of memory";
            return SB_WERR_INTERNAL;
        }
    }
    SB_INFO("route", "chat transfer", SB_F_STR("from", contact_id), SB_F_STR("to", spec.id),
            SB_F_STR("kind", to_queue ? "queue" : "agent"));
    snprintf(old->transfer_to, sizeof old->transfer_to, "%s", spec.id);
    if (to_queue) {
        /* answered by the CREATE commit; rtr_transfer_created moves the customer */
        rtr_wait_for_conn(R, conn_id, req_id, SB_MSG_CHAT_TRANSFER);
    } else {
        rtr_untag(R);
        /* answered when the colleague accepts or declines */
        cs->reply_conn = conn_id;
        cs->reply_req = req_id;
    }
    rtr_pump(R);
    return 0;
}

static void reply(sb_router_t *R, cside_t *cs, bool ok, const char *message)
{
    sb_conn_t *c =
        cs->reply_conn && R->app->net ? sb_net_conn_find(R->app->net, cs->reply_conn) : NULL;
    cs->reply_conn = 0;
    if (!c || c->state != SB_CONN_READY)
        return;
    if (ok) {
        char empty[8] = {0};
        sb_conn_send_ok(c, SB_MSG_CHAT_TRANSFER, cs->reply_req, empty);
    } else {
        sb_conn_send_error(c, true, cs->reply_req, SB_WERR_CONFLICT, message, NULL, 0);
    }
}

void rtr_transfer_created(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm)
{
    cside_t *old = rtr_cside(R, cs->transfer_from);
    uint32_t ci = old ? sb_route_contact_find(R->eng, old->contact_id) : SB_ROUTE_NONE;
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v) ||
        v.state != SB_CSTATE_ASSIGNED || strcmp(old->transfer_to, cs->contact_id) != 0)
        return; /* the chat ended meanwhile: rtr_transfer_source_ended withdrew this segment */
    follow(R, old, cs);
    const sb_cfg_queue_t *cq = rtr_queue_cfg(R, cm->queue);
    R->conv->moved(R->app, cs->conv_id, cs->contact_id, cq ? cq->name : "", true);
    if (sb_route_contact_end(R->eng, v.agent, ci, cm->now_ms) != SB_ROUTE_OK)
        SB_WARN("route", "the sender's part of a transfer could not go to wrap-up",
                SB_F_STR("contact", old->contact_id));
}

void rtr_transfer_accepted(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm)
{
    cside_t *old = rtr_cside(R, cs->transfer_from);
    uint32_t ci = old ? sb_route_contact_find(R->eng, old->contact_id) : SB_ROUTE_NONE;
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v) ||
        v.state != SB_CSTATE_ASSIGNED) {
        /* the chat ended meanwhile: the colleague's new segment ends too */
        reply(R, cs, false, "the chat ended before the transfer was accepted");
        sb_route_contact_end(R->eng, cm->agent, cm->contact, cm->now_ms);
        return;
    }
    follow(R, old, cs);
    const sb_cfg_staff_t *st = rtr_staff_cfg(R, cm->agent);
    R->conv->moved(R->app, cs->conv_id, cs->contact_id, st ? st->display_name : "", false);
    reply(R, cs, true, NULL);
    if (sb_route_contact_end(R->eng, v.agent, ci, cm->now_ms) != SB_ROUTE_OK)
        SB_WARN("route", "the sender's part of a transfer could not go to wrap-up",
                SB_F_STR("contact", old->contact_id));
}

void rtr_transfer_canceled(sb_router_t *R, cside_t *cs)
{
    cside_t *old = rtr_cside(R, cs->transfer_from);
    if (old && strcmp(old->transfer_to, cs->contact_id) == 0)
        old->transfer_to[0] = 0;
    R->conv->transfer_failed(R->app, cs->conv_id);
    reply(R, cs, false, "your colleague did not take the chat; it stays with you");
}

void rtr_transfer_source_ended(sb_router_t *R, cside_t *old)
{
    if (!old->transfer_to[0])
        return;
    uint32_t ci = sb_route_contact_find(R->eng, old->transfer_to);
    if (ci != SB_ROUTE_NONE)
        sb_route_contact_withdraw(R->eng, ci, SB_CANCEL_ABANDONED, sb_clock_now_ms());
    old->transfer_to[0] = 0;
}
