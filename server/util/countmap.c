#include "util/countmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static size_t hash(const char *s)
{
    /* FNV-1a */
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

void sb_countmap_init(sb_countmap_t *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
}

void sb_countmap_dispose(sb_countmap_t *m)
{
    free(m->slots);
    sb_countmap_init(m);
}

static size_t find(const sb_countmap_t *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key[0] && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(sb_countmap_t *m)
{
    sb_countmap_t bigger = {.cap = m->cap ? m->cap * 2 : 64};
    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    if (!bigger.slots)
        return SB_E_NOMEM;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key[0])
            bigger.slots[find(&bigger, m->slots[i].key)] = m->slots[i];
    bigger.n = m->n;
    free(m->slots);
    *m = bigger;
    return 0;
}

int64_t sb_countmap_incr(sb_countmap_t *m, const char *key_in, uint32_t limit)
{
    char key[SB_COUNTMAP_KEY];
    strncpy(key, key_in, sizeof key - 1);
    key[sizeof key - 1] = 0;
    if (!key[0])
        key[0] = '?';
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return SB_E_NOMEM;
    size_t i = find(m, key);
    if (!m->slots[i].key[0]) {
        memcpy(m->slots[i].key, key, sizeof key);
        m->slots[i].count = 0;
        m->n++;
    }
    if (limit && m->slots[i].count >= limit) {
        if (m->slots[i].count == 0)
            sb_countmap_decr(m, key);
        return 0;
    }
    return ++m->slots[i].count;
}

void sb_countmap_decr(sb_countmap_t *m, const char *key_in)
{
    if (!m->cap)
        return;
    char key[SB_COUNTMAP_KEY];
    strncpy(key, key_in, sizeof key - 1);
    key[sizeof key - 1] = 0;
    if (!key[0])
        key[0] = '?';
    size_t mask = m->cap - 1, i = find(m, key);
    if (!m->slots[i].key[0])
        return;
    if (m->slots[i].count > 1) {
        m->slots[i].count--;
        return;
    }
    /* remove with backward shift */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key[0])
            break;
        size_t home = hash(m->slots[j].key) & mask;
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key[0] = 0;
    m->slots[i].count = 0;
    m->n--;
}

uint32_t sb_countmap_get(const sb_countmap_t *m, const char *key)
{
    if (!m->cap)
        return 0;
    size_t i = find(m, key);
    return m->slots[i].key[0] ? m->slots[i].count : 0;
}
