/* libFuzzer target for the TZif reader (server/config/tzif.c) and the calendar that uses what it
 * reads (server/route/calendar.c).
 *
 * The same bytes are read as a whole TZif file and as a POSIX TZ string. Besides "no crash, no
 * read out of bounds, no undefined behaviour", every zone that is accepted must keep the promises
 * the calendar relies on, and the calendar must keep its own on that zone:
 *  - changes in strictly ascending order, offsets within SB_TZ_MAX_OFFSET_S;
 *  - the instant given for a local time is the first at which the zone's clock reads that time or
 *    later, and later local times never come earlier;
 *  - a week's intervals are sorted and apart. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/tzif.h"
#include "route/calendar.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DAY 86400

static void check_local_times(const sb_tz_zone_t *z, int64_t from, int64_t to, int64_t step)
{
    int64_t prev = INT64_MIN;
    for (int64_t local = from; local < to; local += step) {
        int64_t t = sb_cal_local_to_utc(z, local);
        if (t + sb_cal_offset_at(z, t) < local || t - 1 + sb_cal_offset_at(z, t - 1) >= local ||
            t < prev) {
            fprintf(stderr, "local %lld gave %lld\n", (long long)local, (long long)t);
            abort();
        }
        prev = t;
    }
}

static void check_week(const sb_tz_zone_t *z, int32_t first)
{
    static const sb_cfg_hours_t w[] = {{0, 60, 240},  {0, 540, 1020}, {1, 0, 1440},
                                       {2, 0, 1440},  {3, 150, 165},  {4, 90, 180},
                                       {5, 120, 180}, {6, 0, 90},     {6, 1380, 1440}};
    const size_t nw = sizeof w / sizeof w[0];
    int32_t holiday = first + 3;
    sb_cal_week_t wk = {
        .zone = z, .weekly = w, .n_weekly = nw, .holidays = &holiday, .n_holidays = 1};
    sb_rinterval_t out[15 * sizeof w / sizeof w[0]];
    size_t n;
    if (sb_cal_intervals(&wk, first, first + 14, out, sizeof out / sizeof out[0], &n) != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        if (out[i].open_ms >= out[i].close_ms || (i && out[i - 1].close_ms >= out[i].open_ms))
            abort();
}

static void check_zone(const sb_tz_zone_t *z)
{
    if (z->first_off < -SB_TZ_MAX_OFFSET_S || z->first_off > SB_TZ_MAX_OFFSET_S)
        abort();
    for (size_t i = 0; i < z->n_changes; i++)
        if (z->changes[i].off < -SB_TZ_MAX_OFFSET_S || z->changes[i].off > SB_TZ_MAX_OFFSET_S ||
            (i && z->changes[i - 1].at >= z->changes[i].at))
            abort();
    /* around its last change, where the rule takes over, and in two ordinary years */
    if (z->n_changes) {
        int64_t last = z->changes[z->n_changes - 1].at;
        int64_t day = last / DAY;
        if (day > SB_CAL_MIN_DAY + 20 && day < SB_CAL_MAX_DAY - 20) {
            check_local_times(z, (day - 3) * DAY, (day + 3) * DAY, 1800);
            check_week(z, (int32_t)day - 7);
        }
    }
    check_local_times(z, 20454LL * DAY, 20454LL * DAY + 366 * DAY, 5 * 3600 + 900); /* 2026 */
    check_local_times(z, 25567LL * DAY, 25567LL * DAY + 366 * DAY, 5 * 3600 + 900); /* 2040 */
    check_week(z, 20513);                                                           /* March 2026 */
    check_week(z, 20749); /* October 2026 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sb_tz_rule_t rule;
    if (size <= SB_TZIF_MAX_RULE_LEN && sb_tzif_parse_rule((const char *)data, size, &rule) == 0) {
        sb_tz_zone_t z = {.has_rule = true, .rule = rule};
        check_zone(&z);
    }
    sb_tz_zone_t *z = NULL;
    char why[160] = "";
    int rc = sb_tzif_parse(data, size, &z, why, sizeof why);
    if (rc != 0) {
        if (z || (rc == SB_E_CONFIG && !why[0]))
            abort(); /* a refusal always says why and gives nothing */
        return 0;
    }
    check_zone(z);
    sb_tzif_destroy(z);
    return 0;
}
