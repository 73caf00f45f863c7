#include "report.h"

#include <math.h>

#include "util.h"

static void sep(lg_json_t *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = false;
    if (key) {
        fputc('"', j->f);
        for (const char *p = key; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', j->f);
            fputc(*p, j->f);
        }
        fputs("\":", j->f);
    }
}

void lg_json_begin(lg_json_t *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = true;
    if (f)
        fputc('{', f);
}

void lg_json_finish(lg_json_t *j)
{
    if (!j->f)
        return;
    fputs("}\n", j->f);
    fflush(j->f);
}

void lg_json_obj(lg_json_t *j, const char *key)
{
    if (!j->f || j->depth >= 15)
        return;
    sep(j, key);
    fputc('{', j->f);
    j->first[++j->depth] = true;
}

void lg_json_end(lg_json_t *j)
{
    if (!j->f || j->depth == 0)
        return;
    fputc('}', j->f);
    j->depth--;
}

void lg_json_u64(lg_json_t *j, const char *key, uint64_t v)
{
    if (!j->f)
        return;
    sep(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void lg_json_i64(lg_json_t *j, const char *key, int64_t v)
{
    if (!j->f)
        return;
    sep(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void lg_json_num(lg_json_t *j, const char *key, double v)
{
    if (!j->f)
        return;
    sep(j, key);
    if (isnan(v) || isinf(v))
        fputs("null", j->f);
    else
        fprintf(j->f, "%.3f", v);
}

void lg_json_str(lg_json_t *j, const char *key, const char *v)
{
    if (!j->f)
        return;
    sep(j, key);
    if (!v) {
        fputs("null", j->f);
        return;
    }
    fputc('"', j->f);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(j->f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(j->f, "\\u%04x", *p);
        else
            fputc(*p, j->f);
    }
    fputc('"', j->f);
}

void lg_json_bool(lg_json_t *j, const char *key, bool v)
{
    if (!j->f)
        return;
    sep(j, key);
    fputs(v ? "true" : "false", j->f);
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

void lg_json_hist_us(lg_json_t *j, const char *key, const lg_hist_t *h)
{
    if (!j->f)
        return;
    lg_json_obj(j, key);
    lg_json_u64(j, "count", h->count);
    double nan = NAN;
    bool e = h->count == 0;
    lg_json_num(j, "mean", e ? nan : us(h->sum / h->count));
    lg_json_num(j, "min", e ? nan : us(h->min));
    lg_json_num(j, "p50", e ? nan : us(lg_hist_quantile(h, 0.50)));
    lg_json_num(j, "p90", e ? nan : us(lg_hist_quantile(h, 0.90)));
    lg_json_num(j, "p99", e ? nan : us(lg_hist_quantile(h, 0.99)));
    lg_json_num(j, "p999", e ? nan : us(lg_hist_quantile(h, 0.999)));
    lg_json_num(j, "max", e ? nan : us(h->max));
    lg_json_end(j);
}

static void fmt_time(char *out, size_t cap, uint64_t ns)
{
    if (ns < 10 * LG_NS_PER_MS)
        snprintf(out, cap, "%.1f us", us(ns));
    else if (ns < 10 * LG_NS_PER_S)
        snprintf(out, cap, "%.2f ms", (double)ns / 1e6);
    else
        snprintf(out, cap, "%.2f s", (double)ns / 1e9);
}

void lg_print_hist(const char *label, const lg_hist_t *h)
{
    if (!h->count) {
        lg_err("  %-22s (no samples)", label);
        return;
    }
    char a[32], b[32], c[32], d[32], e[32];
    fmt_time(a, sizeof a, lg_hist_quantile(h, 0.50));
    fmt_time(b, sizeof b, lg_hist_quantile(h, 0.90));
    fmt_time(c, sizeof c, lg_hist_quantile(h, 0.99));
    fmt_time(d, sizeof d, lg_hist_quantile(h, 0.999));
    fmt_time(e, sizeof e, h->max);
    lg_err("  %-22s n=%llu  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", label,
           (unsigned long long)h->count, a, b, c, d, e);
}
