/* The opening-hours calendar (server/route/calendar.c) on fixed dates, with the system's zone
 * files read through config/tzif.c as the server reads them. Expected instants are written out
 * in UTC (timegm, which knows nothing of zones), worked out from the zones' published rules:
 *
 *   America/Los_Angeles  PST -8, PDT -7; 2026: daylight time 03-08 02:00 .. 11-01 02:00
 *   Europe/Berlin        CET +1, CEST +2; 2026: 03-29 02:00 .. 10-25 03:00 (three weeks later
 *                        than Los Angeles in spring, one week earlier in autumn)
 *   Australia/Adelaide   ACST +9:30, ACDT +10:30; 2026: standard time 04-05 03:00 .. 10-04 02:00
 *   Asia/Kolkata         IST +5:30, no daylight time
 *
 * No test reads the clock: `now` is always a written instant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config/tzif.h"
#include "route/calendar.h"
#include "route/engine.h"
#include "util/err.h"

enum { SUN, MON, TUE, WED, THU, FRI, SAT };

static sb_tz_zone_t *g_la, *g_berlin, *g_adelaide, *g_kolkata;

/* ------------------------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------------------------- */

/* A UTC instant in milliseconds, from the C library's UTC arithmetic (no time zone involved). */
static uint64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (uint64_t)timegm(&tm) * 1000u;
}

static int32_t day(int y, unsigned m, unsigned d)
{
    return sb_tz_days_from_civil(y, m, d);
}

static sb_cfg_hours_t hours(int weekday, int oh, int om, int ch, int cm)
{
    return (sb_cfg_hours_t){.weekday = (uint8_t)weekday,
                            .open_min = (uint16_t)(oh * 60 + om),
                            .close_min = (uint16_t)(ch * 60 + cm)};
}

static sb_tz_zone_t *load(const char *name)
{
    char path[256], why[160] = "";
    snprintf(path, sizeof path, "%s%s", SB_TZIF_DIR, name);
    sb_tz_zone_t *z = NULL;
    int rc = sb_tzif_load(path, &z, why, sizeof why);
    if (rc)
        print_error("%s: %s\n", path, why);
    assert_int_equal(rc, 0);
    return z;
}

#define MAX_IV 512

typedef struct {
    sb_rinterval_t iv[MAX_IV];
    size_t n;
} ivs_t;

static ivs_t g_out;

/* The intervals of local dates first..last. */
static const ivs_t *week(const sb_tz_zone_t *z, const sb_cfg_hours_t *w, size_t nw,
                         const int32_t *hol, size_t nh, int32_t first, int32_t last)
{
    sb_cal_week_t wk = {.zone = z, .weekly = w, .n_weekly = nw, .holidays = hol, .n_holidays = nh};
    assert_true(sb_cal_capacity(&wk, first, last) <= MAX_IV);
    memset(&g_out, 0xa5, sizeof g_out);
    assert_int_equal(sb_cal_intervals(&wk, first, last, g_out.iv, MAX_IV, &g_out.n), 0);
    for (size_t i = 0; i < g_out.n; i++) {
        assert_true(g_out.iv[i].open_ms < g_out.iv[i].close_ms);
        if (i) /* sorted, apart: touching ones were merged */
            assert_true(g_out.iv[i - 1].close_ms < g_out.iv[i].open_ms);
    }
    return &g_out;
}

/* The intervals equal the pairs of UTC instants given (open, close, open, close, ...). */
static void expect(const ivs_t *got, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    bool same = got->n == n;
    uint64_t want[2 * 16] = {0};
    for (size_t i = 0; i < n && i < 16; i++) {
        want[2 * i] = va_arg(ap, uint64_t);
        want[2 * i + 1] = va_arg(ap, uint64_t);
        if (same && (got->iv[i].open_ms != want[2 * i] || got->iv[i].close_ms != want[2 * i + 1]))
            same = false;
    }
    va_end(ap);
    if (!same) {
        for (size_t i = 0; i < got->n; i++)
            print_error("  got  %zu: %llu .. %llu\n", i, (unsigned long long)got->iv[i].open_ms,
                        (unsigned long long)got->iv[i].close_ms);
        for (size_t i = 0; i < n && i < 16; i++)
            print_error("  want %zu: %llu .. %llu\n", i, (unsigned long long)want[2 * i],
                        (unsigned long long)want[2 * i + 1]);
    }
    assert_true(same);
}

