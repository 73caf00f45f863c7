/* The one clock (docs/operations.md, "Time"): wall-clock milliseconds since the Unix epoch that
 * never jump. The process clock is anchored to the wall clock at the first reading, advanced by the
 * kernel's boot-time clock (monotonic, and counting a suspend, which really is time passing), and
 * brought back towards the wall clock by slewing at most SB_CLOCK_SLEW_PPM when the two drift apart
 * (an NTP step, an operator's `date`, a VM whose wall clock was set on resume). So an hour's step
 * forward neither expires every offer at once nor fires every overflow; a step back neither
 * freezes timers nor stops rate-limit buckets from refilling. Times handed out stay absolute
 * wall-clock milliseconds, so a restart or another process can compare what was stored.
 *
 * Only the shell reads it; pure modules get `now` passed in. The process-wide reading lives here
 * (a clock is process-wide by nature); the slewing itself is a pure function of its readings
 * (sb_clock_core_*) so tests can step a synthetic wall clock.
 *
 * A test clock can be switched on at start (--test-clock): tests then move time forward with
 * sb_clock_advance() instead of sleeping, and every sb_timer whose deadline passes fires. */
#ifndef SB_UTIL_CLOCK_H
#define SB_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* The most the process clock runs fast or slow while catching up with the wall clock: 100,000
 * parts per million, i.e. 100 ms per second (a 30 s offer lasts between 27 and 33 s meanwhile; an
 * hour's step is caught up in ten hours, a minute's in ten minutes). */
#define SB_CLOCK_SLEW_PPM 100000u

/* ------------------------------------------------------------------------------------------------
 * The pure core: one clock's state, advanced by readings the caller takes
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    bool started;
    uint64_t now_ns;    /* the clock, nanoseconds since the epoch */
    uint64_t steady_ns; /* the steady reading at the last update */
    int64_t error_ns;   /* wall minus clock at the last update */
    uint32_t slew_ppm;
} sb_clock_core_t;

void sb_clock_core_init(sb_clock_core_t *c, uint32_t slew_ppm);
/* Advances the clock to a new pair of readings: `wall_ns` (CLOCK_REALTIME, may step either way)
 * and `steady_ns` (never goes back; a reading lower than the last counts as no time passing).
 * The first call anchors the clock to `wall_ns`. Returns the clock in milliseconds. */
uint64_t sb_clock_core_update(sb_clock_core_t *c, uint64_t wall_ns, uint64_t steady_ns);
/* Wall minus clock at the last update, in milliseconds (positive: the clock is behind). */
int64_t sb_clock_core_error_ms(const sb_clock_core_t *c);

/* ------------------------------------------------------------------------------------------------
 * The process clock
 * ---------------------------------------------------------------------------------------------- */

uint64_t sb_clock_now_ms(void);
/* Monotonic nanoseconds for measuring durations (latency, loop lag); never for deadlines. */
uint64_t sb_clock_mono_ns(void);
/* Wall minus process clock at the last reading, in milliseconds (the catch-up still to do). */
int64_t sb_clock_offset_ms(void);
void sb_clock_enable_test(void);
/* A test clock that only moves when advanced (tests that expect exact durations); implies the
 * test clock. */
void sb_clock_freeze(void);
bool sb_clock_is_test(void);
/* Test clock only: moves `now` forward by `ms`. Returns false when the test clock is off. */
bool sb_clock_advance(uint64_t ms);

#endif
