/* offer: A agents available, accepting every offer, then ending and wrapping up each contact at
 * once to free the slot; customers arrive open loop at --rate contacts per second. An arrival
 * takes a connected customer from a pool (--pool, refilled as customers leave: each contact is a
 * new connection, as each new customer would be) and sends contact.request; the latency is the
 * agent's receive time of the offer minus the arrival's scheduled time. The offer can arrive
 * before the customer's reply names the contact, so both sides meet in a map keyed by
 * contact_id. An arrival that finds the pool empty waits for the next free customer and keeps
 * its scheduled time. */
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "modes.h"
#include "strmap.h"
#include "util.h"

enum { TAG_REQUEST = 1, TAG_OFFER = 2 };

static struct {
    bool started, arriving, reported;
    uint64_t t_base, t_start, t_w0, t_w1, t_end;
    double interval_ns;
    uint64_t k, k_total;
    lg_customer_t **pool;
    uint32_t npool, pool_ready;
    uint64_t *pend;
    uint32_t phead, pn, pcap;
    lg_strmap_t map;
    lg_hist_t lat, lag;
    uint64_t requested, requested_w, replied, offered, offered_w, completed;
    uint64_t pool_waits, reconnects, refused, closes;
    bool customers_leave; /* the server has no contact.end (the relay peer) */
    uint64_t left;        /* contacts ended by the customer leaving */
    lg_usage_t u0, u1;
    bool have_u0, have_u1;
} F;

static bool in_window(uint64_t t)
{
    return t >= F.t_w0 && t < F.t_w1;
}

static void report(void);

/* ------------------------------------------------------------------------------------------------
 * Arrivals
 * ---------------------------------------------------------------------------------------------- */

static void send_request(lg_customer_t *u, uint64_t sched, uint64_t now)
{
    u->req_sched = sched;
    u->in_pool = false;
    lg_customer_request_contact(u);
    F.requested++;
    if (in_window(sched)) {
        F.requested_w++;
        lg_hist_record(&F.lag, now > sched ? now - sched : 0);
    }
}

static void pend_push(uint64_t sched)
{
    if (F.pn == F.pcap) {
        uint32_t cap = F.pcap ? F.pcap * 2 : 256;
        uint64_t *p = lg_xmalloc(cap * sizeof *p);
        for (uint32_t i = 0; i < F.pn; i++)
            p[i] = F.pend[(F.phead + i) % F.pcap];
        free(F.pend);
        F.pend = p;
        F.phead = 0;
        F.pcap = cap;
    }
    F.pend[(F.phead + F.pn) % F.pcap] = sched;
    F.pn++;
}

static uint64_t pend_pop(void)
{
    uint64_t s = F.pend[F.phead];
    F.phead = (F.phead + 1) % F.pcap;
    F.pn--;
    return s;
}

static void arrivals_done(void);

static void due_cb(uint64_t now)
{
    if (!F.arriving)
        return;
    while (F.k < F.k_total) {
        uint64_t s = F.t_start + (uint64_t)((double)F.k * F.interval_ns);
        if (s > now) {
            lg_sched_at(s);
            break;
        }
        if (F.npool)
            send_request(F.pool[--F.npool], s, now);
        else {
            F.pool_waits++;
            pend_push(s);
        }
        F.k++;
    }
    lg_net_flush();
    if (F.k >= F.k_total)
        arrivals_done();
}

/* A customer is connected and has no contact: serve a waiting arrival, or join the pool. */
static void customer_free(lg_customer_t *u, uint64_t now)
{
    if (F.arriving && F.pn) {
        send_request(u, pend_pop(), now);
        return;
    }
    u->in_pool = true;
    F.pool[F.npool++] = u;
}

/* ------------------------------------------------------------------------------------------------
 * Correlation of offers and replies
 * ---------------------------------------------------------------------------------------------- */

static void record(uint64_t sched, uint64_t offer_t)
{
    if (in_window(sched)) {
        F.offered_w++;
        lg_hist_record(&F.lat, offer_t > sched ? offer_t - sched : 0);
    }
}