static int setup(void **state)
{
    (void)state;
    g_la = load("America/Los_Angeles");
    g_berlin = load("Europe/Berlin");
    g_adelaide = load("Australia/Adelaide");
    g_kolkata = load("Asia/Kolkata");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sb_tzif_destroy(g_la);
    sb_tzif_destroy(g_berlin);
    sb_tzif_destroy(g_adelaide);
    sb_tzif_destroy(g_kolkata);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------------------------------- */

static void test_civil_days(void **state)
{
    (void)state;
    assert_int_equal(day(1970, 1, 1), 0);
    assert_int_equal(day(2026, 3, 8), 20520);
    assert_int_equal(day(1969, 12, 31), -1);
    assert_int_equal(sb_cal_weekday(day(2026, 3, 8)), SUN);
    assert_int_equal(sb_cal_weekday(day(1969, 12, 31)), WED);
    assert_int_equal(day(1, 1, 1), SB_CAL_MIN_DAY);
    assert_int_equal(day(9999, 12, 31), SB_CAL_MAX_DAY);
    /* every day of two centuries against the C library's UTC calendar */
    for (int y = 1900; y <= 2100; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
                time_t t = timegm(&tm);
                if (tm.tm_mday != d)
                    break; /* normalised into the next month: no such date */
                int32_t dn = day(y, (unsigned)m, (unsigned)d);
                assert_int_equal((int64_t)dn * 86400 + 43200, t);
                assert_int_equal(sb_cal_weekday(dn), tm.tm_wday);
            }
}

/* ------------------------------------------------------------------------------------------------
 * Daylight-saving changes
 * ---------------------------------------------------------------------------------------------- */

/* 2026-03-08, Los Angeles: at 02:00 PST the clock jumps to 03:00 PDT (10:00 UTC). */
static void test_la_spring_forward(void **state)
{
    (void)state;
    int32_t sat = day(2026, 3, 7), sun = day(2026, 3, 8);
    /* several intervals in a day; the night one crosses the jump and lasts two hours */
    sb_cfg_hours_t w[] = {hours(SAT, 9, 0, 17, 0), hours(SUN, 1, 0, 4, 0), hours(SUN, 9, 0, 17, 0)};
    expect(week(g_la, w, 3, NULL, 0, sat, sun), 3,         /* */
           utc(2026, 3, 7, 17, 0), utc(2026, 3, 8, 1, 0),  /* Sat 09-17 PST */
           utc(2026, 3, 8, 9, 0), utc(2026, 3, 8, 11, 0),  /* Sun 01 PST - 04 PDT */
           utc(2026, 3, 8, 16, 0), utc(2026, 3, 9, 0, 0)); /* Sun 09-17 PDT */
    /* wholly inside the missing hour: never open */
    sb_cfg_hours_t gap[] = {hours(SUN, 2, 15, 2, 45)};
    expect(week(g_la, gap, 1, NULL, 0, sun, sun), 0);
    /* opening in the missing hour: at the jump */
    sb_cfg_hours_t into[] = {hours(SUN, 2, 30, 5, 0)};
    expect(week(g_la, into, 1, NULL, 0, sun, sun), 1, utc(2026, 3, 8, 10, 0),
           utc(2026, 3, 8, 12, 0));
    /* closing in the missing hour: at the jump too */
    sb_cfg_hours_t out[] = {hours(SUN, 0, 0, 2, 30)};
    expect(week(g_la, out, 1, NULL, 0, sun, sun), 1, utc(2026, 3, 8, 8, 0), utc(2026, 3, 8, 10, 0));
}

/* 2026-11-01, Los Angeles: at 02:00 PDT the clock goes back to 01:00 PST (09:00 UTC), so 01:00 to
 * 02:00 happens twice. A time that occurs twice is its first occurrence. */
static void test_la_fall_back(void **state)
{
    (void)state;
    int32_t sun = day(2026, 11, 1);
    sb_cfg_hours_t twice[] = {hours(SUN, 1, 0, 2, 0)}; /* the clock shows it for two hours */
    expect(week(g_la, twice, 1, NULL, 0, sun, sun), 1, utc(2026, 11, 1, 8, 0),
           utc(2026, 11, 1, 10, 0));
    sb_cfg_hours_t to_first[] = {hours(SUN, 0, 0, 1, 30)}; /* closes at the first 01:30 */
    expect(week(g_la, to_first, 1, NULL, 0, sun, sun), 1, utc(2026, 11, 1, 7, 0),
           utc(2026, 11, 1, 8, 30));
    sb_cfg_hours_t from_first[] = {hours(SUN, 1, 30, 3, 0)}; /* opens at the first 01:30 */
    expect(week(g_la, from_first, 1, NULL, 0, sun, sun), 1, utc(2026, 11, 1, 8, 30),
           utc(2026, 11, 1, 11, 0));
    sb_cfg_hours_t day_hours[] = {hours(SAT, 9, 0, 17, 0), hours(SUN, 9, 0, 17, 0)};
    expect(week(g_la, day_hours, 2, NULL, 0, sun - 1, sun), 2, /* */
           utc(2026, 10, 31, 16, 0), utc(2026, 11, 1, 0, 0),   /* PDT */
           utc(2026, 11, 1, 17, 0), utc(2026, 11, 2, 1, 0));   /* PST */
}

/* 2026-03-29, Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 2026-10-25: 03:00 CEST goes back
 * to 02:00 CET (01:00 UTC). */
static void test_berlin_changes(void **state)
{
    (void)state;
    int32_t spring = day(2026, 3, 29), autumn = day(2026, 10, 25);
    sb_cfg_hours_t across[] = {hours(SUN, 1, 0, 4, 0)};
    expect(week(g_berlin, across, 1, NULL, 0, spring, spring), 1, utc(2026, 3, 29, 0, 0),
           utc(2026, 3, 29, 2, 0));
    sb_cfg_hours_t into[] = {hours(SUN, 2, 30, 3, 30)};
    expect(week(g_berlin, into, 1, NULL, 0, spring, spring), 1, utc(2026, 3, 29, 1, 0),
           utc(2026, 3, 29, 1, 30));
    sb_cfg_hours_t twice[] = {hours(SUN, 2, 0, 3, 0)};
    expect(week(g_berlin, twice, 1, NULL, 0, autumn, autumn), 1, utc(2026, 10, 25, 0, 0),
           utc(2026, 10, 25, 2, 0));
    sb_cfg_hours_t to_first[] = {hours(SUN, 0, 0, 2, 30)};
    expect(week(g_berlin, to_first, 1, NULL, 0, autumn, autumn), 1, utc(2026, 10, 24, 22, 0),
           utc(2026, 10, 25, 0, 30));
    /* the working days around the spring change: CET before, CEST after */
    sb_cfg_hours_t wd[] = {hours(FRI, 9, 0, 17, 0), hours(MON, 9, 0, 17, 0)};
    expect(week(g_berlin, wd, 2, NULL, 0, day(2026, 3, 27), day(2026, 3, 30)), 2,
           utc(2026, 3, 27, 8, 0), utc(2026, 3, 27, 16, 0), /* */
           utc(2026, 3, 30, 7, 0), utc(2026, 3, 30, 15, 0));
}

/* The two zones change on different dates: for three weeks in March Berlin is eight hours ahead
 * of Los Angeles rather than nine. */
static void test_zones_change_on_different_dates(void **state)
{
    (void)state;
    sb_cfg_hours_t mon[] = {hours(MON, 9, 0, 17, 0)};
    int32_t before = day(2026, 3, 2), between = day(2026, 3, 16), after = day(2026, 3, 30);
    expect(week(g_la, mon, 1, NULL, 0, before, before), 1, utc(2026, 3, 2, 17, 0),
           utc(2026, 3, 3, 1, 0));
    expect(week(g_berlin, mon, 1, NULL, 0, before, before), 1, utc(2026, 3, 2, 8, 0),
           utc(2026, 3, 2, 16, 0));
    expect(week(g_la, mon, 1, NULL, 0, between, between), 1, utc(2026, 3, 16, 16, 0),
           utc(2026, 3, 17, 0, 0));
    expect(week(g_berlin, mon, 1, NULL, 0, between, between), 1, utc(2026, 3, 16, 8, 0),
           utc(2026, 3, 16, 16, 0));
    expect(week(g_la, mon, 1, NULL, 0, after, after), 1, utc(2026, 3, 30, 16, 0),
           utc(2026, 3, 31, 0, 0));
    expect(week(g_berlin, mon, 1, NULL, 0, after, after), 1, utc(2026, 3, 30, 7, 0),
           utc(2026, 3, 30, 15, 0));
}

/* Half-hour offsets, with and without daylight time. */
static void test_half_hour_zones(void **state)
{
    (void)state;
    sb_cfg_hours_t k[] = {hours(TUE, 9, 0, 17, 30)};
    expect(week(g_kolkata, k, 1, NULL, 0, day(2026, 1, 27), day(2026, 1, 27)), 1,
           utc(2026, 1, 27, 3, 30), utc(2026, 1, 27, 12, 0));
    /* Adelaide, 2026-04-05: 03:00 ACDT goes back to 02:00 ACST (16:30 UTC the day before) */
    sb_cfg_hours_t twice[] = {hours(SUN, 2, 0, 3, 0)};
    expect(week(g_adelaide, twice, 1, NULL, 0, day(2026, 4, 5), day(2026, 4, 5)), 1,
           utc(2026, 4, 4, 15, 30), utc(2026, 4, 4, 17, 30));
    /* 2026-10-04: 02:00 ACST jumps to 03:00 ACDT */
    sb_cfg_hours_t across[] = {hours(SUN, 1, 0, 4, 0)};
    expect(week(g_adelaide, across, 1, NULL, 0, day(2026, 10, 4), day(2026, 10, 4)), 1,
           utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 17, 30));
    /* a Monday morning in Adelaide is Sunday evening in UTC */
    sb_cfg_hours_t mon[] = {hours(MON, 9, 0, 17, 0)};
    expect(week(g_adelaide, mon, 1, NULL, 0, day(2026, 6, 8), day(2026, 6, 8)), 1,
           utc(2026, 6, 7, 23, 30), utc(2026, 6, 8, 7, 30));
}

