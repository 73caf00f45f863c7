/* storm: a reconnect storm after a restart.
 *   phase 1 (--save FILE): C customers get answered chats (A agents), then their resume tokens,
 *     conversation and contact ids are written to FILE, one customer per line, and the generator
 *     leaves (the chats stay open on the server for the resume window).
 *   phase 2 (--resume FILE): every customer of FILE reconnects at a random time within --jitter
 *     seconds and sends hello with its resume token; a connection refused or closed before the
 *     hello reply (4013 TRY_AGAIN_LATER above all) is retried after a jittered exponential backoff
 *     (--backoff-ms doubling up to --backoff-max-ms). A customer has resumed when the hello reply
 *     names its contact. Reported: the time until every customer has resumed, and the retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "modes.h"
#include "setup.h"
#include "util.h"

#define MAX_CODES 16

typedef struct {
    char token[LG_ID_LEN + 8], conv[LG_ID_LEN], contact[LG_ID_LEN];
} line_t;

static struct {
    bool resume_phase, reported;
    line_t *lines;
    uint32_t nlines;
    uint64_t t0, t_last;
    uint32_t resumed, no_contact, failed, done;
    uint64_t retries, attempts;
    uint32_t retry_codes[MAX_CODES][2];
    uint32_t fail_codes[MAX_CODES][2];
    char fail_names[MAX_CODES][34];
    uint32_t nfail_names;
    lg_hist_t since_start, since_first;
    uint32_t saved;
    lg_usage_t u0, u1;
} T;

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

/* ------------------------------------------------------------------------------------------------
 * Phase 1
 * ---------------------------------------------------------------------------------------------- */

static void save_done(uint32_t ready, uint32_t failed)
{
    lg_opts_t *o = W.o;
    FILE *f = fopen(o->save, "w");
    if (!f) {
        lg_err("storm: cannot write %s", o->save);
        lg_done(1);
        return;
    }
    fprintf(f, "# loadgen storm: resume_token conversation_id contact_id\n");
    for (uint32_t i = 0; i < W.ncusts; i++) {
        lg_customer_t *u = &W.custs[i];
        if (u->state != LG_C_ASSIGNED || !u->token[0])
            continue;
        fprintf(f, "%s %s %s\n", u->token, u->conv[0] ? u->conv : "-",
                u->contact[0] ? u->contact : "-");
        T.saved++;
    }
    fclose(f);

    lg_json_t j;
    lg_json_begin(&j, o->json ? stdout : NULL);
    lg_json_str(&j, "mode", "storm");
    lg_json_str(&j, "phase", "save");
    lg_json_str(&j, "url", o->url);
    lg_json_str(&j, "file", o->save);
    lg_json_u64(&j, "agents_ready", W.agents_ready);
    lg_json_u64(&j, "customers", W.ncusts);
    lg_json_u64(&j, "saved", T.saved);
    lg_json_u64(&j, "failed", failed);
    lg_report_common(&j);
    lg_json_finish(&j);
    lg_err("storm phase 1: %u answered chats saved to %s (%u failed, %u ready)", T.saved, o->save,
           failed, ready);
    lg_done(T.saved ? 0 : 1);
}

/* ------------------------------------------------------------------------------------------------
 * Phase 2
 * ---------------------------------------------------------------------------------------------- */