static void offer_contact(lg_customer_t *u, uint64_t now)
{
    (void)now;
    F.replied++;
    uint32_t n = (uint32_t)strlen(u->contact);
    lg_strmap_entry_t *e = lg_strmap_get(&F.map, u->contact, n);
    if (e && e->tag == TAG_OFFER) {
        record(u->req_sched, e->t);
        lg_strmap_del(&F.map, e);
        return;
    }
    lg_strmap_put(&F.map, u->contact, n, TAG_REQUEST, u->req_sched);
}

static void offer_seen(lg_agent_t *a, const char *contact, uint32_t len, uint64_t now)
{
    (void)a;
    F.offered++;
    lg_strmap_entry_t *e = lg_strmap_get(&F.map, contact, len);
    if (e && e->tag == TAG_REQUEST) {
        record(e->t, now);
        lg_strmap_del(&F.map, e);
        return;
    }
    lg_strmap_put(&F.map, contact, len, TAG_OFFER, now);
}

static void offer_done(lg_agent_t *a, uint64_t now)
{
    (void)a;
    (void)now;
    F.completed++;
}

/* ------------------------------------------------------------------------------------------------
 * Customers coming and going
 * ---------------------------------------------------------------------------------------------- */

static void reconnect_cb(void *arg)
{
    lg_customer_t *u = arg;
    if (F.reported)
        return;
    F.reconnects++;
    u->token[0] = 0;
    lg_customer_connect(u, false);
}

static void start_arrivals(void);

static void offer_hello(lg_customer_t *u, const msgpack_object *b, uint64_t now)
{
    (void)b;
    customer_free(u, now);
    if (!F.started && ++F.pool_ready == W.ncusts)
        start_arrivals();
}

static void offer_ended(lg_customer_t *u, uint64_t now)
{
    (void)now;
    lg_conn_close(&u->conn); /* a new customer takes its place once it is gone */
}

/* The customer leaves (its close ends the contact on a server without contact.end). */
static void customer_leave(lg_customer_t *u)
{
    u->state = LG_C_ENDED;
    F.left++;
    lg_conn_close(&u->conn);
}

static void offer_assigned(lg_customer_t *u, uint64_t now)
{
    (void)now;
    if (F.customers_leave)
        customer_leave(u);
}

static void offer_agent_refused(lg_agent_t *a, uint8_t step, const char *contact, const char *code)
{
    (void)a;
    if (step != LG_W_END || strcmp(code, "UNKNOWN_TYPE"))
        return;
    if (!F.customers_leave)
        lg_log("offer: the server has no contact.end; customers leave to end their contacts");
    F.customers_leave = true;
    for (uint32_t i = 0; i < W.ncusts; i++) {
        lg_customer_t *u = &W.custs[i];
        if (u->state == LG_C_ASSIGNED && !strcmp(u->contact, contact)) {
            customer_leave(u);
            break;
        }
    }
}

static void offer_refused(lg_customer_t *u, const char *code)
{
    (void)code;
    F.refused++;
    if (u->state == LG_C_REQUESTED) {
        u->state = LG_C_IDLE;
        customer_free(u, lg_now_ns());
    } else {
        lg_conn_close(&u->conn);
    }
}

static void offer_closed(lg_customer_t *u, int code, const char *why)
{
    (void)code;
    (void)why;
    bool expected = u->state == LG_C_ENDED;
    if (!expected)
        F.closes++;
    if (u->in_pool) {
        for (uint32_t i = 0; i < F.npool; i++)
            if (F.pool[i] == u) {
                F.pool[i] = F.pool[--F.npool];
                break;
            }
        u->in_pool = false;
    }
    u->state = LG_C_NEW;
    lg_tq_add(lg_now_ns() + (expected ? 0 : 50 * LG_NS_PER_MS), reconnect_cb, u);
}

