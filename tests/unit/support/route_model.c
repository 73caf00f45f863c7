#include "route_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * Model store
 * ---------------------------------------------------------------------------------------------- */

int rm_init(rm_store_t *s, const sb_ragent_def_t *defs, uint32_t na)
{
    memset(s, 0, sizeof *s);
    sb_strmap_init(&s->by_id);
    s->a = calloc(na ? na : 1, sizeof *s->a);
    if (!s->a)
        return -1;
    s->defs = defs;
    s->na = na;
    return 0;
}

void rm_dispose(rm_store_t *s)
{
    free(s->c);
    free(s->a);
    sb_strmap_dispose(&s->by_id);
    memset(s, 0, sizeof *s);
}

const sb_rcontact_t *rm_find(const rm_store_t *s, const char *id)
{
    uint32_t ix;
    return sb_strmap_get(&s->by_id, id, &ix) ? &s->c[ix] : NULL;
}

static sb_rcontact_t *find_mut(rm_store_t *s, const char *id)
{
    uint32_t ix;
    return sb_strmap_get(&s->by_id, id, &ix) ? &s->c[ix] : NULL;
}

/* the agent's counters follow every change of a contact's state or agent */
static void count(rm_store_t *s, const sb_rcontact_t *c, int d)
{
    if (c->agent == SB_ROUTE_NONE || c->agent >= s->na)
        return;
    rm_agent_t *a = &s->a[c->agent];
    sb_class_t cls = sb_channel_class(c->channel);
    if (c->state == SB_CSTATE_OFFERED)
        a->offered[cls] = (uint8_t)(a->offered[cls] + d);
    else if (c->state == SB_CSTATE_ASSIGNED || c->state == SB_CSTATE_WRAPPING)
        a->load[cls] = (uint8_t)(a->load[cls] + d);
}

static bool final(sb_cstate_t st)
{
    return st == SB_CSTATE_COMPLETED || st == SB_CSTATE_CANCELED;
}

static void set_state(rm_store_t *s, sb_rcontact_t *c, sb_cstate_t st, uint32_t agent)
{
    s->n_live = s->n_live - !final(c->state) + !final(st);
    count(s, c, -1);
    c->state = st;
    c->agent = agent;
    count(s, c, +1);
}

/* what the OFFER script checks about the agent */
static const char *agent_can_take(const rm_store_t *s, uint32_t ai, sb_class_t cls)
{
    if (ai >= s->na)
        return "unknown agent";
    const rm_agent_t *a = &s->a[ai];
    if (a->status != SB_AGENT_AVAILABLE)
        return "agent not available";
    for (int k = 0; k < SB_CLASS__COUNT; k++)
        if (a->offered[k])
            return "agent has an offer";
    unsigned chat = a->load[SB_CLASS_CHAT], call = a->load[SB_CLASS_CALL];
    if (a->load[cls] >= s->defs[ai].capacity[cls])
        return "agent full";
    if (cls == SB_CLASS_CHAT && call)
        return "agent on a call";
    if (cls == SB_CLASS_TASK && (chat || call))
        return "agent holds live work";
    return NULL;
}

static const char *check(const sb_rcontact_t *c, const sb_rcommit_t *k, sb_cstate_t want,
                         bool agent)
{
    if (!c)
        return "no such contact";
    if (c->version != k->expect_version)
        return "version";
    if (c->state != want)
        return "state";
    if (agent && c->agent != k->agent)
        return "agent";
    return NULL;
}

