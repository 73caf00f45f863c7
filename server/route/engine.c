/* The routing engine's events and commits (docs/routing.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_internal.h"

static const char *const g_cstate[] = {
#define SB_CSTATE_NAME(n, s) s,
    SB_CSTATE_LIST(SB_CSTATE_NAME)
#undef SB_CSTATE_NAME
};
static const char *const g_cancel[] = {
#define SB_CANCEL_NAME(n, s) s,
    SB_CANCEL_LIST(SB_CANCEL_NAME)
#undef SB_CANCEL_NAME
};
static const char *const g_commit[] = {
#define SB_COMMIT_NAME(n, s) s,
    SB_COMMIT_LIST(SB_COMMIT_NAME)
#undef SB_COMMIT_NAME
};

static const char *const g_class[] = {
#define SB_CLASS_NAME(n, s) s,
    SB_CLASS_LIST(SB_CLASS_NAME)
#undef SB_CLASS_NAME
};
static const char *const g_status[] = {
#define SB_STATUS_NAME(n, s) s,
    SB_AGENT_STATUS_LIST(SB_STATUS_NAME)
#undef SB_STATUS_NAME
};

const char *sb_class_name(sb_class_t c)
{
    return (unsigned)c < SB_CLASS__COUNT ? g_class[c] : g_class[0];
}

const char *sb_agent_status_name(sb_agent_status_t s)
{
    return (unsigned)s <= SB_AGENT_AWAY ? g_status[s] : g_status[0];
}

const char *sb_cstate_name(sb_cstate_t s)
{
    return (unsigned)s < SB_CSTATE__COUNT ? g_cstate[s] : "?";
}

int sb_cstate_parse(const char *s)
{
    for (int i = 0; i < SB_CSTATE__COUNT; i++)
        if (strcmp(g_cstate[i], s) == 0)
            return i;
    return -1;
}

const char *sb_cancel_name(sb_cancel_t c)
{
    return (unsigned)c < sizeof g_cancel / sizeof g_cancel[0] ? g_cancel[c] : "?";
}

const char *sb_commit_name(sb_commit_kind_t k)
{
    return (unsigned)k < SB_COMMIT__COUNT ? g_commit[k] : "?";
}

/* ------------------------------------------------------------------------------------------------
 * Outbox and worklists
 * ---------------------------------------------------------------------------------------------- */

void rt_emit(sb_route_t *r, const sb_rdecision_t *d)
{
    if (r->out_n == r->out_cap) {
        uint32_t cap = r->out_cap ? r->out_cap * 2 : 64;
        sb_rdecision_t *o = malloc(cap * sizeof *o);
        if (!o) {
            r->oom = true;
            return;
        }
        for (uint32_t i = 0; i < r->out_n; i++)
            o[i] = r->out[(r->out_head + i) % r->out_cap];
        free(r->out);
        r->out = o;
        r->out_head = 0;
        r->out_cap = cap;
    }
    r->out[(r->out_head + r->out_n) % r->out_cap] = *d;
    r->out_n++;
}

bool sb_route_next(sb_route_t *r, sb_rdecision_t *out)
{
    if (!r->out_n)
        return false;
    *out = r->out[r->out_head];
    r->out_head = (r->out_head + 1) % r->out_cap;
    r->out_n--;
    return true;
}

bool rt_routable(const contact_t *c)
{
    return c->c.state == SB_CSTATE_QUEUED && !c->committing && !c->in_doubt && !c->c.direct &&
           !c->customer_away;
}

void rt_dirty_contact(sb_route_t *r, contact_t *c)
{
    if (c->dirty)
        return;
    if (r->n_dirty_c == r->cap_dirty_c) {
        uint32_t cap = r->cap_dirty_c ? r->cap_dirty_c * 2 : 64;
        uint32_t *d = realloc(r->dirty_contacts, cap * sizeof *d);
        if (!d) {
            r->oom = true;
            return;
        }
        r->dirty_contacts = d;
        r->cap_dirty_c = cap;
    }
    c->dirty = true;
    r->dirty_contacts[r->n_dirty_c++] = c->index;
}

void rt_dirty_agent(sb_route_t *r, uint32_t ai)
{
    if (r->agent_dirty[ai])
        return;
    if (r->n_dirty_a == r->cap_dirty_a) {
        uint32_t cap = r->cap_dirty_a ? r->cap_dirty_a * 2 : 64;
        uint32_t *d = realloc(r->dirty_agents, cap * sizeof *d);
        if (!d) {
            r->oom = true;
            return;
        }
        r->dirty_agents = d;
        r->cap_dirty_a = cap;
    }
    r->agent_dirty[ai] = true;
    r->dirty_agents[r->n_dirty_a++] = ai;
}