/* ------------------------------------------------------------------------------------------------
 * Phases
 * ---------------------------------------------------------------------------------------------- */

static void window_start_cb(void *arg)
{
    (void)arg;
    lg_usage_read(&F.u0);
    F.have_u0 = true;
    lg_log("offer: measuring for %.1f s", W.o->duration);
}

static void window_end_cb(void *arg)
{
    (void)arg;
    lg_usage_read(&F.u1);
    F.have_u1 = true;
}

static void drain_cb(void *arg)
{
    (void)arg;
    uint64_t now = lg_now_ns();
    if ((F.offered >= F.requested && F.have_u1) || now >= F.t_end + (uint64_t)(W.o->drain * 1e9)) {
        report();
        return;
    }
    lg_tq_add(now + 10 * LG_NS_PER_MS, drain_cb, NULL);
}

static void arrivals_done(void)
{
    if (!F.arriving)
        return;
    F.arriving = false;
    lg_log("offer: %llu arrivals sent; draining", (unsigned long long)F.requested);
    lg_tq_add(lg_now_ns() + 10 * LG_NS_PER_MS, drain_cb, NULL);
}

static void start_arrivals(void)
{
    if (F.started)
        return;
    F.started = true;
    uint64_t now = lg_now_ns();
    F.t_base = now;
    F.t_start = now + 20 * LG_NS_PER_MS;
    F.t_w0 = F.t_start + (uint64_t)(W.o->warmup * 1e9);
    F.t_w1 = F.t_w0 + (uint64_t)(W.o->duration * 1e9);
    F.t_end = F.t_w1;
    F.interval_ns = 1e9 / W.o->rate;
    F.k_total = (uint64_t)((W.o->warmup + W.o->duration) * W.o->rate);
    F.arriving = true;
    lg_log("offer: %u customers ready; arrivals at %.0f/s, warm-up %.1f s", F.npool, W.o->rate,
           W.o->warmup);
    lg_tq_add(F.t_w0, window_start_cb, NULL);
    lg_tq_add(F.t_w1, window_end_cb, NULL);
    lg_sched_at(F.t_start);
}

static void pool_timeout_cb(void *arg)
{
    (void)arg;
    if (F.started)
        return;
    if (!F.npool) {
        lg_err("offer: no customer could connect");
        report();
        return;
    }
    lg_err("offer: only %u of %u pool customers connected; starting anyway", F.npool, W.ncusts);
    start_arrivals();
}

static void offer_agents_ready(void)
{
    if (!W.agents_ready) {
        lg_err("offer: no agent could log in and become available");
        report();
        return;
    }
    lg_log("offer: %u agents available; connecting %u pool customers", W.agents_ready, W.ncusts);
    for (uint32_t i = 0; i < W.ncusts; i++)
        lg_customer_connect(&W.custs[i], false);
    lg_tq_add(lg_now_ns() + (uint64_t)(W.o->setup_timeout * 1e9), pool_timeout_cb, NULL);
}

