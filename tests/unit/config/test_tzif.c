/* The TZif reader (server/config/tzif.c): real zone files, every zone the system has, POSIX TZ
 * strings good and bad, and broken files built byte by byte, each refused with its reason and
 * without reading a byte past the end (the ASan build checks that: every image is copied into
 * an allocation of exactly its size). */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/tzif.h"
#include "route/calendar.h"
#include "support/test_util.h"
#include "util/err.h"

#define H 3600

/* Parses exactly `len` bytes from a private copy; returns the code, the zone in *z. */
static int parse(const uint8_t *data, size_t len, sb_tz_zone_t **z, char *why, size_t whylen)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, data, len);
    int rc = sb_tzif_parse(copy, len, z, why, whylen);
    free(copy);
    return rc;
}

static void expect_refused(const uint8_t *data, size_t len, const char *reason)
{
    char why[200] = "";
    sb_tz_zone_t *z = (sb_tz_zone_t *)why; /* must be reset to NULL */
    int rc = parse(data, len, &z, why, sizeof why);
    if (rc != SB_E_CONFIG || !strstr(why, reason))
        print_error("expected '%s', got %d '%s'\n", reason, rc, why);
    assert_int_equal(rc, SB_E_CONFIG);
    assert_null(z);
    assert_non_null(strstr(why, reason));
}

static uint8_t *read_zone(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", SB_TZIF_DIR, name);
    uint8_t *data = (uint8_t *)sb_test_read_file(path, len);
    assert_non_null(data);
    return data;
}

/* ------------------------------------------------------------------------------------------------
 * Building files
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} img_t;

static void put(img_t *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void put32(img_t *m, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(m, b, 4);
}

static void put64(img_t *m, int64_t v)
{
    put32(m, (uint32_t)((uint64_t)v >> 32));
    put32(m, (uint32_t)v);
}

static void header(img_t *m, char version, uint32_t isut, uint32_t isstd, uint32_t leap,
                   uint32_t time, uint32_t type, uint32_t chars)
{
    put(m, "TZif", 4);
    uint8_t v[16] = {(uint8_t)version};
    put(m, v, 16);
    put32(m, isut);
    put32(m, isstd);
    put32(m, leap);
    put32(m, time);
    put32(m, type);
    put32(m, chars);
}

typedef struct {
    char version;
    uint32_t leap; /* leap second records (each 12 bytes of zeros) */
    uint32_t typecnt_override, timecnt_override;
    size_t n_times;
    const int64_t *times;
    const uint8_t *index;
    size_t n_types;
    const int32_t *utoff;
    const uint8_t *isdst; /* NULL: all 0 */
    const char *footer;   /* between the newlines; NULL: no footer at all */
} spec_t;

/* A version 2+ file with an empty version 1 block, as zic -b slim writes. */
static img_t build(const spec_t *s)
{
    img_t m = {.n = 0};
    header(&m, s->version ? s->version : '2', 0, 0, 0, 0, 0, 0);
    uint32_t timecnt = s->timecnt_override ? s->timecnt_override : (uint32_t)s->n_times;
    uint32_t typecnt = s->typecnt_override ? s->typecnt_override : (uint32_t)s->n_types;
    header(&m, s->version ? s->version : '2', 0, 0, s->leap, timecnt, typecnt, 4);
    for (size_t i = 0; i < s->n_times; i++)
        put64(&m, s->times[i]);
    for (size_t i = 0; i < s->n_times; i++)
        put(&m, &s->index[i], 1);
    for (size_t i = 0; i < s->n_types; i++) {
        put32(&m, (uint32_t)s->utoff[i]);
        uint8_t rest[2] = {s->isdst ? s->isdst[i] : 0, 0};
        put(&m, rest, 2);
    }
    put(&m, "ABC", 4);
    for (uint32_t i = 0; i < s->leap * 12; i++)
        put(&m, "", 1);
    if (s->footer) {
        put(&m, "\n", 1);
        put(&m, s->footer, strlen(s->footer));
        put(&m, "\n", 1);
    }
    return m;
}

/* ------------------------------------------------------------------------------------------------
 * Real files
 * ---------------------------------------------------------------------------------------------- */

