#include "store/store.h"

#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "store/redis_uv.h"
#include "store/scripts.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

#define BACKOFF_MIN_MS    100
#define BACKOFF_MAX_MS    5000
#define WATCHDOG_EVERY_MS 250

typedef enum { ST_DOWN, ST_CONNECTING, ST_HANDSHAKE, ST_READY, ST_STOPPED } st_t;

/* One request in flight. argv is kept (one allocation with the struct) only for scripts, so that
 * a NOSCRIPT reply can be retried as EVAL with the same arguments. */
typedef struct req {
    struct req *prev, *next; /* in flight, oldest first */
    sb_store_t *s;
    sb_store_adapter adapt;
    sb_store_fn done;
    void *priv;
    uint64_t start_ns; /* monotonic, for the latency histogram */
    uint64_t start_ms; /* Switchboard clock, for the watchdog (a test clock can age requests) */
    const sb_lua_script_t *script;
    int argc; /* script requests: EVALSHA sha nkeys keys... args... */
    char **argv;
    size_t *argvlen;
    bool internal; /* handshake command: not counted against the cap */
} req_t;

struct sb_store {
    uv_loop_t *loop;
    sb_timers_t *timers;
    sb_store_events_t ev;
    char *unix_path;
    char *host;
    int port;
    char *password;
    uint32_t db;
    uint32_t max_in_flight;
    uint32_t timeout_ms;

    redisAsyncContext *ac;
    st_t st;
    uint32_t in_flight;
    bool paused;
    req_t *oldest, *newest;
    uint32_t handshake_left;
    char run_id[48];

    uint64_t backoff_ms;
    uint64_t rng;
    sb_timer_t reconnect;
    uv_timer_t watchdog;
    bool stopping;
    bool stopped;
    bool stop_now;
    void (*stop_done)(void *);
    void *stop_arg;
};

static void connect_now(sb_store_t *s);
static void maybe_finish_stop(sb_store_t *s);

/* ------------------------------------------------------------------------------------------------
 * Bookkeeping
 * ---------------------------------------------------------------------------------------------- */

static void link_req(sb_store_t *s, req_t *r)
{
    r->prev = s->newest;
    r->next = NULL;
    if (s->newest)
        s->newest->next = r;
    else
        s->oldest = r;
    s->newest = r;
    if (!r->internal)
        s->in_flight++;
    sb_metrics.redis_in_flight = s->in_flight;
    sb_metrics.redis_commands++;
}

static void unlink_req(sb_store_t *s, req_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        s->oldest = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        s->newest = r->prev;
    if (!r->internal)
        s->in_flight--;
    sb_metrics.redis_in_flight = s->in_flight;
}

static void check_pressure(sb_store_t *s)
{
    bool want = s->paused ? s->in_flight > s->max_in_flight / 2 : s->in_flight >= s->max_in_flight;
    if (want == s->paused)
        return;
    s->paused = want;
    if (want)
        sb_metrics_limit_hit(SB_LIMIT_REDIS_IN_FLIGHT);
    SB_INFO("store",
            want ? "pausing client reads: Redis has too much in flight" : "resuming client reads",
            SB_F_UINT("in_flight", s->in_flight));
    if (s->ev.on_pressure)
        s->ev.on_pressure(s, want, s->ev.user);
}

static void set_state(sb_store_t *s, st_t st)
{
    bool was_ready = s->st == ST_READY;
    s->st = st;
    sb_metrics.redis_connected = st == ST_READY || st == ST_HANDSHAKE;
    if (st == ST_READY && !was_ready && s->ev.on_ready)
        s->ev.on_ready(s, s->ev.user);
    if (st != ST_READY && was_ready && s->ev.on_down)
        s->ev.on_down(s, s->ev.user);
}

/* ------------------------------------------------------------------------------------------------
 * Replies
 * ---------------------------------------------------------------------------------------------- */

static bool is_noscript(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_ERROR && r->len >= 8 && memcmp(r->str, "NOSCRIPT", 8) == 0;
}

