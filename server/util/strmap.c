#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h ? h : 1;
}

void sb_strmap_init(sb_strmap_t *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
}

void sb_strmap_dispose(sb_strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    sb_strmap_init(m);
}

static size_t find(const sb_strmap_t *m, const char *key, uint32_t h)
{
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(sb_strmap_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    sb_strmap_slot_t *s = calloc(cap, sizeof *s);
    if (!s)
        return SB_E_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

int sb_strmap_put(sb_strmap_t *m, const char *key, uint32_t val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return SB_E_NOMEM;
    uint32_t h = hash(key);
    size_t i = find(m, key, h);
    if (!m->slots[i].key) {
        char *k = strdup(key);
        if (!k)
            return SB_E_NOMEM;
        m->slots[i].key = k;
        m->slots[i].hash = h;
        m->n++;
    }
    m->slots[i].val = val;
    return 0;
}

bool sb_strmap_get(const sb_strmap_t *m, const char *key, uint32_t *val)
{
    if (!m->cap)
        return false;
    size_t i = find(m, key, hash(key));
    if (!m->slots[i].key)
        return false;
    if (val)
        *val = m->slots[i].val;
    return true;
}

bool sb_strmap_del(sb_strmap_t *m, const char *key)
{
    if (!m->cap)
        return false;
    size_t mask = m->cap - 1, i = find(m, key, hash(key));
    if (!m->slots[i].key)
        return false;
    free(m->slots[i].key);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].key)
            break;
        size_t home = m->slots[j].hash & mask;
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = NULL;
    m->n--;
    return true;
}