/* ------------------------------------------------------------------------------------------------
 * Holidays and 24:00
 * ---------------------------------------------------------------------------------------------- */

/* A holiday is a date of the queue's zone, whatever the date in UTC. */
static void test_holidays_are_local_dates(void **state)
{
    (void)state;
    /* Thanksgiving in Los Angeles: Wednesday evening falls on Thursday in UTC and stays open;
     * Thursday is closed; Friday opens */
    int32_t thanksgiving = day(2026, 11, 26);
    sb_cfg_hours_t la[] = {hours(WED, 18, 0, 24, 0), hours(THU, 9, 0, 17, 0),
                           hours(FRI, 9, 0, 17, 0)};
    expect(week(g_la, la, 3, &thanksgiving, 1, day(2026, 11, 25), day(2026, 11, 27)), 2,
           utc(2026, 11, 26, 2, 0), utc(2026, 11, 26, 8, 0), /* */
           utc(2026, 11, 27, 17, 0), utc(2026, 11, 28, 1, 0));
    /* 1 May in Berlin */
    int32_t may_day = day(2026, 5, 1);
    sb_cfg_hours_t be[] = {hours(THU, 9, 0, 17, 0), hours(FRI, 9, 0, 17, 0)};
    expect(week(g_berlin, be, 2, &may_day, 1, day(2026, 4, 30), day(2026, 5, 1)), 1,
           utc(2026, 4, 30, 7, 0), utc(2026, 4, 30, 15, 0));
    /* King's Birthday in Adelaide: the Monday that begins on Sunday 23:30 UTC is closed */
    int32_t kings = day(2026, 6, 8);
    sb_cfg_hours_t ad[] = {hours(MON, 9, 0, 17, 0), hours(TUE, 9, 0, 17, 0)};
    expect(week(g_adelaide, ad, 2, &kings, 1, day(2026, 6, 7), day(2026, 6, 9)), 1,
           utc(2026, 6, 8, 23, 30), utc(2026, 6, 9, 7, 30));
    /* Republic Day in Kolkata */
    int32_t republic = day(2026, 1, 26);
    sb_cfg_hours_t ko[] = {hours(MON, 9, 0, 17, 30), hours(TUE, 9, 0, 17, 30)};
    expect(week(g_kolkata, ko, 2, &republic, 1, day(2026, 1, 25), day(2026, 1, 27)), 1,
           utc(2026, 1, 27, 3, 30), utc(2026, 1, 27, 12, 0));
}