static void test_los_angeles(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = read_zone("America/Los_Angeles", &len);
    sb_tz_zone_t *z = NULL;
    char why[200] = "";
    assert_int_equal(parse(data, len, &z, why, sizeof why), 0);
    assert_int_equal(z->first_off, -(7 * H + 52 * 60 + 58)); /* local mean time, until 1883 */
    assert_true(z->n_changes > 100);
    for (size_t i = 1; i < z->n_changes; i++)
        assert_true(z->changes[i - 1].at < z->changes[i].at);
    /* 2026-03-08 10:00 UTC: to PDT */
    bool found = false;
    for (size_t i = 0; i < z->n_changes; i++)
        if (z->changes[i].at == 1772964000) {
            found = true;
            assert_int_equal(z->changes[i].off, -7 * H);
            assert_int_equal(z->changes[i - 1].off, -8 * H);
        }
    assert_true(found);
    assert_true(z->has_rule);
    assert_int_equal(z->rule.std_off, -8 * H);
    assert_true(z->rule.has_dst);
    assert_int_equal(z->rule.dst_off, -7 * H);
    assert_int_equal(z->rule.start.kind, SB_TZ_DAY_MWD);
    assert_int_equal(z->rule.start.month, 3);
    assert_int_equal(z->rule.start.week, 2);
    assert_int_equal(z->rule.start.wday, 0);
    assert_int_equal(z->rule.start.time, 2 * H);
    assert_int_equal(z->rule.end.month, 11);
    assert_int_equal(z->rule.end.week, 1);
    sb_tzif_destroy(z);
    free(data);
}

/* Every zone the system has is read; the right/ zones (leap seconds) are refused; and where a
 * zone's file lists changes up to 2037 its rule computes the same offsets (a second, independent
 * reckoning of the rule: zic's). */
static size_t g_zones, g_checked;

static void check_rule_against_list(const char *path, const sb_tz_zone_t *z)
{
    const int64_t from = 1830297600; /* 2028-01-01 */
    const int64_t to = 2114380800;   /* 2037-01-01 */
    if (!z->has_rule || !z->n_changes || z->changes[z->n_changes - 1].at < from ||
        z->changes[z->n_changes - 1].at > 2147483647)
        return; /* no list in the range, or a list that runs past 2038 on other rules */
    sb_tz_zone_t rule_only = {.has_rule = true, .rule = z->rule};
    for (size_t i = 0; i < z->n_changes; i++) {
        int64_t at = z->changes[i].at;
        if (at < from || at >= to)
            continue;
        if (sb_cal_offset_at(&rule_only, at) != z->changes[i].off ||
            (i && sb_cal_offset_at(&rule_only, at - 1) != z->changes[i - 1].off))
            fail_msg("%s: the rule disagrees with the change at %lld", path, (long long)at);
    }
    for (int64_t t = from; t < to; t += 86400)
        if (sb_cal_offset_at(&rule_only, t) != sb_cal_offset_at(z, t))
            fail_msg("%s: the rule disagrees with the list at %lld", path, (long long)t);
    g_checked++;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    size_t len;
    uint8_t *data = (uint8_t *)sb_test_read_file(path, &len);
    assert_non_null(data);
    if (len < 4 || memcmp(data, "TZif", 4) != 0) {
        free(data);
        return 0; /* zone.tab, tzdata.zi, leapseconds ... */
    }
    sb_tz_zone_t *z = NULL;
    char why[200] = "";
    int rc = parse(data, len, &z, why, sizeof why);
    free(data);
    if (strstr(path, "/right/")) {
        if (rc != SB_E_CONFIG || !strstr(why, "leap seconds"))
            fail_msg("%s: a right/ zone was not refused", path);
        return 0;
    }
    if (rc != 0)
        fail_msg("%s: %s", path, why);
    g_zones++;
    check_rule_against_list(path, z);
    sb_tzif_destroy(z);
    return 0;
}

static void test_every_system_zone(void **state)
{
    (void)state;
    assert_int_equal(nftw(SB_TZIF_DIR, visit, 16, FTW_PHYS), 0);
    assert_true(g_zones > 300);
    assert_true(g_checked > 100);
}

/* ------------------------------------------------------------------------------------------------
 * POSIX TZ strings
 * ---------------------------------------------------------------------------------------------- */

static sb_tz_rule_t rule_ok(const char *s)
{
    sb_tz_rule_t r;
    memset(&r, 0x5a, sizeof r);
    if (sb_tzif_parse_rule(s, strlen(s), &r) != 0)
        fail_msg("refused: %s", s);
    return r;
}

