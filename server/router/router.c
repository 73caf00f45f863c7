/* The shell around the routing engine. See router.h and docs/routing.md.
 *
 * Flow: a protocol request (or the clock) calls the engine; the engine's decisions are drained at
 * once by pump(): COMMIT decisions become one EVALSHA each (store/route_store.c), whose outcome
 * goes back to the engine, which then emits ANNOUNCE decisions that become protocol events.
 * Requests that wait for a commit (accept, state changes, contact requests) keep their connection
 * and request ids with the commit, never pointers. */
#include "router/router.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"
#include "router/router_internal.h"
#include "metrics/metrics.h"
#include "store/route_store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

/* ------------------------------------------------------------------------------------------------
 * Look-ups
 * ---------------------------------------------------------------------------------------------- */

sb_router_t *rtr(const sb_app_t *app)
{
    return app->router;
}

uint32_t rtr_agent_of(const sb_router_t *R, const char *username)
{
    uint32_t ix;
    return sb_strmap_get(&R->agent_ix, username, &ix) ? ix : SB_ROUTE_NONE;
}

uint32_t rtr_queue_of(const sb_router_t *R, const char *id)
{
    uint32_t ix;
    return sb_strmap_get(&R->queue_ix, id, &ix) ? ix : SB_ROUTE_NONE;
}

int rtr_lang_of(const sb_router_t *R, const char *code)
{
    const sb_config_t *cfg = R->app->cfg;
    for (size_t i = 0; i < cfg->n_languages && i < 64; i++)
        if (strcmp(cfg->languages[i], code) == 0)
            return (int)i;
    return -1;
}

const char *rtr_lang_code(const sb_router_t *R, uint16_t lang)
{
    const sb_config_t *cfg = R->app->cfg;
    return lang < cfg->n_languages ? cfg->languages[lang] : "en";
}

const sb_cfg_queue_t *rtr_queue_cfg(const sb_router_t *R, uint32_t q)
{
    return q < R->n_queue_ids ? sb_config_find_queue(R->app->cfg, R->queue_ids[q]) : NULL;
}

const sb_cfg_staff_t *rtr_staff_cfg(const sb_router_t *R, uint32_t ai)
{
    if (ai >= R->n_agent_ids)
        return NULL;
    /* agents are numbered in the order of the staff list unless a reload moved them: look
     * there first (searching the list for each of 5,000 agents made start-up quadratic) */
    const sb_config_t *cfg = R->app->cfg;
    const char *id = R->agent_ids[ai];
    if (ai < cfg->n_staff && cfg->staff[ai].username && strcmp(cfg->staff[ai].username, id) == 0)
        return &cfg->staff[ai];
    return sb_config_find_staff(cfg, id, strlen(id));
}

sb_conn_t *rtr_agent_conn(const sb_router_t *R, uint32_t ai)
{
    if (ai >= R->n_agent_ids || !R->agent_conn[ai] || !R->app->net)
        return NULL;
    sb_conn_t *c = sb_net_conn_find(R->app->net, R->agent_conn[ai]);
    return c && c->state == SB_CONN_READY ? c : NULL;
}

cside_t *rtr_cside(const sb_router_t *R, const char *contact_id)
{
    uint32_t ix;
    if (!sb_strmap_get(&R->cside_ix, contact_id, &ix))
        return NULL;
    return R->csides[ix];
}

