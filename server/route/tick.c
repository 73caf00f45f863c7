/* Time in the engine: per-contact deadlines (offer timeout, relax step, maximum wait, wrap-up
 * limit, end of a decline cool-down), per-agent disconnect grace, and per-queue position refresh.
 * Each object carries one timer node holding its next deadline; the three timer heaps give the
 * engine's next deadline to the shell. */
#include <stdlib.h>
#include <string.h>

#include "route/route_internal.h"

static uint64_t contact_deadline(const sb_route_t *r, const contact_t *c, uint64_t now)
{
    if (c->committing || c->in_doubt)
        return UINT64_MAX; /* re-armed when the commit returns or the doubt is settled */
    const sb_rqueue_def_t *d = &r->queues[c->c.queue].def;
    uint64_t t = UINT64_MAX;
    switch (c->c.state) {
    case SB_CSTATE_OFFERED:
        if (c->announced_offer)
            t = c->c.offer_deadline_ms;
        break;
    case SB_CSTATE_QUEUED:
        if (c->step + 1 < d->n_steps)
            t = c->c.enqueued_ms + d->steps[c->step + 1].after_ms;
        /* the same decision as rt_max_wait, or a deadline it ignores would fire forever */
        if (rt_overflow(r, c) != SB_OVERFLOW_NONE && c->segment_ms + d->max_wait_ms < t)
            t = c->segment_ms + d->max_wait_ms;
        for (int i = 0; c->cooldown && i < COOLDOWNS; i++)
            if (c->cooldown[i].agent != SB_ROUTE_NONE && c->cooldown[i].until > now &&
                c->cooldown[i].until < t)
                t = c->cooldown[i].until;
        break;
    case SB_CSTATE_WRAPPING:
        if (d->wrapup_limit_ms) /* 0: no limit */
            t = c->c.wrap_started_ms + d->wrapup_limit_ms;
        break;
    default:
        break;
    }
    return t;
}

void rt_contact_rearm(sb_route_t *r, contact_t *c, uint64_t now)
{
    /* cool-downs that ended by `now` are left out: a deadline in the past would be popped and
     * re-armed by sb_route_tick forever */
    uint64_t t = contact_deadline(r, c, now);
    if (t == UINT64_MAX) {
        sb_rheap_remove(&r->contact_timers, &c->timer);
        return;
    }
    c->timer.key = t;
    c->timer.tie = c->index;
    if (c->timer.pos)
        sb_rheap_update(&r->contact_timers, &c->timer);
    else if (sb_rheap_push(&r->contact_timers, &c->timer))
        r->oom = true;
}

void rt_agent_rearm(sb_route_t *r, agent_t *a)
{
    if (a->connected || !a->grace_deadline) {
        sb_rheap_remove(&r->agent_timers, &a->timer);
        return;
    }
    a->timer.key = a->grace_deadline;
    a->timer.tie = (uint32_t)(a - r->agents);
    if (a->timer.pos)
        sb_rheap_update(&r->agent_timers, &a->timer);
    else if (sb_rheap_push(&r->agent_timers, &a->timer))
        r->oom = true;
}

/* Something changed among a queue's waiting contacts: refresh positions, at most once per
 * position_every_ms. */
void rt_queue_touch(sb_route_t *r, uint32_t q, uint64_t now)
{
    queue_t *qu = &r->queues[q];
    qu->positions_dirty = true;
    if (qu->timer.pos)
        return;
    uint64_t at = qu->positions_at + r->p.position_every_ms;
    qu->timer.key = at > now ? at : now;
    qu->timer.tie = q;
    if (sb_rheap_push(&r->queue_timers, &qu->timer))
        r->oom = true;
}

void rt_queue_answered(sb_route_t *r, uint32_t q, uint64_t now)
{
    queue_t *qu = &r->queues[q];
    qu->recent[qu->recent_at] = now;
    qu->recent_at = (qu->recent_at + 1) % RECENT;
    if (qu->n_recent < RECENT)
        qu->n_recent++;
}

/* Expected wait for the contact at `position`, from how fast the queue answered lately. Without
 * history, a minute per place ahead: an honest "a few minutes" rather than a promise. */
static uint32_t expected_wait_s(const queue_t *qu, uint32_t position, uint64_t now)
{
    uint64_t per_ms = 60000;
    if (qu->n_recent >= 2) {
        uint64_t oldest = UINT64_MAX;
        for (uint32_t i = 0; i < qu->n_recent; i++)
            if (qu->recent[i] < oldest)
                oldest = qu->recent[i];
        uint64_t span = now > oldest ? now - oldest : 1;
        per_ms = span / (qu->n_recent - 1);
        if (per_ms < 1000)
            per_ms = 1000;
    }
    uint64_t w = per_ms * position / 1000;
    return w > 86400 ? 86400 : (uint32_t)w;
}

