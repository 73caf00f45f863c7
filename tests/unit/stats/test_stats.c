/* Statistics against a real Redis: scripted events with known timings on both sides of a bucket
 * boundary, flushed and read back with the synchronous hiredis API, exact values asserted.
 *
 * The store reaches Redis through a small proxy in a thread, so that a test can lose requests or
 * replies on purpose and then cut the connection: the two ways a write's outcome becomes unknown.
 * Time is only ever the `now` passed to the module, plus the test clock for the store's
 * reconnect backoff; nothing sleeps to let time pass. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stats/stats.h"
#include "redis_fixture.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/err.h"

#define PREFIX "sb:{t}:"
/* 2026-01-01T00:00:00Z: the start of a bucket */
#define T0        1767225600000ull
#define T1        (T0 + SB_STATS_BUCKET_MS)
#define RETENTION 30u

/* ------------------------------------------------------------------------------------------------
 * A proxy between the store and Redis that can drop one direction and cut the connection
 * ---------------------------------------------------------------------------------------------- */

enum { PX_PASS, PX_DROP_REPLIES, PX_DROP_REQUESTS };

typedef struct {
    char path[300];
    char upstream[330];
    int lfd, cfd, ufd;
    pthread_t th;
    atomic_int mode, cut, cuts, stop;
} proxy_t;

static void px_close_pair(proxy_t *p)
{
    if (p->cfd >= 0)
        close(p->cfd);
    if (p->ufd >= 0)
        close(p->ufd);
    p->cfd = p->ufd = -1;
}

static int unix_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (n >= sizeof a.sun_path) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    memcpy(a.sun_path, path, n + 1);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void write_all(int fd, const char *b, ssize_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, (size_t)n);
        if (w <= 0 && errno != EINTR)
            return;
        if (w > 0) {
            b += w;
            n -= w;
        }
    }
}

/* Moves bytes from `from` to `to` (or nowhere); false when `from` closed. */
static bool px_pump(int from, int to, bool drop)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return false;
    if (!drop)
        write_all(to, buf, n);
    return true;
}

static void *px_main(void *arg)
{
    proxy_t *p = arg;
    while (!atomic_load(&p->stop)) {
        if (atomic_load(&p->cut)) {
            px_close_pair(p);
            atomic_store(&p->cut, 0);
            atomic_fetch_add(&p->cuts, 1);
        }
        struct pollfd fds[3] = {{.fd = p->lfd, .events = POLLIN},
                                {.fd = p->cfd, .events = POLLIN},
                                {.fd = p->ufd, .events = POLLIN}};
        if (poll(fds, 3, 5) <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            int c = accept(p->lfd, NULL, NULL);
            px_close_pair(p);
            p->ufd = unix_connect(p->upstream);
            p->cfd = c;
            continue;
        }
        int mode = atomic_load(&p->mode);
        if (p->cfd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) &&
            !px_pump(p->cfd, p->ufd, mode == PX_DROP_REQUESTS))
            px_close_pair(p);
        else if (p->ufd >= 0 && (fds[2].revents & (POLLIN | POLLHUP)) &&
                 !px_pump(p->ufd, p->cfd, mode == PX_DROP_REPLIES))
            px_close_pair(p);
    }
    px_close_pair(p);
    return NULL;
}

static int px_start(proxy_t *p, const char *dir, const char *upstream)
{
    snprintf(p->path, sizeof p->path, "%s/proxy.sock", dir);
    snprintf(p->upstream, sizeof p->upstream, "%s", upstream);
    p->cfd = p->ufd = -1;
    p->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%.*s", (int)sizeof a.sun_path - 1, p->path);
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(p->lfd, 4))
        return -1;
    return pthread_create(&p->th, NULL, px_main, p);
}

static void px_stop(proxy_t *p)
{
    atomic_store(&p->stop, 1);
    pthread_join(p->th, NULL);
    close(p->lfd);
}

/* ------------------------------------------------------------------------------------------------
 * Fixture: Redis, the proxy, a store on a uv loop, the module, and a synchronous reader
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    uv_loop_t loop;
    sb_timers_t timers;
    sb_test_redis_t redis;
    proxy_t px;
    sb_store_t *store;
    sb_stats_t *st;
    redisContext *rc;
    int ready, down;
    char addr[320];
} fx_t;

static void on_ready(sb_store_t *s, void *u)
{
    (void)s;
    ((fx_t *)u)->ready++;
}

static void on_down(sb_store_t *s, void *u)
{
    (void)s;
    ((fx_t *)u)->down++;
}

static void pump(fx_t *f)
{
    uv_run(&f->loop, UV_RUN_NOWAIT);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* Runs the loop until `cond` holds, for at most ~5 s of real time (I/O, not time, is awaited). */
