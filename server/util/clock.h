/* The one clock (DESIGN.md "One clock rule"): wall-clock milliseconds since the Unix epoch, never
 * going backwards inside the process. Only the shell reads it; pure modules get `now` passed in.
 *
 * A test clock can be switched on at start (--test-clock): tests then move time forward with
 * sb_clock_advance() instead of sleeping, and every sb_timer whose deadline passes fires. */
#ifndef SB_UTIL_CLOCK_H
#define SB_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

uint64_t sb_clock_now_ms(void);
/* Monotonic nanoseconds for measuring durations (latency, loop lag); never for deadlines. */
uint64_t sb_clock_mono_ns(void);
void sb_clock_enable_test(void);
/* A test clock that only moves when advanced (tests that expect exact durations); implies the
 * test clock. */
void sb_clock_freeze(void);
bool sb_clock_is_test(void);
/* Test clock only: moves `now` forward by `ms`. Returns false when the test clock is off. */
bool sb_clock_advance(uint64_t ms);

#endif
