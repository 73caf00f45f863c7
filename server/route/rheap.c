#include "route/rheap.h"

#include <stdlib.h>

#define D 4 /* children per node */

static inline bool less(const sb_hent_t *x, const sb_hent_t *y)
{
    return x->key < y->key || (x->key == y->key && x->tie < y->tie);
}

static inline void set(sb_rheap_t *h, uint32_t i, sb_hent_t e)
{
    h->a[i] = e;
    e.n->pos = i + 1;
}

static void up(sb_rheap_t *h, uint32_t i)
{
    sb_hent_t e = h->a[i];
    while (i > 0) {
        uint32_t p = (i - 1) / D;
        if (!less(&e, &h->a[p]))
            break;
        set(h, i, h->a[p]);
        i = p;
    }
    set(h, i, e);
}

static void down(sb_rheap_t *h, uint32_t i)
{
    sb_hent_t e = h->a[i];
    for (;;) {
        uint32_t c = D * i + 1;
        if (c >= h->n)
            break;
        uint32_t end = c + D < h->n ? c + D : h->n, m = c;
        for (uint32_t k = c + 1; k < end; k++)
            if (less(&h->a[k], &h->a[m]))
                m = k;
        if (!less(&h->a[m], &e))
            break;
        set(h, i, h->a[m]);
        i = m;
    }
    set(h, i, e);
}

void sb_rheap_dispose(sb_rheap_t *h)
{
    for (uint32_t i = 0; i < h->n; i++)
        h->a[i].n->pos = 0;
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}

int sb_rheap_push(sb_rheap_t *h, sb_hnode_t *n)
{
    if (n->pos)
        return 0;
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 8;
        sb_hent_t *a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    set(h, h->n++, (sb_hent_t){n->key, n->tie, n});
    up(h, h->n - 1);
    return 0;
}

void sb_rheap_remove(sb_rheap_t *h, sb_hnode_t *n)
{
    if (!n->pos)
        return;
    uint32_t i = n->pos - 1;
    n->pos = 0;
    h->n--;
    if (i == h->n)
        return;
    sb_hent_t last = h->a[h->n];
    set(h, i, last);
    if (i > 0 && less(&last, &h->a[(i - 1) / D]))
        up(h, i);
    else
        down(h, i);
}

void sb_rheap_update(sb_rheap_t *h, sb_hnode_t *n)
{
    if (!n->pos)
        return;
    uint32_t i = n->pos - 1;
    h->a[i].key = n->key;
    h->a[i].tie = n->tie;
    if (i > 0 && less(&h->a[i], &h->a[(i - 1) / D]))
        up(h, i);
    else
        down(h, i);
}

void sb_rheap_walk_init(sb_rheap_walk_t *w, const sb_rheap_t *h, uint32_t max)
{
    w->h = h;
    w->nf = 0;
    w->left = max > 32 ? 32 : max;
    if (h->n)
        w->frontier[w->nf++] = 0;
}

sb_hnode_t *sb_rheap_walk_next(sb_rheap_walk_t *w)
{
    if (!w->nf || !w->left)
        return NULL;
    /* the frontier is small (at most 3 x max + 1): a linear scan for its minimum is cheapest */
    const sb_hent_t *a = w->h->a;
    uint32_t bi = 0;
    for (uint32_t i = 1; i < w->nf; i++)
        if (less(&a[w->frontier[i]], &a[w->frontier[bi]]))
            bi = i;
    uint32_t idx = w->frontier[bi];
    w->frontier[bi] = w->frontier[--w->nf];
    for (uint32_t c = D * idx + 1; c < D * idx + 1 + D && c < w->h->n; c++)
        w->frontier[w->nf++] = c;
    w->left--;
    return a[idx].n;
}