#define SPIN_UNTIL(f, cond)                                                                        \
    do {                                                                                           \
        for (int spin_ = 0; spin_ < 5000 && !(cond); spin_++)                                      \
            pump(f);                                                                               \
        assert_true(cond);                                                                         \
    } while (0)

static sb_stats_info_t info(fx_t *f)
{
    sb_stats_info_t i;
    sb_stats_get_info(f->st, &i);
    return i;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    sb_clock_enable_test();
    uv_loop_init(&f->loop);
    sb_timers_init(&f->timers, &f->loop);
    if (sb_test_redis_start(&f->redis) != 0 || px_start(&f->px, f->redis.dir, f->redis.sock))
        return -1;
    snprintf(f->addr, sizeof f->addr, "unix:%s", f->px.path);
    sb_store_options_t o = {.address = f->addr, .max_in_flight = 1000, .timeout_ms = 60000};
    sb_store_events_t ev = {on_ready, on_down, NULL, f};
    f->store = sb_store_create(&f->loop, &f->timers, &o, &ev);
    f->st = sb_stats_create(PREFIX, RETENTION);
    f->rc = redisConnectUnix(f->redis.sock);
    if (!f->store || !f->st || !f->rc || f->rc->err)
        return -1;
    SPIN_UNTIL(f, f->ready == 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    /* destroyed first on purpose: writes may still be in flight, the module must cope */
    sb_stats_destroy(f->st);
    sb_store_stop(f->store, true, NULL, NULL);
    sb_timers_dispose(&f->timers);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    sb_store_destroy(f->store);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    redisFree(f->rc);
    px_stop(&f->px);
    sb_test_redis_stop(&f->redis);
    free(f);
    return 0;
}

/* Moves the test clock until the store has reconnected (its backoff runs on that clock). */
static void reconnect(fx_t *f)
{
    int want = f->ready + 1;
    for (int i = 0; i < 40 && f->ready < want; i++) {
        sb_clock_advance(6000);
        sb_timers_run(&f->timers);
        for (int k = 0; k < 50 && f->ready < want; k++)
            pump(f);
    }
    assert_int_equal(f->ready, want);
}

/* Flushes at `now` and waits for every reply. */
static void flush(fx_t *f, uint64_t now)
{
    assert_int_equal(sb_stats_flush(f->st, f->store, now), 0);
    SPIN_UNTIL(f, info(f).in_flight == 0);
}

static redisReply *cmdf(fx_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(f->rc, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}

/* A field of a bucket hash ("q:benefits", T0, "answered"); -1 when absent. */
static long long hget(fx_t *f, const char *who, uint64_t bucket, const char *field)
{
    char key[256];
    snprintf(key, sizeof key, PREFIX "st:%s:%llu", who, (unsigned long long)bucket);
    redisReply *r = cmdf(f, "HGET %s %s", key, field);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    return v;
}

static long long live(fx_t *f, const char *field)
{
    redisReply *r = cmdf(f, "HGET " PREFIX "st:live %s", field);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    return v;
}

static long long int_cmd(fx_t *f, const char *fmt, const char *arg)
{
    redisReply *r = cmdf(f, fmt, arg);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1000;
    freeReplyObject(r);
    return v;
}

static size_t count_keys(fx_t *f, const char *pattern)
{
    redisReply *r = cmdf(f, "KEYS %s", pattern);
    size_t n = r->elements;
    freeReplyObject(r);
    return n;
}

/* ------------------------------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------------------------------- */

static void test_bucket_boundary_exact_values(void **state)
{
    fx_t *f = *state;
    uint64_t last_ms = T1 - 1; /* the last millisecond of the first bucket */
    sb_stats_answered(f->st, "benefits", "ana", SB_CHAN_CHAT, 30000, 60000, T0 + 100000);
    sb_stats_answered(f->st, "benefits", "ben", SB_CHAN_VOICE, 90000, 60000, last_ms);
    sb_stats_first_response(f->st, "benefits", "ana", 12000, T0 + 200000);
    sb_stats_response(f->st, "benefits", "ana", 5000, last_ms);
    sb_stats_response(f->st, "benefits", "ana", 7000, last_ms);
    sb_stats_handled(f->st, "benefits", "ana", SB_CHAN_CHAT, 300000, 45000, false, T1);
    sb_stats_handled(f->st, "benefits", "ben", SB_CHAN_VOICE, 200000, 120000, true, T1 + 5);
    sb_stats_customer_disconnected(f->st, "benefits", "ana", T1);
    assert_int_equal(info(f).buckets, 6); /* 3 names x 2 buckets */
    flush(f, T1 + 10);

    /* the queue, first bucket: both answers, SL parts, responses */
    assert_int_equal(hget(f, "q:benefits", T0, "offered"), 2);
    assert_int_equal(hget(f, "q:benefits", T0, "answered"), 2);
    assert_int_equal(hget(f, "q:benefits", T0, "answered_sl"), 1);
    assert_int_equal(hget(f, "q:benefits", T0, "answered.chat"), 1);
    assert_int_equal(hget(f, "q:benefits", T0, "answered.voice"), 1);
    assert_int_equal(hget(f, "q:benefits", T0, "answered_sl.chat"), 1);
    assert_int_equal(hget(f, "q:benefits", T0, "answered_sl.voice"), -1);
    assert_int_equal(hget(f, "q:benefits", T0, "wait_sum_ms"), 120000);
    assert_int_equal(hget(f, "q:benefits", T0, "wait_n"), 2);
    assert_int_equal(hget(f, "q:benefits", T0, "first_resp_sum_ms"), 12000);
    assert_int_equal(hget(f, "q:benefits", T0, "first_resp_n"), 1);
    assert_int_equal(hget(f, "q:benefits", T0, "resp_sum_ms"), 12000);
    assert_int_equal(hget(f, "q:benefits", T0, "resp_n"), 2);
    assert_int_equal(hget(f, "q:benefits", T0, "sl_threshold_ms"), 60000);
    assert_int_equal(hget(f, "q:benefits", T0, "talk_n"), -1);
    /* the queue, second bucket: both segments ended there */
    assert_int_equal(hget(f, "q:benefits", T1, "answered"), -1);
    assert_int_equal(hget(f, "q:benefits", T1, "talk_sum_ms"), 500000);
    assert_int_equal(hget(f, "q:benefits", T1, "talk_n"), 2);
    assert_int_equal(hget(f, "q:benefits", T1, "wrap_sum_ms"), 165000);
    assert_int_equal(hget(f, "q:benefits", T1, "wrap_n"), 2);
    assert_int_equal(hget(f, "q:benefits", T1, "handle_sum_ms"), 665000);
    assert_int_equal(hget(f, "q:benefits", T1, "handle_n"), 2);
    assert_int_equal(hget(f, "q:benefits", T1, "handle_sum_ms.chat"), 345000);
    assert_int_equal(hget(f, "q:benefits", T1, "handle_sum_ms.voice"), 320000);
    assert_int_equal(hget(f, "q:benefits", T1, "wrap_flagged"), 1);
    assert_int_equal(hget(f, "q:benefits", T1, "customer_disconnected"), 1);
    /* the agents: each only their own */
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "wait_sum_ms"), 30000);
    assert_int_equal(hget(f, "a:ana", T0, "resp_n"), 2);
    assert_int_equal(hget(f, "a:ana", T1, "handle_sum_ms"), 345000);
    assert_int_equal(hget(f, "a:ana", T1, "customer_disconnected"), 1);
    assert_int_equal(hget(f, "a:ana", T1, "wrap_flagged"), -1);
    assert_int_equal(hget(f, "a:ben", T0, "answered_sl"), -1);
    assert_int_equal(hget(f, "a:ben", T0, "answered"), 1);
    assert_int_equal(hget(f, "a:ben", T1, "wrap_flagged"), 1);
    assert_int_equal(hget(f, "a:ben", T1, "handle_sum_ms.voice"), 320000);
    assert_int_equal(count_keys(f, PREFIX "st:[qa]:*"), 6);
    /* written, confirmed, forgotten */
    sb_stats_info_t i = info(f);
    assert_int_equal(i.writes, 6);
    assert_int_equal(i.buckets, 0);
    assert_int_equal(i.in_doubt, 0);
}

