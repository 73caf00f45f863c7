/* Eligibility, the two indexes, and finding the best match without scanning everyone.
 *
 * Available agents are listed in heaps per (queue, channel class, language, step): an agent is in
 * the heap of the first relax step of that queue whose requirements it meets, for each language it
 * speaks that the queue serves, and only for the classes it can take a new contact of right now.
 * Waiting contacts are in heaps per (queue, channel, language, current step). A contact at step s
 * may go to agents listed at steps 0..s; an agent listed at step b may take contacts at steps
 * b..last. Both heaps are ordered so that the top is the best choice: agents by the queue's
 * strategy, contacts by their ordering key (enqueue time minus a priority bonus, or due time).
 * So a decision looks at a handful of heap tops, whatever the number of agents or contacts. */
#include <stdlib.h>
#include <string.h>

#include "route/route_internal.h"

/* ------------------------------------------------------------------------------------------------
 * Eligibility
 * ---------------------------------------------------------------------------------------------- */

static uint8_t level_of(const agent_t *a, uint16_t skill)
{
    for (uint8_t i = 0; i < a->def.levels_n; i++)
        if (a->def.levels[i].skill == skill)
            return a->def.levels[i].level;
    return 0;
}

bool rt_agent_meets(const agent_t *a, const sb_rstep_t *st)
{
    for (uint8_t i = 0; i < st->n_reqs; i++)
        if (level_of(a, st->reqs[i].skill) < st->reqs[i].min)
            return false;
    return true;
}

int rt_agent_best_step(const sb_route_t *r, const agent_t *a, uint32_t q)
{
    const sb_rqueue_def_t *d = &r->queues[q].def;
    for (uint8_t s = 0; s < d->n_steps; s++)
        if (rt_agent_meets(a, &d->steps[s]))
            return s;
    return -1;
}

static bool serves(const agent_t *a, uint32_t q)
{
    for (uint32_t i = 0; i < a->def.n_queues; i++)
        if (a->queues[i] == q)
            return true;
    return false;
}

/* The classes the agent may be offered a new contact of now (a bit per class). */
uint32_t rt_agent_classes(const sb_route_t *r, const agent_t *a)
{
    (void)r;
    if (a->status != SB_AGENT_AVAILABLE || !a->connected || a->status_committing || a->in_doubt ||
        a->offer_contact != SB_ROUTE_NONE || a->def.removed)
        return 0;
    unsigned chat = a->load[SB_CLASS_CHAT] + a->pending[SB_CLASS_CHAT];
    unsigned call = a->load[SB_CLASS_CALL] + a->pending[SB_CLASS_CALL];
    unsigned task = a->load[SB_CLASS_TASK] + a->pending[SB_CLASS_TASK];
    uint32_t m = 0;
    /* a call is exclusive for new offers; open chats continue */
    if (call == 0 && chat < a->def.capacity[SB_CLASS_CHAT])
        m |= 1u << SB_CLASS_CHAT;
    if (call < a->def.capacity[SB_CLASS_CALL])
        m |= 1u << SB_CLASS_CALL;
    /* back-office work only for an agent holding no live contact */
    if (chat == 0 && call == 0 && task < a->def.capacity[SB_CLASS_TASK])
        m |= 1u << SB_CLASS_TASK;
    return m;
}

bool rt_in_cooldown(const contact_t *c, uint32_t agent, uint64_t now)
{
    if (!c->cooldown)
        return false;
    for (int i = 0; i < COOLDOWNS; i++)
        if (c->cooldown[i].agent == agent && c->cooldown[i].until > now)
            return true;
    return false;
}