int rm_apply(rm_store_t *s, const sb_rcommit_t *k, const sb_rcontact_view_t *v, const char **why)
{
    const char *e = NULL;
    sb_rcontact_t *c = k->kind == SB_COMMIT_AGENT ? NULL : find_mut(s, k->contact_id);
    switch (k->kind) {
    case SB_COMMIT_CREATE: {
        if (c) {
            e = "exists";
            break;
        }
        if (k->offer_with_create && (e = agent_can_take(s, k->agent, k->cls)))
            break;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            sb_rcontact_t *n = realloc(s->c, cap * sizeof *n);
            if (!n) {
                e = "out of memory";
                break;
            }
            s->c = n;
            s->cap = cap;
        }
        c = &s->c[s->n];
        memset(c, 0, sizeof *c);
        snprintf(c->id, sizeof c->id, "%s", k->contact_id);
        if (v) {
            snprintf(c->prev_id, sizeof c->prev_id, "%s", v->prev_id);
            c->lang = v->lang;
            c->priority = v->priority;
            c->enqueued_ms = v->enqueued_ms;
            c->due_ms = v->due_ms;
        }
        c->queue = k->queue;
        c->channel = k->channel;
        c->version = 1;
        c->arrival = ++s->arrivals;
        c->agent = SB_ROUTE_NONE;
        c->state = SB_CSTATE_QUEUED;
        if (sb_strmap_put(&s->by_id, c->id, (uint32_t)s->n)) {
            e = "out of memory";
            break;
        }
        s->n++;
        s->n_live++;
        if (k->offer_with_create) {
            c->offer_id = k->offer_id;
            c->offer_deadline_ms = k->deadline_ms;
            set_state(s, c, SB_CSTATE_OFFERED, k->agent);
        }
        break;
    }
    case SB_COMMIT_OFFER:
        if ((e = check(c, k, SB_CSTATE_QUEUED, false)) || (e = agent_can_take(s, k->agent, k->cls)))
            break;
        c->offer_id = k->offer_id;
        c->offer_deadline_ms = k->deadline_ms;
        c->version++;
        set_state(s, c, SB_CSTATE_OFFERED, k->agent);
        break;
    case SB_COMMIT_ACCEPT:
        if ((e = check(c, k, SB_CSTATE_OFFERED, true)))
            break;
        if (c->offer_id != k->offer_id) {
            e = "offer id";
            break;
        }
        c->version++;
        c->assigned_ms = k->now_ms;
        set_state(s, c, SB_CSTATE_ASSIGNED, k->agent);
        break;
    case SB_COMMIT_RETURN:
        if ((e = check(c, k, SB_CSTATE_OFFERED, true)))
            break;
        if (c->offer_id != k->offer_id) {
            e = "offer id";
            break;
        }
        c->version++;
        c->offer_id = 0;
        c->offer_deadline_ms = 0;
        set_state(s, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
        if (k->agent_to_away && k->agent < s->na) {
            s->a[k->agent].status = SB_AGENT_AWAY;
            s->a[k->agent].reason = s->missed_reason;
        }
        break;
    case SB_COMMIT_REQUEUE:
        if ((e = check(c, k, SB_CSTATE_ASSIGNED, true)))
            break;
        c->version++;
        c->assigned_ms = 0;
        set_state(s, c, SB_CSTATE_QUEUED, SB_ROUTE_NONE);
        break;
    case SB_COMMIT_CANCEL:
        if (!c) {
            e = "no such contact";
            break;
        }
        if (c->version != k->expect_version) {
            e = "version";
            break;
        }
        if (c->state != SB_CSTATE_QUEUED && c->state != SB_CSTATE_OFFERED) {
            e = "state";
            break;
        }
        c->version++;
        set_state(s, c, SB_CSTATE_CANCELED, SB_ROUTE_NONE);
        break;
    case SB_COMMIT_END:
        if ((e = check(c, k, SB_CSTATE_ASSIGNED, true)))
            break;
        c->version++;
        c->wrap_started_ms = k->now_ms;
        set_state(s, c, SB_CSTATE_WRAPPING, k->agent);
        break;
    case SB_COMMIT_COMPLETE:
        if ((e = check(c, k, SB_CSTATE_WRAPPING, true)))
            break;
        c->version++;
        set_state(s, c, SB_CSTATE_COMPLETED, SB_ROUTE_NONE);
        s->a[k->agent].last_finished[k->cls] = k->now_ms;
        break;
    case SB_COMMIT_AGENT:
        if (k->agent >= s->na) {
            e = "unknown agent";
            break;
        }
        s->a[k->agent].status = k->status;
        s->a[k->agent].reason = k->reason;
        break;
    default:
        e = "unknown commit";
    }
    if (why)
        *why = e;
    return e ? -1 : 0;
}

