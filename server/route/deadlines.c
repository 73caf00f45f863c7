/* What a contact's deadlines do when they pass (tick.c keeps the timers and calls these): an offer
 * not answered in time goes back, a waiting contact relaxes to its next step or meets the maximum
 * wait (and its queue's overflow), a wrap-up past its limit is completed and flagged. */
#include "route/route_internal.h"

void rt_offer_timeout(sb_route_t *r, contact_t *c, uint64_t now)
{
    uint32_t ai = c->c.agent;
    pending_t *p = rt_commit(r, SB_COMMIT_RETURN, c, ai, now);
    if (!p)
        return;
    p->return_reason = 1;
    rt_offer_gone(r, ai, c->c.offer_id, GONE_EXPIRED, now);
    agent_t *a = &r->agents[ai];
    if (r->p.max_missed_offers && a->missed + 1 >= r->p.max_missed_offers &&
        a->status == SB_AGENT_AVAILABLE && !a->status_committing)
        p->agent_to_away = true;
    rt_emit_commit(r, p, now);
}

void rt_relax(sb_route_t *r, contact_t *c, uint64_t now)
{
    uint8_t s = rt_step_at(r, &c->c, now);
    if (s == c->step)
        return;
    uint32_t pos = c->position, wait_s = c->wait_s; /* still waiting: no new POSITION */
    bool listed = c->wait.pos != 0; /* not listed: its customer is away, or a commit is out */
    rt_wait_remove(r, c);
    c->step = s;
    if (listed)
        rt_wait_insert(r, c);
    c->position = pos;
    c->wait_s = wait_s;
    rt_queue_touch(r, c->c.queue, now);
    rt_dirty_contact(r, c);
}

/* What the maximum wait does to this contact. An overflow queue that cannot take it (removed, or
 * not taking its channel or language: a voice call overflowing into a chat-only queue) counts as
 * no overflow: the contact keeps waiting, rather than being canceled with nothing to replace it
 * (overflow_to_queue could not create the next segment). */
sb_overflow_kind_t rt_overflow(const sb_route_t *r, const contact_t *c)
{
    const sb_rqueue_def_t *d = &r->queues[c->c.queue].def;
    if (!d->max_wait_ms)
        return SB_OVERFLOW_NONE;
    if (d->overflow == SB_OVERFLOW_QUEUE) {
        const sb_rqueue_def_t *to =
            d->overflow_queue < r->n_queues ? &r->queues[d->overflow_queue].def : NULL;
        if (!to || to->removed || d->overflow_queue == c->c.queue ||
            !(to->channels & (1u << c->c.channel)) || !((to->langs >> c->c.lang) & 1u))
            return SB_OVERFLOW_NONE;
    }
    return d->overflow;
}

void rt_max_wait(sb_route_t *r, contact_t *c, uint64_t now)
{
    sb_cancel_t why = SB_CANCEL_NONE;
    switch (rt_overflow(r, c)) {
    case SB_OVERFLOW_QUEUE:
        why = SB_CANCEL_OVERFLOW;
        break;
    case SB_OVERFLOW_MESSAGE:
        why = SB_CANCEL_MESSAGE;
        break;
    case SB_OVERFLOW_CALLBACK:
        why = SB_CANCEL_CALLBACK;
        break;
    default:
        return; /* no overflow: the contact keeps waiting */
    }
    pending_t *p = rt_commit(r, SB_COMMIT_CANCEL, c, SB_ROUTE_NONE, now);
    if (!p)
        return;
    p->cancel = why;
    rt_wait_remove(r, c);
    rt_emit_commit(r, p, now);
}

void rt_wrap_limit(sb_route_t *r, contact_t *c, uint64_t now)
{
    pending_t *p = rt_commit(r, SB_COMMIT_COMPLETE, c, c->c.agent, now);
    if (!p)
        return;
    p->flagged = true;
    rt_emit_commit(r, p, now);
}
