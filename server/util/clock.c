#include "util/clock.h"

#include <time.h>

static uint64_t g_last;   /* highest value handed out: time never goes backwards */
static uint64_t g_offset; /* test clock: total advance */
static bool g_test;
static uint64_t g_frozen; /* frozen test clock: the real time it was frozen at, else 0 */

uint64_t sb_clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t real = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint64_t now = (g_frozen ? g_frozen : real) + g_offset;
    if (now < g_last)
        now = g_last;
    g_last = now;
    return now;
}

uint64_t sb_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sb_clock_enable_test(void)
{
    g_test = true;
}

void sb_clock_freeze(void)
{
    g_test = true;
    uint64_t now = sb_clock_now_ms();
    g_frozen = now - g_offset;
}

bool sb_clock_is_test(void)
{
    return g_test;
}

bool sb_clock_advance(uint64_t ms)
{
    if (!g_test)
        return false;
    g_offset += ms;
    return true;
}