sb_conn_t *rtr_customer_conn(const sb_router_t *R, const cside_t *cs)
{
    if (!cs || !cs->conn || !R->app->net)
        return NULL;
    sb_conn_t *c = sb_net_conn_find(R->app->net, cs->conn);
    return c && c->state == SB_CONN_READY ? c : NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Contact side data: what the shell keeps per contact that the engine does not need
 * ---------------------------------------------------------------------------------------------- */

cside_t *rtr_cside_add(sb_router_t *R, const char *contact_id)
{
    cside_t *cs = rtr_cside(R, contact_id);
    if (cs)
        return cs;
    cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    snprintf(cs->contact_id, sizeof cs->contact_id, "%s", contact_id);
    sb_timer_init(&cs->abandon, rtr_abandon_cb, R);
    uint32_t ix;
    if (R->n_free_cs) {
        ix = R->free_cs[--R->n_free_cs];
    } else {
        if (R->n_cs == R->cap_cs) {
            uint32_t cap = R->cap_cs ? R->cap_cs * 2 : 256;
            cside_t **a = realloc(R->csides, cap * sizeof *a);
            uint32_t *f = a ? realloc(R->free_cs, cap * sizeof *f) : NULL;
            if (a)
                R->csides = a;
            if (!a || !f) {
                free(cs);
                return NULL;
            }
            R->free_cs = f;
            R->cap_cs = cap;
        }
        ix = R->n_cs++;
    }
    if (sb_strmap_put(&R->cside_ix, contact_id, ix) != 0) {
        R->free_cs[R->n_free_cs++] = ix;
        free(cs);
        return NULL;
    }
    cs->ix = ix;
    R->csides[ix] = cs;
    return cs;
}

void rtr_cside_del(sb_router_t *R, cside_t *cs)
{
    if (!cs)
        return;
    sb_timer_disarm(&R->app->timers, &cs->abandon);
    /* a transfer segment that is gone no longer holds its source */
    cside_t *src = cs->transfer_from[0] ? rtr_cside(R, cs->transfer_from) : NULL;
    if (src && strcmp(src->transfer_to, cs->contact_id) == 0)
        src->transfer_to[0] = 0;
    if (cs->customer_id[0]) {
        uint32_t ix;
        if (sb_strmap_get(&R->by_customer, cs->customer_id, &ix) && ix == cs->ix)
            sb_strmap_del(&R->by_customer, cs->customer_id);
    }
    sb_strmap_del(&R->cside_ix, cs->contact_id);
    R->csides[cs->ix] = NULL;
    R->free_cs[R->n_free_cs++] = cs->ix;
    free(cs);
}

cside_t *rtr_cside_of_customer(const sb_router_t *R, const char *customer_id)
{
    uint32_t ix;
    if (!sb_strmap_get(&R->by_customer, customer_id, &ix) || ix >= R->n_cs)
        return NULL;
    return R->csides[ix];
}

/* ------------------------------------------------------------------------------------------------
 * Pumping decisions
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_app_t *app;
    uint64_t commit_id;
    sb_rcommit_t cm;
    /* the request waiting for this commit, if any */
    uint64_t conn_id;
    uint64_t req_id;
    sb_msg_type_t req_type;
} commit_job_t;

static void commit_cb(sb_commit_outcome_t out, const char *why, void *priv)
{
    commit_job_t *j = priv;
    sb_app_t *app = j->app;
    sb_router_t *R = rtr(app);
    if (!R || !R->eng) {
        free(j);
        return;
    }
    if (out != SB_COMMIT_OK) {
        SB_WARN("route", out == SB_COMMIT_REFUSED ? "commit refused" : "commit outcome unknown",
                SB_F_STR("kind", sb_commit_name(j->cm.kind)), SB_F_STR("contact", j->cm.contact_id),
                SB_F_STR("agent", j->cm.agent_id), SB_F_STR("why", why));
        rtr_doubt(R, j->cm.contact_id, j->cm.agent);
    }
    /* a request waiting for this commit gets its answer now */
    rtr_answer_waiting(R, j->conn_id, j->req_id, j->req_type, &j->cm, out, why);
    if (out == SB_COMMIT_REFUSED && j->cm.kind == SB_COMMIT_CREATE) {
        /* a chat's first segment never existed, so neither does the conversation made for it:
         * drop it from memory, where it would count against chat.max_conversations (in Redis
         * it expires); a transfer's segment leaves the conversation to the segment before */
        const cside_t *cs = rtr_cside(R, j->cm.contact_id);
        if (cs && cs->conv_id[0] && !cs->transfer_from[0] && !cs->conv_werr)
            R->conv->discard(app, cs->conv_id);
    }
    uint64_t now = sb_clock_now_ms();
    sb_route_committed(R->eng, j->commit_id, out, now);
    free(j);
    rtr_pump(R);
}

/* A request no commit will answer: try again. */
static void answer_busy(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type)
{
    sb_net_t *n = R->app->net;
    if (!n)
        return;
    if (type == RTR_HTTP) {
        sb_http_t *h = sb_http_find(n, conn_id);
        if (h)
            sb_http_error(h, 503, SB_WERR_BUSY, "the server is busy; try again");
        return;
    }
    sb_conn_t *c = sb_net_conn_find(n, conn_id);
    if (c && c->state != SB_CONN_CLOSING)
        sb_conn_send_error(c, true, req_id, SB_WERR_BUSY, "the server is busy; try again", NULL,
                           200);
}