/* "24:00" closes a day at the next local midnight, which is 23 or 25 hours away on the days the
 * clock changes; a day that ends at 24:00 and a next day that starts at 00:00 are one stretch. */
static void test_closing_at_24(void **state)
{
    (void)state;
    sb_cfg_hours_t all[] = {hours(SUN, 0, 0, 24, 0)};
    expect(week(g_la, all, 1, NULL, 0, day(2026, 3, 8), day(2026, 3, 8)), 1, utc(2026, 3, 8, 8, 0),
           utc(2026, 3, 9, 7, 0)); /* 23 hours */
    expect(week(g_la, all, 1, NULL, 0, day(2026, 11, 1), day(2026, 11, 1)), 1,
           utc(2026, 11, 1, 7, 0), utc(2026, 11, 2, 8, 0)); /* 25 hours */
    sb_cfg_hours_t night[] = {hours(MON, 22, 0, 24, 0), hours(TUE, 0, 0, 6, 0)};
    expect(week(g_berlin, night, 2, NULL, 0, day(2026, 6, 1), day(2026, 6, 2)), 1,
           utc(2026, 6, 1, 20, 0), utc(2026, 6, 2, 4, 0));
    expect(week(NULL, night, 2, NULL, 0, day(2026, 6, 1), day(2026, 6, 2)), 1, /* UTC */
           utc(2026, 6, 1, 22, 0), utc(2026, 6, 2, 6, 0));
}