static void report(void)
{
    if (F.reported)
        return;
    F.reported = true;
    F.arriving = false;
    lg_opts_t *o = W.o;
    double win = F.have_u0 && F.have_u1 ? (double)(F.u1.t_ns - F.u0.t_ns) / 1e9 : o->duration;
    const lg_usage_t *u0 = F.have_u0 && F.have_u1 ? &F.u0 : NULL;

    lg_json_t j;
    lg_json_begin(&j, o->json ? stdout : NULL);
    lg_json_str(&j, "mode", "offer");
    lg_json_str(&j, "url", o->url);
    lg_json_num(&j, "rate", o->rate);
    lg_json_num(&j, "warmup_s", o->warmup);
    lg_json_num(&j, "window_s", win);
    lg_json_u64(&j, "agents", W.nagents);
    lg_json_u64(&j, "agents_ready", W.agents_ready);
    lg_json_u64(&j, "pool", W.ncusts);
    lg_json_obj(&j, "counts");
    lg_json_u64(&j, "requested", F.requested);
    lg_json_u64(&j, "replied", F.replied);
    lg_json_u64(&j, "offered", F.offered);
    lg_json_u64(&j, "accepted", W.accepts);
    lg_json_u64(&j, "wrapped_up", F.completed);
    lg_json_u64(&j, "ended_by_customer", F.left);
    lg_json_u64(&j, "refused", F.refused);
    lg_json_u64(&j, "errors", lg_errors_total());
    lg_json_u64(&j, "pool_empty_waits", F.pool_waits);
    lg_json_u64(&j, "customer_reconnects", F.reconnects);
    lg_json_u64(&j, "unexpected_closes", F.closes);
    lg_json_u64(&j, "unmatched", F.map.n);
    lg_json_end(&j);
    lg_json_obj(&j, "window");
    lg_json_u64(&j, "requested", F.requested_w);
    lg_json_u64(&j, "offered", F.offered_w);
    lg_json_num(&j, "requested_per_s", (double)F.requested_w / win);
    lg_json_end(&j);
    lg_json_hist_us(&j, "offer_latency_us", &F.lat);
    lg_json_hist_us(&j, "send_lag_us", &F.lag);
    lg_report_usage(&j, u0, &F.u1, F.requested_w, "contact");
    lg_report_common(&j);
    lg_json_finish(&j);

    lg_err("offer against %s", o->url);
    lg_err("  arrivals %.0f/s, %u agents, pool %u; window %.2f s", o->rate, W.agents_ready,
           W.ncusts, win);
    lg_err("  requested %llu  offered %llu  accepted %llu  wrapped up %llu  refused %llu  "
           "errors %llu",
           (unsigned long long)F.requested, (unsigned long long)F.offered,
           (unsigned long long)W.accepts, (unsigned long long)F.completed,
           (unsigned long long)F.refused, (unsigned long long)lg_errors_total());
    if (F.left)
        lg_err("  ended by the customer leaving (no contact.end on this server) %llu",
               (unsigned long long)F.left);
    lg_err("  arrivals that waited for a pool customer %llu, unexpected closes %llu, unmatched %u",
           (unsigned long long)F.pool_waits, (unsigned long long)F.closes, F.map.n);
    lg_print_hist("offer latency", &F.lat);
    lg_print_hist("send lag (generator)", &F.lag);
    lg_print_usage(u0, &F.u1, F.requested_w, "contact");
    lg_strmap_dispose(&F.map);
    free(F.pool);
    free(F.pend);
    lg_done(F.lat.count ? 0 : 1);
}

void lg_offer_interrupt(void)
{
    if (F.arriving) {
        if (!F.have_u1) {
            lg_usage_read(&F.u1);
            F.have_u1 = true;
            F.t_w1 = F.u1.t_ns;
        }
        F.t_end = lg_now_ns();
        arrivals_done();
    } else {
        report();
    }
}

int lg_offer_run(void)
{
    memset(&F, 0, sizeof F);
    lg_hist_init(&F.lat);
    lg_hist_init(&F.lag);
    lg_strmap_init(&F.map, 1024);
    F.pool = lg_xcalloc(W.ncusts, sizeof *F.pool);
    W.end_after_accept = true;
    if (W.o->rate <= 0) {
        lg_err("offer: --rate must be above 0");
        return -1;
    }
    if (lg_sched_init(W.loop, due_cb) < 0)
        return -1;
    lg_log("offer: logging in %u agents", W.nagents);
    lg_fleet_start_agents();
    return 0;
}

const lg_hooks_t lg_offer_hooks = {
    .agents_ready = offer_agents_ready,
    .customer_hello = offer_hello,
    .customer_contact = offer_contact,
    .customer_ended = offer_ended,
    .customer_refused = offer_refused,
    .customer_closed = offer_closed,
    .agent_offer = offer_seen,
    .agent_done = offer_done,
    .customer_assigned = offer_assigned,
    .agent_refused = offer_agent_refused,
};
