#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint32_t hash(const char *s, uint32_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

void lg_strmap_init(lg_strmap_t *m, uint32_t cap_pow2)
{
    uint32_t cap = 16;
    while (cap < cap_pow2)
        cap *= 2;
    m->e = lg_xcalloc(cap, sizeof *m->e);
    m->mask = cap - 1;
    m->n = 0;
}

void lg_strmap_dispose(lg_strmap_t *m)
{
    free(m->e);
    m->e = NULL;
}

lg_strmap_entry_t *lg_strmap_get(lg_strmap_t *m, const char *key, uint32_t len)
{
    if (len > 71)
        len = 71;
    for (uint32_t i = hash(key, len) & m->mask;; i = (i + 1) & m->mask) {
        lg_strmap_entry_t *e = &m->e[i];
        if (!e->klen)
            return NULL;
        if (e->klen == len && !memcmp(e->key, key, len))
            return e;
    }
}

static void grow(lg_strmap_t *m)
{
    lg_strmap_t old = *m;
    lg_strmap_init(m, (old.mask + 1) * 2);
    for (uint32_t i = 0; i <= old.mask; i++)
        if (old.e[i].klen)
            lg_strmap_put(m, old.e[i].key, old.e[i].klen, old.e[i].tag, old.e[i].t);
    free(old.e);
}

void lg_strmap_put(lg_strmap_t *m, const char *key, uint32_t len, uint8_t tag, uint64_t t)
{
    if (len > 71)
        len = 71;
    if (len == 0)
        return;
    if ((m->n + 1) * 2 > m->mask + 1)
        grow(m);
    for (uint32_t i = hash(key, len) & m->mask;; i = (i + 1) & m->mask) {
        lg_strmap_entry_t *e = &m->e[i];
        if (!e->klen || (e->klen == len && !memcmp(e->key, key, len))) {
            if (!e->klen)
                m->n++;
            memcpy(e->key, key, len);
            e->klen = (uint8_t)len;
            e->tag = tag;
            e->t = t;
            return;
        }
    }
}

void lg_strmap_del(lg_strmap_t *m, lg_strmap_entry_t *e)
{
    uint32_t i = (uint32_t)(e - m->e);
    m->e[i].klen = 0;
    m->n--;
    /* backward shift: move later entries of the probe run into the hole when their home slot
     * is not between the hole and them */
    for (uint32_t j = (i + 1) & m->mask; m->e[j].klen; j = (j + 1) & m->mask) {
        uint32_t home = hash(m->e[j].key, m->e[j].klen) & m->mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        m->e[i] = m->e[j];
        m->e[j].klen = 0;
        i = j;
    }
}