/* ------------------------------------------------------------------------------------------------
 * The rule, exhaustively; the zone's rule past its list of changes
 * ---------------------------------------------------------------------------------------------- */

/* Every quarter hour of 2026 in each zone: the instant given for a local time is the first at
 * which the clock reads that time or later (the rule of route/calendar.h), and later local times
 * never come earlier. */
static void test_first_instant_rule(void **state)
{
    (void)state;
    const sb_tz_zone_t *zones[] = {g_la, g_berlin, g_adelaide, g_kolkata, NULL};
    int64_t from = (int64_t)day(2026, 1, 1) * 86400, to = (int64_t)day(2027, 1, 1) * 86400;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        int64_t prev = INT64_MIN;
        size_t moved = 0;
        for (int64_t local = from; local < to; local += 900) {
            int64_t t = sb_cal_local_to_utc(zones[z], local);
            assert_true(t + sb_cal_offset_at(zones[z], t) >= local);
            assert_true(t - 1 + sb_cal_offset_at(zones[z], t - 1) < local);
            assert_true(t >= prev);
            moved += t + sb_cal_offset_at(zones[z], t) != local; /* skipped local times */
            prev = t;
        }
        /* only the spring-forward hour is missing: four quarter hours (none in Kolkata, UTC) */
        assert_int_equal(moved, zones[z] == g_kolkata || !zones[z] ? 0 : 4);
    }
}

