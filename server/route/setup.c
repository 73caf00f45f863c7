/* Creating the engine, (re)defining queues and agents, recovery from Redis, and read-only views. */
#include <stdlib.h>
#include <string.h>

#include "route/route_internal.h"
#include "util/err.h"

sb_route_t *sb_route_create(const sb_rparams_t *params)
{
    sb_route_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->p = *params;
    sb_strmap_init(&r->by_id);
    sb_idmap_init(&r->pending);
    return r;
}

static void free_heaps(sb_rheap_t *h, size_t n)
{
    if (!h)
        return;
    for (size_t i = 0; i < n; i++)
        sb_rheap_dispose(&h[i]);
    free(h);
}

void sb_route_destroy(sb_route_t *r)
{
    if (!r)
        return;
    /* the heaps first: disposing them clears the nodes, which live in contacts and agents */
    free_heaps(r->agent_heaps, (size_t)r->n_queues * CLASSES * LANG_SLOTS * SB_ROUTE_MAX_STEPS);
    free_heaps(r->wait_heaps, (size_t)r->n_queues * CHANNELS * LANG_SLOTS * SB_ROUTE_MAX_STEPS);
    sb_rheap_dispose(&r->contact_timers);
    sb_rheap_dispose(&r->agent_timers);
    sb_rheap_dispose(&r->queue_timers);
    for (uint32_t i = 0; i < r->n_slots; i++) {
        if (r->contacts[i])
            free(r->contacts[i]->cooldown);
        free(r->contacts[i]);
    }
    free(r->contacts);
    free(r->free_slots);
    for (uint32_t i = 0; i < r->n_agents; i++) {
        free(r->agents[i].mem);
        free(r->agents[i].queues);
        free(r->agents[i].held);
    }
    free(r->agents);
    free(r->agent_dirty);
    for (uint32_t i = 0; i < r->n_queues; i++)
        free(r->queues[i].hours);
    free(r->queues);
    /* pending commits */
    for (size_t i = 0; i < r->pending.cap; i++)
        if (r->pending.slots[i].key)
            free(r->pending.slots[i].val);
    sb_idmap_dispose(&r->pending);
    sb_strmap_dispose(&r->by_id);
    free(r->dirty_contacts);
    free(r->dirty_agents);
    free(r->out);
    free(r);
}

/* ------------------------------------------------------------------------------------------------
 * Setup. Everything indexed is taken out first, the definitions replaced, then everything put
 * back: simple, and a reload is rare.
 * ---------------------------------------------------------------------------------------------- */

static void unindex_all(sb_route_t *r)
{
    for (uint32_t i = 0; i < r->n_agents; i++) {
        rt_agent_unlist(r, &r->agents[i]);
        sb_rheap_remove(&r->agent_timers, &r->agents[i].timer);
    }
    for (uint32_t i = 0; i < r->n_slots; i++)
        if (r->contacts[i])
            rt_wait_remove(r, r->contacts[i]);
    for (uint32_t i = 0; i < r->n_queues; i++)
        sb_rheap_remove(&r->queue_timers, &r->queues[i].timer);
}

static int grow_heaps(sb_route_t *r, uint32_t old_q, uint32_t new_q)
{
    if (new_q <= old_q)
        return 0;
    size_t per_a = (size_t)CLASSES * LANG_SLOTS * SB_ROUTE_MAX_STEPS;
    size_t per_w = (size_t)CHANNELS * LANG_SLOTS * SB_ROUTE_MAX_STEPS;
    /* every heap is empty here (unindex_all), so moving the arrays moves no live node */
    sb_rheap_t *a = realloc(r->agent_heaps, new_q * per_a * sizeof *a);
    if (!a)
        return SB_E_NOMEM;
    r->agent_heaps = a;
    memset(a + old_q * per_a, 0, (new_q - old_q) * per_a * sizeof *a);
    sb_rheap_t *w = realloc(r->wait_heaps, new_q * per_w * sizeof *w);
    if (!w)
        return SB_E_NOMEM;
    r->wait_heaps = w;
    memset(w + old_q * per_w, 0, (new_q - old_q) * per_w * sizeof *w);
    return 0;
}

static int set_queues(sb_route_t *r, const sb_rqueue_def_t *defs, uint32_t n)
{
    if (n < r->n_queues)
        return SB_E_INVAL; /* indexes are stable: removed queues stay, marked removed */
    queue_t *qs = realloc(r->queues, (n ? n : 1) * sizeof *qs);
    if (!qs)
        return SB_E_NOMEM;
    r->queues = qs;
    if (grow_heaps(r, r->n_queues, n))
        return SB_E_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        queue_t *q = &qs[i];
        if (i >= r->n_queues)
            memset(q, 0, sizeof *q);
        free(q->hours);
        q->hours = NULL;
        q->def = defs[i];
        if (q->def.n_steps == 0 || q->def.n_steps > SB_ROUTE_MAX_STEPS)
            return SB_E_INVAL;
        if (defs[i].n_hours) {
            q->hours = malloc(defs[i].n_hours * sizeof *q->hours);
            if (!q->hours)
                return SB_E_NOMEM;
            memcpy(q->hours, defs[i].hours, defs[i].n_hours * sizeof *q->hours);
        }
        q->def.hours = q->hours;
        q->timer.pos = 0;
    }
    r->n_queues = n;
    return 0;
}

