/* relay: C customers each in an answered chat with one of A agents send chat messages; latency is
 * the agent's receive time (chat.event) minus the message's scheduled send time, and the ack
 * latency the customer's `ok` minus the same. Open loop (--rate R): message k is scheduled at
 * t0 + k/R and goes to customer k mod C, sent on time whatever happened to earlier ones, so a
 * stalled server shows as latency instead of a slower sender (no coordinated omission).
 * Saturation (--rate 0 or --saturate): every customer keeps --inflight messages outstanding and
 * sends the next on each reply; throughput is what was acknowledged and delivered per second of
 * the window.
 *
 * Each message names its customer, its number k and its send time twice: in client_msg_id
 * ("L<customer>.<k>.<hex ns>", echoed in chat.event) and in the text (the same numbers in
 * letters-only hex, so that no run of digits is ever masked as a Social Security number). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "modes.h"
#include "report.h"
#include "setup.h"
#include "util.h"

static struct {
    bool running, sending, saturate;
    uint64_t t_base, t_start, t_w0, t_w1, t_end, t_stop;
    double interval_ns;
    uint64_t k, k_total;
    lg_customer_t **ready;
    uint32_t nready;
    lg_usage_t u0, u1;
    bool have_u0, have_u1;
    lg_hist_t lat, ack, lag;
    uint64_t sent, acked, rejected, delivered, dup_seq, dup_msg, gaps, foreign;
    uint64_t sent_w, acked_w, delivered_w; /* scheduled in the window */
    uint64_t acked_rx_w, delivered_rx_w;   /* received in the window */
    uint64_t customer_closes, cancels;
    uint64_t *kbits;
    uint64_t kwords;
    char pad[4096];
    uint32_t ncancel;
    uint64_t wrap_target;
} R;

static bool in_window(uint64_t t)
{
    return t >= R.t_w0 && t < R.t_w1;
}

/* ------------------------------------------------------------------------------------------------
 * Sending
 * ---------------------------------------------------------------------------------------------- */

static void send_msg(lg_customer_t *u, uint64_t k, uint64_t sched, uint64_t now)
{
    lg_conn_t *c = &u->conn;
    if (c->state != LG_CONN_OPEN)
        return;
    uint64_t id = c->next_id++;
    lg_ring_put(&u->ring, id, sched, k);
    uint64_t rel = sched - R.t_base;
    char mid[64];
    int ml = snprintf(mid, sizeof mid, "L%u.%llu.%llx", u->idx, (unsigned long long)k,
                      (unsigned long long)rel);
    char head[80];
    size_t hl = 0;
    memcpy(head, "lg ", 3);
    hl = 3;
    hl += lg_lhex(head + hl, u->idx);
    head[hl++] = ' ';
    hl += lg_lhex(head + hl, k);
    head[hl++] = ' ';
    hl += lg_lhex(head + hl, rel);
    head[hl++] = ' ';
    size_t want = W.o->text_bytes > hl ? W.o->text_bytes : hl;
    size_t padn = want - hl < sizeof R.pad ? want - hl : sizeof R.pad;

    lg_msg_begin(c, "chat.send", id, 3);
    lg_pk_kv_str(c, "conversation_id", u->conv, u->conv_len);
    lg_pk_kv_str(c, "client_msg_id", mid, (size_t)ml);
    lg_pk_cstr(c, "text");
    msgpack_pack_str(&c->pk, hl + padn);
    msgpack_pack_str_body(&c->pk, head, hl);
    msgpack_pack_str_body(&c->pk, R.pad, padn);
    lg_msg_end(c);

    R.sent++;
    if (in_window(sched)) {
        R.sent_w++;
        lg_hist_record(&R.lag, now > sched ? now - sched : 0);
    }
}

static uint64_t sched_of(uint64_t k)
{
    return R.t_start + (uint64_t)((double)k * R.interval_ns);
}

static void finish_sending(void);