/* A zone given only by its POSIX rule computes what the zone file's list says (Debian's files
 * list changes to 2037), and past the list the file's own rule takes over. */
static void test_rule_matches_list(void **state)
{
    (void)state;
    struct {
        const sb_tz_zone_t *file;
        const char *rule;
    } cases[] = {{g_la, "PST8PDT,M3.2.0,M11.1.0"},
                 {g_berlin, "CET-1CEST,M3.5.0,M10.5.0/3"},
                 {g_adelaide, "ACST-9:30ACDT,M10.1.0,M4.1.0/3"},
                 {g_kolkata, "IST-5:30"}};
    sb_cfg_hours_t w[] = {hours(SUN, 1, 0, 4, 0),  hours(MON, 2, 30, 9, 0), hours(TUE, 9, 0, 17, 0),
                          hours(WED, 9, 0, 17, 0), hours(THU, 9, 0, 17, 0), hours(FRI, 9, 0, 17, 0),
                          hours(SAT, 0, 0, 24, 0)};
    static ivs_t from_file;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_tz_zone_t rule_only = {.has_rule = true};
        assert_int_equal(sb_tzif_parse_rule(cases[i].rule, strlen(cases[i].rule), &rule_only.rule),
                         0);
        from_file = *week(cases[i].file, w, 7, NULL, 0, day(2026, 1, 1), day(2026, 12, 31));
        const ivs_t *from_rule =
            week(&rule_only, w, 7, NULL, 0, day(2026, 1, 1), day(2026, 12, 31));
        assert_int_equal(from_rule->n, from_file.n);
        assert_memory_equal(from_rule->iv, from_file.iv, from_file.n * sizeof from_file.iv[0]);
        assert_true(cases[i].file->has_rule);
    }
    /* 2040, after the files' lists: 2040-03-11 and 2040-03-25 are the spring Sundays */
    sb_cfg_hours_t sat_sun[] = {hours(SAT, 9, 0, 17, 0), hours(SUN, 2, 30, 17, 0)};
    expect(week(g_la, sat_sun, 2, NULL, 0, day(2040, 3, 10), day(2040, 3, 11)), 2,
           utc(2040, 3, 10, 17, 0), utc(2040, 3, 11, 1, 0), /* */
           utc(2040, 3, 11, 10, 0), utc(2040, 3, 12, 0, 0));
    expect(week(g_berlin, sat_sun, 2, NULL, 0, day(2040, 3, 24), day(2040, 3, 25)), 2,
           utc(2040, 3, 24, 8, 0), utc(2040, 3, 24, 16, 0), /* */
           utc(2040, 3, 25, 1, 0), utc(2040, 3, 25, 15, 0));
}

/* "EST5EDT,0/0,J365/25" is daylight time all year: the end of one year and the start of the next
 * fall on the same instant and cancel out. */
static void test_daylight_all_year(void **state)
{
    (void)state;
    sb_tz_zone_t z = {.has_rule = true};
    const char *rule = "EST5EDT,0/0,J365/25";
    assert_int_equal(sb_tzif_parse_rule(rule, strlen(rule), &z.rule), 0);
    for (int64_t t = (int64_t)utc(2026, 12, 31, 0, 0) / 1000;
         t < (int64_t)utc(2027, 1, 2, 0, 0) / 1000; t += 600)
        assert_int_equal(sb_cal_offset_at(&z, t), -4 * 3600);
    sb_cfg_hours_t all[] = {hours(THU, 0, 0, 24, 0), hours(FRI, 0, 0, 24, 0)};
    expect(week(&z, all, 2, NULL, 0, day(2026, 12, 31), day(2027, 1, 1)), 1,
           utc(2026, 12, 31, 4, 0), utc(2027, 1, 2, 4, 0));
}

/* The three ways a rule names a day, where they differ: "Jn" never counts February 29, "n" does,
 * and week 5 of "Mm.w.d" is the last such weekday even in a month that has only four. */
