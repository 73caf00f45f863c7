/* idle: N customer connections that send hello and then sit for --hold seconds, long enough for
 * the server's pings (lws answers them with pongs by itself). Counts connections established,
 * refused (connect failed, upgrade denied, closed before the hello reply, e.g. 4013), and closed
 * by the server during the hold, by close code; with --server-pid, the server's resident memory
 * before the first connection and once all are up, per connection. Sockets are spread over
 * loopback source addresses (--src-addrs) so that one address' ~28,000 ephemeral ports are not
 * the limit. */
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "modes.h"
#include "util.h"

#define MAX_CODES 16

static struct {
    uint64_t t0, t_up, t_hold_end;
    uint32_t established, refused, closed_hold, closed_other;
    uint32_t open_now;
    bool holding, reported;
    bool have_rss0, have_rss1, have_rss2;
    uint64_t rss0, rss1, rss2;
    lg_hist_t connect;
    uint32_t refused_by_code[MAX_CODES][2]; /* code, count */
    uint32_t closed_by_code[MAX_CODES][2];
} I;

static void count_code(uint32_t (*t)[2], int code)
{
    for (int i = 0; i < MAX_CODES; i++) {
        if (t[i][1] && t[i][0] == (uint32_t)code) {
            t[i][1]++;
            return;
        }
        if (!t[i][1]) {
            t[i][0] = (uint32_t)code;
            t[i][1] = 1;
            return;
        }
    }
}

static void json_codes(lg_json_t *j, const char *key, uint32_t (*t)[2])
{
    lg_json_obj(j, key);
    for (int i = 0; i < MAX_CODES && t[i][1]; i++) {
        char k[16];
        snprintf(k, sizeof k, "%u", t[i][0]);
        lg_json_u64(j, k, t[i][1]);
    }
    lg_json_end(j);
}

static void print_codes(const char *label, uint32_t (*t)[2])
{
    char line[512];
    size_t n = 0;
    for (int i = 0; i < MAX_CODES && t[i][1] && n < sizeof line - 32; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, " %u%s: %u", t[i][0],
                              t[i][0] == 0 ? " (connect failed)" : "", t[i][1]);
    if (n)
        lg_err("  %s by close code:%s", label, line);
}

static void report(void)
{
    if (I.reported)
        return;
    I.reported = true;
    lg_opts_t *o = W.o;
    int pid = o->server_pid;
    if (pid > 0 && !I.have_rss2)
        I.have_rss2 = lg_proc_rss_kb(pid, &I.rss2) == 0;
    bool fd_capped = W.ncusts < o->customers;
    double held = I.t_up ? (double)(lg_now_ns() - I.t_up) / 1e9 : 0;

    lg_json_t j;
    lg_json_begin(&j, o->json ? stdout : NULL);
    lg_json_str(&j, "mode", "idle");
    lg_json_str(&j, "url", o->url);
    lg_json_u64(&j, "requested", o->customers);
    lg_json_u64(&j, "attempted", W.ncusts);
    lg_json_bool(&j, "limited_by_open_files", fd_capped);
    lg_json_u64(&j, "source_addresses", W.nsrc ? W.nsrc : 1);
    lg_json_u64(&j, "established", I.established);
    lg_json_u64(&j, "refused", I.refused);
    lg_json_u64(&j, "closed_during_hold", I.closed_hold);
    lg_json_u64(&j, "open_at_end", I.open_now);
    lg_json_num(&j, "hold_s", held);
    lg_json_num(&j, "connect_phase_s", I.t_up ? (double)(I.t_up - I.t0) / 1e9 : 0);
    json_codes(&j, "refused_by_code", I.refused_by_code);
    json_codes(&j, "closed_by_code", I.closed_by_code);
    lg_json_hist_us(&j, "connect_to_hello_us", &I.connect);
    if (pid > 0) {
        lg_json_obj(&j, "server");
        lg_json_i64(&j, "pid", pid);
        if (I.have_rss0)
            lg_json_u64(&j, "rss_kb_before", I.rss0);
        if (I.have_rss1)
            lg_json_u64(&j, "rss_kb_connected", I.rss1);
        if (I.have_rss2)
            lg_json_u64(&j, "rss_kb_end", I.rss2);
        if (I.have_rss0 && I.have_rss1 && I.established)
            lg_json_num(&j, "rss_bytes_per_connection",
                        ((double)I.rss1 - (double)I.rss0) * 1024.0 / I.established);
        if (I.have_rss0 && I.have_rss2 && I.open_now)
            lg_json_num(&j, "rss_bytes_per_connection_end",
                        ((double)I.rss2 - (double)I.rss0) * 1024.0 / I.open_now);
        lg_json_end(&j);
    }
    lg_report_common(&j);
    lg_json_finish(&j);

    lg_err("idle against %s", o->url);
    if (fd_capped)
        lg_err("  LIMITED: %u connections asked, only %u attempted: the open-files limit of this "
               "process is %u (ulimit -Hn) and cannot be raised here",
               o->customers, W.ncusts, o->fd_hard);
    lg_err("  established %u, refused %u, closed by the server during the hold %u, open at the "
           "end %u (held %.1f s, %u source addresses)",
           I.established, I.refused, I.closed_hold, I.open_now, held, W.nsrc ? W.nsrc : 1);
    print_codes("refused", I.refused_by_code);
    print_codes("closed during hold", I.closed_by_code);
    lg_print_hist("connect to hello ok", &I.connect);
    if (I.have_rss0 && I.have_rss1 && I.established)
        lg_err("  server RSS %llu KiB before, %llu KiB with %u connections: %.0f bytes per "
               "connection%s",
               (unsigned long long)I.rss0, (unsigned long long)I.rss1, I.established,
               ((double)I.rss1 - (double)I.rss0) * 1024.0 / I.established, I.have_rss2 ? "" : "");
    if (I.have_rss2)
        lg_err("  server RSS at the end of the hold %llu KiB", (unsigned long long)I.rss2);
    lg_done(I.established ? 0 : 1);
}