/* Attaches the request that caused this commit, found by its tag. */
static void submit_commit(sb_router_t *R, const sb_rcommit_t *cm)
{
    sb_app_t *app = R->app;
    commit_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        sb_route_committed(R->eng, cm->commit_id, SB_COMMIT_REFUSED, sb_clock_now_ms());
        return;
    }
    j->app = app;
    j->commit_id = cm->commit_id;
    j->cm = *cm;
    for (uint32_t i = 0; cm->tag && i < R->n_waits; i++)
        if (R->waits[i].tag == cm->tag) {
            j->conn_id = R->waits[i].conn_id;
            j->req_id = R->waits[i].req_id;
            j->req_type = R->waits[i].type;
            R->waits[i] = R->waits[--R->n_waits];
            break;
        }
    sb_rs_extra_t x;
    rtr_commit_extra(R, cm, &x);
    int rc = sb_rs_commit(app->store, app->key_prefix, cm, &x, commit_cb, j);
    if (rc != 0) {
        /* not sent: nothing was applied; the request (if any) hears why */
        rtr_answer_waiting(R, j->conn_id, j->req_id, j->req_type, cm, SB_COMMIT_REFUSED,
                           rc == SB_E_BUSY ? "busy" : "store");
        R->deferred_refusals[R->n_deferred % RTR_DEFERRED] = cm->commit_id;
        R->n_deferred++;
        free(j);
    }
}

static void engine_timer_cb(sb_timer_t *t)
{
    sb_router_t *R = (sb_router_t *)((char *)t - offsetof(sb_router_t, timer));
    if (!R->eng)
        return;
    sb_route_tick(R->eng, sb_clock_now_ms());
    rtr_pump(R);
}

void rtr_pump(sb_router_t *R)
{
    if (!R->eng || R->pumping)
        return;
    R->pumping = true;
    sb_rdecision_t d;
    for (;;) {
        while (sb_route_next(R->eng, &d)) {
            switch (d.kind) {
            case SB_RD_COMMIT:
                submit_commit(R, &d.commit);
                break;
            case SB_RD_ANNOUNCE:
                rtr_announce(R, &d.commit);
                break;
            case SB_RD_POSITION:
                rtr_position(R, d.contact, d.position, d.wait_s);
                break;
            default:
                break;
            }
        }
        /* commits that could not even be sent are refused now, outside the drain loop */
        if (!R->n_deferred)
            break;
        uint32_t n = R->n_deferred < RTR_DEFERRED ? R->n_deferred : RTR_DEFERRED;
        uint64_t ids[RTR_DEFERRED];
        memcpy(ids, R->deferred_refusals, n * sizeof *ids);
        R->n_deferred = 0;
        for (uint32_t i = 0; i < n; i++)
            sb_route_committed(R->eng, ids[i], SB_COMMIT_REFUSED, sb_clock_now_ms());
    }
    /* a wait whose commit never came out (it cannot happen: the tagged call asked for one) would
     * leave its request unanswered: answer it */
    while (R->n_waits) {
        R->n_waits--;
        answer_busy(R, R->waits[R->n_waits].conn_id, R->waits[R->n_waits].req_id,
                    R->waits[R->n_waits].type);
    }
    rtr_waiting_check(R);
    uint64_t next = sb_route_next_deadline(R->eng);
    if (next == UINT64_MAX)
        sb_timer_disarm(&R->app->timers, &R->timer);
    else
        sb_timer_arm(&R->app->timers, &R->timer, next);
    R->pumping = false;
}

void rtr_tag(sb_router_t *R)
{
    R->tag = ++R->next_tag;
    sb_route_tag(R->eng, R->tag);
}

void rtr_untag(sb_router_t *R)
{
    sb_route_tag(R->eng, 0);
    R->tag = 0;
}

static void wait_for(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type)
{
    uint64_t unused = sb_route_tag(R->eng, 0), tag = R->tag;
    R->tag = 0;
    if (!tag || unused == tag || R->n_waits == RTR_WAITS) {
        answer_busy(R, conn_id, req_id, type); /* no commit will answer it */
        return;
    }
    R->waits[R->n_waits].tag = tag;
    R->waits[R->n_waits].conn_id = conn_id;
    R->waits[R->n_waits].req_id = req_id;
    R->waits[R->n_waits].type = type;
    R->n_waits++;
}

