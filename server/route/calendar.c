/* The opening-hours calendar (calendar.h): civil dates, a zone's offset at an instant, local
 * times to instants, and a queue's week turned into UTC intervals. */
#include "route/calendar.h"

#include <stdlib.h>

#include "util/err.h"

#define DAY_S 86400

/* ------------------------------------------------------------------------------------------------
 * Civil dates (proleptic Gregorian; Howard Hinnant's days_from_civil)
 * ---------------------------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int32_t y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* The year a day number falls in. */
static int32_t year_of(int64_t day)
{
    int64_t z = day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return (int32_t)(yoe + era * 400 + (mp >= 10)); /* January and February belong to the next */
}

unsigned sb_cal_weekday(int32_t day)
{
    int64_t wd = ((int64_t)day + 4) % 7; /* 1970-01-01 was a Thursday */
    return (unsigned)(wd < 0 ? wd + 7 : wd);
}

/* ------------------------------------------------------------------------------------------------
 * The POSIX rule: its two changes of a year
 * ---------------------------------------------------------------------------------------------- */

/* Day number of a rule's day in year y. */
static int64_t rule_day(const sb_tz_when_t *w, int32_t y)
{
    int64_t jan1 = sb_tz_days_from_civil(y, 1, 1);
    switch (w->kind) {
    case SB_TZ_DAY_JULIAN1:
        return jan1 + w->yday - 1 + (is_leap(y) && w->yday >= 60);
    case SB_TZ_DAY_JULIAN0:
        return jan1 + w->yday;
    default: {
        int64_t first = sb_tz_days_from_civil(y, w->month, 1);
        unsigned d = 1 + (w->wday + 7 - sb_cal_weekday((int32_t)first)) % 7 + (w->week - 1u) * 7;
        while (d > month_days(y, w->month))
            d -= 7; /* week 5 is the last such weekday, which may be in week 4 */
        return first + d - 1;
    }
    }
}

#define RULE_YEARS  5 /* the changes of years y-2 .. y+2 bracket any instant of year y */
#define RULE_EVENTS (2 * RULE_YEARS)

/* The rule's changes around instant t, in order. Equal instants keep the order of the years
 * (a zone on daylight time all year ends one year and starts the next at the same instant). */
static size_t rule_events(const sb_tz_rule_t *r, int64_t t, sb_tz_change_t ev[RULE_EVENTS])
{
    int64_t day = floor_div(t + r->std_off, DAY_S);
    /* far outside the calendar's dates the answer means nothing, but must stay defined */
    day = day < SB_CAL_MIN_DAY - 1000 ? SB_CAL_MIN_DAY - 1000 : day;
    day = day > SB_CAL_MAX_DAY + 1000 ? SB_CAL_MAX_DAY + 1000 : day;
    int32_t y = year_of(day);
    size_t n = 0;
    for (int32_t k = y - 2; k <= y + 2; k++) {
        /* the start is given in standard time, the end in daylight time */
        ev[n++] = (sb_tz_change_t){rule_day(&r->start, k) * DAY_S + r->start.time - r->std_off,
                                   r->dst_off};
        ev[n++] =
            (sb_tz_change_t){rule_day(&r->end, k) * DAY_S + r->end.time - r->dst_off, r->std_off};
    }
    for (size_t i = 1; i < n; i++) /* stable insertion sort of ten */
        for (size_t j = i; j > 0 && ev[j - 1].at > ev[j].at; j--) {
            sb_tz_change_t tmp = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = tmp;
        }
    return n;
}

static int32_t rule_offset(const sb_tz_rule_t *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    sb_tz_change_t ev[RULE_EVENTS];
    size_t n = rule_events(r, t, ev);
    int32_t off = r->std_off;
    for (size_t i = 0; i < n && ev[i].at <= t; i++)
        off = ev[i].off;
    return off;
}

/* The first change after t: its instant and the offset from then on. */
static bool rule_next(const sb_tz_rule_t *r, int64_t t, int64_t *at, int32_t *off)
{
    if (!r->has_dst)
        return false;
    sb_tz_change_t ev[RULE_EVENTS];
    size_t n = rule_events(r, t, ev);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].at <= t)
            continue;
        while (i + 1 < n && ev[i + 1].at == ev[i].at)
            i++; /* several changes at one instant: the last one stands */
        *at = ev[i].at;
        *off = ev[i].off;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * A zone: its list of changes, then its rule
 * ---------------------------------------------------------------------------------------------- */