/* ------------------------------------------------------------------------------------------------
 * A contact's effect on its agent: offered counts as a pending reservation, assigned and wrapping
 * as load. Every change of state or agent goes detach -> change -> attach, so the accounting can
 * never drift from the contacts themselves.
 * ---------------------------------------------------------------------------------------------- */

static void held_remove(agent_t *a, const contact_t *c)
{
    for (uint32_t i = 0; i < a->n_held; i++)
        if (a->held[i] == c->index) {
            a->held[i] = a->held[--a->n_held];
            return;
        }
}

static void held_add(sb_route_t *r, agent_t *a, const contact_t *c)
{
    if (a->n_held == a->cap_held) {
        uint32_t cap = a->cap_held ? a->cap_held * 2 : 8;
        uint32_t *h = realloc(a->held, cap * sizeof *h);
        if (!h) {
            r->oom = true;
            return;
        }
        a->held = h;
        a->cap_held = cap;
    }
    a->held[a->n_held++] = c->index;
}

static void detach(sb_route_t *r, contact_t *c)
{
    if (c->c.agent == SB_ROUTE_NONE || c->c.agent >= r->n_agents)
        return;
    agent_t *a = &r->agents[c->c.agent];
    sb_class_t cls = sb_channel_class(c->c.channel);
    if (c->c.state == SB_CSTATE_OFFERED) {
        if (a->pending[cls])
            a->pending[cls]--;
        if (a->offer_contact == c->index)
            a->offer_contact = SB_ROUTE_NONE;
    } else if (c->c.state == SB_CSTATE_ASSIGNED || c->c.state == SB_CSTATE_WRAPPING) {
        if (a->load[cls])
            a->load[cls]--;
    }
    held_remove(a, c);
    rt_dirty_agent(r, c->c.agent);
}

static void attach(sb_route_t *r, contact_t *c)
{
    if (c->c.agent == SB_ROUTE_NONE || c->c.agent >= r->n_agents)
        return;
    agent_t *a = &r->agents[c->c.agent];
    sb_class_t cls = sb_channel_class(c->c.channel);
    if (c->c.state == SB_CSTATE_OFFERED) {
        a->pending[cls]++;
        a->offer_contact = c->index;
    } else if (c->c.state == SB_CSTATE_ASSIGNED || c->c.state == SB_CSTATE_WRAPPING) {
        a->load[cls]++;
    } else {
        return;
    }
    held_add(r, a, c);
    rt_dirty_agent(r, c->c.agent);
}

/* Moves a contact to a new state (and agent), keeping indexes and accounting right. */
static void transition(sb_route_t *r, contact_t *c, sb_cstate_t st, uint32_t agent)
{
    detach(r, c);
    rt_wait_remove(r, c);
    c->c.state = st;
    c->c.agent = agent;
    attach(r, c);
    if (rt_routable(c))
        rt_wait_insert(r, c);
    rt_queue_touch(r, c->c.queue, 0);
}

/* ------------------------------------------------------------------------------------------------
 * Contacts: allocation
 * ---------------------------------------------------------------------------------------------- */

static contact_t *contact_new(sb_route_t *r, const sb_rcontact_t *spec)
{
    uint32_t ix;
    if (r->n_free) {
        ix = r->free_slots[--r->n_free];
    } else {
        if (r->n_slots == r->cap_slots) {
            uint32_t cap = r->cap_slots ? r->cap_slots * 2 : 256;
            contact_t **s = realloc(r->contacts, cap * sizeof *s);
            uint32_t *f = s ? realloc(r->free_slots, cap * sizeof *f) : NULL;
            if (s)
                r->contacts = s;
            if (!s || !f)
                return NULL;
            r->free_slots = f;
            r->cap_slots = cap;
        }
        ix = r->n_slots++;
        r->contacts[ix] = NULL;
    }
    contact_t *c = calloc(1, sizeof *c);
    if (!c || sb_strmap_put(&r->by_id, spec->id, ix) != 0) {
        free(c);
        r->free_slots[r->n_free++] = ix;
        return NULL;
    }
    c->c = *spec;
    c->index = ix;
    /* a reloaded contact keeps the order Redis recorded; new ones come after everything seen.
     * Within one process the engine's numbers and Redis' follow the same arrival order (CREATE
     * commits go out in the order contacts arrive), so mixing the two never reorders anything */
    if (spec->arrival) {
        c->seq = spec->arrival;
        if (r->seq < spec->arrival)
            r->seq = spec->arrival;
    } else {
        c->seq = ++r->seq;
    }
    r->contacts[ix] = c;
    return c;
}