/* The timerfd fired: send everything due, arm for the next. */
static void due_cb(uint64_t now)
{
    if (!R.sending)
        return;
    while (R.k < R.k_total) {
        uint64_t s = sched_of(R.k);
        if (s > now) {
            lg_sched_at(s);
            break;
        }
        send_msg(R.ready[R.k % R.nready], R.k, s, now);
        R.k++;
    }
    lg_net_flush();
    if (R.k >= R.k_total)
        finish_sending();
}

/* ------------------------------------------------------------------------------------------------
 * Receiving
 * ---------------------------------------------------------------------------------------------- */

static void relay_reply(lg_customer_t *u, const lg_env_t *e, bool ok, uint64_t now)
{
    uint64_t sched, k;
    if (!lg_ring_take(&u->ring, e->id, &sched, &k))
        return;
    if (ok) {
        R.acked++;
        if (in_window(sched)) {
            R.acked_w++;
            lg_hist_record(&R.ack, now - sched);
        }
        if (in_window(now))
            R.acked_rx_w++;
    } else {
        R.rejected++;
        lg_errors_count(e->b);
    }
    if (R.saturate && R.sending && now < R.t_end) {
        send_msg(u, R.k++, now, now);
    }
}

static bool bit_test_set(uint64_t **bits, uint64_t *words, uint64_t i)
{
    uint64_t w = i / 64;
    if (w >= *words) {
        uint64_t n = *words ? *words : 64;
        while (n <= w)
            n *= 2;
        *bits = lg_xrealloc(*bits, n * sizeof **bits);
        memset(*bits + *words, 0, (n - *words) * sizeof **bits);
        *words = n;
    }
    uint64_t m = UINT64_C(1) << (i % 64);
    bool was = (*bits)[w] & m;
    (*bits)[w] |= m;
    return was;
}

/* "L<idx>.<k>.<hex>" */
static bool parse_mid(const char *s, uint32_t n, uint32_t *idx, uint64_t *k, uint64_t *rel)
{
    if (n < 6 || s[0] != 'L')
        return false;
    char buf[72];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    unsigned u;
    unsigned long long kk, rr;
    if (sscanf(buf, "L%u.%llu.%llx", &u, &kk, &rr) != 3)
        return false;
    *idx = u;
    *k = kk;
    *rel = rr;
    return true;
}

/* "lg <lhex idx> <lhex k> <lhex rel> ..." */
static bool parse_text(const char *s, uint32_t n, uint32_t *idx, uint64_t *k, uint64_t *rel)
{
    if (n < 9 || memcmp(s, "lg ", 3))
        return false;
    size_t off = 3, used;
    uint64_t v[3];
    for (int i = 0; i < 3; i++) {
        v[i] = lg_lhex_parse(s + off, n - off, &used);
        if (!used)
            return false;
        off += used;
        if (off < n && s[off] == ' ')
            off++;
    }
    *idx = (uint32_t)v[0];
    *k = v[1];
    *rel = v[2];
    return true;
}

static void relay_chat_event(lg_agent_t *a, const msgpack_object *b, uint64_t now)
{
    (void)a;
    const msgpack_object *ev = lg_mp_get(b, "event");
    if (!lg_mp_is(lg_mp_get(ev, "kind"), "message") ||
        !lg_mp_is(lg_mp_get(ev, "from_role"), "customer"))
        return;
    const char *s;
    uint32_t n, idx;
    uint64_t k, rel, seq = 0, prev = 0;
    bool parsed = false;
    if (lg_mp_str(lg_mp_get(ev, "client_msg_id"), &s, &n))
        parsed = parse_mid(s, n, &idx, &k, &rel);
    if (!parsed && lg_mp_str(lg_mp_get(ev, "text"), &s, &n))
        parsed = parse_text(s, n, &idx, &k, &rel);
    if (!parsed || idx >= W.ncusts) {
        R.foreign++;
        return;
    }
    lg_customer_t *u = &W.custs[idx];
    if (lg_mp_uint(lg_mp_get(ev, "seq"), &seq)) {
        uint64_t words = u->seq_words;
        bool dup = bit_test_set(&u->seq_bits, &words, seq);
        u->seq_words = (uint32_t)words;
        if (dup) {
            R.dup_seq++;
            return;
        }
        if (lg_mp_uint(lg_mp_get(ev, "prev_seq"), &prev) && u->agent_last_seq &&
            prev != u->agent_last_seq)
            R.gaps++;
        u->agent_last_seq = seq;
    }
    if (bit_test_set(&R.kbits, &R.kwords, k)) {
        R.dup_msg++; /* the same message stored twice under different seqs */
        return;
    }
    uint64_t sched = R.t_base + rel;
    R.delivered++;
    if (in_window(sched)) {
        R.delivered_w++;
        lg_hist_record(&R.lat, now > sched ? now - sched : 0);
    }
    if (in_window(now))
        R.delivered_rx_w++;
}