static void test_rule_days(void **state)
{
    (void)state;
    struct {
        const char *rule;
        int y, m, d; /* daylight time starts at 02:00 EST that day, 07:00 UTC */
    } cases[] = {
        {"EST5EDT,J60,J300", 2028, 3, 1},          /* leap year: day 60 is still March 1 */
        {"EST5EDT,J60,J300", 2026, 3, 1},          /* */
        {"EST5EDT,59,J300", 2028, 2, 29},          /* zero-based, leap year: February 29 */
        {"EST5EDT,59,J300", 2026, 3, 1},           /* */
        {"EST5EDT,M2.5.0,M11.1.0", 2026, 2, 22},   /* four Sundays in February 2026 */
        {"EST5EDT,M3.5.0,M11.1.0", 2026, 3, 29},   /* five in March */
        {"EST5EDT,M3.1.6/26,M11.1.0", 2026, 3, 8}, /* first Saturday, 26:00: Sunday 02:00 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_tz_zone_t z = {.has_rule = true};
        assert_int_equal(sb_tzif_parse_rule(cases[i].rule, strlen(cases[i].rule), &z.rule), 0);
        int64_t at = (int64_t)utc(cases[i].y, cases[i].m, cases[i].d, 7, 0) / 1000;
        if (sb_cal_offset_at(&z, at - 1) != -5 * 3600 || sb_cal_offset_at(&z, at) != -4 * 3600)
            fail_msg("%s: no change at %d-%02d-%02d 07:00 UTC", cases[i].rule, cases[i].y,
                     cases[i].m, cases[i].d);
    }
}

/* ------------------------------------------------------------------------------------------------
 * What the engine does with the intervals
 * ---------------------------------------------------------------------------------------------- */

/* The window router/hours.c asks for: local dates from yesterday to eight days on. */
static sb_route_t *engine_with(const sb_tz_zone_t *z, const sb_cfg_hours_t *w, size_t nw,
                               const int32_t *hol, size_t nh, uint64_t now)
{
    int32_t today = sb_cal_local_day(z, (int64_t)(now / 1000));
    const ivs_t *iv = week(z, w, nw, hol, nh, today - 1, today + 8);
    sb_rparams_t p = {.position_every_ms = 1000};
    sb_rqueue_def_t q = {.id = "q",
                         .channels = 1u << SB_CHAN_CHAT,
                         .langs = 1,
                         .priority = 1,
                         .n_steps = 1,
                         .hours = iv->iv,
                         .n_hours = iv->n};
    sb_route_t *r = sb_route_create(&p);
    assert_non_null(r);
    assert_int_equal(sb_route_setup(r, &q, 1, NULL, 0, &p, now), 0);
    return r;
}

static void expect_next_open(const sb_route_t *r, uint64_t now, uint64_t want)
{
    uint64_t next = 0;
    assert_false(sb_route_queue_open(r, 0, now, &next));
    assert_int_equal(next, want);
    assert_false(sb_route_queue_open(r, 0, want - 1, NULL));
    assert_true(sb_route_queue_open(r, 0, want, NULL));
}

static void test_next_opening_over_weekend_and_holiday(void **state)
{
    (void)state;
    sb_cfg_hours_t la[] = {hours(MON, 9, 0, 16, 0), hours(TUE, 9, 0, 16, 0),
                           hours(WED, 9, 0, 16, 0), hours(THU, 9, 0, 16, 0),
                           hours(FRI, 9, 0, 16, 0)};
    /* Friday 2026-09-04 16:30 PDT, Labor Day on Monday: Tuesday 09:00 PDT */
    int32_t labor = day(2026, 9, 7);
    uint64_t now = utc(2026, 9, 4, 23, 30);
    sb_route_t *r = engine_with(g_la, la, 5, &labor, 1, now);
    assert_true(sb_route_queue_open(r, 0, utc(2026, 9, 4, 22, 59), NULL)); /* Fri 15:59 */
    expect_next_open(r, now, utc(2026, 9, 8, 16, 0));
    sb_route_destroy(r);
    /* Friday 2026-03-06 17:00 PST, the clocks change on Sunday: Monday 09:00 PDT */
    now = utc(2026, 3, 7, 1, 0);
    r = engine_with(g_la, la, 5, NULL, 0, now);
    expect_next_open(r, now, utc(2026, 3, 9, 16, 0));
    sb_route_destroy(r);
    /* Berlin, Thursday 2026-04-02 17:00 CEST, Good Friday and Easter Monday: Tuesday 09:00 */
    sb_cfg_hours_t be[] = {hours(MON, 9, 0, 17, 0), hours(TUE, 9, 0, 17, 0),
                           hours(WED, 9, 0, 17, 0), hours(THU, 9, 0, 17, 0),
                           hours(FRI, 9, 0, 17, 0)};
    int32_t easter[] = {day(2026, 4, 3), day(2026, 4, 6)};
    now = utc(2026, 4, 2, 15, 0);
    r = engine_with(g_berlin, be, 5, easter, 2, now);
    expect_next_open(r, now, utc(2026, 4, 7, 7, 0));
    sb_route_destroy(r);
}

/* ------------------------------------------------------------------------------------------------
 * Bounds
 * ---------------------------------------------------------------------------------------------- */

static void test_bounds(void **state)
{
    (void)state;
    sb_cfg_hours_t w[] = {hours(MON, 9, 0, 17, 0), hours(MON, 18, 0, 19, 0)};
    sb_cal_week_t wk = {.zone = g_la, .weekly = w, .n_weekly = 2};
    sb_rinterval_t out[4];
    size_t n = 99;
    int32_t mon = day(2026, 6, 1);
    assert_int_equal(sb_cal_capacity(&wk, mon, mon + 6), 2); /* one Monday */
    assert_int_equal(sb_cal_capacity(&wk, mon, mon + 7), 4); /* two */
    assert_int_equal(sb_cal_capacity(&wk, mon + 1, mon + 6), 0);
    assert_int_equal(sb_cal_intervals(&wk, mon, mon - 1, out, 4, &n), SB_E_RANGE);
    assert_int_equal(n, 0);
    assert_int_equal(sb_cal_intervals(&wk, mon, mon + SB_CAL_MAX_DAYS, out, 4, &n), SB_E_RANGE);
    assert_int_equal(sb_cal_intervals(&wk, SB_CAL_MIN_DAY - 1, SB_CAL_MIN_DAY, out, 4, &n),
                     SB_E_RANGE);
    assert_int_equal(sb_cal_capacity(&wk, mon, mon - 1), 0);
    /* two Mondays need four intervals */
    assert_int_equal(sb_cal_intervals(&wk, mon, mon + 7, out, 3, &n), SB_E_LIMIT);
    assert_int_equal(sb_cal_intervals(&wk, mon, mon + 7, out, 4, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(out[3].open_ms, utc(2026, 6, 9, 1, 0)); /* Monday 18:00 PDT */
    /* the ends of the calendar's range */
    assert_int_equal(sb_cal_intervals(&wk, SB_CAL_MIN_DAY, SB_CAL_MIN_DAY + 9, out, 4, &n), 0);
    assert_int_equal(n, 0); /* before 1970: nothing the engine could use */
    assert_int_equal(sb_cal_intervals(&wk, SB_CAL_MAX_DAY - 1, SB_CAL_MAX_DAY, out, 4, &n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_days),
        cmocka_unit_test(test_la_spring_forward),
        cmocka_unit_test(test_la_fall_back),
        cmocka_unit_test(test_berlin_changes),
        cmocka_unit_test(test_zones_change_on_different_dates),
        cmocka_unit_test(test_half_hour_zones),
        cmocka_unit_test(test_holidays_are_local_dates),
        cmocka_unit_test(test_closing_at_24),
        cmocka_unit_test(test_first_instant_rule),
        cmocka_unit_test(test_rule_matches_list),
        cmocka_unit_test(test_daylight_all_year),
        cmocka_unit_test(test_rule_days),
        cmocka_unit_test(test_next_opening_over_weekend_and_holiday),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
