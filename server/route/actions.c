/* What agents and customers ask of the engine: an agent connecting, leaving or changing status,
 * accepting or declining an offer, ending a contact or finishing its wrap-up, and a customer
 * withdrawing. Apart from (dis)connecting, each checks the request against the engine's view and
 * asks for a commit (engine.c), whose outcome is applied when it returns (sb_route_committed). A
 * disconnected agent's work goes back when its grace ends (rt_grace_over, here too). */
#include "route/route_internal.h"
#include "util/err.h"

/* ------------------------------------------------------------------------------------------------
 * Agents
 * ---------------------------------------------------------------------------------------------- */

void sb_route_agent_connected(sb_route_t *r, uint32_t ai, uint64_t now)
{
    if (ai >= r->n_agents)
        return;
    agent_t *a = &r->agents[ai];
    a->connected = true;
    a->grace_deadline = 0;
    rt_agent_rearm(r, a);
    rt_dirty_agent(r, ai);
    rt_settle(r, now);
}

void sb_route_agent_disconnected(sb_route_t *r, uint32_t ai, uint64_t now)
{
    if (ai >= r->n_agents)
        return;
    agent_t *a = &r->agents[ai];
    a->connected = false;
    a->grace_deadline = now + r->p.disconnect_grace_ms;
    rt_agent_relist(r, ai);
    rt_agent_rearm(r, a);
    rt_settle(r, now);
}

int sb_route_agent_set_status(sb_route_t *r, uint32_t ai, sb_agent_status_t st, uint16_t reason,
                              uint64_t now)
{
    if (ai >= r->n_agents || st > SB_AGENT_AWAY)
        return SB_E_INVAL;
    agent_t *a = &r->agents[ai];
    if (a->status_committing || a->in_doubt)
        return SB_E_BUSY;
    pending_t *p = rt_commit(r, SB_COMMIT_AGENT, NULL, ai, now);
    if (!p)
        return SB_E_NOMEM;
    p->prev_status = a->status;
    p->prev_reason = a->reason;
    p->status = st;
    p->reason = st == SB_AGENT_AWAY ? reason : 0;
    /* going away stops new offers at once; becoming available waits for the commit */
    a->status = st;
    a->reason = p->reason;
    a->status_committing = true;
    rt_agent_relist(r, ai);
    rt_emit_commit(r, p, now);
    rt_settle(r, now);
    return 0;
}

/* Everything a vanished agent held goes back (offers returned, chats re-queued at their original
 * wait, wrap-ups completed and flagged). Contacts with a commit in flight are handled when it
 * returns (sb_route_committed calls this again). */
