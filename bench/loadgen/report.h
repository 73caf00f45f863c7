/* The report: one JSON object on stdout (--json) and the same figures as text on stderr. */
#ifndef LG_REPORT_H
#define LG_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

typedef struct {
    FILE *f; /* NULL: JSON output off (the calls do nothing) */
    int depth;
    bool first[16];
} lg_json_t;

void lg_json_begin(lg_json_t *j, FILE *f);
void lg_json_finish(lg_json_t *j);
void lg_json_obj(lg_json_t *j, const char *key);
void lg_json_end(lg_json_t *j);
void lg_json_u64(lg_json_t *j, const char *key, uint64_t v);
void lg_json_i64(lg_json_t *j, const char *key, int64_t v);
/* NaN or infinite values are written as null. */
void lg_json_num(lg_json_t *j, const char *key, double v);
void lg_json_str(lg_json_t *j, const char *key, const char *v);
void lg_json_bool(lg_json_t *j, const char *key, bool v);
/* {"count", "mean", "p50", "p90", "p99", "p999", "max", "min"} in microseconds. */
void lg_json_hist_us(lg_json_t *j, const char *key, const lg_hist_t *h);
/* One text line on stderr: label count p50 p90 p99 p99.9 max (microseconds or milliseconds). */
void lg_print_hist(const char *label, const lg_hist_t *h);

#endif