static void test_service_level_parts_and_short_abandons(void **state)
{
    fx_t *f = *state;
    const uint64_t T = 60000, SHORT = 10000, now = T0 + 1000;
    sb_stats_answered(f->st, "claims", NULL, SB_CHAN_CHAT, 0, T, now);
    sb_stats_answered(f->st, "claims", NULL, SB_CHAN_CHAT, 60000, T, now); /* at T: within */
    sb_stats_answered(f->st, "claims", NULL, SB_CHAN_CHAT, 60001, T, now);
    sb_stats_answered(f->st, "claims", NULL, SB_CHAN_CHAT, 200000, T, now);
    sb_stats_abandoned(f->st, "claims", SB_CHAN_CHAT, 9999, SHORT, now); /* short */
    sb_stats_abandoned(f->st, "claims", SB_CHAN_CHAT, 10000, SHORT, now);
    sb_stats_abandoned(f->st, "claims", SB_CHAN_CHAT, 500, SHORT, now); /* short */
    sb_stats_abandoned(f->st, "claims", SB_CHAN_VIDEO, 120000, SHORT, now);
    flush(f, now);
    long long answered = hget(f, "q:claims", T0, "answered");
    long long within = hget(f, "q:claims", T0, "answered_sl");
    long long abandoned = hget(f, "q:claims", T0, "abandoned");
    long long short_ab = hget(f, "q:claims", T0, "short_abandoned");
    assert_int_equal(answered, 4);
    assert_int_equal(within, 2);
    assert_int_equal(abandoned, 4); /* short abandons included */
    assert_int_equal(short_ab, 2);
    assert_int_equal(hget(f, "q:claims", T0, "offered"), 8);
    assert_int_equal(hget(f, "q:claims", T0, "abandon_wait_sum_ms"), 140499);
    assert_int_equal(hget(f, "q:claims", T0, "abandoned.video"), 1);
    assert_int_equal(hget(f, "q:claims", T0, "short_abandoned.chat"), 2);
    assert_int_equal(hget(f, "q:claims", T0, "short_abandoned.video"), -1);
    /* SL = answered within T / (answered + abandoned - short abandons) = 2 / 6 */
    assert_int_equal(within * 6, 2 * (answered + abandoned - short_ab));

    /* a second flush into the same bucket adds (the hash sums every batch) */
    sb_stats_answered(f->st, "claims", NULL, SB_CHAN_CHAT, 1000, T, now + 60000);
    sb_stats_abandoned(f->st, "claims", SB_CHAN_CHAT, 100, SHORT, now + 60000);
    flush(f, now + 60000);
    assert_int_equal(hget(f, "q:claims", T0, "answered"), 5);
    assert_int_equal(hget(f, "q:claims", T0, "answered_sl"), 3);
    assert_int_equal(hget(f, "q:claims", T0, "abandoned"), 5);
    assert_int_equal(hget(f, "q:claims", T0, "short_abandoned"), 3);
    assert_int_equal(hget(f, "q:claims", T0, "wait_n"), 5);
}