static void reply_cb(redisAsyncContext *ac, void *reply, void *privdata)
{
    req_t *r = privdata;
    sb_store_t *s = r->s;
    redisReply *rep = reply;
    if (r->script && is_noscript(rep) && s->ac == ac && s->st != ST_DOWN) {
        /* The script cache was flushed (or this Redis never saw the script): send the body.
         * argv[0] is already "EVAL"-compatible: swap the command and the sha for the body. */
        const char *argv0 = r->argv[0], *argv1 = r->argv[1];
        size_t l0 = r->argvlen[0], l1 = r->argvlen[1];
        r->argv[0] = "EVAL";
        r->argvlen[0] = 4;
        r->argv[1] = (char *)r->script->body;
        r->argvlen[1] = r->script->body_len;
        int rc =
            redisAsyncCommandArgv(ac, reply_cb, r, r->argc, (const char **)r->argv, r->argvlen);
        r->argv[0] = (char *)argv0;
        r->argvlen[0] = l0;
        r->argv[1] = (char *)argv1;
        r->argvlen[1] = l1;
        r->script = NULL; /* retry once */
        if (rc == REDIS_OK)
            return;
        rep = NULL;
    }
    unlink_req(s, r);
    sb_metrics_hist_observe(&sb_metrics.redis_rtt, sb_clock_mono_ns() - r->start_ns);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        sb_metrics.redis_errors++;
    r->adapt(s, rep, r->done, r->priv);
    free(r);
    check_pressure(s);
    maybe_finish_stop(s);
}

