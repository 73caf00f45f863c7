#include "util/timer.h"

#include <stdlib.h>

#include "util/clock.h"
#include "util/err.h"

static void heap_set(sb_timers_t *ts, size_t i, sb_timer_t *t)
{
    ts->heap[i] = t;
    t->idx = (uint32_t)(i + 1);
}

static void sift_up(sb_timers_t *ts, size_t i)
{
    sb_timer_t *t = ts->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (ts->heap[p]->deadline <= t->deadline)
            break;
        heap_set(ts, i, ts->heap[p]);
        i = p;
    }
    heap_set(ts, i, t);
}

static void sift_down(sb_timers_t *ts, size_t i)
{
    sb_timer_t *t = ts->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        uint64_t best = t->deadline;
        if (l < ts->n && ts->heap[l]->deadline < best) {
            m = l;
            best = ts->heap[l]->deadline;
        }
        if (l + 1 < ts->n && ts->heap[l + 1]->deadline < best)
            m = l + 1;
        if (m == i)
            break;
        heap_set(ts, i, ts->heap[m]);
        i = m;
    }
    heap_set(ts, i, t);
}

static void uv_cb(uv_timer_t *h)
{
    sb_timers_run(h->data);
}

static void reprogram(sb_timers_t *ts)
{
    if (ts->running)
        return; /* sb_timers_run programs the uv timer once when it is done */
    if (ts->n == 0) {
        uv_timer_stop(&ts->uv);
        return;
    }
    uint64_t now = sb_clock_now_ms();
    uint64_t d = ts->heap[0]->deadline;
    uv_timer_start(&ts->uv, uv_cb, d > now ? d - now : 0, 0);
}

int sb_timers_init(sb_timers_t *ts, uv_loop_t *loop)
{
    ts->heap = NULL;
    ts->n = ts->cap = 0;
    ts->running = false;
    int rc = uv_timer_init(loop, &ts->uv);
    if (rc)
        return SB_E_IO;
    ts->uv.data = ts;
    return 0;
}

void sb_timers_dispose(sb_timers_t *ts)
{
    for (size_t i = 0; i < ts->n; i++)
        ts->heap[i]->idx = 0;
    free(ts->heap);
    ts->heap = NULL;
    ts->n = ts->cap = 0;
    if (!uv_is_closing((uv_handle_t *)&ts->uv))
        uv_close((uv_handle_t *)&ts->uv, NULL);
}

int sb_timer_arm(sb_timers_t *ts, sb_timer_t *t, uint64_t deadline_ms)
{
    if (t->idx) {
        uint64_t old = t->deadline;
        t->deadline = deadline_ms;
        if (deadline_ms < old)
            sift_up(ts, t->idx - 1);
        else
            sift_down(ts, t->idx - 1);
    } else {
        if (ts->n == ts->cap) {
            size_t cap = ts->cap ? ts->cap * 2 : 64;
            sb_timer_t **h = realloc(ts->heap, cap * sizeof *h);
            if (!h)
                return SB_E_NOMEM;
            ts->heap = h;
            ts->cap = cap;
        }
        t->deadline = deadline_ms;
        ts->heap[ts->n++] = t;
        sift_up(ts, ts->n - 1);
    }
    if (ts->heap[0] == t)
        reprogram(ts);
    return 0;
}

void sb_timer_disarm(sb_timers_t *ts, sb_timer_t *t)
{
    if (!t->idx)
        return;
    size_t i = t->idx - 1;
    t->idx = 0;
    ts->n--;
    if (i != ts->n) {
        sb_timer_t *last = ts->heap[ts->n];
        heap_set(ts, i, last);
        if (i > 0 && ts->heap[(i - 1) / 2]->deadline > last->deadline)
            sift_up(ts, i);
        else
            sift_down(ts, i);
    }
    if (i == 0)
        reprogram(ts);
}

void sb_timers_run(sb_timers_t *ts)
{
    ts->running = true;
    uint64_t now = sb_clock_now_ms();
    /* Callbacks may arm or disarm timers (themselves included); take one due timer at a time. */
    while (ts->n && ts->heap[0]->deadline <= now) {
        sb_timer_t *t = ts->heap[0];
        sb_timer_disarm(ts, t);
        t->cb(t);
    }
    ts->running = false;
    reprogram(ts);
}
