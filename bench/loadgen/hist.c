#include "hist.h"

#include <string.h>

void lg_hist_init(lg_hist_t *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static uint32_t bucket_of(uint64_t v)
{
    if (v < LG_HIST_LINEAR)
        return (uint32_t)v;
    if (v >= (UINT64_C(1) << LG_HIST_MAX_EXP))
        return LG_HIST_BUCKETS - 1;
    uint32_t e = 63u - (uint32_t)__builtin_clzll(v); /* >= SUB_BITS + 1 */
    uint32_t sub = (uint32_t)(v >> (e - LG_HIST_SUB_BITS)) & ((1u << LG_HIST_SUB_BITS) - 1);
    return LG_HIST_LINEAR + (e - LG_HIST_SUB_BITS - 1) * (1u << LG_HIST_SUB_BITS) + sub;
}

static uint64_t value_of(uint32_t i)
{
    if (i < LG_HIST_LINEAR)
        return i;
    uint32_t j = i - LG_HIST_LINEAR;
    uint32_t e = j / (1u << LG_HIST_SUB_BITS) + LG_HIST_SUB_BITS + 1;
    uint64_t sub = j % (1u << LG_HIST_SUB_BITS);
    uint64_t width = UINT64_C(1) << (e - LG_HIST_SUB_BITS);
    uint64_t lo = ((UINT64_C(1) << LG_HIST_SUB_BITS) + sub) * width;
    return lo + width / 2;
}

void lg_hist_record(lg_hist_t *h, uint64_t ns)
{
    h->buckets[bucket_of(ns)]++;
    h->count++;
    h->sum += ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

uint64_t lg_hist_quantile(const lg_hist_t *h, double q)
{
    if (!h->count)
        return 0;
    if (q >= 1.0)
        return h->max;
    uint64_t want = (uint64_t)(q * (double)h->count);
    if ((double)want < q * (double)h->count)
        want++;
    if (want == 0)
        want = 1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < LG_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= want) {
            uint64_t v = value_of(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

void lg_hist_merge(lg_hist_t *dst, const lg_hist_t *src)
{
    for (uint32_t i = 0; i < LG_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}