void rt_grace_over(sb_route_t *r, uint32_t ai, uint64_t now)
{
    agent_t *a = &r->agents[ai];
    if (a->connected)
        return;
    /* commits change no holding until they return: the array stays as it is meanwhile */
    for (uint32_t i = 0; i < a->n_held; i++) {
        contact_t *c = C(r, a->held[i]);
        if (c->committing || c->in_doubt)
            continue;
        pending_t *p = NULL;
        if (c->c.state == SB_CSTATE_OFFERED && c->announced_offer) {
            rt_withdraw_offer(r, c, now);
            continue;
        } else if (c->c.state == SB_CSTATE_ASSIGNED) {
            p = rt_commit(r, SB_COMMIT_REQUEUE, c, ai, now);
        } else if (c->c.state == SB_CSTATE_WRAPPING) {
            p = rt_commit(r, SB_COMMIT_COMPLETE, c, ai, now);
            if (p)
                p->flagged = true;
        }
        if (p)
            rt_emit_commit(r, p, now);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Agent actions on contacts
 * ---------------------------------------------------------------------------------------------- */

void rt_offer_gone(sb_route_t *r, uint32_t ai, uint64_t offer_id, gone_why_t why, uint64_t now)
{
    if (ai >= r->n_agents || !offer_id)
        return;
    agent_t *a = &r->agents[ai];
    a->gone[a->gone_next] = (gone_offer_t){.offer_id = offer_id, .at = now, .why = (uint8_t)why};
    a->gone_next = (uint8_t)((a->gone_next + 1) % GONE_OFFERS);
}

/* The latest record wins: a return refused in Redis leaves the offer standing, and it may end
 * again, for another reason. */
static gone_why_t gone_why(const agent_t *a, uint64_t offer_id, uint64_t now)
{
    for (int k = 1; k <= GONE_OFFERS; k++) {
        const gone_offer_t *g = &a->gone[(a->gone_next + GONE_OFFERS - k) % GONE_OFFERS];
        if (g->offer_id == offer_id && now - g->at < GONE_KEEP_MS)
            return (gone_why_t)g->why;
    }
    return GONE_NONE;
}

void rt_withdraw_offer(sb_route_t *r, contact_t *c, uint64_t now)
{
    uint32_t ai = c->c.agent;
    pending_t *p = rt_commit(r, SB_COMMIT_RETURN, c, ai, now);
    if (!p)
        return;
    p->return_reason = 2;
    rt_offer_gone(r, ai, c->c.offer_id, GONE_WITHDRAWN, now);
    rt_emit_commit(r, p, now);
}

static contact_t *offered_to(sb_route_t *r, uint32_t ai, uint64_t offer_id, uint64_t now,
                             sb_route_result_t *err)
{
    if (ai >= r->n_agents) {
        *err = SB_ROUTE_NOT_FOUND;
        return NULL;
    }
    agent_t *a = &r->agents[ai];
    contact_t *c = C(r, a->offer_contact);
    bool current = c && c->c.offer_id == offer_id && c->announced_offer;
    if (!current || c->committing) {
        /* an offer that ended says how, also while its return is still being committed */
        switch (gone_why(a, offer_id, now)) {
        case GONE_EXPIRED:
            *err = SB_ROUTE_EXPIRED;
            return NULL;
        case GONE_WITHDRAWN:
            *err = SB_ROUTE_WITHDRAWN;
            return NULL;
        case GONE_DECLINED:
            *err = SB_ROUTE_DECLINED;
            return NULL;
        default:
            break;
        }
    }
    if (!current) {
        *err = SB_ROUTE_NOT_FOUND;
        return NULL;
    }
    if (c->committing || c->in_doubt) { /* in doubt: wait for the reload */
        *err = SB_ROUTE_BUSY;
        return NULL;
    }
    return c;
}

sb_route_result_t sb_route_offer_accept(sb_route_t *r, uint32_t ai, uint64_t offer_id, uint64_t now)
{
    sb_route_result_t err;
    contact_t *c = offered_to(r, ai, offer_id, now, &err);
    if (!c)
        return err;
    if (now >= c->c.offer_deadline_ms) {
        /* the deadline passed but the timer has not run yet: time it out now, once */
        rt_offer_timeout(r, c, now);
        rt_settle(r, now);
        return SB_ROUTE_EXPIRED;
    }
    pending_t *p = rt_commit(r, SB_COMMIT_ACCEPT, c, ai, now);
    if (!p)
        return SB_ROUTE_BUSY;
    rt_emit_commit(r, p, now);
    return SB_ROUTE_OK;
}

sb_route_result_t sb_route_offer_decline(sb_route_t *r, uint32_t ai, uint64_t offer_id,
                                         uint64_t now)
{
    sb_route_result_t err;
    contact_t *c = offered_to(r, ai, offer_id, now, &err);
    if (!c)
        return err;
    pending_t *p = rt_commit(r, SB_COMMIT_RETURN, c, ai, now);
    if (!p)
        return SB_ROUTE_BUSY;
    p->return_reason = 0;
    rt_offer_gone(r, ai, offer_id, GONE_DECLINED, now);
    rt_emit_commit(r, p, now);
    return SB_ROUTE_OK;
}

sb_route_result_t sb_route_contact_withdraw(sb_route_t *r, uint32_t ci, sb_cancel_t why,
                                            uint64_t now)
{
    contact_t *c = C(r, ci);
    if (!c)
        return SB_ROUTE_NOT_FOUND;
    if (c->committing || c->in_doubt) {
        c->withdraw_pending = why;
        return SB_ROUTE_OK;
    }
    if (c->c.state != SB_CSTATE_QUEUED && c->c.state != SB_CSTATE_OFFERED)
        return SB_ROUTE_WRONG_STATE;
    pending_t *p = rt_commit(r, SB_COMMIT_CANCEL, c, c->c.agent, now);
    if (!p)
        return SB_ROUTE_BUSY;
    p->cancel = why;
    if (c->c.state == SB_CSTATE_OFFERED)
        rt_offer_gone(r, c->c.agent, c->c.offer_id, GONE_WITHDRAWN, now);
    rt_wait_remove(r, c);
    rt_emit_commit(r, p, now);
    rt_settle(r, now);
    return SB_ROUTE_OK;
}

sb_route_result_t sb_route_customer_presence(sb_route_t *r, uint32_t ci, sb_presence_t pr,
                                             uint64_t now)
{
    contact_t *c = C(r, ci);
    if (!c)
        return SB_ROUTE_NOT_FOUND;
    /* a task has no customer on a line; a direct transfer belongs to a conversation in progress
     * (its customer's absence is the answered chat's business) */
    if (c->c.channel == SB_CHAN_TASK || c->c.direct)
        return SB_ROUTE_OK;
    bool away = pr != SB_PRESENCE_BACK;
    if (c->customer_away == away)
        return SB_ROUTE_OK;
    c->customer_away = away;
    if (!away) {
        if (rt_routable(c)) {
            rt_wait_insert(r, c);
            rt_dirty_contact(r, c);
        }
    } else {
        rt_wait_remove(r, c);
        /* an offer already out goes back now, unless it was made before a restart (the customer
         * was there then; the restart is not their leaving); one being committed goes back when
         * its commit returns (finish) */
        if (pr == SB_PRESENCE_LEFT && c->c.state == SB_CSTATE_OFFERED && c->announced_offer &&
            !c->committing && !c->in_doubt)
            rt_withdraw_offer(r, c, now);
    }
    rt_queue_touch(r, c->c.queue, now);
    rt_settle(r, now);
    return SB_ROUTE_OK;
}

sb_route_result_t rt_held_action(sb_route_t *r, uint32_t ai, uint32_t ci, sb_cstate_t want,
                                 sb_commit_kind_t kind, uint64_t now)
{
    contact_t *c = C(r, ci);
    if (!c)
        return SB_ROUTE_NOT_FOUND;
    if (c->c.agent != ai)
        return SB_ROUTE_NOT_YOURS;
    if (c->committing || c->in_doubt) /* in doubt: its version may be stale until reloaded */
        return SB_ROUTE_BUSY;
    if (c->c.state != want)
        return SB_ROUTE_WRONG_STATE;
    pending_t *p = rt_commit(r, kind, c, ai, now);
    if (!p)
        return SB_ROUTE_BUSY;
    rt_emit_commit(r, p, now);
    return SB_ROUTE_OK;
}

sb_route_result_t sb_route_contact_end(sb_route_t *r, uint32_t ai, uint32_t ci, uint64_t now)
{
    return rt_held_action(r, ai, ci, SB_CSTATE_ASSIGNED, SB_COMMIT_END, now);
}

sb_route_result_t sb_route_wrapup_done(sb_route_t *r, uint32_t ai, uint32_t ci, uint64_t now)
{
    return rt_held_action(r, ai, ci, SB_CSTATE_WRAPPING, SB_COMMIT_COMPLETE, now);
}