static void test_rules(void **state)
{
    (void)state;
    sb_tz_rule_t r = rule_ok("UTC0");
    assert_int_equal(r.std_off, 0);
    assert_false(r.has_dst);
    r = rule_ok("<+0530>-5:30");
    assert_int_equal(r.std_off, 5 * H + 30 * 60);
    assert_false(r.has_dst);
    r = rule_ok("CET-1CEST,M3.5.0,M10.5.0/3");
    assert_int_equal(r.std_off, H);
    assert_int_equal(r.dst_off, 2 * H); /* one hour ahead unless said */
    assert_int_equal(r.start.week, 5);
    assert_int_equal(r.start.time, 2 * H);
    assert_int_equal(r.end.time, 3 * H);
    r = rule_ok("<-04>4<-03>,M9.1.6/24,M4.1.6/24"); /* Santiago: hour 24 */
    assert_int_equal(r.std_off, -4 * H);
    assert_int_equal(r.dst_off, -3 * H);
    assert_int_equal(r.start.wday, 6);
    assert_int_equal(r.start.time, 24 * H);
    r = rule_ok("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"); /* Nuuk: a negative hour */
    assert_int_equal(r.start.time, -H);
    assert_int_equal(r.end.time, 0);
    r = rule_ok("IST-1GMT0,M10.5.0,M3.5.0/1"); /* Dublin: "daylight" time behind standard */
    assert_int_equal(r.std_off, H);
    assert_int_equal(r.dst_off, 0);
    r = rule_ok("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"); /* Lord Howe: half an hour */
    assert_int_equal(r.std_off, 10 * H + 30 * 60);
    assert_int_equal(r.dst_off, 11 * H);
    r = rule_ok("EST5EDT,J60/2:30:15,300");
    assert_int_equal(r.start.kind, SB_TZ_DAY_JULIAN1);
    assert_int_equal(r.start.yday, 60);
    assert_int_equal(r.start.time, 2 * H + 30 * 60 + 15);
    assert_int_equal(r.end.kind, SB_TZ_DAY_JULIAN0);
    assert_int_equal(r.end.yday, 300);
    r = rule_ok("AAA+24:59:59BBB,M1.1.0/167,M12.5.6/-167"); /* the extremes */
    assert_int_equal(r.std_off, -(24 * H + 59 * 60 + 59));
    assert_int_equal(r.start.time, 167 * H);
    assert_int_equal(r.end.time, -167 * H);

    static const char *const bad[] = {
        "",
        "EST",
        "EST5EDT",                     /* daylight time without its rule */
        "EST5EDT4",                    /* same */
        "AB5",                         /* name too short */
        "<AB>5",                       /* same */
        "<+05",                        /* unterminated */
        "<+0 5>5",                     /* a space in a name */
        "EST 5",                       /* a space */
        "EST25",                       /* offset past 24 hours */
        "EST5:60",                     /* minutes */
        "EST5:5:5:5",                  /* too many parts */
        "EST-",                        /* no hours */
        "EST5EDT,M3.2.0",              /* no end */
        "EST5EDT,M3.2.0,",             /* same */
        "EST5EDT,M13.2.0,M11.1.0",     /* month */
        "EST5EDT,M0.2.0,M11.1.0",      /* month */
        "EST5EDT,M3.6.0,M11.1.0",      /* week */
        "EST5EDT,M3.0.0,M11.1.0",      /* week */
        "EST5EDT,M3.2.7,M11.1.0",      /* weekday */
        "EST5EDT,M3.2,M11.1.0",        /* weekday missing */
        "EST5EDT,J0,J365",             /* Julian days are 1..365 */
        "EST5EDT,J366,J1",             /* same */
        "EST5EDT,366,1",               /* zero-based days are 0..365 */
        "EST5EDT,M3.2.0/168,M11.1.0",  /* rule hours are -167..167 */
        "EST5EDT,M3.2.0/-168,M11.1.0", /* same */
        "EST5EDT,M3.2.0,M11.1.0x",     /* trailing bytes */
        "EST5EDT,M3.2.0,M11.1.0,",     /* same */
        "EST5EDT,M3.2.0,M11.1.0\n",    /* a footer's newline is not part of it */
        "EST5EDT,M3.2.00000000000001,M11.1.0",
        "EST99999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sb_tz_rule_t x;
        if (sb_tzif_parse_rule(bad[i], strlen(bad[i]), &x) != SB_E_CONFIG)
            fail_msg("accepted: '%s'", bad[i]);
    }
    /* the length is what counts: a NUL inside is a byte like any other, not the end */
    sb_tz_rule_t x;
    assert_int_equal(sb_tzif_parse_rule("EST5\0", 5, &x), SB_E_CONFIG);
    assert_int_equal(sb_tzif_parse_rule("EST5EDT", 4, &x), 0);
    assert_int_equal(x.std_off, -5 * H);
}