/* ------------------------------------------------------------------------------------------------
 * Phases
 * ---------------------------------------------------------------------------------------------- */

static void window_start_cb(void *arg)
{
    (void)arg;
    lg_usage_read(&R.u0);
    R.have_u0 = true;
    lg_log("relay: measuring for %.1f s", W.o->duration);
}

static void window_end_cb(void *arg)
{
    (void)arg;
    lg_usage_read(&R.u1);
    R.have_u1 = true;
    if (R.saturate)
        finish_sending();
}

static void report(void);

static void wrapped_check_cb(void *arg)
{
    (void)arg;
    uint64_t now = lg_now_ns();
    if (W.wrapups + W.cancels_refused >= R.wrap_target || now >= R.t_stop) {
        report();
        return;
    }
    lg_tq_add(now + 20 * LG_NS_PER_MS, wrapped_check_cb, NULL);
}

static void cleanup(void)
{
    /* customers leave; agents wrap up what goes to wrap-up, so that another run against the
     * same server finds every chat slot free */
    W.wrap_wrapping = true;
    for (uint32_t i = 0; i < R.nready; i++)
        if (R.ready[i]->conn.state == LG_CONN_OPEN) {
            lg_customer_cancel(R.ready[i]);
            R.ncancel++;
        }
    R.wrap_target = W.wrapups + W.cancels_refused + R.ncancel;
    R.t_stop = lg_now_ns() + 3 * LG_NS_PER_S;
    lg_log("relay: cleanup: %u customers leave, agents wrap up", R.ncancel);
    lg_tq_add(lg_now_ns() + 20 * LG_NS_PER_MS, wrapped_check_cb, NULL);
}

static void drain_check_cb(void *arg)
{
    (void)arg;
    uint64_t now = lg_now_ns();
    /* everything answered, and the measured window over (the last open-loop send is due one
     * interval before it ends) */
    bool all = R.acked + R.rejected >= R.sent && R.delivered >= R.acked && R.have_u1;
    if (all || now >= R.t_end + (uint64_t)(W.o->drain * 1e9)) {
        R.running = false;
        if (W.o->cleanup)
            cleanup();
        else
            report();
        return;
    }
    lg_tq_add(now + 10 * LG_NS_PER_MS, drain_check_cb, NULL);
}

static void finish_sending(void)
{
    if (!R.sending)
        return;
    R.sending = false;
    lg_log("relay: sending done (%llu sent); draining up to %.1f s", (unsigned long long)R.sent,
           W.o->drain);
    lg_tq_add(lg_now_ns() + 10 * LG_NS_PER_MS, drain_check_cb, NULL);
}

static void start_load(void)
{
    uint64_t now = lg_now_ns();
    R.t_base = now;
    R.t_start = now + 20 * LG_NS_PER_MS;
    R.t_w0 = R.t_start + (uint64_t)(W.o->warmup * 1e9);
    R.t_w1 = R.t_w0 + (uint64_t)(W.o->duration * 1e9);
    R.t_end = R.t_w1;
    R.running = R.sending = true;
    lg_tq_add(R.t_w0, window_start_cb, NULL);
    lg_tq_add(R.t_w1, window_end_cb, NULL);
    if (R.saturate) {
        lg_log("relay: saturation, %u messages in flight per customer, %u customers, warm-up "
               "%.1f s",
               W.o->inflight, R.nready, W.o->warmup);
        for (uint32_t i = 0; i < R.nready; i++)
            for (uint32_t j = 0; j < W.o->inflight; j++)
                send_msg(R.ready[i], R.k++, now, now);
        return;
    }
    R.interval_ns = 1e9 / W.o->rate;
    R.k_total = (uint64_t)((W.o->warmup + W.o->duration) * W.o->rate);
    double per_conn = W.o->rate / R.nready;
    lg_log("relay: open loop at %.0f msg/s over %u customers (%.1f msg/s each), warm-up %.1f s",
           W.o->rate, R.nready, per_conn, W.o->warmup);
    lg_sched_at(R.t_start);
}