static void hold_end_cb(void *arg)
{
    (void)arg;
    report();
}

static void progress_cb(void *arg)
{
    (void)arg;
    if (I.reported)
        return;
    uint64_t now = lg_now_ns();
    if (I.holding)
        lg_log("idle: %u open, %u closed by the server, %.0f s of %.0f s held", I.open_now,
               I.closed_hold, (double)(now - I.t_up) / 1e9, W.o->hold);
    else
        lg_log("idle: %u established, %u refused, %u connecting", I.established, I.refused,
               lg_fleet_pending_connects());
    lg_tq_add(now + 5 * LG_NS_PER_S, progress_cb, NULL);
}

static void settle_cb(void *arg)
{
    (void)arg;
    int pid = W.o->server_pid;
    if (pid > 0)
        I.have_rss1 = lg_proc_rss_kb(pid, &I.rss1) == 0;
    lg_log("idle: %u connections up (%u refused); holding %.0f s", I.established, I.refused,
           W.o->hold);
}

static void check_up(void)
{
    if (I.holding || I.established + I.refused < W.ncusts)
        return;
    I.holding = true;
    I.t_up = lg_now_ns();
    /* memory once the server has settled from the connect burst */
    lg_tq_add(I.t_up + LG_NS_PER_S, settle_cb, NULL);
    lg_tq_add(I.t_up + (uint64_t)(W.o->hold * 1e9), hold_end_cb, NULL);
}

static void idle_hello(lg_customer_t *u, const msgpack_object *b, uint64_t now)
{
    (void)b;
    I.established++;
    I.open_now++;
    lg_hist_record(&I.connect, now - u->conn.t_open);
    check_up();
}

static void idle_refused(lg_customer_t *u, const char *code)
{
    (void)code;
    u->state = LG_C_FAILED;
    lg_conn_close(&u->conn);
}

static void idle_closed(lg_customer_t *u, int code, const char *why)
{
    (void)why;
    if (u->state == LG_C_IDLE) {
        I.open_now--;
        if (I.holding && !I.reported) {
            I.closed_hold++;
            count_code(I.closed_by_code, code);
        } else {
            I.closed_other++;
            count_code(I.closed_by_code, code);
        }
        u->state = LG_C_ENDED;
        return;
    }
    if (u->state == LG_C_ENDED)
        return;
    u->state = LG_C_FAILED;
    I.refused++;
    count_code(I.refused_by_code, code);
    check_up();
}

static void start_cb(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < W.ncusts; i++)
        lg_customer_connect(&W.custs[i], false);
}

void lg_idle_interrupt(void)
{
    report();
}

int lg_idle_run(void)
{
    memset(&I, 0, sizeof I);
    lg_hist_init(&I.connect);
    I.t0 = lg_now_ns();
    int pid = W.o->server_pid;
    if (pid > 0)
        I.have_rss0 = lg_proc_rss_kb(pid, &I.rss0) == 0;
    lg_log("idle: opening %u customer connections at up to %.0f/s over %u source address(es)",
           W.ncusts, W.o->connect_rate, W.nsrc ? W.nsrc : 1);
    lg_tq_add(I.t0 + 5 * LG_NS_PER_S, progress_cb, NULL);
    lg_tq_add(I.t0, start_cb, NULL);
    if (!W.ncusts)
        check_up();
    return 0;
}

const lg_hooks_t lg_idle_hooks = {
    .customer_hello = idle_hello,
    .customer_refused = idle_refused,
    .customer_closed = idle_closed,
};
