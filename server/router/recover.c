/* Reading routing state back from Redis: everything at start-up (and when Redis comes back), and
 * single contacts and agents whose last commit was refused or whose outcome is unknown. Contacts
 * are read in batches, each batch pipelined, so the in-flight cap is never hit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router_internal.h"
#include "metrics/metrics.h"
#include "store/route_store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define LOAD_BATCH 1000
/* The next batch is issued when at most this many reads are outstanding, so that Redis answers
 * one batch while the server digests the previous one (waiting for each batch to finish left
 * one of them idle at a time: 100,000 contacts took 2.2 s instead of 1.5). */
#define LOAD_REFILL 1000

/* Store callbacks outlive nothing they do not check: a job keeps the app (which outlives every
 * callback) and the router it was for, and uses the router only if it is still the app's. */
typedef struct {
    sb_app_t *app;
    sb_router_t *R;
    uint64_t generation;
    char id[SB_ROUTE_ID_LEN + 1];
    uint32_t agent;
    bool doubt; /* a single reload, not part of the full load */
} load_job_t;

static void load_next(sb_router_t *R);
static void load_finish(sb_router_t *R);

/* ------------------------------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------------------------- */

static int channel_of(const char *s)
{
    for (int c = 0; s && c < SB_CHAN__COUNT; c++)
        if (strcmp(sb_channel_name((sb_channel_t)c), s) == 0)
            return c;
    return -1;
}

/* Turns a contact read from Redis into the engine's form and the shell's side data. */
static int parse_contact(sb_router_t *R, const sb_rs_contact_t *r, sb_rcontact_t *out,
                         cside_t *side)
{
    memset(out, 0, sizeof *out);
    const char *id = r->id;
    const char *q = r->queue;
    const char *st = r->state;
    int ch = channel_of(r->channel);
    if (!id || !q || !st || ch < 0)
        return SB_E_INVAL;
    snprintf(out->id, sizeof out->id, "%s", id);
    const char *prev = r->prev;
    snprintf(out->prev_id, sizeof out->prev_id, "%s", prev ? prev : "");
    out->queue = rtr_queue_of(R, q);
    if (out->queue == SB_ROUTE_NONE)
        return SB_E_NOTFOUND;
    out->channel = (sb_channel_t)ch;
    const char *lang = r->lang;
    int li = lang ? rtr_lang_of(R, lang) : 0;
    out->lang = (uint16_t)(li < 0 ? 0 : li);
    out->priority = r->priority;
    out->enqueued_ms = r->enqueued_ms;
    out->due_ms = r->due_ms;
    int s = sb_cstate_parse(st);
    out->state = s < 0 ? SB_CSTATE_CANCELED : (sb_cstate_t)s;
    out->version = r->version;
    const char *agent = r->agent;
    out->agent = agent && agent[0] ? rtr_agent_of(R, agent) : SB_ROUTE_NONE;
    out->offer_id = r->offer_id;
    out->offer_deadline_ms = r->offer_deadline_ms;
    out->assigned_ms = r->assigned_ms;
    out->wrap_started_ms = r->wrap_started_ms;
    out->segment_ms = r->segment_ms;
    out->arrival = r->arrival;
    out->direct = r->direct;
    memset(side, 0, sizeof *side);
    const char *cust = r->customer, *tok = r->rtok, *topic = r->topic, *conv = r->conv;
    snprintf(side->conv_id, sizeof side->conv_id, "%s", conv ? conv : "");
    side->direct = out->direct;
    side->transferred = out->direct; /* until accepted, the customer does not follow it */
    if (out->direct)
        snprintf(side->transfer_from, sizeof side->transfer_from, "%s", prev ? prev : "");
    snprintf(side->customer_id, sizeof side->customer_id, "%s", cust ? cust : "");
    snprintf(side->token_hash, sizeof side->token_hash, "%s", tok ? tok : "");
    snprintf(side->topic, sizeof side->topic, "%s", topic ? topic : "");
    return 0;
}

typedef struct {
    sb_app_t *app;
    sb_router_t *R;
    uint64_t generation;
} conv_job_t;

static void job_done(sb_router_t *R);

static void conv_loaded(void *arg)
{
    conv_job_t *j = arg;
    if (j->app->router == j->R && j->R->load_generation == j->generation)
        job_done(j->R);
    free(j);
}

/* The conversation of a chat contact comes back into memory with it; a full load waits for it
 * (`counted`), so that agents and customers who reconnect find their chats. */
