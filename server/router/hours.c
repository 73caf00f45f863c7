/* Opening hours: the configured weekly hours, time zone and holidays become UTC intervals for the
 * days around now, which is all the engine ever sees (DESIGN.md, "One clock rule"). Refreshed
 * every few hours by the router, so daylight-saving changes are picked up.
 *
 * The conversion switches TZ for the calling thread's process; it only ever runs on the loop
 * thread, and nothing else on it reads local time (logs use UTC). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "router/router_internal.h"

#define DAYS_BEFORE 1
#define DAYS_AFTER  8

static int cmp_interval(const void *a, const void *b)
{
    const sb_rinterval_t *x = a, *y = b;
    return x->open_ms < y->open_ms ? -1 : x->open_ms > y->open_ms;
}

static uint64_t local_ms(int y, int mon, int d, int minute)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mon, .tm_mday = d, .tm_min = minute, .tm_isdst = -1};
    time_t t = mktime(&tm); /* normalises minute 1440 to the next midnight */
    return t < 0 ? 0 : (uint64_t)t * 1000u;
}

static bool is_holiday(const sb_cfg_queue_t *cq, int y, int mon, int d)
{
    char day[48];
    if (snprintf(day, sizeof day, "%04d-%02d-%02d", y, mon + 1, d) < 0)
        return false;
    for (size_t i = 0; i < cq->n_holidays; i++)
        if (strcmp(cq->holidays[i], day) == 0)
            return true;
    return false;
}

void rtr_hours(sb_router_t *R, uint32_t q, const sb_cfg_queue_t *cq, sb_rqueue_def_t *d,
               uint64_t now)
{
    (void)R;
    (void)q;
    d->hours = NULL;
    d->n_hours = 0;
    if (cq->n_hours == 0) {
        d->always_open = true;
        return;
    }
    d->always_open = false;
    sb_rinterval_t *iv = calloc((DAYS_BEFORE + DAYS_AFTER + 1) * cq->n_hours, sizeof *iv);
    if (!iv)
        return; /* closed rather than open when memory runs out */
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", cq->timezone ? cq->timezone : "UTC", 1);
    tzset();
    size_t n = 0;
    for (int off = -DAYS_BEFORE; off <= DAYS_AFTER; off++) {
        time_t t = (time_t)(now / 1000) + (time_t)off * 86400;
        struct tm lt;
        localtime_r(&t, &lt);
        int y = lt.tm_year + 1900, mon = lt.tm_mon, day = lt.tm_mday;
        if (is_holiday(cq, y, mon, day))
            continue;
        for (size_t k = 0; k < cq->n_hours; k++) {
            const sb_cfg_hours_t *h = &cq->hours[k];
            if (h->weekday != lt.tm_wday)
                continue;
            iv[n].open_ms = local_ms(y, mon, day, h->open_min);
            iv[n].close_ms = local_ms(y, mon, day, h->close_min);
            if (iv[n].close_ms > iv[n].open_ms)
                n++;
        }
    }
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    qsort(iv, n, sizeof *iv, cmp_interval);
    /* merge touching or overlapping intervals (e.g. 22:00-24:00 then 00:00-06:00) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && iv[i].open_ms <= iv[m - 1].close_ms) {
            if (iv[i].close_ms > iv[m - 1].close_ms)
                iv[m - 1].close_ms = iv[i].close_ms;
        } else {
            iv[m++] = iv[i];
        }
    }
    d->hours = iv;
    d->n_hours = m;
}

void rtr_hours_free(sb_rqueue_def_t *defs, uint32_t n)
{
    for (uint32_t i = 0; defs && i < n; i++)
        free((void *)defs[i].hours);
}
