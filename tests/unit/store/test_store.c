/* The Redis connection against a real Redis: scripts and the NOSCRIPT fallback, the in-flight cap
 * and its backpressure signal, failure of pending requests when Redis dies, reconnect (driven by
 * the test clock, not by sleeping), the watchdog, and a stop that flushes what is in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/metrics.h"
#include "redis_fixture.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/err.h"

typedef struct {
    uv_loop_t loop;
    sb_timers_t timers;
    sb_test_redis_t redis;
    sb_store_t *store;
    int ready, down, paused, resumed;
    int replies, nulls;
    long long last_int;
    char last_str[64];
    bool stopped;
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
static void on_pressure(sb_store_t *s, bool paused, void *u)
{
    (void)s;
    if (paused)
        ((fx_t *)u)->paused++;
    else
        ((fx_t *)u)->resumed++;
}

static void reply_cb(sb_store_t *s, redisReply *r, void *priv)
{
    fx_t *f = priv;
    (void)s;
    f->replies++;
    if (!r) {
        f->nulls++;
        return;
    }
    if (r->type == REDIS_REPLY_INTEGER)
        f->last_int = r->integer;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
        r->type == REDIS_REPLY_ERROR)
        snprintf(f->last_str, sizeof f->last_str, "%s", r->str);
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
        r->element[0]->type == REDIS_REPLY_INTEGER)
        f->last_int = r->element[0]->integer;
}

/* Runs the loop until *flag reaches want, for at most ~5 s of real time (a hang is a failure,
 * never a way to wait for a timeout: every timeout here is moved by the test clock). */
static void run_until(fx_t *f, int *flag, int want)
{
    for (int i = 0; i < 5000 && *flag < want; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        if (*flag >= want)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_true(*flag >= want);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    uv_loop_init(&f->loop);
    sb_timers_init(&f->timers, &f->loop);
    if (sb_test_redis_start(&f->redis) != 0)
        return -1;
    sb_store_options_t o = {.address = f->redis.address, .max_in_flight = 4, .timeout_ms = 2000};
    sb_store_events_t ev = {on_ready, on_down, on_pressure, f};
    f->store = sb_store_create(&f->loop, &f->timers, &o, &ev);
    if (!f->store)
        return -1;
    run_until(f, &f->ready, 1);
    *state = f;
    return 0;
}

static void stopped_cb(void *arg)
{
    ((fx_t *)arg)->stopped = true;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    sb_store_stop(f->store, true, stopped_cb, f);
    sb_timers_dispose(&f->timers);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    sb_store_destroy(f->store);
    /* every handle was closed: the loop must be clean */
    assert_int_equal(uv_loop_close(&f->loop), 0);
    sb_test_redis_stop(&f->redis);
    free(f);
    return 0;
}

static int cmd(fx_t *f, const char *a, const char *b, const char *c)
{
    const char *argv[] = {a, b, c};
    size_t lens[] = {strlen(a), b ? strlen(b) : 0, c ? strlen(c) : 0};
    int argc = c ? 3 : b ? 2 : 1;
    return sb_store_cmdargv(f->store, reply_cb, f, argc, argv, lens);
}

static void test_commands_and_run_id(void **state)
{
    fx_t *f = *state;
    assert_true(sb_store_ready(f->store));
    assert_int_equal(strlen(sb_store_run_id(f->store)), 40);
    assert_int_equal(cmd(f, "SET", "k", "v"), 0);
    assert_int_equal(cmd(f, "GET", "k", NULL), 0);
    run_until(f, &f->replies, 2);
    assert_string_equal(f->last_str, "v");
}

static void test_script_and_noscript_fallback(void **state)
{
    fx_t *f = *state;
    /* reserve a sign-in attempt for account "a", whose limit is 1: granted (0), then refused */
    const char *argv[] = {"a", "b", "reserve", "60", "1", "5"};
    size_t lens[] = {1, 1, 7, 2, 1, 1};
    f->last_int = -1;
    assert_int_equal(sb_store_eval(f->store, &sb_lua_login_attempt, reply_cb, f, 2, 6, argv, lens),
                     0);
    run_until(f, &f->replies, 1);
    assert_int_equal(f->last_int, 0);
    /* the script cache is gone (SCRIPT FLUSH, or a Redis that never saw it): EVAL fallback */
    assert_int_equal(cmd(f, "SCRIPT", "FLUSH", NULL), 0);
    run_until(f, &f->replies, 2);
    assert_int_equal(sb_store_eval(f->store, &sb_lua_login_attempt, reply_cb, f, 2, 6, argv, lens),
                     0);
    run_until(f, &f->replies, 3);
    assert_int_equal(f->nulls, 0);
    assert_int_equal(f->last_int, 1);
}

static void test_in_flight_cap_and_pressure(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(cmd(f, "PING", NULL, NULL), 0);
    /* the fifth is refused without being sent, and readers are told to pause */
    assert_int_equal(cmd(f, "PING", NULL, NULL), SB_E_BUSY);
    assert_int_equal(f->paused, 1);
    assert_true(sb_store_paused(f->store));
    run_until(f, &f->replies, 4);
    assert_int_equal(f->resumed, 1);
    assert_false(sb_store_paused(f->store));
    assert_int_equal(sb_store_in_flight(f->store), 0);
}

static void test_redis_dies_and_comes_back(void **state)
{
    fx_t *f = *state;
    sb_clock_enable_test();
    assert_int_equal(cmd(f, "BLPOP", "nothing", "0"), 0); /* waits forever on the server */
    uv_run(&f->loop, UV_RUN_NOWAIT);
    sb_test_redis_kill(&f->redis);
    run_until(f, &f->nulls, 1); /* the pending request fails instead of hanging */
    run_until(f, &f->down, 1);
    assert_false(sb_store_ready(f->store));
    assert_int_equal(cmd(f, "PING", NULL, NULL), SB_E_STORE_DOWN);
    assert_int_equal(sb_test_redis_restart(&f->redis), 0);
    /* the reconnect waits for its backoff: move the clock instead of sleeping */
    for (int i = 0; i < 20 && f->ready < 2; i++) {
        sb_clock_advance(6000);
        sb_timers_run(&f->timers);
        for (int k = 0; k < 50 && f->ready < 2; k++) {
            uv_run(&f->loop, UV_RUN_NOWAIT);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(f->ready, 2);
    assert_int_equal(cmd(f, "PING", NULL, NULL), 0);
}

static void test_watchdog_drops_a_stuck_connection(void **state)
{
    fx_t *f = *state;
    sb_clock_enable_test();
    uint64_t before = sb_metrics.redis_timeouts;
    assert_int_equal(cmd(f, "BLPOP", "nothing", "0"), 0);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    sb_clock_advance(10000); /* the request is now 10 s old on the Switchboard clock */
    run_until(f, &f->nulls, 1);
    assert_int_equal(sb_metrics.redis_timeouts, before + 1);
    assert_int_equal(f->down, 1);
}

static void flushed(void *arg)
{
    ((fx_t *)arg)->stopped = true;
}

static void test_stop_flushes_in_flight(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(cmd(f, "INCR", "n", NULL), 0);
    sb_store_stop(f->store, false, flushed, f);
    for (int i = 0; i < 5000 && !f->stopped; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_true(f->stopped);
    /* every reply arrived before the connection closed */
    assert_int_equal(f->replies, 3);
    assert_int_equal(f->nulls, 0);
    assert_int_equal(f->last_int, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commands_and_run_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_and_noscript_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_flight_cap_and_pressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_dies_and_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_drops_a_stuck_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_flushes_in_flight, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