void rtr_wait_for_http(sb_router_t *R, uint64_t http_id)
{
    wait_for(R, http_id, 0, RTR_HTTP);
}

void rtr_wait_for_commit(sb_router_t *R, sb_conn_t *c, uint64_t req_id, sb_msg_type_t type)
{
    wait_for(R, c->id, req_id, type);
}

void rtr_wait_for_conn(sb_router_t *R, uint64_t conn_id, uint64_t req_id, sb_msg_type_t type)
{
    wait_for(R, conn_id, req_id, type);
}

/* ------------------------------------------------------------------------------------------------
 * Setup from configuration
 * ---------------------------------------------------------------------------------------------- */

static int index_queue(sb_router_t *R, const char *id)
{
    uint32_t ix;
    if (sb_strmap_get(&R->queue_ix, id, &ix))
        return (int)ix;
    char **a = realloc(R->queue_ids, (R->n_queue_ids + 1) * sizeof *a);
    if (!a)
        return -1;
    R->queue_ids = a;
    uint32_t *w = realloc(R->last_waiting, (R->n_queue_ids + 1) * sizeof *w);
    if (!w)
        return -1;
    R->last_waiting = w;
    w[R->n_queue_ids] = 0;
    if (!(a[R->n_queue_ids] = strdup(id)) || sb_strmap_put(&R->queue_ix, id, R->n_queue_ids))
        return -1;
    return (int)R->n_queue_ids++;
}

static int index_agent(sb_router_t *R, const char *id)
{
    uint32_t ix;
    if (sb_strmap_get(&R->agent_ix, id, &ix))
        return (int)ix;
    char **a = realloc(R->agent_ids, (R->n_agent_ids + 1) * sizeof *a);
    uint64_t *conn = a ? realloc(R->agent_conn, (R->n_agent_ids + 1) * sizeof *conn) : NULL;
    if (a)
        R->agent_ids = a;
    if (!conn)
        return -1;
    R->agent_conn = conn;
    conn[R->n_agent_ids] = 0;
    uint64_t *since = realloc(R->state_since, (R->n_agent_ids + 1) * sizeof *since);
    if (!since)
        return -1;
    R->state_since = since;
    since[R->n_agent_ids] = 0;
    if (!(a[R->n_agent_ids] = strdup(id)) || sb_strmap_put(&R->agent_ix, id, R->n_agent_ids))
        return -1;
    return (int)R->n_agent_ids++;
}

static void build_params(const sb_config_t *cfg, sb_rparams_t *p)
{
    memset(p, 0, sizeof *p);
    p->decline_cooldown_ms = cfg->routing.decline_cooldown_s * 1000u;
    p->max_missed_offers = cfg->routing.max_missed_offers;
    p->disconnect_grace_ms = cfg->routing.disconnect_grace_s * 1000u;
    p->priority_step_ms = cfg->routing.priority_step_s * 1000u;
    p->position_every_ms = cfg->routing.position_every_ms;
    for (size_t i = 0; i < cfg->n_away_reasons; i++)
        if (strcmp(cfg->away_reasons[i], cfg->routing.missed_offers_reason) == 0)
            p->missed_offers_reason = (uint16_t)i;
}

static int skill_index(const sb_config_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_skills; i++)
        if (strcmp(cfg->skills[i].id, id) == 0)
            return (int)i;
    return -1;
}

static void fill_step(const sb_config_t *cfg, sb_rstep_t *st, const sb_cfg_skill_req_t *reqs,
                      size_t n, uint32_t after_ms)
{
    st->after_ms = after_ms;
    st->n_reqs = 0;
    for (size_t i = 0; i < n && st->n_reqs < SB_ROUTE_MAX_REQS; i++) {
        int sk = skill_index(cfg, reqs[i].skill);
        if (sk < 0)
            continue;
        st->reqs[st->n_reqs].skill = (uint16_t)sk;
        st->reqs[st->n_reqs].min = reqs[i].min;
        st->n_reqs++;
    }
}

static uint64_t lang_mask(const sb_config_t *cfg, char *const *langs, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < cfg->n_languages && k < 64; k++)
            if (strcmp(cfg->languages[k], langs[i]) == 0)
                m |= 1ull << k;
    return m;
}

