/* An intrusive 4-ary min-heap ordered by (key, tie), with each node knowing its position, so
 * removal and re-keying are O(log n). Used for waiting contacts, available agents and timers.
 * The tie-breaker keeps every order total, which keeps the engine deterministic.
 *
 * The array holds a copy of each node's key and tie beside the node pointer, so sifting compares
 * contiguous memory instead of following a pointer per comparison; with four children per level
 * the heap is half as deep. With tens of thousands of agents and contacts, the nodes are spread
 * over memory and these cache misses were most of the engine's cost (bench/route_bench.c). */
#ifndef SB_ROUTE_RHEAP_H
#define SB_ROUTE_RHEAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t key;
    uint32_t tie;
    uint32_t pos; /* index + 1 while in a heap, 0 otherwise */
} sb_hnode_t;

typedef struct {
    uint64_t key; /* copies of the node's, for comparing in place */
    uint32_t tie;
    sb_hnode_t *n;
} sb_hent_t;

typedef struct {
    sb_hent_t *a;
    uint32_t n, cap;
} sb_rheap_t;

static inline bool sb_hnode_less(const sb_hnode_t *x, const sb_hnode_t *y)
{
    return x->key < y->key || (x->key == y->key && x->tie < y->tie);
}

void sb_rheap_dispose(sb_rheap_t *h);
/* 0 or -1 when out of memory. */
int sb_rheap_push(sb_rheap_t *h, sb_hnode_t *n);
void sb_rheap_remove(sb_rheap_t *h, sb_hnode_t *n);
static inline sb_hnode_t *sb_rheap_top(const sb_rheap_t *h)
{
    return h->n ? h->a[0].n : 0;
}
/* Re-establishes order after n->key changed. */
void sb_rheap_update(sb_rheap_t *h, sb_hnode_t *n);

/* Visits nodes in ascending order, at most `max` (<= 32) of them, without modifying the heap: a
 * best-first walk of the heap tree. */
typedef struct {
    const sb_rheap_t *h;
    uint32_t frontier[4 * 32 + 1];
    uint32_t nf;
    uint32_t left;
} sb_rheap_walk_t;

void sb_rheap_walk_init(sb_rheap_walk_t *w, const sb_rheap_t *h, uint32_t max);
sb_hnode_t *sb_rheap_walk_next(sb_rheap_walk_t *w);

#endif