static void report(void)
{
    if (T.reported)
        return;
    T.reported = true;
    lg_usage_read(&T.u1);
    lg_opts_t *o = W.o;
    bool all = T.resumed == W.ncusts;
    double total = T.t_last ? (double)(T.t_last - T.t0) / 1e9 : 0;

    lg_json_t j;
    lg_json_begin(&j, o->json ? stdout : NULL);
    lg_json_str(&j, "mode", "storm");
    lg_json_str(&j, "phase", "resume");
    lg_json_str(&j, "url", o->url);
    lg_json_str(&j, "file", o->resume);
    lg_json_num(&j, "jitter_s", o->jitter);
    lg_json_u64(&j, "clients", W.ncusts);
    lg_json_u64(&j, "resumed", T.resumed);
    lg_json_u64(&j, "resumed_without_contact", T.no_contact);
    lg_json_u64(&j, "failed", T.failed);
    lg_json_u64(&j, "unfinished", W.ncusts - T.done);
    lg_json_bool(&j, "all_resumed", all);
    lg_json_num(&j, "time_to_all_resumed_s", all ? total : -1.0);
    lg_json_num(&j, "time_to_last_resume_s", total);
    lg_json_u64(&j, "connect_attempts", T.attempts);
    lg_json_u64(&j, "retries", T.retries);
    lg_json_obj(&j, "retries_by_close_code");
    for (int i = 0; i < MAX_CODES && T.retry_codes[i][1]; i++) {
        char k[16];
        snprintf(k, sizeof k, "%u", T.retry_codes[i][0]);
        lg_json_u64(&j, k, T.retry_codes[i][1]);
    }
    lg_json_end(&j);
    lg_json_hist_us(&j, "resumed_since_start_us", &T.since_start);
    lg_json_hist_us(&j, "resumed_since_first_attempt_us", &T.since_first);
    lg_report_usage(&j, &T.u0, &T.u1, T.resumed, "resume");
    lg_report_common(&j);
    lg_json_finish(&j);

    lg_err("storm phase 2 against %s: %u clients, jitter %.1f s", o->url, W.ncusts, o->jitter);
    lg_err("  resumed %u (%u more without a contact), failed %u, unfinished %u", T.resumed,
           T.no_contact, T.failed, W.ncusts - T.done);
    if (all)
        lg_err("  every client resumed %.3f s after the storm began", total);
    else
        lg_err("  NOT every client resumed (last resume at %.3f s)", total);
    char line[512] = "";
    size_t n = 0;
    for (int i = 0; i < MAX_CODES && T.retry_codes[i][1] && n < sizeof line - 40; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, " %u%s: %u", T.retry_codes[i][0],
                              T.retry_codes[i][0] == 0 ? " (connect failed)" : "",
                              T.retry_codes[i][1]);
    lg_err("  connection attempts %llu, retries %llu%s%s", (unsigned long long)T.attempts,
           (unsigned long long)T.retries, n ? "; by close code:" : "", line);
    lg_print_hist("resumed, since start", &T.since_start);
    lg_print_hist("resumed, since 1st try", &T.since_first);
    lg_print_usage(&T.u0, &T.u1, T.resumed, "resume");
    free(T.lines);
    lg_done(all ? 0 : 1);
}

static void attempt_cb(void *arg)
{
    lg_customer_t *u = arg;
    if (T.reported)
        return;
    uint64_t now = lg_now_ns();
    if (!u->attempts)
        u->t_first = now;
    u->attempts++;
    T.attempts++;
    lg_customer_connect(u, true);
}

static void settle(lg_customer_t *u, uint64_t now)
{
    u->done = true;
    T.done++;
    T.t_last = now;
    if (T.done == W.ncusts)
        report();
}

static void resume_hello(lg_customer_t *u, const msgpack_object *b, uint64_t now)
{
    if (u->done)
        return;
    if (lg_mp_get(b, "contact_id")) {
        T.resumed++;
        lg_hist_record(&T.since_start, now - T.t0);
        lg_hist_record(&T.since_first, now - u->t_first);
    } else {
        T.no_contact++;
    }
    settle(u, now);
}

static void resume_refused(lg_customer_t *u, const char *code)
{
    (void)code;
    if (u->done)
        return;
    T.failed++;
    u->state = LG_C_FAILED;
    lg_conn_close(&u->conn);
    settle(u, lg_now_ns());
}

static void resume_closed(lg_customer_t *u, int code, const char *why)
{
    (void)why;
    if (u->done || T.reported)
        return;
    /* refused or closed before the hello reply: back off and try again */
    T.retries++;
    count_code(T.retry_codes, code);
    double base = W.o->backoff_ms, cap = W.o->backoff_max_ms;
    uint32_t e = u->attempts < 16 ? u->attempts - 1 : 15;
    double d = base * (double)(1u << e);
    if (d > cap)
        d = cap;
    d = d * (0.5 + 0.5 * lg_rand01());
    lg_tq_add(lg_now_ns() + (uint64_t)(d * 1e6), attempt_cb, u);
}