/* Builds the engine's definitions from the configuration; indexes stay stable across reloads. */
static int setup_engine(sb_router_t *R, uint64_t now)
{
    const sb_config_t *cfg = R->app->cfg;
    for (size_t i = 0; i < cfg->n_queues; i++)
        if (index_queue(R, cfg->queues[i].id) < 0)
            return SB_E_NOMEM;
    for (size_t i = 0; i < cfg->n_staff; i++)
        if (index_agent(R, cfg->staff[i].username) < 0)
            return SB_E_NOMEM;
    sb_rqueue_def_t *qd = calloc(R->n_queue_ids ? R->n_queue_ids : 1, sizeof *qd);
    sb_ragent_def_t *ad = calloc(R->n_agent_ids ? R->n_agent_ids : 1, sizeof *ad);
    uint32_t **served = calloc(R->n_agent_ids ? R->n_agent_ids : 1, sizeof *served);
    int rc = (!qd || !ad || !served) ? SB_E_NOMEM : 0;
    for (uint32_t q = 0; !rc && q < R->n_queue_ids; q++) {
        const sb_cfg_queue_t *cq = sb_config_find_queue(cfg, R->queue_ids[q]);
        sb_rqueue_def_t *d = &qd[q];
        snprintf(d->id, sizeof d->id, "%s", R->queue_ids[q]);
        if (!cq) {
            d->removed = true;
            d->n_steps = 1;
            d->always_open = true;
            continue;
        }
        for (int ch = 0; ch < SB_CHAN__COUNT; ch++)
            if (cq->channels[ch])
                d->channels |= (uint8_t)(1u << ch);
        d->langs = lang_mask(cfg, cq->languages, cq->n_languages);
        d->priority = cq->priority;
        d->strategy = cq->strategy;
        d->offer_timeout_ms = cq->offer_timeout_s * 1000u;
        d->wrapup_limit_ms = cq->wrapup_limit_s * 1000u;
        d->max_wait_ms = cq->max_wait_s * 1000u;
        d->overflow = cq->overflow;
        d->overflow_queue = cq->overflow_queue ? rtr_queue_of(R, cq->overflow_queue) : 0;
        d->by_due = cq->channels[SB_CHAN_TASK];
        fill_step(cfg, &d->steps[0], cq->skills, cq->n_skills, 0);
        d->n_steps = 1;
        for (size_t k = 0; k < cq->n_relax && d->n_steps < SB_ROUTE_MAX_STEPS; k++)
            fill_step(cfg, &d->steps[d->n_steps++], cq->relax[k].skills, cq->relax[k].n_skills,
                      cq->relax[k].after_s * 1000u);
        rc = rtr_hours(R, q, cq, d, now);
    }
    for (uint32_t a = 0; !rc && a < R->n_agent_ids; a++) {
        const sb_cfg_staff_t *st = rtr_staff_cfg(R, a);
        sb_ragent_def_t *d = &ad[a];
        snprintf(d->id, sizeof d->id, "%s", R->agent_ids[a]);
        if (!st) {
            d->removed = true;
            continue;
        }
        for (size_t k = 0; k < st->n_skills && d->levels_n < 32; k++) {
            int sk = skill_index(cfg, st->skills[k].skill);
            if (sk < 0)
                continue;
            d->levels[d->levels_n].skill = (uint16_t)sk;
            d->levels[d->levels_n].level = st->skills[k].level;
            d->levels_n++;
        }
        d->langs = lang_mask(cfg, st->languages, st->n_languages);
        served[a] = calloc(st->n_queues ? st->n_queues : 1, sizeof **served);
        if (!served[a]) {
            rc = SB_E_NOMEM;
            break;
        }
        for (size_t k = 0; k < st->n_queues; k++) {
            uint32_t q = rtr_queue_of(R, st->queues[k]);
            if (q != SB_ROUTE_NONE)
                served[a][d->n_queues++] = q;
        }
        d->queues = served[a];
        d->capacity[SB_CLASS_CHAT] = st->capacity[SB_CHAN_CHAT];
        d->capacity[SB_CLASS_CALL] = st->capacity[SB_CHAN_VOICE];
        d->capacity[SB_CLASS_TASK] = st->capacity[SB_CHAN_TASK];
        if (st->auto_accept[SB_CHAN_CHAT])
            d->auto_accept |= 1u << SB_CLASS_CHAT;
        if (st->auto_accept[SB_CHAN_VOICE] || st->auto_accept[SB_CHAN_VIDEO])
            d->auto_accept |= 1u << SB_CLASS_CALL;
        if (st->auto_accept[SB_CHAN_TASK])
            d->auto_accept |= 1u << SB_CLASS_TASK;
    }
    sb_rparams_t p;
    build_params(cfg, &p);
    if (!rc && !R->eng && !(R->eng = sb_route_create(&p)))
        rc = SB_E_NOMEM;
    if (!rc)
        rc = sb_route_setup(R->eng, qd, R->n_queue_ids, ad, R->n_agent_ids, &p, now);
    for (uint32_t a = 0; served && a < R->n_agent_ids; a++)
        free(served[a]);
    free(served);
    free(ad);
    rtr_hours_free(qd, R->n_queue_ids);
    free(qd);
    return rc;
}

