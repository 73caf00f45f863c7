/* The one clock (server/util/clock.c): anchored to the wall clock, advanced by a steady clock,
 * slewed back towards the wall clock at a bounded rate. Every test feeds synthetic readings to the
 * pure core, so a wall-clock step is a number here, not a change to the machine's clock. The last
 * test puts the clock in front of the routing engine, as the shell does, with an offer pending
 * while the wall clock steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "route_model.h"
#include "util/clock.h"

#define MS     1000000ull /* nanoseconds */
#define S      (1000 * MS)
#define WALL0  (1700000000000ull * MS)
#define STEAD0 (5000 * S)

/* Feeds `secs` seconds of readings, one every `step_ms`, with the wall clock `skew_ns` away from
 * true time (what a stepped wall clock looks like from inside); returns the clock in ms. */
static uint64_t run(sb_clock_core_t *c, uint64_t *t_ns, uint64_t secs, uint64_t step_ms,
                    int64_t skew_ns)
{
    uint64_t end = *t_ns + secs * S, now = 0;
    while (*t_ns < end) {
        *t_ns += step_ms * MS;
        now =
            sb_clock_core_update(c, (uint64_t)((int64_t)(WALL0 + *t_ns) + skew_ns), STEAD0 + *t_ns);
    }
    return now;
}

static void test_anchored_then_steady(void **state)
{
    (void)state;
    sb_clock_core_t c;
    sb_clock_core_init(&c, SB_CLOCK_SLEW_PPM);
    assert_int_equal(sb_clock_core_update(&c, WALL0, STEAD0), WALL0 / MS);
    uint64_t t = 0;
    /* wall and steady agree: the clock is the wall clock, to the millisecond */
    uint64_t now = run(&c, &t, 60, 10, 0);
    assert_int_equal(now, (WALL0 + t) / MS);
    assert_int_equal(sb_clock_core_error_ms(&c), 0);
}

static void test_step_forward_is_slewed(void **state)
{
    (void)state;
    sb_clock_core_t c;
    sb_clock_core_init(&c, SB_CLOCK_SLEW_PPM);
    uint64_t t = 0;
    sb_clock_core_update(&c, WALL0, STEAD0);
    run(&c, &t, 10, 10, 0);
    uint64_t before = (WALL0 + t) / MS;
    /* the wall clock jumps an hour ahead: one reading later the clock moved by about the time
     * that passed, not by an hour */
    int64_t hour = 3600 * (int64_t)S;
    uint64_t now = run(&c, &t, 1, 1000, hour);
    assert_true(now - before <= 1100);
    assert_true(now - before >= 1000);
    assert_true(sb_clock_core_error_ms(&c) > 3598000);
    /* it catches up at SB_CLOCK_SLEW_PPM: 100 s of real time gain 10 s, never more */
    uint64_t a = run(&c, &t, 100, 50, hour);
    assert_true(a - now >= 110000 - 5 && a - now <= 110000 + 5);
    /* and reaches the wall clock after ten hours, then follows it exactly */
    run(&c, &t, 36000 + 60, 1000, hour);
    assert_int_equal(sb_clock_core_error_ms(&c), 0);
    uint64_t w = run(&c, &t, 5, 10, hour);
    assert_int_equal(w, (uint64_t)((int64_t)(WALL0 + t) + hour) / MS);
}

static void test_step_back_never_freezes(void **state)
{
    (void)state;
    sb_clock_core_t c;
    sb_clock_core_init(&c, SB_CLOCK_SLEW_PPM);
    uint64_t t = 0;
    sb_clock_core_update(&c, WALL0, STEAD0);
    run(&c, &t, 10, 10, 0);
    /* ten minutes back: the clock keeps moving forward at 90% of real time, never backwards */
    int64_t back = -600 * (int64_t)S;
    uint64_t prev = sb_clock_core_update(&c, (uint64_t)((int64_t)(WALL0 + t) + back), STEAD0 + t);
    for (int i = 0; i < 1000; i++) {
        uint64_t n = run(&c, &t, 1, 100, back);
        assert_true(n >= prev + 900 - 1 && n <= prev + 900 + 1);
        prev = n;
    }
    assert_true(sb_clock_core_error_ms(&c) < -499000);
    /* 6,000 s of real time take the 600 s back out */
    run(&c, &t, 5100, 1000, back);
    assert_int_equal(sb_clock_core_error_ms(&c), 0);
}