static int by_wait_key(const void *x, const void *y)
{
    const sb_hnode_t *a = *(const sb_hnode_t *const *)x, *b = *(const sb_hnode_t *const *)y;
    return sb_hnode_less(a, b) ? -1 : sb_hnode_less(b, a) ? 1 : 0;
}

/* Positions are counted among contacts with the same requirements: same queue, channel and
 * language, across relax steps, in the order they will be served. */
void rt_positions(sb_route_t *r, uint32_t q, uint64_t now)
{
    queue_t *qu = &r->queues[q];
    qu->positions_at = now;
    qu->positions_dirty = false;
    sb_hnode_t **all = NULL;
    size_t cap = 0;
    for (uint32_t ch = 0; ch < CHANNELS; ch++) {
        if (!(qu->def.channels & (1u << ch)))
            continue;
        for (uint32_t l = 0; l < LANG_SLOTS; l++) {
            if (!((qu->def.langs >> l) & 1u))
                continue;
            size_t n = 0;
            for (uint32_t s = 0; s < SB_ROUTE_MAX_STEPS; s++)
                n += r->wait_heaps[wait_heap_ix(r, q, ch, l, s)].n;
            if (!n)
                continue;
            if (n > cap) {
                sb_hnode_t **a = realloc(all, n * sizeof *a);
                if (!a) {
                    r->oom = true;
                    free(all);
                    return;
                }
                all = a;
                cap = n;
            }
            size_t k = 0;
            for (uint32_t s = 0; s < SB_ROUTE_MAX_STEPS; s++) {
                const sb_rheap_t *h = &r->wait_heaps[wait_heap_ix(r, q, ch, l, s)];
                for (uint32_t i = 0; i < h->n; i++)
                    all[k++] = h->a[i].n;
            }
            qsort(all, n, sizeof *all, by_wait_key);
            for (size_t i = 0; i < n; i++) {
                contact_t *c = (contact_t *)((char *)all[i] - offsetof(contact_t, wait));
                uint32_t pos = (uint32_t)i + 1;
                uint32_t w = expected_wait_s(qu, pos, now);
                if (pos != c->position || w != c->wait_s) {
                    c->position = pos;
                    c->wait_s = w;
                    sb_rdecision_t d = {
                        .kind = SB_RD_POSITION, .contact = c->index, .position = pos, .wait_s = w};
                    rt_emit(r, &d);
                }
            }
        }
    }
    free(all);
}

uint64_t sb_route_next_deadline(const sb_route_t *r)
{
    uint64_t t = UINT64_MAX;
    const sb_hnode_t *n;
    if ((n = sb_rheap_top(&r->contact_timers)) && n->key < t)
        t = n->key;
    if ((n = sb_rheap_top(&r->agent_timers)) && n->key < t)
        t = n->key;
    if ((n = sb_rheap_top(&r->queue_timers)) && n->key < t)
        t = n->key;
    return t;
}

static void contact_due(sb_route_t *r, contact_t *c, uint64_t now)
{
    const sb_rqueue_def_t *d = &r->queues[c->c.queue].def;
    switch (c->c.state) {
    case SB_CSTATE_OFFERED:
        if (c->announced_offer && c->c.offer_deadline_ms <= now)
            rt_offer_timeout(r, c, now);
        break;
    case SB_CSTATE_QUEUED:
        if (rt_overflow(r, c) != SB_OVERFLOW_NONE && c->segment_ms + d->max_wait_ms <= now) {
            rt_max_wait(r, c, now);
            break;
        }
        rt_relax(r, c, now);
        rt_dirty_contact(r, c); /* a cool-down may have ended */
        break;
    case SB_CSTATE_WRAPPING:
        if (d->wrapup_limit_ms && c->c.wrap_started_ms + d->wrapup_limit_ms <= now)
            rt_wrap_limit(r, c, now);
        break;
    default:
        break;
    }
}

void sb_route_tick(sb_route_t *r, uint64_t now)
{
    sb_hnode_t *n;
    while ((n = sb_rheap_top(&r->contact_timers)) && n->key <= now) {
        contact_t *c = (contact_t *)((char *)n - offsetof(contact_t, timer));
        sb_rheap_remove(&r->contact_timers, n);
        contact_due(r, c, now);
        if (r->contacts[c->index] == c && !c->committing)
            rt_contact_rearm(r, c, now);
    }
    while ((n = sb_rheap_top(&r->agent_timers)) && n->key <= now) {
        agent_t *a = (agent_t *)((char *)n - offsetof(agent_t, timer));
        sb_rheap_remove(&r->agent_timers, n);
        rt_grace_over(r, (uint32_t)(a - r->agents), now);
    }
    while ((n = sb_rheap_top(&r->queue_timers)) && n->key <= now) {
        uint32_t q = n->tie;
        sb_rheap_remove(&r->queue_timers, n);
        if (r->queues[q].positions_dirty)
            rt_positions(r, q, now);
    }
    rt_settle(r, now);
}
