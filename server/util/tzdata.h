/* Time zones as data: what the system's zone files (config/tzif.c reads them) say, in the form
 * the pure calendar (route/calendar.h) computes with. Plain definitions and date arithmetic only,
 * so that both may use them: the reader is the shell's, the calendar is pure. */
#ifndef SB_UTIL_TZDATA_H
#define SB_UTIL_TZDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds every zone respects (the TZif reader refuses files outside them); the arithmetic below
 * relies on them. RFC 8536 asks for offsets within -25:59:59..+25:59:59. */
#define SB_TZ_MAX_OFFSET_S (26 * 3600)
#define SB_TZ_MAX_TIME_S   ((int64_t)1 << 60) /* |change instant|; zic's "big bang" is -2^59 */
#define SB_TZ_MAX_RULE_S   (167 * 3600)       /* |time of day| of a rule (RFC 8536, 3.3.1) */

/* A day of the year in a POSIX TZ rule. */
typedef enum {
    SB_TZ_DAY_JULIAN1, /* "Jn": n = 1..365, February 29 is never counted */
    SB_TZ_DAY_JULIAN0, /* "n": n = 0..365, February 29 counted in leap years */
    SB_TZ_DAY_MWD,     /* "Mm.w.d": weekday d (0 = Sunday) of week w (1..5, 5 = last) of month m */
} sb_tz_day_kind_t;

typedef struct {
    uint8_t kind;  /* sb_tz_day_kind_t */
    uint8_t month; /* MWD: 1..12 */
    uint8_t week;  /* MWD: 1..5 */
    uint8_t wday;  /* MWD: 0..6 */
    uint16_t yday; /* JULIAN1: 1..365, JULIAN0: 0..365 */
    int32_t time;  /* seconds after that day's local midnight, in the time in force before the
                      change; -SB_TZ_MAX_RULE_S..SB_TZ_MAX_RULE_S (default 02:00) */
} sb_tz_when_t;

/* The POSIX TZ rule of a zone (the footer of its TZif file), e.g. PST8PDT,M3.2.0,M11.1.0. */
typedef struct {
    int32_t std_off; /* seconds east of UTC */
    bool has_dst;
    int32_t dst_off;         /* with has_dst */
    sb_tz_when_t start, end; /* with has_dst: daylight time starts, ends (each year) */
} sb_tz_rule_t;

/* The zone's UTC offset changes to `off` (seconds east of UTC) at instant `at`. */
typedef struct {
    int64_t at;
    int32_t off;
} sb_tz_change_t;

/* A time zone as data. Offsets lie within SB_TZ_MAX_OFFSET_S, instants within
 * SB_TZ_MAX_TIME_S, changes are in strictly ascending order, the rule's fields within the ranges
 * stated above (config/tzif.c checks all of it). */
typedef struct sb_tz_zone {
    int32_t first_off;             /* before the first change (without changes or rule: always) */
    const sb_tz_change_t *changes; /* from the zone's history and near future */
    size_t n_changes;
    bool has_rule; /* the rule decides from the last change on (or always, without changes) */
    sb_tz_rule_t rule;
} sb_tz_zone_t;

/* Day number of a date of the proleptic Gregorian calendar (m 1..12, d 1..31). */
int32_t sb_tz_days_from_civil(int32_t y, unsigned m, unsigned d);

#endif
