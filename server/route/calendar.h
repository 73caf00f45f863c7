/* The opening-hours calendar: a queue's weekly hours, holidays and time zone turned into the UTC
 * intervals the routing engine works with (DESIGN.md, "one clock rule").
 *
 * Pure, like the engine: no I/O, no clock, no environment, no allocation, no logging. The time
 * zone arrives as data (its UTC offset changes, and the rule for the years after them) read from
 * the system's TZif file when the configuration is loaded (config/tzif.h), so nothing in the
 * process ever switches TZ or asks the C library for local time.
 *
 * Local times that occur twice or not at all (daylight-saving changes) follow one rule: a local
 * time T on date D stands for the first instant at which the zone's clock reads D T or later.
 *  - A time that occurs twice (the fall-back hour) is its first occurrence, for openings and
 *    closings alike. On 2026-11-01 in New York, 01:00-02:00 is open 05:00-07:00 UTC (two hours
 *    of real time, the clock shows that hour twice) and 00:00-01:30 closes at the first 01:30.
 *  - A time that does not exist (the spring-forward hour) is the instant the clock jumps past
 *    it. On 2026-03-08 in New York, 01:00-04:00 is open 06:00-08:00 UTC (two hours of real time)
 *    and 02:15-02:45 is not open at all.
 * "24:00" is 00:00 of the next day, under the same rule.
 *
 * Instants are seconds since 1970-01-01 UTC (int64) inside this module and UTC milliseconds in
 * what it returns. A local date is a day number: days since 1970-01-01 in the zone's own calendar
 * (sb_tz_days_from_civil). */
#ifndef SB_ROUTE_CALENDAR_H
#define SB_ROUTE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/tzdata.h"

/* One interval in which a queue is open, in UTC milliseconds: [open_ms, close_ms). */
typedef struct {
    uint64_t open_ms, close_ms;
} sb_rinterval_t;

/* Day numbers the calendar accepts: 0001-01-01 .. 9999-12-31. */
#define SB_CAL_MIN_DAY (-719162)
#define SB_CAL_MAX_DAY 2932896
/* At most this many days per sb_cal_intervals call. */
#define SB_CAL_MAX_DAYS 400

/* What sb_cal_intervals turns into UTC intervals. Everything borrowed. */
typedef struct {
    const sb_tz_zone_t *zone;     /* NULL: UTC */
    const sb_cfg_hours_t *weekly; /* local intervals by weekday, any order; open < close */
    size_t n_weekly;
    const int32_t *holidays; /* local dates (day numbers) on which it is closed all day */
    size_t n_holidays;
} sb_cal_week_t;

/* 0 = Sunday .. 6 = Saturday. */
unsigned sb_cal_weekday(int32_t day);

/* The zone's UTC offset at instant `t`, in seconds east of UTC (`z` NULL: UTC). */
int32_t sb_cal_offset_at(const sb_tz_zone_t *z, int64_t t);
/* The instant a local time stands for, under the rule at the top of this file. `local` counts
 * seconds of the zone's clock as if it were UTC: day number x 86400 + seconds into the day. */
int64_t sb_cal_local_to_utc(const sb_tz_zone_t *z, int64_t local);
/* The local date at instant `t`. */
int32_t sb_cal_local_day(const sb_tz_zone_t *z, int64_t t);

/* How many intervals sb_cal_intervals may write for local dates first_day..last_day: the weekly
 * intervals of each date's weekday, holidays included (0 for a range it refuses). */
size_t sb_cal_capacity(const sb_cal_week_t *w, int32_t first_day, int32_t last_day);
/* The UTC open intervals of local dates first_day..last_day (both included): each weekly
 * interval on its weekday's dates except holidays, sorted, with touching or overlapping ones
 * merged (Monday 22:00-24:00 and Tuesday 00:00-06:00 are one interval). Writes up to `cap`
 * intervals into `out` and their number into *n.
 * 0, or SB_E_RANGE (dates outside SB_CAL_MIN_DAY..SB_CAL_MAX_DAY, last before first, or more
 * than SB_CAL_MAX_DAYS of them), SB_E_LIMIT (cap below sb_cal_capacity). */
int sb_cal_intervals(const sb_cal_week_t *w, int32_t first_day, int32_t last_day,
                     sb_rinterval_t *out, size_t cap, size_t *n);

#endif