static void contact_free(sb_route_t *r, contact_t *c)
{
    detach(r, c);
    rt_wait_remove(r, c);
    sb_rheap_remove(&r->contact_timers, &c->timer);
    rt_queue_touch(r, c->c.queue, 0);
    sb_strmap_del(&r->by_id, c->c.id);
    r->contacts[c->index] = NULL;
    r->free_slots[r->n_free++] = c->index;
    free(c->cooldown);
    free(c);
}

/* The relax step a contact has reached after waiting since `enqueued` (language never relaxes). */
uint8_t rt_step_at(const sb_route_t *r, const sb_rcontact_t *c, uint64_t now)
{
    const sb_rqueue_def_t *d = &r->queues[c->queue].def;
    uint64_t waited = now > c->enqueued_ms ? now - c->enqueued_ms : 0;
    uint8_t s = 0;
    while (s + 1 < d->n_steps && waited >= d->steps[s + 1].after_ms)
        s++;
    return s;
}

/* ------------------------------------------------------------------------------------------------
 * Commits
 * ---------------------------------------------------------------------------------------------- */

pending_t *rt_commit(sb_route_t *r, sb_commit_kind_t kind, contact_t *c, uint32_t agent,
                     uint64_t now)
{
    pending_t *p = calloc(1, sizeof *p);
    if (!p) {
        r->oom = true;
        return NULL;
    }
    p->id = ++r->commit_seq;
    p->kind = kind;
    p->tag = r->tag; /* the tagged call's first commit */
    r->tag = 0;
    p->contact = c ? c->index : SB_ROUTE_NONE;
    p->agent = agent;
    if (sb_idmap_put(&r->pending, p->id, p) != 0) {
        free(p);
        r->oom = true;
        return NULL;
    }
    if (c) {
        c->committing = true;
        p->prev_state = c->c.state;
        p->cls = sb_channel_class(c->c.channel);
        sb_rheap_remove(&r->contact_timers, &c->timer);
    }
    (void)now;
    return p;
}

static void fill(const sb_route_t *r, const pending_t *p, sb_rcommit_t *out, uint64_t now)
{
    memset(out, 0, sizeof *out);
    out->commit_id = p->id;
    out->kind = p->kind;
    out->contact = p->contact;
    out->agent = p->agent;
    out->now_ms = now;
    const contact_t *c = C(r, p->contact);
    if (c) {
        memcpy(out->contact_id, c->c.id, sizeof out->contact_id);
        out->expect_version = c->c.version;
        out->queue = c->c.queue;
        out->channel = c->c.channel;
        out->cls = sb_channel_class(c->c.channel);
        out->offer_id = c->c.offer_id;
        out->deadline_ms = c->c.offer_deadline_ms;
        out->segment_ms = c->segment_ms;
        out->assigned_ms = c->c.assigned_ms;
        out->wrap_started_ms = c->c.wrap_started_ms;
    }
    if (p->agent != SB_ROUTE_NONE && p->agent < r->n_agents)
        memcpy(out->agent_id, r->agents[p->agent].def.id, sizeof out->agent_id);
    out->cancel = p->cancel;
    out->return_reason = p->return_reason;
    out->flagged = p->flagged;
    out->offer_with_create = p->offer_with_create;
    out->agent_to_away = p->agent_to_away;
    out->tag = p->tag;
    out->status = p->status;
    out->reason = p->reason;
}

void rt_emit_commit(sb_route_t *r, pending_t *p, uint64_t now)
{
    sb_rdecision_t d = {.kind = SB_RD_COMMIT};
    fill(r, p, &d.commit, now);
    p->asked = d.commit;
    rt_emit(r, &d);
}

static void announce(sb_route_t *r, const pending_t *p, uint64_t now)
{
    sb_rdecision_t d = {.kind = SB_RD_ANNOUNCE};
    d.commit = p->asked;
    d.commit.now_ms = now;
    rt_emit(r, &d);
}

/* Reserves `agent` for contact `c` and asks for the OFFER (or CREATE-with-offer) commit. */
static void offer(sb_route_t *r, contact_t *c, uint32_t ai, uint64_t now, pending_t *create)
{
    agent_t *a = &r->agents[ai];
    const sb_rqueue_def_t *d = &r->queues[c->c.queue].def;
    c->c.offer_id = ++r->offer_seq;
    c->c.offer_deadline_ms = now + d->offer_timeout_ms;
    c->announced_offer = false;
    transition(r, c, SB_CSTATE_OFFERED, ai);
    a->rr_seq = ++r->rr_seq;
    rt_agent_relist(r, ai);
    if (create) {
        create->offer_with_create = true;
        create->agent = ai;
        rt_emit_commit(r, create, now);
        return;
    }
    pending_t *p = rt_commit(r, SB_COMMIT_OFFER, c, ai, now);
    if (p)
        rt_emit_commit(r, p, now);
}