bool rm_read(const rm_store_t *s, const char *id, sb_rcontact_t *out)
{
    const sb_rcontact_t *c = rm_find(s, id);
    if (c) {
        *out = *c;
        return true;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    out->state = SB_CSTATE_CANCELED;
    out->agent = SB_ROUTE_NONE;
    return false;
}

void rm_format(const sb_rdecision_t *d, char *buf, size_t len)
{
    const sb_rcommit_t *k = &d->commit;
    switch (d->kind) {
    case SB_RD_COMMIT:
    case SB_RD_ANNOUNCE:
        snprintf(buf, len,
                 "%s #%" PRIu64 " %s c=%s v=%" PRIu64 " a=%s q=%u ch=%d offer=%" PRIu64
                 " dl=%" PRIu64 " cancel=%s ret=%u flag=%d owc=%d away=%d st=%d r=%u now=%" PRIu64,
                 d->kind == SB_RD_COMMIT ? "COMMIT" : "ANNOUNCE", k->commit_id,
                 sb_commit_name(k->kind), k->contact_id, k->expect_version, k->agent_id, k->queue,
                 (int)k->channel, k->offer_id, k->deadline_ms, sb_cancel_name(k->cancel),
                 k->return_reason, k->flagged, k->offer_with_create, k->agent_to_away,
                 (int)k->status, k->reason, k->now_ms);
        break;
    case SB_RD_POSITION:
        snprintf(buf, len, "POSITION c=%u pos=%u wait=%u", d->contact, d->position, d->wait_s);
        break;
    default:
        snprintf(buf, len, "? kind=%d", (int)d->kind);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Harness
 * ---------------------------------------------------------------------------------------------- */

static void herr(rh_t *h, const char *fmt, const char *a, const char *b)
{
    if (!h->err[0])
        snprintf(h->err, sizeof h->err, fmt, a, b);
}

int rh_init(rh_t *h, const sb_rqueue_def_t *q, uint32_t nq, const sb_ragent_def_t *a, uint32_t na,
            const sb_rparams_t *p, uint64_t now)
{
    memset(h, 0, sizeof *h);
    h->q = q;
    h->nq = nq;
    h->a = a;
    h->na = na;
    h->p = *p;
    h->now = now;
    if (rm_init(&h->m, a, na))
        return -1;
    h->m.missed_reason = p->missed_offers_reason;
    h->r = sb_route_create(p);
    if (!h->r)
        return -1;
    int rc = sb_route_setup(h->r, q, nq, a, na, p, now);
    rh_pump(h);
    return rc;
}

void rh_free(rh_t *h)
{
    sb_route_destroy(h->r);
    rm_dispose(&h->m);
    free(h->inflight);
    free(h->log);
    memset(h, 0, sizeof *h);
}

static int model_apply(rh_t *h, const sb_rcommit_t *k)
{
    const char *why = NULL;
    sb_rcontact_view_t v;
    bool have = k->kind == SB_COMMIT_CREATE && sb_route_contact_view(h->r, k->contact, &v);
    int rc = rm_apply(&h->m, k, have ? &v : NULL, &why);
    if (rc) {
        char line[512];
        sb_rdecision_t d = {.kind = SB_RD_COMMIT, .commit = *k};
        rm_format(&d, line, sizeof line);
        herr(h, "model refused (%s): %s", why, line);
    }
    return rc;
}

void rh_pump(rh_t *h)
{
    sb_rdecision_t d;
    while (sb_route_next(h->r, &d)) {
        if (h->n_log == h->cap_log) {
            h->cap_log = h->cap_log ? h->cap_log * 2 : 256;
            h->log = realloc(h->log, h->cap_log * sizeof *h->log);
        }
        h->log[h->n_log++] = d;
        if (d.kind != SB_RD_COMMIT)
            continue;
        if (h->manual) {
            if (h->n_in == h->cap_in) {
                h->cap_in = h->cap_in ? h->cap_in * 2 : 32;
                h->inflight = realloc(h->inflight, h->cap_in * sizeof *h->inflight);
            }
            h->inflight[h->n_in++] = d.commit;
            continue;
        }
        int rc = model_apply(h, &d.commit);
        sb_route_committed(h->r, d.commit.commit_id, rc ? SB_COMMIT_REFUSED : SB_COMMIT_OK, h->now);
    }
}

void rh_answer(rh_t *h, size_t i, sb_commit_outcome_t outcome, bool applied)
{
    if (i >= h->n_in) {
        herr(h, "no in-flight commit %s%s", "", "");
        return;
    }
    sb_rcommit_t k = h->inflight[i];
    memmove(&h->inflight[i], &h->inflight[i + 1], (h->n_in - i - 1) * sizeof *h->inflight);
    h->n_in--;
    if (outcome == SB_COMMIT_OK || (outcome == SB_COMMIT_UNKNOWN && applied)) {
        if (model_apply(h, &k) && outcome == SB_COMMIT_OK)
            outcome = SB_COMMIT_REFUSED;
    }
    sb_route_committed(h->r, k.commit_id, outcome, h->now);
    rh_pump(h);
}

int rh_inflight_find(const rh_t *h, sb_commit_kind_t kind, const char *contact_id)
{
    for (size_t i = 0; i < h->n_in; i++)
        if (h->inflight[i].kind == kind &&
            (!contact_id || strcmp(h->inflight[i].contact_id, contact_id) == 0))
            return (int)i;
    return -1;
}

int rh_reload_contact(rh_t *h, const char *id)
{
    sb_rcontact_t c;
    rm_read(&h->m, id, &c);
    int rc = sb_route_reload_contact(h->r, &c, h->now);
    rh_pump(h);
    return rc;
}

void rh_reload_agent(rh_t *h, uint32_t ai)
{
    const rm_agent_t *a = &h->m.a[ai];
    sb_route_reload_agent(h->r, ai, a->status, a->reason, a->last_finished, h->now);
    rh_pump(h);
}

void rh_run_until(rh_t *h, uint64_t t)
{
    for (unsigned guard = 0;; guard++) {
        uint64_t dl = sb_route_next_deadline(h->r);
        if (dl > t)
            break;
        if (guard > 100000) {
            herr(h, "runaway ticks: the next deadline never moves past now%s%s", "", "");
            break;
        }
        if (dl > h->now)
            h->now = dl;
        sb_route_tick(h->r, h->now);
        rh_pump(h);
    }
    if (t > h->now)
        h->now = t;
}

void rh_jump(rh_t *h, uint64_t t)
{
    if (t > h->now)
        h->now = t;
    rh_run_until(h, h->now);
}

sb_arrive_t rh_arrive(rh_t *h, const char *id, uint32_t queue, sb_channel_t ch, uint16_t lang,
                      uint8_t priority, uint32_t *index)
{
    sb_rcontact_t c;
    memset(&c, 0, sizeof c);
    snprintf(c.id, sizeof c.id, "%s", id);
    c.queue = queue;
    c.channel = ch;
    c.lang = lang;
    c.priority = priority;
    c.enqueued_ms = h->now;
    c.due_ms = h->now;
    c.agent = SB_ROUTE_NONE;
    uint32_t ix = SB_ROUTE_NONE;
    sb_arrive_t rc = sb_route_contact_arrive(h->r, &c, h->now, &ix, NULL);
    rh_pump(h);
    if (index)
        *index = rc == SB_ARRIVE_OK ? ix : SB_ROUTE_NONE;
    return rc;
}

void rh_online(rh_t *h, uint32_t agent)
{
    sb_route_agent_connected(h->r, agent, h->now);
    rh_pump(h);
    sb_route_agent_set_status(h->r, agent, SB_AGENT_AVAILABLE, 0, h->now);
    rh_pump(h);
}

sb_rcontact_view_t rh_contact(const rh_t *h, uint32_t contact)
{
    sb_rcontact_view_t v;
    sb_route_contact_view(h->r, contact, &v);
    return v;
}

sb_ragent_view_t rh_agent(const rh_t *h, uint32_t agent)
{
    sb_ragent_view_t v;
    memset(&v, 0, sizeof v);
    sb_route_agent_view(h->r, agent, &v);
    return v;
}

uint32_t rh_find_contact(const rh_t *h, const char *id)
{
    return sb_route_contact_find(h->r, id);
}

static bool matches(const sb_rdecision_t *d, sb_rdecision_kind_t kind, int ckind, const char *id)
{
    if (d->kind != kind)
        return false;
    if (kind == SB_RD_POSITION)
        return true;
    if (ckind >= 0 && (int)d->commit.kind != ckind)
        return false;
    return !id || strcmp(d->commit.contact_id, id) == 0;
}

const sb_rdecision_t *rh_find(const rh_t *h, size_t from, sb_rdecision_kind_t kind, int ckind,
                              const char *contact_id)
{
    for (size_t i = from; i < h->n_log; i++)
        if (matches(&h->log[i], kind, ckind, contact_id))
            return &h->log[i];
    return NULL;
}

size_t rh_count(const rh_t *h, size_t from, sb_rdecision_kind_t kind, int ckind,
                const char *contact_id)
{
    size_t n = 0;
    for (size_t i = from; i < h->n_log; i++)
        n += matches(&h->log[i], kind, ckind, contact_id);
    return n;
}

char *rh_log_text(const rh_t *h)
{
    size_t cap = h->n_log * 320 + 1, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = 0;
    for (size_t i = 0; i < h->n_log; i++) {
        rm_format(&h->log[i], s + len, cap - len - 1);
        len += strlen(s + len);
        s[len++] = '\n';
        s[len] = 0;
    }
    return s;
}