static void test_agent_status_split_at_bucket_boundaries(void **state)
{
    fx_t *f = *state;
    /* a completed status of 2 minutes reported 30 s into the second bucket */
    sb_stats_agent_status(f->st, "ana", "away", "Case work", 120000, T1 + 30000);
    /* a running status across the boundary, recorded at every flush */
    sb_stats_agent_status_begin(f->st, "ben", "available", NULL, T0 + 10000);
    flush(f, T0 + 500000);
    assert_int_equal(hget(f, "a:ana", T0, "time_ms:away"), 90000);
    assert_int_equal(hget(f, "a:ana", T0, "time_ms:away:Case work"), 90000);
    assert_int_equal(hget(f, "a:ana", T1, "time_ms:away"), 30000);
    assert_int_equal(hget(f, "a:ana", T1, "time_ms:away:Case work"), 30000);
    assert_int_equal(hget(f, "a:ben", T0, "time_ms:available"), 490000);
    flush(f, T1 + 100000);
    assert_int_equal(hget(f, "a:ben", T0, "time_ms:available"), 890000);
    assert_int_equal(hget(f, "a:ben", T1, "time_ms:available"), 100000);
    sb_stats_agent_status_end(f->st, "ben", T1 + 100500);
    flush(f, T1 + 100600);
    flush(f, T1 + 200000); /* ended: nothing more */
    assert_int_equal(hget(f, "a:ben", T1, "time_ms:available"), 100500);

    /* a new begin ends the previous status */
    sb_stats_agent_status_begin(f->st, "cara", "available", "", T1);
    sb_stats_agent_status_begin(f->st, "cara", "away", "Lunch", T1 + 60000);
    sb_stats_agent_status_end(f->st, "cara", T1 + 90000);
    flush(f, T1 + 90000);
    assert_int_equal(hget(f, "a:cara", T1, "time_ms:available"), 60000);
    assert_int_equal(hget(f, "a:cara", T1, "time_ms:away"), 30000);
    assert_int_equal(hget(f, "a:cara", T1, "time_ms:away:Lunch"), 30000);
    assert_int_equal(hget(f, "a:cara", T1, "time_ms:available:Lunch"), -1);

    /* more than a day in one report: only the last 24 h is recorded */
    sb_stats_agent_status(f->st, "dan", "offline", NULL, 25 * 3600000ull, T1 + 3 * 86400000ull);
    assert_int_equal(info(f).clipped_ms, 3600000);
    assert_int_equal(info(f).buckets, 96);

    /* statuses and reasons that may not reach a field name */
    uint64_t refused = info(f).refused;
    sb_stats_agent_status(f->st, "ana", "away now", NULL, 1000, T1);
    sb_stats_agent_status(f->st, "ana", "away:x", NULL, 1000, T1);
    sb_stats_agent_status(f->st, "ana", "away", "bad\x01reason", 1000, T1);
    sb_stats_agent_status(f->st, "ana", "away", "\xff\xfe", 1000, T1);
    sb_stats_agent_status_begin(f->st, "ana", "", NULL, T1);
    assert_int_equal(info(f).refused, refused + 5);
}