/* Agents see how many contacts wait in their queues. The count changes with every arrival and
 * answer, so it is pushed at most once a second, to the agents serving a queue whose count
 * changed. */
static void push_waiting(sb_router_t *R)
{
    bool *changed = calloc(R->n_queue_ids ? R->n_queue_ids : 1, sizeof *changed);
    if (!changed)
        return;
    bool any = false;
    for (uint32_t q = 0; q < R->n_queue_ids; q++) {
        uint32_t n = sb_route_waiting_in_queue(R->eng, q);
        if (n != R->last_waiting[q]) {
            R->last_waiting[q] = n;
            changed[q] = any = true;
        }
    }
    for (uint32_t ai = 0; any && ai < R->n_agent_ids; ai++) {
        const sb_cfg_staff_t *st = R->agent_conn[ai] ? rtr_staff_cfg(R, ai) : NULL;
        for (size_t k = 0; st && k < st->n_queues; k++) {
            uint32_t q = rtr_queue_of(R, st->queues[k]);
            if (q != SB_ROUTE_NONE && changed[q]) {
                rtr_send_work(R, ai);
                break;
            }
        }
    }
    free(changed);
    R->waiting_pushed_ms = sb_clock_now_ms();
}

static void waiting_timer_cb(sb_timer_t *t)
{
    sb_router_t *R = (sb_router_t *)((char *)t - offsetof(sb_router_t, waiting_timer));
    if (R->eng)
        push_waiting(R);
}

void rtr_waiting_check(sb_router_t *R)
{
    if (sb_timer_armed(&R->waiting_timer))
        return;
    for (uint32_t q = 0; q < R->n_queue_ids; q++)
        if (sb_route_waiting_in_queue(R->eng, q) != R->last_waiting[q]) {
            uint64_t at = R->waiting_pushed_ms + 1000;
            sb_timer_arm(&R->app->timers, &R->waiting_timer, at);
            return;
        }
}

static void hours_timer_cb(sb_timer_t *t)
{
    sb_router_t *R = (sb_router_t *)((char *)t - offsetof(sb_router_t, hours_timer));
    /* hours are turned into UTC intervals for the days around now: move the window on */
    uint64_t now = sb_clock_now_ms();
    if (setup_engine(R, now) != 0)
        SB_ERROR("route", "cannot refresh opening hours");
    sb_timer_arm(&R->app->timers, &R->hours_timer, now + 6 * 3600 * 1000ull);
    rtr_pump(R);
}

void sb_router_set_conv_port(sb_app_t *app, const sb_router_conv_port_t *port)
{
    sb_router_t *R = rtr(app);
    if (R)
        R->conv = port;
}

int sb_router_start(sb_app_t *app)
{
    sb_router_t *R = calloc(1, sizeof *R);
    if (!R)
        return SB_E_NOMEM;
    R->app = app;
    app->router = R;
    sb_strmap_init(&R->queue_ix);
    sb_strmap_init(&R->agent_ix);
    sb_strmap_init(&R->cside_ix);
    sb_strmap_init(&R->by_customer);
    sb_strmap_init(&R->load.seen);
    sb_timer_init(&R->timer, engine_timer_cb, R);
    sb_timer_init(&R->hours_timer, hours_timer_cb, R);
    sb_timer_init(&R->retry_timer, rtr_retry_cb, R);
    sb_timer_init(&R->waiting_timer, waiting_timer_cb, R);
    uint64_t now = sb_clock_now_ms();
    int rc = setup_engine(R, now);
    if (rc)
        return rc;
    sb_timer_arm(&app->timers, &R->hours_timer, now + 6 * 3600 * 1000ull);
    return 0;
}

