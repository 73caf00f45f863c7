/* Configuration: a queue's hours of operation.
 *
 *   hours:
 *     timezone: America/Los_Angeles
 *     weekly: {mon: "09:00-16:00", tue: ["09:00-12:00", "13:00-16:00"], sat: closed}
 *     holidays: ["2026-12-25"]
 *
 * The local wall-clock intervals are kept as they are written, the holidays also as day numbers,
 * and the time zone's rules are read from its TZif file here, once per load (config/tzif.h), so
 * that turning all of it into UTC intervals later is a pure computation on the loop thread
 * (route/calendar.h; DESIGN.md, "one clock rule"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_yaml.h"
#include "config/tzif.h"
#include "util/err.h"

#define SB_CFG_MAX_INTERVALS 8 /* per day; split shifts and lunch closures fit easily */

typedef struct {
    uint16_t open[SB_CFG_MAX_INTERVALS], close[SB_CFG_MAX_INTERVALS];
    size_t n;
} sb_cfg_day_t;

typedef struct {
    sb_cfg_day_t days[7];
} sb_cfg_week_t;

/* ------------------------------------------------------------------------------------------------
 * Intervals
 * ---------------------------------------------------------------------------------------------- */

static bool two_digits(const char *s, unsigned *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return false;
    *v = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    return true;
}

/* "HH:MM" into minutes since midnight; 24:00 is allowed as a closing time. */
static bool parse_hhmm(const char *s, unsigned *min)
{
    unsigned h, m;
    if (!two_digits(s, &h) || s[2] != ':' || !two_digits(s + 3, &m) || m > 59)
        return false;
    if (h > 24 || (h == 24 && m != 0))
        return false;
    *min = h * 60 + m;
    return true;
}

static int parse_interval(sb_cfg_ctx_t *ctx, yaml_node_t *node, sb_cfg_day_t *day)
{
    char show[64];
    const char *s = node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : "";
    unsigned open, close;
    if (node->type != YAML_SCALAR_NODE || strlen(s) != 11 || s[5] != '-' || !parse_hhmm(s, &open) ||
        !parse_hhmm(s + 6, &close))
        return sb_cfg_fail(ctx, node, "must be HH:MM-HH:MM (24-hour clock) or closed, got '%s'",
                           sb_cfg_show(s, show, sizeof show));
    if (open >= close)
        return sb_cfg_fail(ctx, node,
                           "opens at %.5s but closes at %.5s; an interval must close after it "
                           "opens (split overnight hours across two days)",
                           s, s + 6);
    for (size_t i = 0; i < day->n; i++)
        if (open < day->close[i] && day->open[i] < close)
            return sb_cfg_fail(ctx, node, "overlaps %02u:%02u-%02u:%02u", day->open[i] / 60,
                               day->open[i] % 60, day->close[i] / 60, day->close[i] % 60);
    if (day->n == SB_CFG_MAX_INTERVALS)
        return sb_cfg_fail(ctx, node, "more than %d intervals in one day", SB_CFG_MAX_INTERVALS);
    day->open[day->n] = (uint16_t)open;
    day->close[day->n++] = (uint16_t)close;
    return 0;
}

/* A day is "HH:MM-HH:MM", "closed", or a list of intervals (an empty list is closed too). */
static int parse_day(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_day_t *day = dst;
    if (!node)
        return 0; /* not listed: closed */
    if (node->type == YAML_SCALAR_NODE && !strcmp((const char *)node->data.scalar.value, "closed"))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return parse_interval(ctx, node, day);
    yaml_node_t *item;
    int rc = 0;
    for (size_t i = 0; !rc && (item = sb_cfg_seq_item(ctx, node, i)); i++) {
        size_t saved = sb_cfg_push_index(ctx, i);
        rc = parse_interval(ctx, item, day);
        sb_cfg_pop(ctx, saved);
    }
    return rc;
}

#define DAY(d) offsetof(sb_cfg_week_t, days[d])

/* Keys in weekday order, Sunday = 0 as in struct tm. */
static const sb_cfg_field_t week_fields[] = {
    {SB_CFG_F("sun", SB_CFGK_CUSTOM, 0, DAY(0)), .parse = parse_day},
    {SB_CFG_F("mon", SB_CFGK_CUSTOM, 0, DAY(1)), .parse = parse_day},
    {SB_CFG_F("tue", SB_CFGK_CUSTOM, 0, DAY(2)), .parse = parse_day},
    {SB_CFG_F("wed", SB_CFGK_CUSTOM, 0, DAY(3)), .parse = parse_day},
    {SB_CFG_F("thu", SB_CFGK_CUSTOM, 0, DAY(4)), .parse = parse_day},
    {SB_CFG_F("fri", SB_CFGK_CUSTOM, 0, DAY(5)), .parse = parse_day},
    {SB_CFG_F("sat", SB_CFGK_CUSTOM, 0, DAY(6)), .parse = parse_day},
};

static int cmp_hours(const void *a, const void *b)
{
    const sb_cfg_hours_t *x = a, *y = b;
    if (x->weekday != y->weekday)
        return x->weekday < y->weekday ? -1 : 1;
    return x->open_min < y->open_min ? -1 : x->open_min > y->open_min;
}

