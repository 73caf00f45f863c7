#include "util/clock.h"

#include <time.h>

/* ------------------------------------------------------------------------------------------------
 * The pure core
 * ---------------------------------------------------------------------------------------------- */

void sb_clock_core_init(sb_clock_core_t *c, uint32_t slew_ppm)
{
    *c = (sb_clock_core_t){.slew_ppm = slew_ppm};
}

uint64_t sb_clock_core_update(sb_clock_core_t *c, uint64_t wall_ns, uint64_t steady_ns)
{
    if (!c->started) {
        c->started = true;
        c->now_ns = wall_ns;
        c->steady_ns = steady_ns;
        c->error_ns = 0;
        return c->now_ns / 1000000u;
    }
    uint64_t dt = steady_ns > c->steady_ns ? steady_ns - c->steady_ns : 0;
    c->steady_ns = steady_ns > c->steady_ns ? steady_ns : c->steady_ns;
    uint64_t next = c->now_ns + dt;
    /* the correction this step may make: slew_ppm of the time that passed, so the clock runs at
     * most that much fast or slow and never backwards (slew_ppm < 1,000,000) */
    uint64_t room = (uint64_t)((unsigned __int128)dt * c->slew_ppm / 1000000u);
    if (wall_ns > next) {
        uint64_t gap = wall_ns - next;
        next += gap < room ? gap : room;
    } else {
        uint64_t gap = next - wall_ns;
        next -= gap < room ? gap : room;
    }
    /* integer truncation must never make the millisecond reading go back */
    if (next < c->now_ns)
        next = c->now_ns;
    c->now_ns = next;
    c->error_ns = (int64_t)(wall_ns - next);
    return next / 1000000u;
}

int64_t sb_clock_core_error_ms(const sb_clock_core_t *c)
{
    return c->error_ns / 1000000;
}

/* ------------------------------------------------------------------------------------------------
 * The process clock
 * ---------------------------------------------------------------------------------------------- */

static sb_clock_core_t g_clock = {.slew_ppm = SB_CLOCK_SLEW_PPM};
static uint64_t g_offset_ns; /* test clock: total advance */
static bool g_test;
static bool g_frozen;
static uint64_t g_frozen_wall, g_frozen_steady; /* frozen test clock: the readings it froze at */

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sb_clock_now_ms(void)
{
    uint64_t wall, steady;
    if (g_frozen) {
        wall = g_frozen_wall;
        steady = g_frozen_steady;
    } else {
        wall = read_ns(CLOCK_REALTIME);
        /* CLOCK_BOOTTIME rather than CLOCK_MONOTONIC: after a suspend the time asleep really
         * passed (offers and resume windows did run out), and it is not a step to slew away */
        steady = read_ns(CLOCK_BOOTTIME);
    }
    /* the test clock moves both readings: an advance is time passing, not a step */
    return sb_clock_core_update(&g_clock, wall + g_offset_ns, steady + g_offset_ns);
}

uint64_t sb_clock_mono_ns(void)
{
    return read_ns(CLOCK_MONOTONIC);
}

int64_t sb_clock_offset_ms(void)
{
    return sb_clock_core_error_ms(&g_clock);
}

void sb_clock_enable_test(void)
{
    g_test = true;
}

void sb_clock_freeze(void)
{
    g_test = true;
    g_frozen_wall = read_ns(CLOCK_REALTIME);
    g_frozen_steady = read_ns(CLOCK_BOOTTIME);
    g_frozen = true;
}

bool sb_clock_is_test(void)
{
    return g_test;
}

bool sb_clock_advance(uint64_t ms)
{
    if (!g_test)
        return false;
    g_offset_ns += ms * 1000000u;
    return true;
}