static void setup_done(uint32_t ready, uint32_t failed)
{
    (void)failed;
    if (!ready) {
        lg_err("relay: no chat could be set up; nothing to measure");
        report();
        return;
    }
    R.ready = lg_xcalloc(ready, sizeof *R.ready);
    for (uint32_t i = 0; i < W.ncusts; i++)
        if (W.custs[i].state == LG_C_ASSIGNED && W.custs[i].conv_len)
            R.ready[R.nready++] = &W.custs[i];
    if (!R.nready) {
        lg_err("relay: no customer knows its conversation id");
        report();
        return;
    }
    start_load();
}

static void relay_customer_closed(lg_customer_t *u, int code, const char *why)
{
    if (lg_setup_active()) {
        lg_setup_customer_closed(u, code, why);
        return;
    }
    if (R.running) {
        R.customer_closes++;
        if (R.customer_closes <= 5)
            lg_err("relay: customer %u closed by the server (%d)", u->idx, code);
    }
}

/* ------------------------------------------------------------------------------------------------
 */

static void report(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    lg_opts_t *o = W.o;
    double win = R.have_u0 && R.have_u1 ? (double)(R.u1.t_ns - R.u0.t_ns) / 1e9 : o->duration;
    uint64_t unacked = R.sent - R.acked - R.rejected;
    uint64_t undelivered = R.acked > R.delivered ? R.acked - R.delivered : 0;
    uint64_t dups = R.dup_seq + R.dup_msg;
    /* the work the server did in the window: messages sent (open loop) or acknowledged
     * (saturation) in it */
    uint64_t work = R.saturate ? R.acked_rx_w : R.sent_w;

    lg_json_t j;
    lg_json_begin(&j, o->json ? stdout : NULL);
    lg_json_str(&j, "mode", "relay");
    lg_json_str(&j, "url", o->url);
    lg_json_str(&j, "load", R.saturate ? "saturation" : "open_loop");
    if (R.saturate)
        lg_json_u64(&j, "inflight_per_customer", o->inflight);
    else
        lg_json_num(&j, "rate", o->rate);
    lg_json_num(&j, "warmup_s", o->warmup);
    lg_json_num(&j, "window_s", win);
    lg_json_u64(&j, "agents", W.nagents);
    lg_json_u64(&j, "agents_ready", W.agents_ready);
    lg_json_u64(&j, "customers", W.ncusts);
    lg_json_u64(&j, "customers_ready", R.nready);
    lg_json_u64(&j, "text_bytes", o->text_bytes);
    lg_json_obj(&j, "counts");
    lg_json_u64(&j, "sent", R.sent);
    lg_json_u64(&j, "acked", R.acked);
    lg_json_u64(&j, "delivered", R.delivered);
    lg_json_u64(&j, "rejected", R.rejected);
    lg_json_u64(&j, "errors", lg_errors_total());
    lg_json_u64(&j, "duplicates", dups);
    lg_json_u64(&j, "duplicate_seqs", R.dup_seq);
    lg_json_u64(&j, "duplicate_messages", R.dup_msg);
    lg_json_u64(&j, "seq_gaps", R.gaps);
    lg_json_u64(&j, "unacked", unacked);
    lg_json_u64(&j, "undelivered", undelivered);
    lg_json_u64(&j, "unrecognised_events", R.foreign);
    lg_json_u64(&j, "customer_closes", R.customer_closes);
    lg_json_u64(&j, "agent_closes", W.agent_closes);
    lg_json_end(&j);
    lg_json_obj(&j, "window");
    lg_json_u64(&j, "sent", R.sent_w);
    lg_json_u64(&j, "acked", R.acked_w);
    lg_json_u64(&j, "delivered", R.delivered_w);
    lg_json_num(&j, "sent_per_s", (double)R.sent_w / win);
    lg_json_num(&j, "acked_per_s", (double)R.acked_rx_w / win);
    lg_json_num(&j, "delivered_per_s", (double)R.delivered_rx_w / win);
    lg_json_end(&j);
    lg_json_hist_us(&j, "latency_us", &R.lat);
    lg_json_hist_us(&j, "ack_latency_us", &R.ack);
    lg_json_hist_us(&j, "send_lag_us", &R.lag);
    lg_report_usage(&j, R.have_u0 && R.have_u1 ? &R.u0 : NULL, &R.u1, work, "msg");
    lg_report_common(&j);
    lg_json_finish(&j);

    lg_err("relay (%s) against %s", R.saturate ? "saturation" : "open loop", o->url);
    if (R.saturate)
        lg_err("  %u customers x %u in flight, %u agents; window %.2f s", R.nready, o->inflight,
               W.agents_ready, win);
    else
        lg_err("  %.0f msg/s over %u customers (%.1f/s each), %u agents; window %.2f s", o->rate,
               R.nready, R.nready ? o->rate / R.nready : 0.0, W.agents_ready, win);
    lg_err("  sent %llu  acked %llu  delivered %llu  rejected %llu  errors %llu",
           (unsigned long long)R.sent, (unsigned long long)R.acked, (unsigned long long)R.delivered,
           (unsigned long long)R.rejected, (unsigned long long)lg_errors_total());
    lg_err("  duplicates %llu (seq %llu, message %llu)  seq gaps %llu  unacked %llu  "
           "undelivered %llu",
           (unsigned long long)dups, (unsigned long long)R.dup_seq, (unsigned long long)R.dup_msg,
           (unsigned long long)R.gaps, (unsigned long long)unacked,
           (unsigned long long)undelivered);
    lg_err("  throughput in window: acked %.0f msg/s, delivered %.0f msg/s",
           (double)R.acked_rx_w / win, (double)R.delivered_rx_w / win);
    lg_print_hist(R.saturate ? "latency (from send)" : "latency (from sched)", &R.lat);
    lg_print_hist("ack latency", &R.ack);
    lg_print_hist("send lag (generator)", &R.lag);
    lg_print_usage(R.have_u0 && R.have_u1 ? &R.u0 : NULL, &R.u1, work, "msg");
    if (R.lag.count && lg_hist_quantile(&R.lag, 0.99) > 1000 * LG_NS_PER_US)
        lg_err("  WARNING: the generator sent late (send lag p99 > 1 ms): its figures include "
               "its own delay");
    free(R.ready);
    free(R.kbits);
    lg_done(R.nready && R.delivered ? 0 : 1);
}

void lg_relay_interrupt(void)
{
    if (R.sending) {
        R.t_end = lg_now_ns();
        if (!R.have_u1) {
            lg_usage_read(&R.u1);
            R.have_u1 = true;
            R.t_w1 = R.u1.t_ns;
        }
        finish_sending();
    } else {
        report();
    }
}

int lg_relay_run(void)
{
    lg_opts_t *o = W.o;
    memset(&R, 0, sizeof R);
    lg_hist_init(&R.lat);
    lg_hist_init(&R.ack);
    lg_hist_init(&R.lag);
    memset(R.pad, 'x', sizeof R.pad);
    R.saturate = o->saturate || o->rate <= 0;
    if (!R.saturate && lg_sched_init(W.loop, due_cb) < 0)
        return -1;
    lg_setup_start(setup_done);
    return 0;
}

const lg_hooks_t lg_relay_hooks = {
    .agents_ready = lg_setup_agents_ready,
    .customer_hello = lg_setup_customer_hello,
    .customer_assigned = lg_setup_customer_assigned,
    .customer_refused = lg_setup_customer_refused,
    .customer_closed = relay_customer_closed,
    .customer_reply = relay_reply,
    .agent_chat_event = relay_chat_event,
};