static void load_conv(sb_router_t *R, const cside_t *cs, bool counted)
{
    conv_job_t *j = counted ? calloc(1, sizeof *j) : NULL;
    if (j) {
        j->app = R->app;
        j->R = R;
        j->generation = R->load_generation;
        R->load_pending++;
        R->conv->load(R->app, cs->conv_id, cs->contact_id, conv_loaded, j);
    } else {
        R->conv->load(R->app, cs->conv_id, cs->contact_id, free, NULL);
    }
}

/* Applies a contact read from Redis; `r` NULL or not existing means it no longer exists.
 * `counted`: part of the full load. */
static void apply_contact(sb_router_t *R, const char *id, const sb_rs_contact_t *r, uint64_t now,
                          bool counted)
{
    sb_rcontact_t c;
    cside_t side;
    bool exists = r && r->exists;
    if (!exists || parse_contact(R, r, &c, &side) != 0) {
        if (exists)
            SB_WARN("route", "contact in Redis cannot be routed (unknown queue or malformed)",
                    SB_F_STR("contact", id));
        memset(&c, 0, sizeof c);
        snprintf(c.id, sizeof c.id, "%s", id);
        c.state = SB_CSTATE_CANCELED; /* forget it */
        sb_route_reload_contact(R->eng, &c, now);
        rtr_cside_del(R, rtr_cside(R, id));
        return;
    }
    bool final = c.state == SB_CSTATE_COMPLETED || c.state == SB_CSTATE_CANCELED;
    if (sb_route_reload_contact(R->eng, &c, now) == SB_E_BUSY)
        return; /* a commit is in flight: it settles the contact */
    cside_t *cs = final ? rtr_cside(R, id) : rtr_cside_add(R, id);
    rtr_stats_reloaded(R, cs, &c);
    if (final) {
        rtr_cside_del(R, cs);
        return;
    }
    if (!cs)
        return;
    if (!cs->customer_id[0]) {
        memcpy(cs->customer_id, side.customer_id, sizeof cs->customer_id);
        memcpy(cs->token_hash, side.token_hash, sizeof cs->token_hash);
        memcpy(cs->topic, side.topic, sizeof cs->topic);
        memcpy(cs->conv_id, side.conv_id, sizeof cs->conv_id);
        memcpy(cs->transfer_from, side.transfer_from, sizeof cs->transfer_from);
        cs->direct = side.direct;
        cs->transferred = side.transferred;
    }
    if (cs->conv_id[0])
        load_conv(R, cs, counted);
    /* the customer's open contact: not a pending direct transfer, not one in wrap-up */
    if (cs->customer_id[0] && !cs->transferred && c.state != SB_CSTATE_WRAPPING)
        sb_strmap_put(&R->by_customer, cs->customer_id, cs->ix);
    /* a waiting customer who is not connected keeps the place for the resume window, and is not
     * offered until back; an offer made before the restart stands (they were there then) */
    if (!cs->conn && (c.state == SB_CSTATE_QUEUED || c.state == SB_CSTATE_OFFERED)) {
        if (!sb_timer_armed(&cs->abandon))
            sb_timer_arm(&R->app->timers, &cs->abandon,
                         now + (uint64_t)R->app->cfg->auth.resume_ttl_s * 1000u);
        uint32_t ci = sb_route_contact_find(R->eng, id);
        if (ci != SB_ROUTE_NONE)
            sb_route_customer_presence(R->eng, ci,
                                       cs->left_ms ? SB_PRESENCE_LEFT : SB_PRESENCE_NOT_BACK, now);
    }
}

static void apply_agent(sb_router_t *R, uint32_t ai, const sb_rs_agent_t *r, uint64_t now)
{
    const sb_config_t *cfg = R->app->cfg;
    sb_agent_status_t st = SB_AGENT_OFFLINE;
    uint16_t reason = 0;
    const char *s = r->status;
    if (s && strcmp(s, "available") == 0)
        st = SB_AGENT_AVAILABLE;
    else if (s && strcmp(s, "away") == 0)
        st = SB_AGENT_AWAY;
    const char *rs = r->reason;
    for (size_t i = 0; rs && i < cfg->n_away_reasons; i++)
        if (strcmp(cfg->away_reasons[i], rs) == 0)
            reason = (uint16_t)i;
    uint64_t since = r->since_ms;
    if (since && ai < R->n_agent_ids)
        R->state_since[ai] = since;
    sb_route_reload_agent(R->eng, ai, st, reason, r->last_finished_ms, now);
}

/* ------------------------------------------------------------------------------------------------
 * The full load
 * ---------------------------------------------------------------------------------------------- */