static void test_running_status_written_once_a_minute(void **state)
{
    fx_t *f = *state;
    /* an idle agent costs no Redis write per flush: the running time goes out once a minute */
    sb_stats_agent_status_begin(f->st, "eve", "available", NULL, T0 + 10000);
    flush(f, T0 + 11000);
    flush(f, T0 + 40000);
    assert_int_equal(hget(f, "a:eve", T0, "time_ms:available"), -1);
    flush(f, T0 + 70000);
    assert_int_equal(hget(f, "a:eve", T0, "time_ms:available"), 60000);
    flush(f, T0 + 100000);
    assert_int_equal(hget(f, "a:eve", T0, "time_ms:available"), 60000);
    /* ... and all of it when told to settle (shutdown) */
    sb_stats_settle(f->st, T0 + 100000);
    flush(f, T0 + 100000);
    assert_int_equal(hget(f, "a:eve", T0, "time_ms:available"), 90000);
    /* a status change writes at once */
    sb_stats_agent_status_begin(f->st, "eve", "away", "Lunch", T0 + 105000);
    flush(f, T0 + 105000);
    assert_int_equal(hget(f, "a:eve", T0, "time_ms:available"), 95000);
}

static void test_offers_csat_and_wrapups(void **state)
{
    fx_t *f = *state;
    uint64_t now = T0 + 5000;
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_OFFERED, now);
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_TIMED_OUT, now);
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_OFFERED, now);
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_DECLINED, now);
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_OFFERED, now);
    sb_stats_offer(f->st, "jobs", "ana", SB_OFFER_ACCEPTED, now);
    sb_stats_csat(f->st, "jobs", "ana", 5, now);
    sb_stats_csat(f->st, "jobs", "ana", 4, now);
    sb_stats_csat(f->st, "jobs", NULL, 4, now);
    sb_stats_csat(f->st, "jobs", "ana", 0, now); /* refused */
    sb_stats_csat(f->st, "jobs", "ana", 6, now); /* refused */
    sb_stats_handled(f->st, "jobs", "ana", SB_CHAN_TASK, 600000, 0, true, now);
    flush(f, now);
    assert_int_equal(hget(f, "q:jobs", T0, "offers"), 3);
    assert_int_equal(hget(f, "q:jobs", T0, "offers_accepted"), 1);
    assert_int_equal(hget(f, "q:jobs", T0, "offers_declined"), 1);
    assert_int_equal(hget(f, "q:jobs", T0, "offers_timed_out"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "offers"), 3);
    assert_int_equal(hget(f, "a:ana", T0, "offers_timed_out"), 1);
    assert_int_equal(hget(f, "q:jobs", T0, "csat_sum"), 13);
    assert_int_equal(hget(f, "q:jobs", T0, "csat_n"), 3);
    assert_int_equal(hget(f, "q:jobs", T0, "csat_4"), 2);
    assert_int_equal(hget(f, "q:jobs", T0, "csat_5"), 1);
    assert_int_equal(hget(f, "q:jobs", T0, "csat_1"), -1);
    assert_int_equal(hget(f, "a:ana", T0, "csat_sum"), 9);
    assert_int_equal(hget(f, "a:ana", T0, "csat_n"), 2);
    assert_int_equal(hget(f, "a:ana", T0, "wrap_flagged"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "wrap_n"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "wrap_sum_ms"), -1); /* zero is not written */
    assert_int_equal(hget(f, "a:ana", T0, "handle_n.task"), 1);
    assert_int_equal(info(f).refused, 2);
}

static void test_concurrency_gauges(void **state)
{
    fx_t *f = *state;
    sb_stats_concurrency(f->st, "q1", "ana", +1);
    sb_stats_concurrency(f->st, "q1", "ben", +1);
    sb_stats_concurrency(f->st, "q2", "ana", +1);
    sb_stats_concurrency(f->st, "q1", "ben", -1);
    flush(f, T0 + 1000);
    assert_int_equal(live(f, "total"), 2);
    assert_int_equal(live(f, "q:q1"), 1);
    assert_int_equal(live(f, "q:q2"), 1);
    assert_int_equal(live(f, "a:ana"), 2);
    assert_int_equal(live(f, "a:ben"), -1); /* back to zero: gone */
    assert_int_equal(live(f, "updated_ms"), (long long)(T0 + 1000));
    long long ttl = int_cmd(f, "TTL %s", PREFIX "st:live");
    assert_true(ttl > 0 && ttl <= 60);

    /* more ends than starts never go below zero */
    sb_stats_concurrency(f->st, "q2", "ana", -5);
    flush(f, T0 + 2000);
    assert_int_equal(live(f, "total"), 0);
    assert_int_equal(live(f, "q:q2"), -1);
    assert_int_equal(live(f, "a:ana"), -1);
    assert_int_equal(live(f, "q:q1"), 1);
    assert_int_equal(int_cmd(f, "HLEN %s", PREFIX "st:live"), 3);

    /* unchanged gauges are refreshed every 15 s (their key expires after 60) */
    flush(f, T0 + 3000);
    assert_int_equal(live(f, "updated_ms"), (long long)(T0 + 2000));
    flush(f, T0 + 17000);
    assert_int_equal(live(f, "updated_ms"), (long long)(T0 + 17000));
}

