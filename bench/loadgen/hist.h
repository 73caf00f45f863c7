/* Log-linear latency histogram (in the manner of HdrHistogram): values in nanoseconds, exact below
 * 256 ns, then 128 buckets per power of two (relative error under 0.8%) up to 2^36 ns (about
 * 68 s; larger values count in the last bucket). Fixed size, no allocation when recording. */
#ifndef LG_HIST_H
#define LG_HIST_H

#include <stdint.h>

#define LG_HIST_SUB_BITS 7
#define LG_HIST_MAX_EXP  36
#define LG_HIST_LINEAR   (2u << LG_HIST_SUB_BITS) /* 256 exact buckets */
#define LG_HIST_BUCKETS                                                                            \
    (LG_HIST_LINEAR + (LG_HIST_MAX_EXP - LG_HIST_SUB_BITS - 1) * (1u << LG_HIST_SUB_BITS))

typedef struct {
    uint64_t count;
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    uint32_t buckets[LG_HIST_BUCKETS];
} lg_hist_t;

void lg_hist_init(lg_hist_t *h);
void lg_hist_record(lg_hist_t *h, uint64_t ns);
/* The value at quantile q (0..1), as the middle of its bucket (never above the maximum seen);
 * 0 for an empty histogram. */
uint64_t lg_hist_quantile(const lg_hist_t *h, double q);
/* Adds every count of src to dst. */
void lg_hist_merge(lg_hist_t *dst, const lg_hist_t *src);

#endif
