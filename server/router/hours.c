/* Opening hours: the configured weekly hours, time zone and holidays become UTC intervals for the
 * local dates around now, which is all the engine ever sees (DESIGN.md, "One clock rule").
 * Refreshed every few hours by the router, so that the window moves on.
 *
 * The conversion is the pure calendar's (route/calendar.h), with the zone's rules the
 * configuration read from its TZif file when it was loaded: no file, no TZ, no local time of the
 * C library on the loop thread. */
#include <stdlib.h>

#include "router/router_internal.h"
#include "util/err.h"

/* Local dates from yesterday (so that yesterday's 22:00-24:00 and today's 00:00-06:00 are one
 * stretch) to eight days on (the next opening is known across a long weekend and a holiday, and
 * the refresh every few hours never finds the window run out). */
#define DAYS_BEFORE 1
#define DAYS_AFTER  8

int rtr_hours(sb_router_t *R, uint32_t q, const sb_cfg_queue_t *cq, sb_rqueue_def_t *d,
              uint64_t now)
{
    (void)R;
    (void)q;
    d->hours = NULL;
    d->n_hours = 0;
    d->always_open = cq->n_hours == 0;
    if (d->always_open)
        return 0;
    sb_cal_week_t w = {.zone = cq->zone,
                       .weekly = cq->hours,
                       .n_weekly = cq->n_hours,
                       .holidays = cq->holiday_days,
                       .n_holidays = cq->n_holidays};
    int32_t today = sb_cal_local_day(cq->zone, (int64_t)(now / 1000));
    int32_t first = today - DAYS_BEFORE, last = today + DAYS_AFTER;
    size_t cap = sb_cal_capacity(&w, first, last), n;
    sb_rinterval_t *iv = calloc(cap ? cap : 1, sizeof *iv);
    if (!iv)
        return SB_E_NOMEM; /* the queue stays closed (no intervals) */
    int rc = sb_cal_intervals(&w, first, last, iv, cap, &n);
    if (rc) {
        free(iv);
        return rc;
    }
    d->hours = iv;
    d->n_hours = n;
    return 0;
}

void rtr_hours_free(sb_rqueue_def_t *defs, uint32_t n)
{
    for (uint32_t i = 0; defs && i < n; i++)
        free((void *)defs[i].hours);
}
