/* Timers on the Switchboard clock (util/clock.h): a binary heap of deadlines in absolute
 * milliseconds, driven by one uv_timer_t. Deadlines are absolute so they survive being computed
 * elsewhere (Redis, another process) and so the test clock can make them due.
 *
 * A timer is a member of the caller's struct (intrusive; no allocation per arm). */
#ifndef SB_UTIL_TIMER_H
#define SB_UTIL_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct sb_timer sb_timer_t;
typedef void (*sb_timer_cb)(sb_timer_t *t);

struct sb_timer {
    uint64_t deadline;
    uint32_t idx; /* position in the heap + 1; 0 when not armed */
    sb_timer_cb cb;
    void *data; /* the owner's context, for the callback (as libuv's handle->data) */
};

typedef struct {
    uv_timer_t uv;
    sb_timer_t **heap;
    size_t n, cap;
    uint64_t seq;
    bool running;
} sb_timers_t;

int sb_timers_init(sb_timers_t *ts, uv_loop_t *loop);
/* Closes the uv handle; armed timers are forgotten (their owners must not rely on them). */
void sb_timers_dispose(sb_timers_t *ts);

/* `data` is handed back to the callback as t->data: whatever it needs beyond the timer's own
 * struct, so no callback needs a global. */
static inline void sb_timer_init(sb_timer_t *t, sb_timer_cb cb, void *data)
{
    t->deadline = 0;
    t->idx = 0;
    t->cb = cb;
    t->data = data;
}
static inline bool sb_timer_armed(const sb_timer_t *t)
{
    return t->idx != 0;
}
/* Arms (or re-arms) `t` to fire once at `deadline_ms`. 0 or SB_E_NOMEM. */
int sb_timer_arm(sb_timers_t *ts, sb_timer_t *t, uint64_t deadline_ms);
void sb_timer_disarm(sb_timers_t *ts, sb_timer_t *t);
/* Fires every timer due at sb_clock_now_ms() and re-programs the uv timer. Called by the uv timer
 * and after the test clock moved. */
void sb_timers_run(sb_timers_t *ts);

#endif