static int parse_weekly(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_queue_t *q = dst;
    sb_cfg_week_t week = {0};
    int rc = sb_cfg_parse_map(ctx, node, week_fields, SB_CFG_NFIELDS(week_fields), &week);
    size_t n = 0;
    for (int d = 0; d < 7; d++)
        n += week.days[d].n;
    if (!rc && n == 0)
        rc = sb_cfg_fail(ctx, node,
                         "opens on no day; leave hours out for a queue that is always "
                         "open");
    if (rc)
        return rc;
    if (!(q->hours = calloc(n, sizeof *q->hours)))
        return sb_cfg_nomem(ctx);
    for (int d = 0; d < 7; d++)
        for (size_t i = 0; i < week.days[d].n; i++)
            q->hours[q->n_hours++] = (sb_cfg_hours_t){.weekday = (uint8_t)d,
                                                      .open_min = week.days[d].open[i],
                                                      .close_min = week.days[d].close[i]};
    qsort(q->hours, q->n_hours, sizeof *q->hours, cmp_hours);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Time zone and holidays
 * ---------------------------------------------------------------------------------------------- */

static bool zone_name_ok(const char *z)
{
    /* An IANA name is a relative path under zoneinfo; refuse anything that could leave it. */
    if (!*z || *z == '/' || strstr(z, "..") || strstr(z, "//"))
        return false;
    for (const char *p = z; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_+-/", *p)))
            return false;
    return true;
}

/* Reads the zone's rules now, so that a missing, unreadable or malformed file is a
 * configuration error rather than a queue that is silently open at the wrong hours. */
static int load_timezone(sb_cfg_ctx_t *ctx, yaml_node_t *hours, sb_cfg_queue_t *q)
{
    char path[sizeof SB_TZIF_DIR + 64], show[64], why[160] = "";
    const char *zone = q->timezone;
    int rc = SB_E_NOTFOUND;
    if (zone_name_ok(zone) && strlen(zone) <= 64) {
        snprintf(path, sizeof path, "%s%s", SB_TZIF_DIR, zone);
        rc = sb_tzif_load(path, &q->zone, why, sizeof why);
    }
    if (rc == 0)
        return 0;
    if (rc == SB_E_NOMEM)
        return sb_cfg_nomem(ctx);
    if (rc == SB_E_NOTFOUND)
        return sb_cfg_fail_key(ctx, hours, "timezone",
                               "unknown time zone '%s' (no such file under " SB_TZIF_DIR
                               "); use an IANA name such as America/Los_Angeles",
                               sb_cfg_show(zone, show, sizeof show));
    return sb_cfg_fail_key(ctx, hours, "timezone", "cannot use time zone '%s': %s: %s",
                           sb_cfg_show(zone, show, sizeof show), path, why);
}

/* "YYYY-MM-DD", a real date from 2000 on, as a day number. */
static bool parse_date(const char *s, int32_t *day)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned c, y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !two_digits(s, &c) ||
        !two_digits(s + 2, &y) || !two_digits(s + 5, &m) || !two_digits(s + 8, &d))
        return false;
    y += c * 100;
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    *day = sb_tz_days_from_civil((int32_t)y, m, d);
    return true;
}

static int parse_holidays(sb_cfg_ctx_t *ctx, yaml_node_t *hours, sb_cfg_queue_t *q)
{
    char show[64];
    if (q->n_holidays && !(q->holiday_days = calloc(q->n_holidays, sizeof *q->holiday_days)))
        return sb_cfg_nomem(ctx);
    for (size_t i = 0; i < q->n_holidays; i++) {
        if (parse_date(q->holidays[i], &q->holiday_days[i]))
            continue;
        yaml_node_t *list = sb_cfg_map_get(ctx, hours, "holidays");
        size_t saved = sb_cfg_push_key(ctx, "holidays");
        sb_cfg_push_index(ctx, i);
        int rc = sb_cfg_fail(ctx, sb_cfg_seq_item(ctx, list, i),
                             "must be a date YYYY-MM-DD such as 2026-12-25, got '%s'",
                             sb_cfg_show(q->holidays[i], show, sizeof show));
        sb_cfg_pop(ctx, saved);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * hours
 * ---------------------------------------------------------------------------------------------- */

#define Q(f) offsetof(sb_cfg_queue_t, f)

static const sb_cfg_field_t hours_fields[] = {
    {SB_CFG_F("timezone", SB_CFGK_TEXT, 0, Q(timezone)), .max = 64, .def_str = "UTC"},
    {SB_CFG_F("weekly", SB_CFGK_CUSTOM, SB_CFGF_REQUIRED, 0), .parse = parse_weekly},
    {SB_CFG_F("holidays", SB_CFGK_TEXTS, SB_CFGF_UNIQUE, Q(holidays)), .n_off = Q(n_holidays),
     .max = 64},
};

int sb_cfg_parse_hours(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_queue_t *q = dst;
    if (!node) /* always open; the zone still gets its documented default */
        return (q->timezone = sb_cfg_strdup(ctx, "UTC")) ? 0 : SB_E_NOMEM;
    int rc = sb_cfg_parse_map(ctx, node, hours_fields, SB_CFG_NFIELDS(hours_fields), dst);
    /* without a timezone key the hours are in UTC, which needs no file */
    yaml_node_t *zone = sb_cfg_map_get(ctx, node, "timezone");
    if (!rc && zone && !sb_cfg_is_null(zone))
        rc = load_timezone(ctx, node, q);
    if (!rc)
        rc = parse_holidays(ctx, node, q);
    return rc;
}

void sb_cfg_hours_dispose(sb_cfg_queue_t *q)
{
    free(q->timezone);
    sb_tzif_destroy(q->zone);
    free(q->hours);
    sb_cfg_free_strs(q->holidays, q->n_holidays);
    free(q->holiday_days);
}