void sb_router_config_changed(sb_app_t *app)
{
    sb_router_t *R = rtr(app);
    if (!R)
        return;
    if (setup_engine(R, sb_clock_now_ms()) != 0)
        SB_ERROR("route", "cannot apply the new configuration to routing");
    rtr_pump(R);
}

void sb_router_stop(sb_app_t *app)
{
    sb_router_t *R = rtr(app);
    if (!R)
        return;
    sb_timer_disarm(&app->timers, &R->timer);
    sb_timer_disarm(&app->timers, &R->hours_timer);
    sb_timer_disarm(&app->timers, &R->retry_timer);
    sb_timer_disarm(&app->timers, &R->waiting_timer);
    for (uint32_t i = 0; i < R->n_cs; i++)
        if (R->csides[i])
            sb_timer_disarm(&app->timers, &R->csides[i]->abandon);
}

void sb_router_destroy(sb_app_t *app)
{
    sb_router_t *R = rtr(app);
    if (!R)
        return;
    sb_route_destroy(R->eng);
    for (uint32_t i = 0; i < R->n_cs; i++)
        free(R->csides[i]);
    free(R->csides);
    free(R->free_cs);
    for (uint32_t i = 0; i < R->n_queue_ids; i++)
        free(R->queue_ids[i]);
    free(R->queue_ids);
    for (uint32_t i = 0; i < R->n_agent_ids; i++)
        free(R->agent_ids[i]);
    free(R->agent_ids);
    free(R->agent_conn);
    free(R->state_since);
    free(R->last_waiting);
    sb_strmap_dispose(&R->queue_ix);
    sb_strmap_dispose(&R->agent_ix);
    sb_strmap_dispose(&R->cside_ix);
    sb_strmap_dispose(&R->by_customer);
    rtr_load_dispose(R);
    free(R->doubt_contacts);
    free(R->doubt_agents);
    free(R);
    app->router = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * For the chat module
 * ---------------------------------------------------------------------------------------------- */

const char *sb_router_queue_id(sb_app_t *app, uint32_t q)
{
    sb_router_t *R = rtr(app);
    return R && q < R->n_queue_ids ? R->queue_ids[q] : "";
}

sb_conn_t *sb_router_agent_conn(sb_app_t *app, uint32_t agent)
{
    sb_router_t *R = rtr(app);
    return R ? rtr_agent_conn(R, agent) : NULL;
}

uint32_t sb_router_agent_index(sb_app_t *app, const char *username)
{
    sb_router_t *R = rtr(app);
    return R ? rtr_agent_of(R, username) : SB_ROUTE_NONE;
}

const char *sb_router_agent_name(sb_app_t *app, uint32_t agent)
{
    sb_router_t *R = rtr(app);
    const sb_cfg_staff_t *st = R ? rtr_staff_cfg(R, agent) : NULL;
    return st ? st->display_name : "";
}

bool sb_router_contact_state(sb_app_t *app, const char *contact_id, sb_cstate_t *state,
                             uint32_t *agent)
{
    sb_router_t *R = rtr(app);
    if (!R || !contact_id[0])
        return false;
    uint32_t ci = sb_route_contact_find(R->eng, contact_id);
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v))
        return false;
    if (state)
        *state = v.state;
    if (agent)
        *agent = v.agent;
    return true;
}

int sb_router_end_contact(sb_app_t *app, const char *contact_id, bool customer)
{
    sb_router_t *R = rtr(app);
    if (!R)
        return SB_ROUTE_NOT_FOUND;
    uint32_t ci = sb_route_contact_find(R->eng, contact_id);
    sb_rcontact_view_t v;
    if (ci == SB_ROUTE_NONE || !sb_route_contact_view(R->eng, ci, &v))
        return SB_ROUTE_NOT_FOUND;
    cside_t *cs = rtr_cside(R, contact_id);
    if (cs)
        cs->customer_ended = customer;
    int r = sb_route_contact_end(R->eng, v.agent, ci, sb_clock_now_ms());
    rtr_pump(R);
    return r;
}