static void test_expire_is_retention(void **state)
{
    fx_t *f = *state;
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 1, 60000, T0);
    flush(f, T0);
    long long want = RETENTION * 86400ll;
    long long tq = int_cmd(f, "TTL %s",
                           PREFIX "st:q:q1:"
                                  "1767225600000");
    long long ta = int_cmd(f, "TTL %s",
                           PREFIX "st:a:ana:"
                                  "1767225600000");
    assert_true(tq > want - 60 && tq <= want);
    assert_true(ta > want - 60 && ta <= want);
}

static void test_invalid_identifiers_refused(void **state)
{
    fx_t *f = *state;
    char long_id[66], max_id[65];
    memset(long_id, 'a', 65);
    long_id[65] = 0;
    memset(max_id, 'm', 64);
    max_id[64] = 0;
    const char *bad[] = {"bad queue", "", long_id, "q/1", "q{x}", "\xc3\xa9", "q\n1", "q*"};
    size_t n_bad = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < n_bad; i++) {
        sb_stats_answered(f->st, bad[i], "ana", SB_CHAN_CHAT, 1, 60000, T0);
        sb_stats_answered(f->st, "ok", bad[i], SB_CHAN_CHAT, 1, 60000, T0); /* dropped whole */
        sb_stats_concurrency(f->st, "ok", bad[i], +1);
        sb_stats_agent_status(f->st, bad[i], "away", NULL, 1000, T0);
    }
    sb_stats_answered(f->st, NULL, NULL, SB_CHAN_CHAT, 1, 60000, T0);
    sb_stats_answered(f->st, "ok", "ana", (sb_channel_t)9, 1, 60000, T0);
    assert_int_equal(info(f).refused, 4 * n_bad + 2);
    assert_int_equal(info(f).buckets, 0);
    /* the longest valid identifier, with every allowed character class */
    sb_stats_answered(f->st, max_id, "A-z_0.9:x", SB_CHAN_CHAT, 1, 60000, T0);
    flush(f, T0);
    assert_int_equal(count_keys(f, PREFIX "st:[qa]:*"), 2);
    assert_int_equal(count_keys(f, PREFIX "st:q:ok:*"), 0);
    char who[80];
    snprintf(who, sizeof who, "q:%s", max_id);
    assert_int_equal(hget(f, who, T0, "answered"), 1);
    assert_int_equal(hget(f, "a:A-z_0.9:x", T0, "answered"), 1);
    assert_int_equal(live(f, "total"), 0);
}

static void test_bounded_buckets(void **state)
{
    fx_t *f = *state;
    sb_stats_set_max_buckets(f->st, 3);
    const char *qs[] = {"q1", "q2", "q3", "q4", "q5"};
    for (int i = 0; i < 5; i++)
        sb_stats_abandoned(f->st, qs[i], SB_CHAN_CHAT, 20000, 10000, T0);
    sb_stats_abandoned(f->st, "q1", SB_CHAN_CHAT, 20000, 10000, T0); /* held already */
    sb_stats_abandoned(f->st, "q1", SB_CHAN_CHAT, 20000, 10000, T1); /* a new bucket */
    /* an event on both sides counts on both or on neither */
    sb_stats_answered(f->st, "q2", "ana", SB_CHAN_CHAT, 1, 60000, T0);
    sb_stats_answered(f->st, "q9", "ana", SB_CHAN_CHAT, 1, 60000, T0);
    sb_stats_info_t i = info(f);
    assert_int_equal(i.buckets, 3);
    assert_int_equal(i.dropped, 5);
    flush(f, T0 + 1000);
    assert_int_equal(hget(f, "q:q1", T0, "abandoned"), 2);
    assert_int_equal(hget(f, "q:q2", T0, "abandoned"), 1);
    assert_int_equal(hget(f, "q:q2", T0, "answered"), -1);
    assert_int_equal(hget(f, "q:q4", T0, "abandoned"), -1);
    assert_int_equal(hget(f, "q:q1", T1, "abandoned"), -1);
    assert_int_equal(count_keys(f, PREFIX "st:a:*"), 0);
    /* flushed buckets are freed: room again */
    assert_int_equal(info(f).buckets, 0);
    sb_stats_abandoned(f->st, "q4", SB_CHAN_CHAT, 20000, 10000, T0 + 2000);
    flush(f, T0 + 2000);
    assert_int_equal(hget(f, "q:q4", T0, "abandoned"), 1);
}

