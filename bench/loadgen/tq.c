/* Timer queue: a binary heap of (time, fn, arg) driven by one uv_timer. */
#include <stdlib.h>

#include "lg.h"
#include "util.h"

typedef struct {
    uint64_t at;
    uint64_t seq; /* keeps insertion order among equal times */
    lg_tq_fn fn;
    void *arg;
} tq_item_t;

static struct {
    uv_timer_t timer;
    tq_item_t *h;
    uint32_t n, cap;
    uint64_t seq;
    uint64_t armed;
    bool closed;
} Q;

static bool before(const tq_item_t *a, const tq_item_t *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void push(tq_item_t it)
{
    if (Q.n == Q.cap) {
        Q.cap = Q.cap ? Q.cap * 2 : 64;
        Q.h = lg_xrealloc(Q.h, Q.cap * sizeof *Q.h);
    }
    uint32_t i = Q.n++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!before(&it, &Q.h[p]))
            break;
        Q.h[i] = Q.h[p];
        i = p;
    }
    Q.h[i] = it;
}

static tq_item_t pop(void)
{
    tq_item_t top = Q.h[0];
    tq_item_t last = Q.h[--Q.n];
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        const tq_item_t *best = &last;
        if (l < Q.n && before(&Q.h[l], best)) {
            m = l;
            best = &Q.h[l];
        }
        if (r < Q.n && before(&Q.h[r], best))
            m = r;
        if (m == i)
            break;
        Q.h[i] = Q.h[m];
        i = m;
    }
    if (Q.n)
        Q.h[i] = last;
    return top;
}

static void arm(void);

static void timer_cb(uv_timer_t *t)
{
    (void)t;
    Q.armed = 0;
    uint64_t now = lg_now_ns();
    while (Q.n && Q.h[0].at <= now && !Q.closed) {
        tq_item_t it = pop();
        it.fn(it.arg);
    }
    arm();
}

static void arm(void)
{
    if (!Q.n || Q.closed)
        return;
    uint64_t at = Q.h[0].at;
    if (Q.armed && Q.armed <= at)
        return;
    uint64_t now = lg_now_ns();
    uint64_t ms = at > now ? (at - now + LG_NS_PER_MS - 1) / LG_NS_PER_MS : 0;
    Q.armed = at;
    uv_timer_start(&Q.timer, timer_cb, ms, 0);
}

void lg_tq_init(uv_loop_t *loop)
{
    uv_timer_init(loop, &Q.timer);
}

void lg_tq_add(uint64_t at_ns, lg_tq_fn fn, void *arg)
{
    if (Q.closed)
        return;
    push((tq_item_t){at_ns, Q.seq++, fn, arg});
    arm();
}

void lg_tq_close(void)
{
    if (Q.closed)
        return;
    Q.closed = true;
    uv_timer_stop(&Q.timer);
    uv_close((uv_handle_t *)&Q.timer, NULL);
    free(Q.h);
    Q.h = NULL;
    Q.n = Q.cap = 0;
}