int sb_store_reply_status(const redisReply *r)
{
    if (!r)
        return SB_E_STORE_DOWN;
    if (r->type == REDIS_REPLY_ERROR) {
        if (r->len >= 3 && memcmp(r->str, "OOM", 3) == 0)
            return SB_E_STORE_FULL;
        return SB_E_IO;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Sending
 * ---------------------------------------------------------------------------------------------- */

static int submit(sb_store_t *s, req_t *r, int argc, const char **argv, const size_t *argvlen)
{
    if (!s->ac || (s->st != ST_READY && !(r->internal && s->st == ST_HANDSHAKE))) {
        free(r);
        return SB_E_STORE_DOWN;
    }
    if (!r->internal && s->in_flight >= s->max_in_flight) {
        free(r);
        check_pressure(s);
        return SB_E_BUSY;
    }
    r->s = s;
    r->start_ns = sb_clock_mono_ns();
    r->start_ms = sb_clock_now_ms();
    if (redisAsyncCommandArgv(s->ac, reply_cb, r, argc, argv, argvlen) != REDIS_OK) {
        free(r);
        return SB_E_STORE_DOWN;
    }
    link_req(s, r);
    check_pressure(s);
    return 0;
}

/* The untyped calls: the adapter hands the reply itself to an sb_store_cb. */
static void raw_adapter(sb_store_t *s, const redisReply *reply, sb_store_fn done, void *priv)
{
    sb_store_cb cb = (sb_store_cb)done;
    cb(s, (redisReply *)reply, priv);
}

void sb_store_ignore(sb_store_t *s, const redisReply *reply, sb_store_fn done, void *priv)
{
    (void)s;
    (void)reply;
    (void)done;
    (void)priv;
}

int sb_store_cmdargv_as(sb_store_t *s, sb_store_adapter adapt, sb_store_fn done, void *priv,
                        int argc, const char **argv, const size_t *argvlen)
{
    req_t *r = calloc(1, sizeof *r);
    if (!r)
        return SB_E_NOMEM;
    r->adapt = adapt;
    r->done = done;
    r->priv = priv;
    return submit(s, r, argc, argv, argvlen);
}

int sb_store_cmdargv(sb_store_t *s, sb_store_cb cb, void *priv, int argc, const char **argv,
                     const size_t *argvlen)
{
    return sb_store_cmdargv_as(s, raw_adapter, (sb_store_fn)cb, priv, argc, argv, argvlen);
}

int sb_store_eval_as(sb_store_t *s, const sb_lua_script_t *script, sb_store_adapter adapt,
                     sb_store_fn done, void *priv, int nkeys, int nargs, const char **argv,
                     const size_t *argvlen)
{
    int argc = 3 + nargs;
    char nk[16];
    int nkl = snprintf(nk, sizeof nk, "%d", nkeys);
    /* one allocation: the request, argv pointers, lengths, then the bytes of every argument */
    size_t bytes = 40 + (size_t)nkl + 1;
    for (int i = 0; i < nargs; i++)
        bytes += argvlen[i];
    size_t size = sizeof(req_t) + (size_t)argc * (sizeof(char *) + sizeof(size_t)) + bytes;
    req_t *r = calloc(1, size);
    if (!r)
        return SB_E_NOMEM;
    r->adapt = adapt;
    r->done = done;
    r->priv = priv;
    r->script = script;
    r->argc = argc;
    r->argv = (char **)(r + 1);
    r->argvlen = (size_t *)(r->argv + argc);
    char *p = (char *)(r->argvlen + argc);
    r->argv[0] = "EVALSHA";
    r->argvlen[0] = 7;
    r->argv[1] = (char *)script->sha;
    r->argvlen[1] = 40;
    memcpy(p, nk, (size_t)nkl);
    r->argv[2] = p;
    r->argvlen[2] = (size_t)nkl;
    p += nkl;
    for (int i = 0; i < nargs; i++) {
        if (argvlen[i])
            memcpy(p, argv[i], argvlen[i]);
        r->argv[3 + i] = p;
        r->argvlen[3 + i] = argvlen[i];
        p += argvlen[i];
    }
    return submit(s, r, argc, (const char **)r->argv, r->argvlen);
}

int sb_store_eval(sb_store_t *s, const sb_lua_script_t *script, sb_store_cb cb, void *priv,
                  int nkeys, int nargs, const char **argv, const size_t *argvlen)
{
    return sb_store_eval_as(s, script, raw_adapter, (sb_store_fn)cb, priv, nkeys, nargs, argv,
                            argvlen);
}

#define HMGET_MAX 32

int sb_store_hmget_as(sb_store_t *s, sb_store_adapter adapt, sb_store_fn done, void *priv,
                      const char *key, const char *const *fields, size_t n)
{
    const char *argv[HMGET_MAX + 2];
    size_t lens[HMGET_MAX + 2];
    if (n > HMGET_MAX)
        return SB_E_INVAL;
    argv[0] = "HMGET";
    lens[0] = 5;
    argv[1] = key;
    lens[1] = strlen(key);
    for (size_t i = 0; i < n; i++) {
        argv[i + 2] = fields[i];
        lens[i + 2] = strlen(fields[i]);
    }
    return sb_store_cmdargv_as(s, adapt, done, priv, (int)n + 2, argv, lens);
}

/* ------------------------------------------------------------------------------------------------
 * Connecting
 * ---------------------------------------------------------------------------------------------- */

static uint64_t jitter(sb_store_t *s, uint64_t ms)
{
    /* xorshift: spread reconnects of many processes; not security relevant */
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return ms / 2 + s->rng % (ms / 2 + 1);
}

static void schedule_reconnect(sb_store_t *s)
{
    if (s->stopping)
        return;
    uint64_t wait = jitter(s, s->backoff_ms);
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
    sb_timer_arm(s->timers, &s->reconnect, sb_clock_now_ms() + wait);
}

static void reconnect_cb(sb_timer_t *t)
{
    sb_store_t *s = (sb_store_t *)((char *)t - offsetof(sb_store_t, reconnect));
    if (s->st == ST_DOWN && !s->stopping)
        connect_now(s);
}

static void handshake_step_cb(sb_store_t *s, redisReply *r, void *priv)
{
    const char *what = priv;
    if (!r)
        return; /* the disconnect callback handles it */
    if (r->type == REDIS_REPLY_ERROR) {
        SB_ERROR("store", "Redis refused a connection setup command", SB_F_STR("command", what),
                 SB_F_STRN("error", r->str, r->len));
        if (s->ac)
            redisAsyncDisconnect(s->ac);
        return;
    }
    if (strcmp(what, "INFO") == 0 && r->type == REDIS_REPLY_STRING) {
        const char *p = strstr(r->str, "run_id:");
        if (p) {
            p += 7;
            size_t n = strcspn(p, "\r\n");
            if (n >= sizeof s->run_id)
                n = sizeof s->run_id - 1;
            memcpy(s->run_id, p, n);
            s->run_id[n] = 0;
        }
    }
    if (--s->handshake_left == 0) {
        s->backoff_ms = BACKOFF_MIN_MS;
        SB_INFO("store", "Redis ready", SB_F_STR("run_id", s->run_id));
        set_state(s, ST_READY);
    }
}

static int internal_cmd(sb_store_t *s, const char *what, int argc, const char **argv)
{
    req_t *r = calloc(1, sizeof *r);
    if (!r)
        return SB_E_NOMEM;
    r->adapt = raw_adapter;
    r->done = (sb_store_fn)handshake_step_cb;
    r->priv = (void *)what;
    r->internal = true;
    size_t lens[4];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return submit(s, r, argc, argv, lens);
}

static void connect_cb(const redisAsyncContext *ac, int status)
{
    sb_store_t *s = ac->data;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this callback */
        SB_WARN("store", "cannot connect to Redis", SB_F_STR("error", ac->errstr));
        s->ac = NULL;
        set_state(s, ST_DOWN);
        schedule_reconnect(s);
        return;
    }
    set_state(s, ST_HANDSHAKE);
    s->handshake_left = 0;
    int rc = 0;
    if (s->password) {
        const char *a[] = {"AUTH", s->password};
        rc |= internal_cmd(s, "AUTH", 2, a);
        s->handshake_left++;
    }
    if (s->db) {
        char db[16];
        snprintf(db, sizeof db, "%u", (unsigned)s->db);
        const char *a[] = {"SELECT", db};
        rc |= internal_cmd(s, "SELECT", 2, a);
        s->handshake_left++;
    }
    const char *a[] = {"INFO", "server"};
    rc |= internal_cmd(s, "INFO", 2, a);
    s->handshake_left++;
    /* Every script is in Redis' cache before requests flow. Besides sparing the first call of each
     * a NOSCRIPT round trip, this keeps pipelined scripts in order: a chat's conv_create and its
     * contact's route_commit are sent back to back (router/contact.c), and a NOSCRIPT retry of
     * the first would otherwise run after the second. */
    for (size_t i = 0; sb_lua_all[i]; i++) {
        const char *l[] = {"SCRIPT", "LOAD", sb_lua_all[i]->body};
        rc |= internal_cmd(s, "SCRIPT LOAD", 3, l);
        s->handshake_left++;
    }
    if (rc)
        redisAsyncDisconnect(s->ac);
}

static void disconnect_cb(const redisAsyncContext *ac, int status)
{
    sb_store_t *s = ac->data;
    if (s->ac == ac)
        s->ac = NULL;
    if (!s->stopping)
        SB_WARN("store", "Redis connection lost",
                SB_F_STR("error", status ? ac->errstr : "closed"));
    set_state(s, s->stopping ? ST_STOPPED : ST_DOWN);
    schedule_reconnect(s);
    maybe_finish_stop(s);
}

static void connect_now(sb_store_t *s)
{
    redisAsyncContext *ac =
        s->unix_path ? redisAsyncConnectUnix(s->unix_path) : redisAsyncConnect(s->host, s->port);
    if (!ac || ac->err) {
        SB_WARN("store", "cannot connect to Redis",
                SB_F_STR("error", ac ? ac->errstr : "out of memory"));
        if (ac)
            redisAsyncFree(ac);
        schedule_reconnect(s);
        return;
    }
    ac->data = s;
    if (sb_redis_uv_attach(ac, s->loop) != 0) {
        redisAsyncFree(ac);
        schedule_reconnect(s);
        return;
    }
    redisAsyncSetConnectCallback(ac, connect_cb);
    redisAsyncSetDisconnectCallback(ac, disconnect_cb);
    s->ac = ac;
    set_state(s, ST_CONNECTING);
    if (s->run_id[0])
        sb_metrics.redis_reconnects++;
}

static void watchdog_cb(uv_timer_t *h)
{
    sb_store_t *s = h->data;
    if (!s->ac || !s->oldest)
        return;
    uint64_t age_ms = sb_clock_now_ms() - s->oldest->start_ms;
    if (age_ms > s->timeout_ms) {
        SB_ERROR("store", "Redis did not answer in time; reconnecting",
                 SB_F_UINT("oldest_ms", age_ms), SB_F_UINT("in_flight", s->in_flight));
        sb_metrics.redis_timeouts++;
        /* Safe here (a uv timer, not a hiredis callback): fails every pending request with
         * NULL and calls disconnect_cb, which schedules the reconnect. */
        redisAsyncContext *ac = s->ac;
        redisAsyncFree(ac);
        if (s->ac == ac) { /* no disconnect callback came (not fully connected) */
            s->ac = NULL;
            set_state(s, ST_DOWN);
            schedule_reconnect(s);
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------------------------------------- */

static int parse_address(sb_store_t *s, const char *addr)
{
    if (strncmp(addr, "unix:", 5) == 0) {
        s->unix_path = strdup(addr + 5);
        return s->unix_path && s->unix_path[0] ? 0 : SB_E_INVAL;
    }
    if (strncmp(addr, "tcp://", 6) == 0) {
        const char *h = addr + 6;
        const char *colon = strrchr(h, ':');
        if (!colon || colon == h)
            return SB_E_INVAL;
        s->port = atoi(colon + 1);
        if (s->port <= 0 || s->port > 65535)
            return SB_E_INVAL;
        s->host = strndup(h, (size_t)(colon - h));
        return s->host ? 0 : SB_E_NOMEM;
    }
    return SB_E_INVAL;
}

sb_store_t *sb_store_create(uv_loop_t *loop, sb_timers_t *timers, const sb_store_options_t *opt,
                            const sb_store_events_t *ev)
{
    sb_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->loop = loop;
    s->timers = timers;
    s->ev = *ev;
    s->db = opt->db;
    s->max_in_flight = opt->max_in_flight ? opt->max_in_flight : 20000;
    s->timeout_ms = opt->timeout_ms ? opt->timeout_ms : 5000;
    s->backoff_ms = BACKOFF_MIN_MS;
    s->rng = sb_clock_mono_ns() | 1;
    if (parse_address(s, opt->address) ||
        (opt->password && !(s->password = strdup(opt->password)))) {
        sb_store_destroy(s);
        return NULL;
    }
    sb_timer_init(&s->reconnect, reconnect_cb, s);
    uv_timer_init(loop, &s->watchdog);
    s->watchdog.data = s;
    uv_timer_start(&s->watchdog, watchdog_cb, WATCHDOG_EVERY_MS, WATCHDOG_EVERY_MS);
    uv_unref((uv_handle_t *)&s->watchdog);
    s->st = ST_DOWN;
    connect_now(s);
    return s;
}

void sb_store_set_limits(sb_store_t *s, uint32_t max_in_flight, uint32_t timeout_ms)
{
    if (max_in_flight)
        s->max_in_flight = max_in_flight;
    if (timeout_ms)
        s->timeout_ms = timeout_ms;
    check_pressure(s);
}

static void maybe_finish_stop(sb_store_t *s)
{
    if (!s->stopping || s->stopped)
        return;
    if (s->ac) {
        /* redisAsyncDisconnect waits for pending replies, then closes: "flush what Redis owes" */
        if (s->stop_now || !s->oldest) {
            redisAsyncContext *ac = s->ac;
            if (!(ac->c.flags & REDIS_DISCONNECTING))
                redisAsyncDisconnect(ac);
        }
        return;
    }
    s->stopped = true;
    sb_timer_disarm(s->timers, &s->reconnect);
    uv_timer_stop(&s->watchdog);
    uv_close((uv_handle_t *)&s->watchdog, NULL);
    if (s->stop_done)
        s->stop_done(s->stop_arg);
}

void sb_store_stop(sb_store_t *s, bool now, void (*done)(void *arg), void *arg)
{
    if (s->stopped)
        return;
    s->stopping = true;
    s->stop_now = now;
    s->stop_done = done;
    s->stop_arg = arg;
    sb_timer_disarm(s->timers, &s->reconnect);
    maybe_finish_stop(s);
}

void sb_store_destroy(sb_store_t *s)
{
    if (!s)
        return;
    free(s->unix_path);
    free(s->host);
    free(s->password);
    free(s);
}

bool sb_store_ready(const sb_store_t *s)
{
    return s->st == ST_READY;
}

bool sb_store_paused(const sb_store_t *s)
{
    return s->paused;
}

uint32_t sb_store_in_flight(const sb_store_t *s)
{
    return s->in_flight;
}

const char *sb_store_run_id(const sb_store_t *s)
{
    return s->run_id;
}