static bool queue_takes_class(const sb_rqueue_def_t *d, sb_class_t cls)
{
    for (int ch = 0; ch < CHANNELS; ch++)
        if ((d->channels & (1u << ch)) && sb_channel_class((sb_channel_t)ch) == cls)
            return true;
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * Agent index
 * ---------------------------------------------------------------------------------------------- */

static uint64_t agent_key(const sb_route_t *r, const agent_t *a, uint32_t q, sb_class_t cls)
{
    const sb_rqueue_def_t *d = &r->queues[q].def;
    uint64_t idle = a->last_finished[cls] & ((1ull << 41) - 1);
    switch (d->strategy) {
    case SB_STRATEGY_LEAST_OCCUPIED: {
        unsigned held = 0, cap = 0;
        for (int c = 0; c < CLASSES; c++) {
            held += a->load[c] + a->pending[c];
            cap += a->def.capacity[c];
        }
        uint64_t occ = cap ? (uint64_t)held * 1000u / cap : 1000u;
        return occ << 41 | idle;
    }
    case SB_STRATEGY_HIGHEST_PROFICIENCY: {
        /* the sum of the agent's levels in the queue's base requirements; ties by longest idle */
        unsigned score = 0;
        for (uint8_t i = 0; i < d->steps[0].n_reqs; i++)
            score += level_of(a, d->steps[0].reqs[i].skill);
        if (score > 63)
            score = 63;
        return (uint64_t)(63 - score) << 41 | idle;
    }
    case SB_STRATEGY_ROUND_ROBIN:
        return a->rr_seq;
    case SB_STRATEGY_LONGEST_IDLE:
    default:
        return idle;
    }
}

static int add_membership(agent_t *a, uint32_t ai, uint32_t heap)
{
    if (a->n_mem == a->cap_mem) {
        uint32_t cap = a->cap_mem ? a->cap_mem * 2 : 8;
        membership_t *m = realloc(a->mem, cap * sizeof *m);
        if (!m)
            return -1;
        a->mem = m;
        a->cap_mem = cap;
    }
    membership_t *m = &a->mem[a->n_mem++];
    memset(m, 0, sizeof *m);
    m->agent = ai;
    m->heap = heap;
    m->node.tie = ai;
    return 0;
}

/* Heap index -> (queue, class, language, step). */
static void agent_heap_parts(uint32_t ix, uint32_t *q, uint32_t *cls, uint32_t *lang,
                             uint32_t *step)
{
    *step = ix % SB_ROUTE_MAX_STEPS;
    ix /= SB_ROUTE_MAX_STEPS;
    *lang = ix % LANG_SLOTS;
    ix /= LANG_SLOTS;
    *cls = ix % CLASSES;
    *q = ix / CLASSES;
}

void rt_agent_unlist(sb_route_t *r, agent_t *a)
{
    for (uint32_t i = 0; i < a->n_mem; i++)
        sb_rheap_remove(&r->agent_heaps[a->mem[i].heap], &a->mem[i].node);
    a->listed_classes = 0;
}

/* Where the agent belongs, from its definition (after setup). The agent must be unlisted. */
int rt_agent_build_memberships(sb_route_t *r, uint32_t ai)
{
    agent_t *a = &r->agents[ai];
    a->n_mem = 0;
    if (a->def.removed)
        return 0;
    for (uint32_t i = 0; i < a->def.n_queues; i++) {
        uint32_t q = a->queues[i];
        if (q >= r->n_queues || r->queues[q].def.removed)
            continue;
        const sb_rqueue_def_t *d = &r->queues[q].def;
        int b = rt_agent_best_step(r, a, q);
        if (b < 0)
            continue;
        for (int c = 0; c < CLASSES; c++) {
            if (!queue_takes_class(d, (sb_class_t)c) || a->def.capacity[c] == 0)
                continue;
            uint64_t langs = a->def.langs & d->langs;
            for (uint32_t l = 0; l < LANG_SLOTS; l++)
                if ((langs >> l) & 1u)
                    if (add_membership(a, ai, agent_heap_ix(r, q, (uint32_t)c, l, (uint32_t)b)))
                        return -1;
        }
    }
    return 0;
}

/* Puts the agent in (or takes it out of) its heaps according to what it can take now, with keys
 * recomputed from its current state. */
void rt_agent_relist(sb_route_t *r, uint32_t ai)
{
    agent_t *a = &r->agents[ai];
    uint32_t mask = rt_agent_classes(r, a);
    for (uint32_t i = 0; i < a->n_mem; i++) {
        membership_t *m = &a->mem[i];
        uint32_t q, cls, lang, step;
        agent_heap_parts(m->heap, &q, &cls, &lang, &step);
        sb_rheap_t *h = &r->agent_heaps[m->heap];
        if (mask & (1u << cls)) {
            uint64_t k = agent_key(r, a, q, (sb_class_t)cls);
            if (m->node.pos) {
                if (m->node.key != k) {
                    m->node.key = k;
                    sb_rheap_update(h, &m->node);
                }
            } else {
                m->node.key = k;
                if (sb_rheap_push(h, &m->node))
                    r->oom = true;
            }
        } else {
            sb_rheap_remove(h, &m->node);
        }
    }
    a->listed_classes = mask;
}

/* ------------------------------------------------------------------------------------------------
 * Waiting contacts
 * ---------------------------------------------------------------------------------------------- */

uint64_t rt_contact_key(const sb_route_t *r, const sb_rcontact_t *c)
{
    const sb_rqueue_def_t *d = &r->queues[c->queue].def;
    if (d->by_due)
        return c->due_ms;
    uint64_t bonus = (uint64_t)c->priority * r->p.priority_step_ms;
    return c->enqueued_ms > bonus ? c->enqueued_ms - bonus : 0;
}

void rt_wait_insert(sb_route_t *r, contact_t *c)
{
    if (c->wait.pos)
        return;
    c->wait_heap = wait_heap_ix(r, c->c.queue, c->c.channel, c->c.lang, c->step);
    c->wait.key = c->key;
    c->wait.tie = (uint32_t)c->seq;
    if (sb_rheap_push(&r->wait_heaps[c->wait_heap], &c->wait))
        r->oom = true;
    r->queues[c->c.queue].waiting++;
}

void rt_wait_remove(sb_route_t *r, contact_t *c)
{
    if (!c->wait.pos)
        return;
    sb_rheap_remove(&r->wait_heaps[c->wait_heap], &c->wait);
    r->queues[c->c.queue].waiting--;
    /* not waiting: no position (so one is sent again if it comes back to the same place) */
    c->position = 0;
    c->wait_s = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Matching
 * ---------------------------------------------------------------------------------------------- */

uint32_t rt_best_agent_for(sb_route_t *r, const contact_t *c, uint64_t now)
{
    sb_class_t cls = sb_channel_class(c->c.channel);
    const sb_hnode_t *best = NULL;
    for (uint32_t s = 0; s <= c->step; s++) {
        const sb_rheap_t *h = &r->agent_heaps[agent_heap_ix(r, c->c.queue, cls, c->c.lang, s)];
        sb_rheap_walk_t w;
        sb_rheap_walk_init(&w, h, SCAN_LIMIT);
        for (sb_hnode_t *n; (n = sb_rheap_walk_next(&w));) {
            const membership_t *m = (const membership_t *)n;
            if (rt_in_cooldown(c, m->agent, now))
                continue;
            if (!best || sb_hnode_less(n, best))
                best = n;
            break;
        }
    }
    return best ? ((const membership_t *)best)->agent : SB_ROUTE_NONE;
}

uint32_t rt_best_contact_for(sb_route_t *r, uint32_t ai, sb_class_t cls, uint64_t now)
{
    const agent_t *a = &r->agents[ai];
    const contact_t *best = NULL;
    for (uint32_t i = 0; i < a->n_mem; i++) {
        uint32_t q, mc, lang, b;
        agent_heap_parts(a->mem[i].heap, &q, &mc, &lang, &b);
        if (mc != (uint32_t)cls)
            continue;
        const sb_rqueue_def_t *d = &r->queues[q].def;
        for (uint32_t ch = 0; ch < CHANNELS; ch++) {
            if (!(d->channels & (1u << ch)) || sb_channel_class((sb_channel_t)ch) != cls)
                continue;
            for (uint32_t s = b; s < d->n_steps; s++) {
                const sb_rheap_t *h = &r->wait_heaps[wait_heap_ix(r, q, ch, lang, s)];
                sb_rheap_walk_t w;
                sb_rheap_walk_init(&w, h, SCAN_LIMIT);
                for (sb_hnode_t *n; (n = sb_rheap_walk_next(&w));) {
                    const contact_t *c =
                        (const contact_t *)((const char *)n - offsetof(contact_t, wait));
                    if (rt_in_cooldown(c, ai, now))
                        continue;
                    if (!best || sb_hnode_less(n, &best->wait))
                        best = c;
                    break;
                }
            }
        }
    }
    return best ? best->index : SB_ROUTE_NONE;
}

/* The rule itself, checked directly from the definitions (tests compare the indexes with it). */
bool sb_route_eligible(const sb_route_t *r, uint32_t ai, uint32_t ci, uint64_t now)
{
    if (ai >= r->n_agents)
        return false;
    const agent_t *a = &r->agents[ai];
    const contact_t *c = C(r, ci);
    if (!c || !rt_routable(c))
        return false;
    if (!(rt_agent_classes(r, a) & (1u << sb_channel_class(c->c.channel))))
        return false;
    if (!serves(a, c->c.queue) || !((a->def.langs >> c->c.lang) & 1u))
        return false;
    if (!rt_agent_meets(a, &r->queues[c->c.queue].def.steps[c->step]))
        return false;
    return !rt_in_cooldown(c, ai, now);
}
