#include "route/rheap.h"

#include <stdlib.h>

static void set(sb_rheap_t *h, uint32_t i, sb_hnode_t *n)
{
    h->a[i] = n;
    n->pos = i + 1;
}

static void up(sb_rheap_t *h, uint32_t i)
{
    sb_hnode_t *n = h->a[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!sb_hnode_less(n, h->a[p]))
            break;
        set(h, i, h->a[p]);
        i = p;
    }
    set(h, i, n);
}

static void down(sb_rheap_t *h, uint32_t i)
{
    sb_hnode_t *n = h->a[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        const sb_hnode_t *best = n;
        if (l < h->n && sb_hnode_less(h->a[l], best)) {
            m = l;
            best = h->a[l];
        }
        if (l + 1 < h->n && sb_hnode_less(h->a[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        set(h, i, h->a[m]);
        i = m;
    }
    set(h, i, n);
}

void sb_rheap_dispose(sb_rheap_t *h)
{
    for (uint32_t i = 0; i < h->n; i++)
        h->a[i]->pos = 0;
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
        sb_hnode_t **a = realloc(h->a, cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    h->a[h->n] = n;
    n->pos = ++h->n;
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
    sb_hnode_t *last = h->a[h->n];
    set(h, i, last);
    if (i > 0 && sb_hnode_less(last, h->a[(i - 1) / 2]))
        up(h, i);
    else
        down(h, i);
}

void sb_rheap_update(sb_rheap_t *h, sb_hnode_t *n)
{
    if (!n->pos)
        return;
    uint32_t i = n->pos - 1;
    if (i > 0 && sb_hnode_less(n, h->a[(i - 1) / 2]))
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
    /* the frontier is small (at most max + 1): a linear scan for its minimum is cheapest */
    uint32_t bi = 0;
    for (uint32_t i = 1; i < w->nf; i++)
        if (sb_hnode_less(w->h->a[w->frontier[i]], w->h->a[w->frontier[bi]]))
            bi = i;
    uint32_t idx = w->frontier[bi];
    w->frontier[bi] = w->frontier[--w->nf];
    uint32_t l = 2 * idx + 1;
    if (l < w->h->n)
        w->frontier[w->nf++] = l;
    if (l + 1 < w->h->n)
        w->frontier[w->nf++] = l + 1;
    w->left--;
    return w->h->a[idx];
}