static void timeout_cb(void *arg)
{
    (void)arg;
    if (!T.reported) {
        lg_err("storm: --timeout reached");
        report();
    }
}

static void progress_cb(void *arg)
{
    (void)arg;
    if (T.reported)
        return;
    lg_log("storm: %u resumed, %u failed, %llu retries", T.resumed, T.failed,
           (unsigned long long)T.retries);
    lg_tq_add(lg_now_ns() + LG_NS_PER_S, progress_cb, NULL);
}

/* ------------------------------------------------------------------------------------------------
 */

int lg_storm_prepare(lg_opts_t *o)
{
    memset(&T, 0, sizeof T);
    if (!o->resume)
        return 0;
    FILE *f = fopen(o->resume, "r");
    if (!f) {
        lg_err("storm: cannot read %s", o->resume);
        return -1;
    }
    char buf[512];
    uint32_t cap = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (buf[0] == '#' || buf[0] == '\n')
            continue;
        if (T.nlines == cap) {
            cap = cap ? cap * 2 : 1024;
            T.lines = lg_xrealloc(T.lines, cap * sizeof *T.lines);
        }
        line_t *l = &T.lines[T.nlines];
        memset(l, 0, sizeof *l);
        if (sscanf(buf, "%79s %71s %71s", l->token, l->conv, l->contact) >= 1)
            T.nlines++;
    }
    fclose(f);
    if (!T.nlines) {
        lg_err("storm: %s holds no customers", o->resume);
        return -1;
    }
    o->customers = T.nlines;
    o->agents = 0;
    return 0;
}

void lg_storm_interrupt(void)
{
    if (T.resume_phase)
        report();
    else
        lg_done(1);
}

int lg_storm_run(void)
{
    lg_opts_t *o = W.o;
    lg_hist_init(&T.since_start);
    lg_hist_init(&T.since_first);
    if (o->save) {
        lg_setup_start(save_done);
        return 0;
    }
    T.resume_phase = true;
    if (W.ncusts > T.nlines) {
        lg_err("storm: more customers than lines");
        return -1;
    }
    for (uint32_t i = 0; i < W.ncusts; i++) {
        lg_customer_t *u = &W.custs[i];
        memcpy(u->token, T.lines[i].token, sizeof u->token);
        memcpy(u->conv, T.lines[i].conv, sizeof u->conv);
    }
    lg_usage_read(&T.u0);
    T.t0 = lg_now_ns();
    lg_log("storm: %u clients reconnect within %.1f s", W.ncusts, o->jitter);
    for (uint32_t i = 0; i < W.ncusts; i++)
        lg_tq_add(T.t0 + (uint64_t)(lg_rand01() * o->jitter * 1e9), attempt_cb, &W.custs[i]);
    lg_tq_add(T.t0 + (uint64_t)(o->timeout * 1e9), timeout_cb, NULL);
    lg_tq_add(T.t0 + LG_NS_PER_S, progress_cb, NULL);
    return 0;
}

/* Phase 1 follows the setup; phase 2 its own hooks. */
static void h_hello(lg_customer_t *c, const msgpack_object *b, uint64_t now)
{
    if (T.resume_phase)
        resume_hello(c, b, now);
    else
        lg_setup_customer_hello(c, b, now);
}

static void h_refused(lg_customer_t *c, const char *code)
{
    if (T.resume_phase)
        resume_refused(c, code);
    else
        lg_setup_customer_refused(c, code);
}

static void h_closed(lg_customer_t *c, int code, const char *why)
{
    if (T.resume_phase)
        resume_closed(c, code, why);
    else if (lg_setup_active())
        lg_setup_customer_closed(c, code, why);
}

const lg_hooks_t lg_storm_hooks = {
    .agents_ready = lg_setup_agents_ready,
    .customer_hello = h_hello,
    .customer_assigned = lg_setup_customer_assigned,
    .customer_refused = h_refused,
    .customer_closed = h_closed,
};