/* Index of the first change after t (n_changes when none). */
static size_t first_after(const sb_tz_zone_t *z, int64_t t)
{
    size_t lo = 0, hi = z->n_changes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->changes[mid].at <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t sb_cal_offset_at(const sb_tz_zone_t *z, int64_t t)
{
    if (!z)
        return 0;
    size_t i = first_after(z, t);
    if (i == z->n_changes && z->has_rule)
        return rule_offset(&z->rule, t); /* past the last change, or no changes at all */
    return i == 0 ? z->first_off : z->changes[i - 1].off;
}

/* The first change after t: its instant and the offset from then on. */
static bool next_change(const sb_tz_zone_t *z, int64_t t, int64_t *at, int32_t *off)
{
    if (!z)
        return false;
    size_t i = first_after(z, t);
    if (i < z->n_changes) {
        *at = z->changes[i].at;
        *off = sb_cal_offset_at(z, *at);
        return true;
    }
    return z->has_rule && rule_next(&z->rule, t, at, off);
}

int64_t sb_cal_local_to_utc(const sb_tz_zone_t *z, int64_t local)
{
    /* Walk the stretches of constant offset from an instant whose clock surely reads earlier
     * than `local` (offsets never exceed SB_TZ_MAX_OFFSET_S): the first stretch whose clock
     * reaches `local` holds the answer, at `local` itself or, when the clock jumped over it, at
     * the stretch's start. */
    int64_t t = local - SB_TZ_MAX_OFFSET_S - 1;
    int32_t off = sb_cal_offset_at(z, t);
    for (;;) {
        int64_t at;
        int32_t next_off;
        if (!next_change(z, t, &at, &next_off) || at + off > local)
            return local - off > t ? local - off : t;
        t = at;
        off = next_off;
    }
}

int32_t sb_cal_local_day(const sb_tz_zone_t *z, int64_t t)
{
    return (int32_t)floor_div(t + sb_cal_offset_at(z, t), DAY_S);
}

/* ------------------------------------------------------------------------------------------------
 * A queue's week
 * ---------------------------------------------------------------------------------------------- */

static bool range_ok(int32_t first_day, int32_t last_day)
{
    return first_day >= SB_CAL_MIN_DAY && last_day <= SB_CAL_MAX_DAY && first_day <= last_day &&
           last_day - first_day < SB_CAL_MAX_DAYS;
}

size_t sb_cal_capacity(const sb_cal_week_t *w, int32_t first_day, int32_t last_day)
{
    if (!range_ok(first_day, last_day))
        return 0;
    size_t per_weekday[7] = {0}, n = 0;
    for (size_t i = 0; i < w->n_weekly; i++)
        if (w->weekly[i].weekday < 7)
            per_weekday[w->weekly[i].weekday]++;
    for (int32_t day = first_day; day <= last_day; day++)
        n += per_weekday[sb_cal_weekday(day)];
    return n;
}

static bool is_holiday(const sb_cal_week_t *w, int32_t day)
{
    for (size_t i = 0; i < w->n_holidays; i++)
        if (w->holidays[i] == day)
            return true;
    return false;
}

static int cmp_interval(const void *a, const void *b)
{
    const sb_rinterval_t *x = a, *y = b;
    return x->open_ms < y->open_ms ? -1 : x->open_ms > y->open_ms;
}

static uint64_t to_ms(int64_t t)
{
    return t <= 0 ? 0 : (uint64_t)t * 1000u;
}

int sb_cal_intervals(const sb_cal_week_t *w, int32_t first_day, int32_t last_day,
                     sb_rinterval_t *out, size_t cap, size_t *n)
{
    *n = 0;
    if (!range_ok(first_day, last_day))
        return SB_E_RANGE;
    size_t k = 0;
    for (int32_t day = first_day; day <= last_day; day++) {
        if (is_holiday(w, day))
            continue;
        unsigned wd = sb_cal_weekday(day);
        int64_t midnight = (int64_t)day * DAY_S;
        for (size_t i = 0; i < w->n_weekly; i++) {
            const sb_cfg_hours_t *h = &w->weekly[i];
            if (h->weekday != wd || h->open_min >= h->close_min)
                continue;
            uint64_t open = to_ms(sb_cal_local_to_utc(w->zone, midnight + h->open_min * 60));
            uint64_t close = to_ms(sb_cal_local_to_utc(w->zone, midnight + h->close_min * 60));
            if (close <= open)
                continue; /* wholly inside a skipped hour */
            if (k == cap)
                return SB_E_LIMIT;
            out[k++] = (sb_rinterval_t){open, close};
        }
    }
    if (k > 1)
        qsort(out, k, sizeof *out, cmp_interval);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && out[i].open_ms <= out[m - 1].close_ms) {
            if (out[i].close_ms > out[m - 1].close_ms)
                out[m - 1].close_ms = out[i].close_ms;
        } else {
            out[m++] = out[i];
        }
    }
    *n = m;
    return 0;
}