static void job_done(sb_router_t *R)
{
    R->load_pending--;
    if (R->load.issuing)
        return;
    if (R->load.next < R->load.n) {
        if (R->load_pending <= LOAD_REFILL)
            load_next(R);
    } else if (R->load_pending == 0) {
        load_finish(R);
    }
}

static void contact_loaded_cb(int st, const sb_rs_contact_t *r, void *priv)
{
    load_job_t *j = priv;
    sb_router_t *R = j->app->router == j->R ? j->R : NULL;
    if (R && R->eng && R->load_generation == j->generation && st == 0) {
        sb_strmap_put(&R->load.seen, j->id, 1);
        apply_contact(R, j->id, r, sb_clock_now_ms(), true);
    }
    if (R && R->load_generation == j->generation)
        job_done(R);
    free(j);
}

static void agent_loaded_cb(int st, const sb_rs_agent_t *r, void *priv)
{
    load_job_t *j = priv;
    sb_router_t *R = j->app->router == j->R ? j->R : NULL;
    if (R && R->eng && R->load_generation == j->generation && st == 0)
        apply_agent(R, j->agent, r, sb_clock_now_ms());
    if (R && R->load_generation == j->generation)
        job_done(R);
    free(j);
}

static void load_next(sb_router_t *R)
{
    uint32_t end = R->load.next + LOAD_BATCH < R->load.n ? R->load.next + LOAD_BATCH : R->load.n;
    R->load_pending++; /* held while issuing */
    R->load.issuing = true;
    for (; R->load.next < end; R->load.next++) {
        load_job_t *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->app = R->app;
        j->R = R;
        j->generation = R->load_generation;
        snprintf(j->id, sizeof j->id, "%s", R->load.ids[R->load.next]);
        if (sb_rs_read_contact(R->app->store, R->app->key_prefix, j->id, contact_loaded_cb, j) !=
            0) {
            free(j);
            break;
        }
        R->load_pending++;
    }
    R->load.issuing = false;
    if (R->load.next < end) {
        /* Redis went away or is saturated: the next store-ready starts over */
        SB_WARN("route", "loading routing state interrupted; will retry");
        R->load_generation++;
        R->loading = false;
        return;
    }
    job_done(R);
}

static void free_ids(sb_router_t *R)
{
    for (uint32_t i = 0; i < R->load.n; i++)
        free(R->load.ids[i]);
    free(R->load.ids);
    R->load.ids = NULL;
    R->load.n = R->load.next = 0;
}

void rtr_load_dispose(sb_router_t *R)
{
    free_ids(R);
    sb_strmap_dispose(&R->load.seen);
}

static void load_agents(sb_router_t *R)
{
    R->load_pending = 1;
    for (uint32_t a = 0; a < R->n_agent_ids; a++) {
        load_job_t *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->app = R->app;
        j->R = R;
        j->generation = R->load_generation;
        j->agent = a;
        if (sb_rs_read_agent(R->app->store, R->app->key_prefix, R->agent_ids[a], agent_loaded_cb,
                             j) != 0) {
            free(j);
            break;
        }
        R->load_pending++;
    }
}

static void load_finish(sb_router_t *R)
{
    uint64_t now = sb_clock_now_ms();
    if (!R->load.ids) {
        /* contacts done and agents done */
        sb_route_reload_done(R->eng, now);
        rtr_stats_agents_loaded(R, now);
        R->loading = false;
        R->app->state_loaded = true;
        sb_metrics.ready = 1;
        SB_INFO("route", "routing state loaded", SB_F_UINT("contacts", R->load.seen.n),
                SB_F_UINT("agents", R->n_agent_ids));
        sb_strmap_dispose(&R->load.seen);
        rtr_pump(R);
        return;
    }
    /* every contact read: forget those the engine knew but Redis no longer has */
    uint32_t cur = 0, ci;
    char gone[SB_ROUTE_ID_LEN + 1];
    while (sb_route_contact_iter(R->eng, &cur, &ci)) {
        sb_rcontact_view_t v;
        if (!sb_route_contact_view(R->eng, ci, &v) || v.committing ||
            sb_strmap_get(&R->load.seen, v.id, NULL))
            continue;
        snprintf(gone, sizeof gone, "%s", v.id);
        apply_contact(R, gone, NULL, now, false);
    }
    free_ids(R);
    load_agents(R);
    job_done(R);
}

