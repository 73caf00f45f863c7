#include "util/idmap.h"

#include <stdlib.h>

#include "util/err.h"

static size_t hash(uint64_t k)
{
    /* splitmix64 finaliser: ids are sequential, spread them */
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebull;
    k ^= k >> 31;
    return (size_t)k;
}

void sb_idmap_init(sb_idmap_t *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
}

void sb_idmap_dispose(sb_idmap_t *m)
{
    free(m->slots);
    sb_idmap_init(m);
}

static int grow(sb_idmap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    sb_idmap_slot_t *s = calloc(cap, sizeof *s);
    if (!s)
        return SB_E_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = hash(m->slots[i].key) & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

int sb_idmap_put(sb_idmap_t *m, uint64_t key, void *val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return SB_E_NOMEM;
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].key)
        m->n++;
    m->slots[i].key = key;
    m->slots[i].val = val;
    return 0;
}

void *sb_idmap_get(const sb_idmap_t *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key) {
        if (m->slots[i].key == key)
            return m->slots[i].val;
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

void *sb_idmap_del(sb_idmap_t *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1, i = hash(key) & mask;
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        return NULL;
    void *val = m->slots[i].val;
    /* backward shift: pull later members of the probe run into the hole */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key)
            break;
        size_t home = hash(m->slots[j].key) & mask;
        /* can slot j's entry move to i? only if its home is not cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = 0;
    m->slots[i].val = NULL;
    m->n--;
    return val;
}