/* ------------------------------------------------------------------------------------------------
 * Broken files
 * ---------------------------------------------------------------------------------------------- */

static const int64_t k_times[] = {1000000000, 1010000000};
static const uint8_t k_index[] = {1, 0};
static const int32_t k_utoff[] = {-5 * H, -4 * H};

static spec_t good_spec(void)
{
    return (spec_t){.n_times = 2,
                    .times = k_times,
                    .index = k_index,
                    .n_types = 2,
                    .utoff = k_utoff,
                    .footer = "EST5EDT,M3.2.0,M11.1.0"};
}

static void test_built_files(void **state)
{
    (void)state;
    /* the good one, then one thing wrong at a time */
    spec_t s = good_spec();
    img_t m = build(&s);
    sb_tz_zone_t *z = NULL;
    char why[200] = "";
    assert_int_equal(parse(m.b, m.n, &z, why, sizeof why), 0);
    assert_int_equal(z->first_off, -5 * H); /* type 0 */
    assert_int_equal(z->n_changes, 2);
    assert_int_equal(z->changes[0].at, 1000000000);
    assert_int_equal(z->changes[0].off, -4 * H);
    assert_int_equal(z->changes[1].off, -5 * H);
    assert_true(z->has_rule);
    sb_tzif_destroy(z);

    /* version 3 and 4 read the same; an empty footer means "the last change stands" */
    s.version = '4';
    s.footer = "";
    m = build(&s);
    assert_int_equal(parse(m.b, m.n, &z, why, sizeof why), 0);
    assert_false(z->has_rule);
    assert_int_equal(sb_cal_offset_at(z, 2000000000), -5 * H);
    sb_tzif_destroy(z);

    /* a zone with no changes and only a rule: a half-hour zone */
    s = (spec_t){.n_types = 1, .utoff = (const int32_t[]){5 * H + 1800}, .footer = "<+0530>-5:30"};
    m = build(&s);
    assert_int_equal(parse(m.b, m.n, &z, why, sizeof why), 0);
    assert_int_equal(z->n_changes, 0);
    assert_int_equal(sb_cal_offset_at(z, 0), 5 * H + 1800);
    sb_tzif_destroy(z);

    expect_refused((const uint8_t *)"TZif", 4, "not a TZif file");
    s = good_spec();
    m = build(&s);
    m.b[0] = 'X';
    expect_refused(m.b, m.n, "not a TZif file");
    s.version = 0;
    m = build(&s);
    m.b[4] = 0;
    expect_refused(m.b, m.n, "version 1");
    m.b[4] = '1';
    expect_refused(m.b, m.n, "unknown TZif version");

    s = good_spec();
    m = build(&s);
    m.b[44] = 'X'; /* the second header */
    expect_refused(m.b, m.n, "no version 2 header");
    m = build(&s);
    m.b[32] = 0x10; /* the version 1 block claims 2^28 changes */
    expect_refused(m.b, m.n, "truncated");

    s.typecnt_override = 300;
    m = build(&s);
    expect_refused(m.b, m.n, "300 local time types");
    s = good_spec();
    s.timecnt_override = SB_TZIF_MAX_CHANGES + 1;
    m = build(&s);
    expect_refused(m.b, m.n, "changes (at most");
    s.timecnt_override = 100; /* more than there are: the block runs past the end */
    m = build(&s);
    expect_refused(m.b, m.n, "truncated");
    s = good_spec();
    s.leap = 1;
    m = build(&s);
    expect_refused(m.b, m.n, "leap seconds");
    s = good_spec();
    s.n_types = 0;
    m = build(&s);
    expect_refused(m.b, m.n, "no local time types");

    static const int64_t backwards[] = {1010000000, 1000000000};
    s = good_spec();
    s.times = backwards;
    m = build(&s);
    expect_refused(m.b, m.n, "change 1 is out of range or out of order");
    static const int64_t twice[] = {1000000000, 1000000000};
    s.times = twice;
    m = build(&s);
    expect_refused(m.b, m.n, "change 1 is out of range or out of order");
    static const int64_t far[] = {-(((int64_t)1) << 62), 0};
    s.times = far;
    m = build(&s);
    expect_refused(m.b, m.n, "change 0 is out of range");
    static const uint8_t bad_index[] = {0, 2};
    s = good_spec();
    s.index = bad_index;
    m = build(&s);
    expect_refused(m.b, m.n, "change 1 names local time type 2 of 2");
    static const int32_t too_far[] = {-5 * H, 26 * H + 1};
    s = good_spec();
    s.utoff = too_far;
    m = build(&s);
    expect_refused(m.b, m.n, "more than 26 hours");
    static const int32_t int_min[] = {-5 * H, INT32_MIN};
    s.utoff = int_min;
    m = build(&s);
    expect_refused(m.b, m.n, "more than 26 hours");
    static const uint8_t dst_flag[] = {0, 2};
    s = good_spec();
    s.isdst = dst_flag;
    m = build(&s);
    expect_refused(m.b, m.n, "daylight flag");

    s = good_spec();
    s.footer = NULL;
    m = build(&s);
    expect_refused(m.b, m.n, "no footer");
    s.footer = "EST5EDT";
    m = build(&s);
    expect_refused(m.b, m.n, "footer 'EST5EDT' is not a POSIX TZ string");
    m.n--; /* the closing newline */
    expect_refused(m.b, m.n, "footer not terminated");
    char long_footer[SB_TZIF_MAX_RULE_LEN + 2];
    memset(long_footer, 'A', sizeof long_footer - 1);
    long_footer[sizeof long_footer - 1] = 0;
    s.footer = long_footer;
    m = build(&s);
    expect_refused(m.b, m.n, "footer of 256 bytes");
}