static void test_store_down_keeps_counts(void **state)
{
    fx_t *f = *state;
    sb_test_redis_kill(&f->redis);
    SPIN_UNTIL(f, f->down == 1);
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 5000, 60000, T0);
    sb_stats_concurrency(f->st, "q1", "ana", +1);
    assert_int_equal(sb_stats_flush(f->st, f->store, T0 + 1000), SB_E_STORE_DOWN);
    assert_int_equal(sb_stats_flush(f->st, f->store, T0 + 2000), SB_E_STORE_DOWN);
    assert_int_equal(info(f).buckets, 2);
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 7000, 60000, T0 + 3000);
    assert_int_equal(sb_test_redis_restart(&f->redis), 0);
    redisFree(f->rc);
    f->rc = redisConnectUnix(f->redis.sock);
    reconnect(f);
    flush(f, T0 + 4000);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 2);
    assert_int_equal(hget(f, "q:q1", T0, "wait_sum_ms"), 12000);
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 2);
    assert_int_equal(live(f, "total"), 1);
    assert_int_equal(info(f).buckets, 0);
}

static void test_busy_store_keeps_counts(void **state)
{
    fx_t *f = *state;
    char q[8];
    for (int i = 0; i < 6; i++) {
        snprintf(q, sizeof q, "q%d", i);
        sb_stats_answered(f->st, q, NULL, SB_CHAN_CHAT, 1000, 60000, T0);
    }
    sb_store_set_limits(f->store, 2, 0);
    /* the live gauges and one bucket fit in the window; the rest waits */
    assert_int_equal(sb_stats_flush(f->st, f->store, T0), SB_E_BUSY);
    assert_int_equal(info(f).in_flight, 2);
    SPIN_UNTIL(f, info(f).in_flight == 0);
    assert_int_equal(info(f).buckets, 5);
    int rc, rounds = 0;
    do {
        rc = sb_stats_flush(f->st, f->store, T0 + 1000);
        SPIN_UNTIL(f, info(f).in_flight == 0);
        rounds++;
    } while (rc == SB_E_BUSY && rounds < 10);
    assert_int_equal(rc, 0);
    assert_int_equal(rounds, 3);
    for (int i = 0; i < 6; i++) {
        snprintf(q, sizeof q, "q:q%d", i);
        assert_int_equal(hget(f, q, T0, "answered"), 1);
    }
    assert_int_equal(info(f).buckets, 0);
}

/* The write reaches Redis and is applied, then the reply is lost with the connection: sending it
 * again must not count it twice. */
static void test_reply_lost_after_apply_not_double_counted(void **state)
{
    fx_t *f = *state;
    /* load the scripts first: a lost NOSCRIPT reply would hide the EVAL that applies them */
    sb_stats_answered(f->st, "q0", NULL, SB_CHAN_CHAT, 1, 60000, T0);
    sb_stats_concurrency(f->st, "q0", NULL, +1);
    flush(f, T0);
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 5000, 60000, T0);
    sb_stats_concurrency(f->st, "q0", NULL, -1);
    atomic_store(&f->px.mode, PX_DROP_REPLIES);
    assert_int_equal(sb_stats_flush(f->st, f->store, T0 + 1000), 0);
    SPIN_UNTIL(f, hget(f, "a:ana", T0, "answered") == 1 && hget(f, "q:q1", T0, "answered") == 1);
    assert_int_equal(info(f).in_flight, 3); /* live, queue, agent: no reply yet */
    atomic_store(&f->px.cut, 1);
    SPIN_UNTIL(f, info(f).in_flight == 0);
    assert_int_equal(info(f).in_doubt, 2);
    /* new counts for the same buckets wait behind the writes in doubt */
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 7000, 60000, T0 + 2000);
    atomic_store(&f->px.mode, PX_PASS);
    reconnect(f);
    flush(f, T0 + 3000);
    sb_stats_info_t i = info(f);
    assert_int_equal(i.retries, 2);
    assert_int_equal(i.deduplicated, 2);
    assert_int_equal(i.in_doubt, 0);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 1);
    assert_int_equal(hget(f, "q:q1", T0, "wait_sum_ms"), 5000);
    flush(f, T0 + 4000);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 2);
    assert_int_equal(hget(f, "q:q1", T0, "wait_sum_ms"), 12000);
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 2);
    assert_int_equal(info(f).buckets, 0);
}