static void test_small_drift_and_odd_readings(void **state)
{
    (void)state;
    sb_clock_core_t c;
    sb_clock_core_init(&c, SB_CLOCK_SLEW_PPM);
    uint64_t t = 0;
    sb_clock_core_update(&c, WALL0, STEAD0);
    /* a wall clock 40 ms ahead (NTP's small corrections) is reached within 400 ms */
    run(&c, &t, 1, 10, 40 * (int64_t)MS);
    assert_int_equal(sb_clock_core_error_ms(&c), 0);
    /* a steady reading that goes back counts as no time passing; the clock holds still */
    uint64_t a = sb_clock_core_update(&c, WALL0 + t + 40 * MS, STEAD0 + t);
    uint64_t b = sb_clock_core_update(&c, WALL0 + t + 40 * MS, STEAD0 + t - 5 * S);
    assert_int_equal(a, b);
    /* many readings in the same millisecond never go back either, whatever the wall clock says */
    for (int i = 0; i < 1000; i++) {
        uint64_t n = sb_clock_core_update(&c, WALL0 - 86400 * S, STEAD0 + t + (uint64_t)i);
        assert_true(n >= b);
        b = n;
    }
}

/* ------------------------------------------------------------------------------------------------
 * The clock in front of the routing engine
 * ---------------------------------------------------------------------------------------------- */

static sb_rqueue_def_t one_queue(void)
{
    sb_rqueue_def_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.id, sizeof q.id, "general");
    q.channels = (uint8_t)(1u << SB_CHAN_CHAT);
    q.langs = 1;
    q.priority = 1;
    q.strategy = SB_STRATEGY_LONGEST_IDLE;
    q.offer_timeout_ms = 30000;
    q.wrapup_limit_ms = 120000;
    q.max_wait_ms = 600000;
    q.overflow = SB_OVERFLOW_MESSAGE;
    q.n_steps = 1;
    q.always_open = true;
    return q;
}

static void test_step_while_offers_pending(void **state)
{
    (void)state;
    sb_rqueue_def_t q = one_queue();
    static const uint32_t serves[] = {0};
    sb_ragent_def_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "maria");
    a.langs = 1;
    a.n_queues = 1;
    a.queues = serves;
    a.capacity[SB_CLASS_CHAT] = 1;
    sb_rparams_t p = {.decline_cooldown_ms = 30000,
                      .max_missed_offers = 3,
                      .disconnect_grace_ms = 60000,
                      .priority_step_ms = 60000,
                      .position_every_ms = 1000};
    sb_clock_core_t c;
    sb_clock_core_init(&c, SB_CLOCK_SLEW_PPM);
    uint64_t t = 0;
    rh_t h;
    assert_int_equal(rh_init(&h, &q, 1, &a, 1, &p, sb_clock_core_update(&c, WALL0, STEAD0)), 0);
    rh_online(&h, 0);
    uint32_t first, second;
    assert_int_equal(rh_arrive(&h, "c-1", 0, SB_CHAN_CHAT, 0, 0, &first), SB_ARRIVE_OK);
    assert_int_equal(rh_arrive(&h, "c-2", 0, SB_CHAN_CHAT, 0, 0, &second), SB_ARRIVE_OK);
    assert_int_equal(rh_contact(&h, first).state, SB_CSTATE_OFFERED);
    assert_int_equal(rh_contact(&h, second).state, SB_CSTATE_QUEUED);

    /* the wall clock steps an hour ahead five seconds into the offer; the shell keeps reading the
     * clock and ticking the engine every 100 ms */
    int64_t skew = 0;
    for (int i = 1; i <= 400; i++) {
        if (i == 50)
            skew = 3600 * (int64_t)S;
        t += 100 * MS;
        rh_run_until(&h,
                     sb_clock_core_update(&c, (uint64_t)((int64_t)(WALL0 + t) + skew), STEAD0 + t));
        if (i < 250) /* the offer is not expired at once: 25 s of real time in, still pending */
            assert_int_equal(rh_contact(&h, first).state, SB_CSTATE_OFFERED);
    }
    /* it timed out after between 27 and 30 s of real time (the clock ran up to 10% fast), and
     * the customer who waited 40 s did not overflow as if an hour had passed */
    const sb_rdecision_t *ret = rh_find(&h, 0, SB_RD_ANNOUNCE, SB_COMMIT_RETURN, "c-1");
    assert_non_null(ret);
    assert_true(ret->commit.now_ms - WALL0 / MS >= 27000 &&
                ret->commit.now_ms - WALL0 / MS <= 30000);
    assert_null(rh_find(&h, 0, SB_RD_ANNOUNCE, SB_COMMIT_CANCEL, NULL));
    sb_cstate_t s2 = rh_contact(&h, second).state;
    assert_true(s2 == SB_CSTATE_QUEUED || s2 == SB_CSTATE_OFFERED);
    assert_string_equal(h.err, "");
    rh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchored_then_steady),
        cmocka_unit_test(test_step_forward_is_slewed),
        cmocka_unit_test(test_step_back_never_freezes),
        cmocka_unit_test(test_small_drift_and_odd_readings),
        cmocka_unit_test(test_step_while_offers_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