/* Every prefix of a real file is refused, never read past. */
static void test_every_truncation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = read_zone("Europe/Berlin", &len);
    for (size_t n = 0; n < len; n++) {
        char why[200] = "";
        sb_tz_zone_t *z = NULL;
        int rc = parse(data, n, &z, why, sizeof why);
        if (rc != SB_E_CONFIG)
            fail_msg("a prefix of %zu bytes of %zu gave %d", n, len, rc);
        assert_null(z);
        assert_true(why[0] != 0);
    }
    free(data);
}

/* ------------------------------------------------------------------------------------------------
 * Loading files
 * ---------------------------------------------------------------------------------------------- */

static void test_load(void **state)
{
    (void)state;
    char why[200];
    sb_tz_zone_t *z = NULL;
    assert_int_equal(sb_tzif_load(SB_TZIF_DIR "Asia/Kolkata", &z, why, sizeof why), 0);
    assert_int_equal(sb_cal_offset_at(z, 1767225600), 5 * H + 1800); /* 2026-01-01 */
    sb_tzif_destroy(z);
    assert_int_equal(sb_tzif_load(SB_TZIF_DIR "America/Springfield", &z, why, sizeof why),
                     SB_E_NOTFOUND);
    assert_null(z);
    assert_int_equal(sb_tzif_load(SB_TZIF_DIR "America", &z, why, sizeof why), SB_E_NOTFOUND);
    assert_string_equal(why, "not a regular file");
    assert_int_equal(sb_tzif_load(SB_TZIF_DIR "leapseconds", &z, why, sizeof why), SB_E_CONFIG);
    assert_string_equal(why, "not a TZif file");
    assert_int_equal(sb_tzif_load(SB_TZIF_DIR "right/Europe/Berlin", &z, why, sizeof why),
                     SB_E_CONFIG);
    assert_non_null(strstr(why, "leap seconds"));

    /* a file far larger than any zone is not read */
    char path[] = "/tmp/sb-tzif-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, SB_TZIF_MAX_BYTES + 1), 0);
    close(fd);
    assert_int_equal(sb_tzif_load(path, &z, why, sizeof why), SB_E_IO);
    assert_non_null(strstr(why, "more than a time zone file has"));
    unlink(path);
    sb_tzif_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_los_angeles),
        cmocka_unit_test(test_every_system_zone),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_built_files),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