/* The write never reaches Redis and the connection fails: it is sent again and counted once. */
static void test_request_lost_is_sent_again(void **state)
{
    fx_t *f = *state;
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 5000, 60000, T0);
    atomic_store(&f->px.mode, PX_DROP_REQUESTS);
    assert_int_equal(sb_stats_flush(f->st, f->store, T0 + 1000), 0);
    for (int k = 0; k < 20; k++)
        pump(f); /* let hiredis write it out (into the void) */
    atomic_store(&f->px.cut, 1);
    SPIN_UNTIL(f, info(f).in_flight == 0);
    assert_int_equal(info(f).in_doubt, 2);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), -1);
    atomic_store(&f->px.mode, PX_PASS);
    reconnect(f);
    flush(f, T0 + 3000);
    sb_stats_info_t i = info(f);
    assert_int_equal(i.retries, 2);
    assert_int_equal(i.deduplicated, 0);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 1);
    assert_int_equal(hget(f, "a:ana", T0, "wait_sum_ms"), 5000);
}

/* Redis out of memory refuses the write before changing anything: the counts go again later. */
static void test_out_of_memory_requeues(void **state)
{
    fx_t *f = *state;
    freeReplyObject(cmdf(f, "CONFIG SET maxmemory 1"));
    sb_stats_answered(f->st, "q1", NULL, SB_CHAN_CHAT, 5000, 60000, T0);
    flush(f, T0);
    assert_int_equal(info(f).requeued, 1);
    sb_stats_answered(f->st, "q1", NULL, SB_CHAN_CHAT, 6000, 60000, T0 + 1);
    flush(f, T0 + 1);
    assert_int_equal(info(f).requeued, 2);
    assert_int_equal(info(f).buckets, 1);
    freeReplyObject(cmdf(f, "CONFIG SET maxmemory 0"));
    assert_int_equal(hget(f, "q:q1", T0, "answered"), -1);
    flush(f, T0 + 2);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 2);
    assert_int_equal(hget(f, "q:q1", T0, "wait_sum_ms"), 11000);
    assert_int_equal(info(f).lost, 0);
}

/* A key of the wrong type refuses for good: that batch is dropped and counted, others go on. */
static void test_wrong_type_loses_only_its_batch(void **state)
{
    fx_t *f = *state;
    freeReplyObject(cmdf(f, "SET %s x", PREFIX "st:q:q1:1767225600000"));
    sb_stats_answered(f->st, "q1", "ana", SB_CHAN_CHAT, 5000, 60000, T0);
    flush(f, T0);
    assert_int_equal(info(f).lost, 1);
    assert_int_equal(info(f).buckets, 0);
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 1);
    /* a corrupted field is skipped, the rest of the batch applies */
    freeReplyObject(cmdf(f, "HSET %s wait_n x", PREFIX "st:a:ana:1767225600000"));
    sb_stats_answered(f->st, NULL, "ana", SB_CHAN_CHAT, 5000, 60000, T0);
    flush(f, T0);
    assert_int_equal(info(f).bad_fields, 1);
    assert_int_equal(hget(f, "a:ana", T0, "answered"), 2);
}

/* The embedded scripts' SHA1s match their bodies: loaded at connect, they run by EVALSHA without
 * a single NOSCRIPT. */
static void test_script_sha_matches_body(void **state)
{
    fx_t *f = *state;
    sb_stats_answered(f->st, "q1", NULL, SB_CHAN_CHAT, 1, 60000, T0);
    flush(f, T0);
    sb_stats_answered(f->st, "q1", NULL, SB_CHAN_CHAT, 1, 60000, T0);
    sb_stats_concurrency(f->st, "q1", NULL, 1);
    flush(f, T0 + 1);
    redisReply *r = cmdf(f, "INFO errorstats");
    const char *p = strstr(r->str, "errorstat_NOSCRIPT:count=");
    int n = p ? atoi(p + strlen("errorstat_NOSCRIPT:count=")) : 0;
    freeReplyObject(r);
    /* every script is loaded at connect (SCRIPT LOAD), so EVALSHA never misses; a sha that did
     * not match its body would miss on every call */
    assert_int_equal(n, 0);
    assert_int_equal(hget(f, "q:q1", T0, "answered"), 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_bucket_boundary_exact_values),
        T(test_service_level_parts_and_short_abandons),
        T(test_agent_status_split_at_bucket_boundaries),
        T(test_running_status_written_once_a_minute),
        T(test_offers_csat_and_wrapups),
        T(test_concurrency_gauges),
        T(test_expire_is_retention),
        T(test_invalid_identifiers_refused),
        T(test_bounded_buckets),
        T(test_store_down_keeps_counts),
        T(test_busy_store_keeps_counts),
        T(test_reply_lost_after_apply_not_double_counted),
        T(test_request_lost_is_sent_again),
        T(test_out_of_memory_requeues),
        T(test_wrong_type_loses_only_its_batch),
        T(test_script_sha_matches_body),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