static int set_agents(sb_route_t *r, const sb_ragent_def_t *defs, uint32_t n)
{
    if (n < r->n_agents)
        return SB_E_INVAL;
    agent_t *as = realloc(r->agents, (n ? n : 1) * sizeof *as);
    if (!as)
        return SB_E_NOMEM;
    r->agents = as;
    bool *dirty = realloc(r->agent_dirty, (n ? n : 1) * sizeof *dirty);
    if (!dirty)
        return SB_E_NOMEM;
    r->agent_dirty = dirty;
    for (uint32_t i = 0; i < n; i++) {
        agent_t *a = &as[i];
        if (i >= r->n_agents) {
            memset(a, 0, sizeof *a);
            a->offer_contact = SB_ROUTE_NONE;
            a->status = SB_AGENT_OFFLINE;
            dirty[i] = false;
        }
        a->timer.pos = 0;
        free(a->queues);
        a->queues = NULL;
        a->def = defs[i];
        if (defs[i].n_queues) {
            a->queues = malloc(defs[i].n_queues * sizeof *a->queues);
            if (!a->queues)
                return SB_E_NOMEM;
            memcpy(a->queues, defs[i].queues, defs[i].n_queues * sizeof *a->queues);
        }
        a->def.queues = a->queues;
    }
    r->n_agents = n;
    return 0;
}

int sb_route_setup(sb_route_t *r, const sb_rqueue_def_t *queues, uint32_t n_queues,
                   const sb_ragent_def_t *agents, uint32_t n_agents, const sb_rparams_t *params,
                   uint64_t now)
{
    unindex_all(r);
    /* the timer nodes inside agents and queues move with their arrays: out of the heaps first
     * (done above), back in after */
    r->p = *params;
    int rc = set_queues(r, queues, n_queues);
    if (!rc)
        rc = set_agents(r, agents, n_agents);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < r->n_agents; i++) {
        if (rt_agent_build_memberships(r, i))
            return SB_E_NOMEM;
        rt_agent_relist(r, i);
        rt_agent_rearm(r, &r->agents[i]);
        rt_dirty_agent(r, i);
    }
    for (uint32_t i = 0; i < r->n_slots; i++) {
        contact_t *c = r->contacts[i];
        if (!c)
            continue;
        const sb_rqueue_def_t *d = &r->queues[c->c.queue].def;
        if (c->step >= d->n_steps)
            c->step = (uint8_t)(d->n_steps - 1);
        if (rt_routable(c))
            rt_wait_insert(r, c);
        rt_contact_rearm(r, c, now);
    }
    for (uint32_t q = 0; q < r->n_queues; q++)
        rt_queue_touch(r, q, now);
    rt_settle(r, now);
    return r->oom ? SB_E_NOMEM : 0;
}

/* ------------------------------------------------------------------------------------------------
 * Recovery
 * ---------------------------------------------------------------------------------------------- */

int sb_route_reload_contact(sb_route_t *r, const sb_rcontact_t *in, uint64_t now)
{
    uint32_t ix;
    contact_t *c = sb_strmap_get(&r->by_id, in->id, &ix) ? C(r, ix) : NULL;
    bool final = in->state == SB_CSTATE_COMPLETED || in->state == SB_CSTATE_CANCELED;
    if (c && c->committing)
        return SB_E_BUSY; /* its commit will settle it */
    if (final || in->queue >= r->n_queues) {
        if (c) { /* forget it; its effect on its agent goes with it, so the agent may be free */
            rt_contact_drop(r, c);
            rt_settle(r, now);
        }
        return 0;
    }
    /* offer ids read back must never be handed out again (a late accept of the old offer would
     * match a new one) */
    if (in->offer_id > r->offer_seq)
        r->offer_seq = in->offer_id;
    if (!c) {
        sb_rcontact_t blank = *in;
        blank.state = SB_CSTATE_QUEUED;
        blank.agent = SB_ROUTE_NONE;
        c = rt_contact_alloc(r, &blank);
        if (!c)
            return SB_E_NOMEM;
        c->segment_ms = now;
    }
    rt_contact_set(r, c, in, now);
    rt_settle(r, now);
    return 0;
}