static void live_cb(int st, char **ids, size_t n, void *priv)
{
    sb_router_t *R = rtr(priv); /* `priv` is the app: the router may be gone */
    if (!R || !R->eng || st != 0) {
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        free(ids);
        if (R)
            R->loading = false;
        return;
    }
    free_ids(R);
    /* an empty list: the marker that the contacts were read (load_finish) */
    R->load.ids = ids ? ids : calloc(1, sizeof *R->load.ids);
    if (!R->load.ids) {
        R->loading = false;
        return;
    }
    R->load.n = (uint32_t)n;
    SB_INFO("route", "loading routing state", SB_F_UINT("live_contacts", R->load.n));
    if (R->load.n)
        load_next(R);
    else
        load_finish(R);
}

void sb_router_store_ready(sb_app_t *app)
{
    sb_router_t *R = rtr(app);
    if (!R || R->loading)
        return;
    R->loading = true;
    R->load_generation++;
    R->load_pending = 0; /* what an interrupted load left outstanding no longer counts */
    R->load.issuing = false;
    app->state_loaded = false;
    sb_strmap_dispose(&R->load.seen);
    sb_strmap_init(&R->load.seen);
    if (sb_rs_live(app->store, app->key_prefix, live_cb, app) != 0)
        R->loading = false;
}

/* ------------------------------------------------------------------------------------------------
 * Objects in doubt: read back one by one
 * ---------------------------------------------------------------------------------------------- */

void rtr_doubt(sb_router_t *R, const char *contact_id, uint32_t agent)
{
    if (contact_id && contact_id[0]) {
        char **a = realloc(R->doubt_contacts, (R->n_doubt_c + 1) * sizeof *a);
        if (a) {
            R->doubt_contacts = a;
            if ((a[R->n_doubt_c] = strdup(contact_id)))
                R->n_doubt_c++;
        }
    }
    if (agent != SB_ROUTE_NONE) {
        uint32_t *a = realloc(R->doubt_agents, (R->n_doubt_a + 1) * sizeof *a);
        if (a) {
            R->doubt_agents = a;
            a[R->n_doubt_a++] = agent;
        }
    }
    if (!sb_timer_armed(&R->retry_timer))
        sb_timer_arm(&R->app->timers, &R->retry_timer, sb_clock_now_ms());
}

static void doubt_contact_cb(int st, const sb_rs_contact_t *r, void *priv)
{
    load_job_t *j = priv;
    if (j->app->router == j->R && j->R->eng) {
        if (st == 0)
            apply_contact(j->R, j->id, r, sb_clock_now_ms(), false);
        else
            rtr_doubt(j->R, j->id, SB_ROUTE_NONE);
        rtr_pump(j->R);
    }
    free(j);
}

static void doubt_agent_cb(int st, const sb_rs_agent_t *r, void *priv)
{
    load_job_t *j = priv;
    if (j->app->router == j->R && j->R->eng) {
        if (st == 0)
            apply_agent(j->R, j->agent, r, sb_clock_now_ms());
        else
            rtr_doubt(j->R, NULL, j->agent);
        rtr_pump(j->R);
    }
    free(j);
}

void rtr_retry_cb(sb_timer_t *t)
{
    sb_router_t *R = (sb_router_t *)((char *)t - offsetof(sb_router_t, retry_timer));
    sb_app_t *app = R->app;
    if (!sb_store_ready(app->store) || sb_store_paused(app->store)) {
        sb_timer_arm(&app->timers, &R->retry_timer, sb_clock_now_ms() + 1000);
        return;
    }
    uint32_t nc = R->n_doubt_c, na = R->n_doubt_a;
    char **ids = R->doubt_contacts;
    uint32_t *agents = R->doubt_agents;
    R->doubt_contacts = NULL;
    R->doubt_agents = NULL;
    R->n_doubt_c = R->n_doubt_a = 0;
    for (uint32_t i = 0; i < nc; i++) {
        load_job_t *j = calloc(1, sizeof *j);
        if (j) {
            j->app = R->app;
            j->R = R;
            snprintf(j->id, sizeof j->id, "%s", ids[i]);
            if (sb_rs_read_contact(app->store, app->key_prefix, j->id, doubt_contact_cb, j) != 0) {
                free(j);
                rtr_doubt(R, ids[i], SB_ROUTE_NONE);
            }
        }
        free(ids[i]);
    }
    for (uint32_t i = 0; i < na; i++) {
        load_job_t *j = calloc(1, sizeof *j);
        if (!j)
            continue;
        j->app = R->app;
        j->R = R;
        j->agent = agents[i];
        if (sb_rs_read_agent(app->store, app->key_prefix, R->agent_ids[agents[i]], doubt_agent_cb,
                             j) != 0) {
            free(j);
            rtr_doubt(R, NULL, agents[i]);
        }
    }
    free(ids);
    free(agents);
}