static void cooldown_add(sb_route_t *r, contact_t *c, uint32_t ai, uint64_t now)
{
    if (!c->cooldown) {
        c->cooldown = malloc(COOLDOWNS * sizeof *c->cooldown);
        if (!c->cooldown) {
            r->oom = true;
            return;
        }
        for (int i = 0; i < COOLDOWNS; i++)
            c->cooldown[i] = (cooldown_t){SB_ROUTE_NONE, 0};
    }
    int slot = 0;
    for (int i = 0; i < COOLDOWNS; i++) {
        if (c->cooldown[i].agent == ai || c->cooldown[i].until <= now) {
            slot = i;
            break;
        }
        if (c->cooldown[i].until < c->cooldown[slot].until)
            slot = i;
    }
    c->cooldown[slot].agent = ai;
    c->cooldown[slot].until = now + r->p.decline_cooldown_ms;
}

/* ------------------------------------------------------------------------------------------------
 * Settling: offer every waiting contact that has an eligible agent
 * ---------------------------------------------------------------------------------------------- */

static int cmp_dirty(const void *x, const void *y, void *arg)
{
    const sb_route_t *r = arg;
    const contact_t *a = C(r, *(const uint32_t *)x), *b = C(r, *(const uint32_t *)y);
    if (!a || !b)
        return a ? -1 : b ? 1 : 0;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* qsort_r is a GNU extension; a small insertion sort keeps the engine portable and the lists here
 * are short (the contacts that changed during one event). */
static void sort_dirty(sb_route_t *r)
{
    for (uint32_t i = 1; i < r->n_dirty_c; i++) {
        uint32_t v = r->dirty_contacts[i];
        uint32_t j = i;
        while (j > 0 && cmp_dirty(&v, &r->dirty_contacts[j - 1], r) < 0) {
            r->dirty_contacts[j] = r->dirty_contacts[j - 1];
            j--;
        }
        r->dirty_contacts[j] = v;
    }
}

static void match_agent(sb_route_t *r, uint32_t ai, uint64_t now)
{
    agent_t *a = &r->agents[ai];
    rt_agent_relist(r, ai);
    uint32_t mask = a->listed_classes;
    if (!mask)
        return;
    /* the best waiting contact across every class the agent can take now */
    uint32_t best = SB_ROUTE_NONE;
    for (int cls = 0; cls < CLASSES; cls++) {
        if (!(mask & (1u << cls)))
            continue;
        uint32_t ci = rt_best_contact_for(r, ai, (sb_class_t)cls, now);
        if (ci == SB_ROUTE_NONE)
            continue;
        const contact_t *c = C(r, ci);
        if (best == SB_ROUTE_NONE || sb_hnode_less(&c->wait, &C(r, best)->wait))
            best = ci;
    }
    if (best != SB_ROUTE_NONE)
        offer(r, C(r, best), ai, now, NULL);
}

void rt_settle(sb_route_t *r, uint64_t now)
{
    /* Agents first: a freed agent takes the best contact it may serve. Then contacts in key
     * order: each goes to the best free agent. Offers make agents ineligible and contacts
     * unroutable, so the loop ends. */
    while (r->n_dirty_a || r->n_dirty_c) {
        while (r->n_dirty_a) {
            uint32_t ai = r->dirty_agents[--r->n_dirty_a];
            r->agent_dirty[ai] = false;
            match_agent(r, ai, now);
        }
        if (!r->n_dirty_c)
            break;
        sort_dirty(r);
        uint32_t n = r->n_dirty_c;
        uint32_t *list = malloc(n * sizeof *list);
        if (!list) {
            r->oom = true;
            return;
        }
        memcpy(list, r->dirty_contacts, n * sizeof *list);
        r->n_dirty_c = 0;
        for (uint32_t i = 0; i < n; i++) {
            contact_t *c = C(r, list[i]);
            if (!c)
                continue;
            c->dirty = false;
            if (!rt_routable(c))
                continue;
            uint32_t ai = rt_best_agent_for(r, c, now);
            if (ai != SB_ROUTE_NONE)
                offer(r, c, ai, now, NULL);
        }
        free(list);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Arrivals
 * ---------------------------------------------------------------------------------------------- */

bool sb_route_queue_open(const sb_route_t *r, uint32_t q, uint64_t now, uint64_t *next_open)
{
    if (q >= r->n_queues)
        return false;
    const queue_t *qu = &r->queues[q];
    if (qu->def.always_open)
        return true;
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < qu->def.n_hours; i++) {
        const sb_rinterval_t *h = &qu->hours[i];
        if (h->open_ms <= now && now < h->close_ms)
            return true;
        if (h->open_ms > now && h->open_ms < next)
            next = h->open_ms;
    }
    if (next_open)
        *next_open = next == UINT64_MAX ? 0 : next;
    return false;
}

/* A direct contact's agent can take it now: connected, available, no offer pending, a free slot
 * in the class, nothing in doubt. */
static bool direct_agent_free(const sb_route_t *r, uint32_t ai, sb_class_t cls)
{
    if (ai >= r->n_agents)
        return false;
    const agent_t *a = &r->agents[ai];
    return !a->def.removed && a->connected && a->status == SB_AGENT_AVAILABLE &&
           !a->status_committing && !a->in_doubt && a->offer_contact == SB_ROUTE_NONE &&
           a->load[cls] + a->pending[cls] < a->def.capacity[cls];
}

static contact_t *admit(sb_route_t *r, const sb_rcontact_t *spec, uint64_t now)
{
    /* a new contact or segment (an overflow copies its predecessor) takes the next number */
    sb_rcontact_t fresh = *spec;
    fresh.arrival = 0;
    contact_t *c = contact_new(r, &fresh);
    if (!c)
        return NULL;
    c->c.state = SB_CSTATE_QUEUED;
    c->c.version = 0;
    c->c.agent = SB_ROUTE_NONE;
    c->c.offer_id = 0;
    c->c.offer_deadline_ms = 0;
    c->step = rt_step_at(r, &c->c, now);
    c->key = rt_contact_key(r, &c->c);
    c->segment_ms = now;
    return c;
}

/* Creates the contact and, when a specialist is free, offers it in the same commit. */
static void create(sb_route_t *r, contact_t *c, uint64_t now)
{
    pending_t *p = rt_commit(r, SB_COMMIT_CREATE, c, SB_ROUTE_NONE, now);
    if (!p)
        return;
    c->committing = false; /* briefly routable for the search below */
    uint32_t ai = rt_best_agent_for(r, c, now);
    c->committing = true;
    if (ai != SB_ROUTE_NONE)
        offer(r, c, ai, now, p);
    else
        rt_emit_commit(r, p, now);
    rt_queue_touch(r, c->c.queue, now);
}

uint32_t sb_route_entry_queue(const sb_route_t *r, uint32_t q, int channel, int lang, uint64_t now,
                              uint64_t *next_open_ms)
{
    uint64_t first_open = 0;
    /* each hop goes to another queue and targets never lead back (config.c): n_queues hops at
     * most, the bound guards against a setup that slipped through */
    for (uint32_t hop = 0; hop <= r->n_queues && q < r->n_queues; hop++) {
        const sb_rqueue_def_t *d = &r->queues[q].def;
        if (d->removed || (channel >= 0 && !(d->channels & (1u << channel))) ||
            (lang >= 0 && (lang >= LANG_SLOTS || !((d->langs >> lang) & 1u))))
            break;
        uint64_t next = 0;
        if (sb_route_queue_open(r, q, now, &next))
            return q;
        if (hop == 0)
            first_open = next;
        if (d->overflow != SB_OVERFLOW_QUEUE || d->overflow_queue == q)
            break;
        q = d->overflow_queue;
    }
    if (next_open_ms)
        *next_open_ms = first_open;
    return SB_ROUTE_NONE;
}

sb_arrive_t sb_route_contact_arrive(sb_route_t *r, const sb_rcontact_t *spec, uint64_t now,
                                    uint32_t *index, uint64_t *next_open_ms)
{
    /* A closed queue that overflows to another queue sends new arrivals there (its priority,
     * its hours), when that one is open; contacts already waiting stay where they are. */
    sb_rcontact_t moved;
    if (!spec->direct && spec->queue < r->n_queues &&
        r->queues[spec->queue].def.overflow == SB_OVERFLOW_QUEUE &&
        !r->queues[spec->queue].def.removed && !sb_route_queue_open(r, spec->queue, now, NULL)) {
        uint32_t to = sb_route_entry_queue(r, spec->queue, (int)spec->channel, (int)spec->lang, now,
                                           next_open_ms);
        if (to == SB_ROUTE_NONE)
            return SB_ARRIVE_CLOSED;
        moved = *spec;
        moved.queue = to;
        moved.priority = r->queues[to].def.priority;
        spec = &moved;
    }
    if (spec->queue >= r->n_queues)
        return SB_ARRIVE_REMOVED;
    const queue_t *q = &r->queues[spec->queue];
    if (q->def.removed)
        return SB_ARRIVE_REMOVED;
    if (!(q->def.channels & (1u << spec->channel)))
        return SB_ARRIVE_NO_CHANNEL;
    if (spec->lang >= LANG_SLOTS || !((q->def.langs >> spec->lang) & 1u))
        return SB_ARRIVE_NO_LANGUAGE;
    /* a direct transfer continues a conversation already in progress: hours do not apply */
    if (!spec->direct && !sb_route_queue_open(r, spec->queue, now, next_open_ms))
        return SB_ARRIVE_CLOSED;
    if (sb_strmap_get(&r->by_id, spec->id, NULL))
        return SB_ARRIVE_EXISTS;
    if (spec->direct && !direct_agent_free(r, spec->agent, sb_channel_class(spec->channel)))
        return SB_ARRIVE_AGENT_BUSY;
    uint32_t target = spec->agent;
    contact_t *c = admit(r, spec, now);
    if (!c)
        return SB_ARRIVE_FULL;
    *index = c->index;
    if (spec->direct) {
        pending_t *p = rt_commit(r, SB_COMMIT_CREATE, c, SB_ROUTE_NONE, now);
        if (p)
            offer(r, c, target, now, p);
        rt_settle(r, now);
        return SB_ARRIVE_OK;
    }
    create(r, c, now);
    rt_settle(r, now);
    return SB_ARRIVE_OK;
}

uint64_t sb_route_tag(sb_route_t *r, uint64_t tag)
{
    uint64_t unused = r->tag;
    r->tag = tag;
    return unused;
}

/* ------------------------------------------------------------------------------------------------
 * Outcomes of commits
 * ---------------------------------------------------------------------------------------------- */

static void doubt(sb_route_t *r, contact_t *c, uint32_t ai)
{
    if (c) {
        c->in_doubt = true;
        rt_wait_remove(r, c);
    }
    if (ai != SB_ROUTE_NONE && ai < r->n_agents) {
        r->agents[ai].in_doubt = true;
        rt_agent_relist(r, ai);
    }
}

static void overflow_to_queue(sb_route_t *r, const contact_t *old, uint64_t now)
{
    const sb_rqueue_def_t *d = &r->queues[old->c.queue].def;
    sb_rcontact_t spec = old->c;
    /* the next segment: same customer, same original wait, linked to the one it replaces */
    memcpy(spec.prev_id, old->c.id, sizeof spec.prev_id);
    size_t n = strcspn(old->c.id, ".");
    unsigned seg = 2;
    if (old->c.id[n] == '.')
        seg = (unsigned)strtoul(old->c.id + n + 1, NULL, 10) + 1;
    char id[SB_ROUTE_ID_LEN + 1];
    int w = snprintf(id, sizeof id, "%.*s.%u", (int)(n > 56 ? 56 : n), old->c.id, seg);
    if (w < 0)
        return;
    memcpy(spec.id, id, sizeof spec.id);
    spec.queue = d->overflow_queue;
    spec.agent = SB_ROUTE_NONE;
    if (spec.queue >= r->n_queues || sb_strmap_get(&r->by_id, spec.id, NULL))
        return;
    contact_t *c = admit(r, &spec, now);
    if (c)
        create(r, c, now);
}

static void finish(sb_route_t *r, pending_t *p, contact_t *c, uint64_t now);

static void apply_ok(sb_route_t *r, pending_t *p, contact_t *c, uint64_t now)
{
    agent_t *a = p->agent != SB_ROUTE_NONE && p->agent < r->n_agents ? &r->agents[p->agent] : NULL;
    switch (p->kind) {
    case SB_COMMIT_CREATE:
        c->c.version = 1;
        c->committing = false;
        if (p->offer_with_create) {
            c->announced_offer = true;
        } else {
            transition(r, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
            rt_dirty_contact(r, c);
        }
        announce(r, p, now);
        break;
    case SB_COMMIT_OFFER:
        c->c.version++;
        c->committing = false;
        c->announced_offer = true;
        announce(r, p, now);
        break;
    case SB_COMMIT_ACCEPT:
        c->c.version++;
        c->committing = false;
        c->c.assigned_ms = now;
        transition(r, c, SB_CSTATE_ASSIGNED, p->agent);
        if (a)
            a->missed = 0;
        rt_queue_answered(r, c->c.queue, now);
        announce(r, p, now);
        break;
    case SB_COMMIT_RETURN:
        c->c.version++;
        c->committing = false;
        c->announced_offer = false;
        if (a && p->return_reason == 0)
            cooldown_add(r, c, p->agent, now);
        if (a && p->return_reason == 1)
            a->missed++;
        if (a && p->agent_to_away) {
            /* a status change committed after this RETURN overwrites the away in Redis: keep
             * the newer status the engine already holds */
            if (!a->status_committing) {
                a->status = SB_AGENT_AWAY;
                a->reason = r->p.missed_offers_reason;
            }
            a->missed = 0;
        }
        c->c.offer_id = 0;
        c->c.offer_deadline_ms = 0;
        transition(r, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
        rt_dirty_contact(r, c);
        announce(r, p, now);
        /* a direct transfer that was not taken ends here (finish() cancels it) */
        if (c->c.direct && c->withdraw_pending == SB_CANCEL_NONE)
            c->withdraw_pending = SB_CANCEL_TRANSFER_DECLINED;
        /* The contact goes to the next eligible agent. The agent that returned it is not in the
         * agent heaps (an agent with an offer is unlisted) until the settle relists it, so it is
         * only offered the contact again when nobody else can take it; without this, the settle
         * (agents first) would hand a timed-out contact straight back to the agent that missed
         * it. */
        if (c->withdraw_pending == SB_CANCEL_NONE && rt_routable(c)) {
            uint32_t next = rt_best_agent_for(r, c, now);
            if (next != SB_ROUTE_NONE)
                offer(r, c, next, now, NULL);
        }
        break;
    case SB_COMMIT_REQUEUE:
        c->c.version++;
        c->committing = false;
        c->c.assigned_ms = 0;
        c->segment_ms = now; /* the maximum wait restarts; the place in line does not */
        transition(r, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
        rt_dirty_contact(r, c);
        announce(r, p, now);
        break;
    case SB_COMMIT_END:
        c->c.version++;
        c->committing = false;
        c->c.wrap_started_ms = now;
        transition(r, c, SB_CSTATE_WRAPPING, c->c.agent);
        announce(r, p, now);
        break;
    case SB_COMMIT_CANCEL:
    case SB_COMMIT_COMPLETE: {
        c->c.version++;
        c->committing = false;
        if (p->kind == SB_COMMIT_COMPLETE && a)
            a->last_finished[p->cls] = now;
        announce(r, p, now);
        bool overflow = p->kind == SB_COMMIT_CANCEL && p->cancel == SB_CANCEL_OVERFLOW;
        if (overflow)
            overflow_to_queue(r, c, now);
        /* freeing detaches it from its agent with the state it had, which frees the slot */
        contact_free(r, c);
        return;
    }
    case SB_COMMIT_AGENT:
        if (a) {
            /* Redis now holds this status, whatever a reload read back meanwhile */
            a->status = p->status;
            a->reason = p->reason;
            a->status_committing = false;
            rt_dirty_agent(r, p->agent);
        }
        announce(r, p, now);
        return;
    default:
        break;
    }
    finish(r, p, c, now);
}

/* After a commit touching c: pending withdrawals, timers, auto-accept. */
static void finish(sb_route_t *r, pending_t *p, contact_t *c, uint64_t now)
{
    if (!c)
        return;
    if (c->withdraw_pending != SB_CANCEL_NONE && !c->committing && !c->in_doubt) {
        sb_cancel_t why = c->withdraw_pending;
        c->withdraw_pending = SB_CANCEL_NONE;
        /* the customer left while the accept was being committed: the contact was answered, so
         * it ends (and goes to wrap-up) instead of being canceled */
        if (c->c.state == SB_CSTATE_ASSIGNED)
            rt_held_action(r, c->c.agent, c->index, SB_CSTATE_ASSIGNED, SB_COMMIT_END, now);
        else
            sb_route_contact_withdraw(r, c->index, why, now);
        return;
    }
    /* the customer left while this offer was being committed: it goes back at once */
    if (c->customer_away && c->c.state == SB_CSTATE_OFFERED && c->announced_offer &&
        !c->committing && !c->in_doubt) {
        rt_withdraw_offer(r, c, now);
        return;
    }
    if (p &&
        (p->kind == SB_COMMIT_OFFER || (p->kind == SB_COMMIT_CREATE && p->offer_with_create))) {
        agent_t *a = &r->agents[c->c.agent];
        if (a->def.auto_accept & (1u << sb_channel_class(c->c.channel))) {
            pending_t *acc = rt_commit(r, SB_COMMIT_ACCEPT, c, c->c.agent, now);
            if (acc)
                rt_emit_commit(r, acc, now);
            return;
        }
    }
    rt_contact_rearm(r, c, now);
}

static void undo(sb_route_t *r, pending_t *p, contact_t *c)
{
    switch (p->kind) {
    case SB_COMMIT_CREATE:
        /* the contact never existed */
        contact_free(r, c);
        break;
    case SB_COMMIT_OFFER:
        c->c.offer_id = 0;
        c->c.offer_deadline_ms = 0;
        transition(r, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
        break;
    case SB_COMMIT_AGENT:
        if (p->agent < r->n_agents) {
            r->agents[p->agent].status = p->prev_status;
            r->agents[p->agent].reason = p->prev_reason;
        }
        break;
    default:
        break; /* the others change nothing before they are committed */
    }
}

void sb_route_committed(sb_route_t *r, uint64_t commit_id, sb_commit_outcome_t outcome,
                        uint64_t now)
{
    pending_t *p = sb_idmap_del(&r->pending, commit_id);
    if (!p)
        return;
    contact_t *c = C(r, p->contact);
    if (p->kind != SB_COMMIT_AGENT && !c) {
        free(p);
        return;
    }
    if (outcome == SB_COMMIT_OK) {
        apply_ok(r, p, c, now);
    } else {
        bool created = p->kind == SB_COMMIT_CREATE;
        if (outcome == SB_COMMIT_REFUSED)
            undo(r, p, c);
        if (p->kind == SB_COMMIT_AGENT && p->agent < r->n_agents)
            r->agents[p->agent].status_committing = false;
        if (created && outcome == SB_COMMIT_REFUSED) {
            if (p->agent != SB_ROUTE_NONE)
                doubt(r, NULL, p->agent);
        } else {
            if (c)
                c->committing = false;
            /* Redis is the truth: whatever it holds now is read back (sb_route_reload_*) */
            doubt(r, c, p->agent);
        }
    }
    if (p->agent != SB_ROUTE_NONE && p->agent < r->n_agents) {
        agent_t *a = &r->agents[p->agent];
        rt_dirty_agent(r, p->agent);
        if (!a->connected && a->grace_deadline && a->grace_deadline <= now)
            rt_grace_over(r, p->agent, now);
    }
    free(p);
    rt_settle(r, now);
}

/* ------------------------------------------------------------------------------------------------
 * Recovery (setup.c): state read back from Redis replaces the engine's view of a contact
 * ---------------------------------------------------------------------------------------------- */

contact_t *rt_contact_alloc(sb_route_t *r, const sb_rcontact_t *spec)
{
    contact_t *c = contact_new(r, spec);
    if (c) {
        c->step = rt_step_at(r, &c->c, 0);
        c->key = rt_contact_key(r, &c->c);
    }
    return c;
}

void rt_contact_drop(sb_route_t *r, contact_t *c)
{
    contact_free(r, c);
}

void rt_contact_set(sb_route_t *r, contact_t *c, const sb_rcontact_t *in, uint64_t now)
{
    detach(r, c);
    rt_wait_remove(r, c);
    sb_cancel_t withdraw = c->withdraw_pending;
    uint32_t index = c->index;
    c->c = *in;
    if (c->c.agent != SB_ROUTE_NONE && c->c.agent >= r->n_agents)
        c->c.agent = SB_ROUTE_NONE;
    c->index = index;
    c->committing = false;
    c->in_doubt = false;
    c->announced_offer = in->state == SB_CSTATE_OFFERED;
    c->step = rt_step_at(r, &c->c, now);
    c->key = rt_contact_key(r, &c->c);
    if (in->segment_ms)
        c->segment_ms = in->segment_ms;
    else if (!c->segment_ms)
        c->segment_ms = now;
    attach(r, c);
    /* held by an agent that is gone: its grace timer may have fired while this contact was in
     * doubt (rt_grace_over skips those); arm it again so the next tick returns the work */
    if (c->c.agent != SB_ROUTE_NONE && !r->agents[c->c.agent].connected &&
        r->agents[c->c.agent].grace_deadline)
        rt_agent_rearm(r, &r->agents[c->c.agent]);
    if (rt_routable(c)) {
        rt_wait_insert(r, c);
        rt_dirty_contact(r, c);
    }
    rt_queue_touch(r, c->c.queue, now);
    /* a direct transfer read back as waiting was returned: it will never be offered again */
    if (withdraw == SB_CANCEL_NONE && c->c.direct && c->c.state == SB_CSTATE_QUEUED)
        withdraw = SB_CANCEL_TRANSFER_DECLINED;
    if (withdraw != SB_CANCEL_NONE) {
        c->withdraw_pending = SB_CANCEL_NONE;
        sb_route_contact_withdraw(r, c->index, withdraw, now);
        return;
    }
    rt_contact_rearm(r, c, now);
}