void sb_route_reload_agent(sb_route_t *r, uint32_t ai, sb_agent_status_t st, uint16_t reason,
                           const uint64_t last_finished_ms[SB_CLASS__COUNT], uint64_t now)
{
    if (ai >= r->n_agents)
        return;
    agent_t *a = &r->agents[ai];
    a->status = st;
    a->reason = reason;
    /* status_committing stays: a status change still in flight is applied in Redis after what
     * was read here, and its answer clears the flag (offering meanwhile could be refused) */
    a->in_doubt = false;
    if (last_finished_ms)
        memcpy(a->last_finished, last_finished_ms, sizeof a->last_finished);
    if (!a->connected && !a->grace_deadline)
        a->grace_deadline = now + r->p.disconnect_grace_ms;
    rt_agent_rearm(r, a);
    rt_agent_relist(r, ai);
    rt_dirty_agent(r, ai);
    rt_settle(r, now); /* settling a doubt: the agent may be offered work at once */
}

void sb_route_reload_done(sb_route_t *r, uint64_t now)
{
    /* an agent holding work that was not read back itself still gets its grace */
    for (uint32_t i = 0; i < r->n_agents; i++) {
        agent_t *a = &r->agents[i];
        if (!a->connected && !a->grace_deadline && a->n_held) {
            a->grace_deadline = now + r->p.disconnect_grace_ms;
            rt_agent_rearm(r, a);
        }
    }
    for (uint32_t q = 0; q < r->n_queues; q++)
        rt_queue_touch(r, q, now);
    rt_settle(r, now);
}

/* ------------------------------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------------------------------- */

bool sb_route_agent_view(const sb_route_t *r, uint32_t ai, sb_ragent_view_t *o)
{
    if (ai >= r->n_agents)
        return false;
    const agent_t *a = &r->agents[ai];
    memset(o, 0, sizeof *o);
    o->status = a->status;
    o->reason = a->reason;
    o->connected = a->connected;
    o->grace_deadline_ms = a->grace_deadline;
    memcpy(o->load, a->load, sizeof o->load);
    memcpy(o->pending, a->pending, sizeof o->pending);
    o->offer_contact = a->offer_contact;
    const contact_t *c = C(r, a->offer_contact);
    if (c) {
        o->offer_id = c->c.offer_id;
        o->offer_deadline_ms = c->c.offer_deadline_ms;
    }
    o->missed_in_a_row = a->missed;
    memcpy(o->last_finished_ms, a->last_finished, sizeof o->last_finished_ms);
    o->in_doubt = a->in_doubt;
    o->status_committing = a->status_committing;
    return true;
}

bool sb_route_contact_view(const sb_route_t *r, uint32_t ci, sb_rcontact_view_t *o)
{
    memset(o, 0, sizeof *o);
    const contact_t *c = C(r, ci);
    if (!c)
        return false;
    o->exists = true;
    o->id = c->c.id;
    o->prev_id = c->c.prev_id;
    o->state = c->c.state;
    o->committing = c->committing;
    o->in_doubt = c->in_doubt;
    o->queue = c->c.queue;
    o->channel = c->c.channel;
    o->lang = c->c.lang;
    o->priority = c->c.priority;
    o->step = c->step;
    o->enqueued_ms = c->c.enqueued_ms;
    o->segment_ms = c->segment_ms;
    o->key = c->key;
    o->order = c->seq;
    o->customer_away = c->customer_away;
    o->version = c->c.version;
    o->agent = c->c.agent;
    o->offer_id = c->c.offer_id;
    o->offer_deadline_ms = c->c.offer_deadline_ms;
    o->assigned_ms = c->c.assigned_ms;
    o->wrap_started_ms = c->c.wrap_started_ms;
    o->position = c->position;
    o->wait_s = c->wait_s;
    o->due_ms = c->c.due_ms;
    return true;
}

uint32_t sb_route_contact_find(const sb_route_t *r, const char *id)
{
    uint32_t ix;
    return sb_strmap_get(&r->by_id, id, &ix) ? ix : SB_ROUTE_NONE;
}

uint32_t sb_route_agent_contacts(const sb_route_t *r, uint32_t ai, uint32_t *out, uint32_t max)
{
    if (ai >= r->n_agents)
        return 0;
    const agent_t *a = &r->agents[ai];
    for (uint32_t i = 0; i < a->n_held && i < max; i++)
        out[i] = a->held[i];
    return a->n_held;
}

uint32_t sb_route_waiting_in_queue(const sb_route_t *r, uint32_t q)
{
    return q < r->n_queues ? r->queues[q].waiting : 0;
}

uint32_t sb_route_waiting_for_agent(const sb_route_t *r, uint32_t ai)
{
    if (ai >= r->n_agents)
        return 0;
    uint32_t n = 0;
    const agent_t *a = &r->agents[ai];
    for (uint32_t i = 0; i < a->def.n_queues; i++)
        n += sb_route_waiting_in_queue(r, a->queues[i]);
    return n;
}

bool sb_route_contact_iter(const sb_route_t *r, uint32_t *cursor, uint32_t *contact)
{
    while (*cursor < r->n_slots) {
        uint32_t i = (*cursor)++;
        if (r->contacts[i]) {
            *contact = i;
            return true;
        }
    }
    return false;
}
