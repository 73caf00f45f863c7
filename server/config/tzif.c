/* Time zones from TZif files (tzif.h). The layout, from RFC 8536:
 *
 *   header v1 (44 bytes)  "TZif", version, 15 reserved, six big-endian u32 counts
 *   data v1               32-bit times: skipped, every reader of version 2+ files does
 *   header v2 (44 bytes)  the same, with the counts of the block that follows
 *   data v2               timecnt x i64 change instants, timecnt x u8 type index,
 *                         typecnt x (i32 utoff, u8 isdst, u8 desigidx), charcnt abbreviation
 *                         bytes, leapcnt x (i64, i32), isstdcnt x u8, isutcnt x u8
 *   footer                "\n" POSIX TZ string "\n"
 *
 * Every count is checked against the bytes left before anything is read, in 64-bit arithmetic
 * (six u32 counts times at most 12 cannot overflow it). */
#include "config/tzif.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

#define HEADER_LEN 44

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} counts_t;

/* The zone and its changes in one allocation, so that one free releases both. */
typedef struct {
    sb_tz_zone_t zone; /* first */
    sb_tz_change_t changes[];
} zone_block_t;

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return SB_E_CONFIG;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1; /* two's complement, defined */
}

static int32_t be32s(const uint8_t *p)
{
    uint32_t u = be32(p);
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static void read_counts(const uint8_t *h, counts_t *c)
{
    c->isutcnt = be32(h + 20);
    c->isstdcnt = be32(h + 24);
    c->leapcnt = be32(h + 28);
    c->timecnt = be32(h + 32);
    c->typecnt = be32(h + 36);
    c->charcnt = be32(h + 40);
}

/* Bytes of a data block whose times take `tsize` bytes (4 in version 1, 8 after). */
static uint64_t block_len(const counts_t *c, unsigned tsize)
{
    return (uint64_t)c->timecnt * (tsize + 1) + (uint64_t)c->typecnt * 6 + c->charcnt +
           (uint64_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

static int check_counts(const counts_t *c, char *why, size_t whylen)
{
    if (c->typecnt == 0)
        return fail(why, whylen, "no local time types");
    if (c->typecnt > 256)
        return fail(why, whylen, "%u local time types (a one-byte index reaches 256)", c->typecnt);
    if (c->timecnt > SB_TZIF_MAX_CHANGES)
        return fail(why, whylen, "%u changes (at most %u are read)", c->timecnt,
                    SB_TZIF_MAX_CHANGES);
    if (c->leapcnt)
        return fail(why, whylen,
                    "counts leap seconds (a right/ zone); use the zone without right/");
    if ((c->isstdcnt && c->isstdcnt != c->typecnt) || (c->isutcnt && c->isutcnt != c->typecnt))
        return fail(why, whylen, "standard/UT indicator counts differ from the type count");
    return 0;
}

/* A printable copy of the footer for messages. */
static const char *show_rule(const uint8_t *s, size_t len, char *buf, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 4 < size; i++)
        buf[j++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    if (len && j < len && j + 3 < size) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = 0;
    return buf;
}

int sb_tzif_parse(const uint8_t *data, size_t len, sb_tz_zone_t **out, char *why, size_t whylen)
{
    *out = NULL;
    if (len < HEADER_LEN || memcmp(data, "TZif", 4) != 0)
        return fail(why, whylen, "not a TZif file");
    if (data[4] == 0)
        return fail(why, whylen, "TZif version 1 (no 64-bit data); install a current tzdata");
    if (data[4] < '2')
        return fail(why, whylen, "unknown TZif version byte 0x%02x", data[4]);
    counts_t c;
    read_counts(data, &c);
    uint64_t skip = block_len(&c, 4);
    if (skip > len - HEADER_LEN || len - HEADER_LEN - skip < HEADER_LEN)
        return fail(why, whylen, "truncated: %zu bytes, the version 1 data alone needs %llu", len,
                    (unsigned long long)(HEADER_LEN + skip + HEADER_LEN));
    size_t pos = HEADER_LEN + (size_t)skip;
    if (memcmp(data + pos, "TZif", 4) != 0)
        return fail(why, whylen, "no version 2 header after the version 1 data");
    read_counts(data + pos, &c);
    pos += HEADER_LEN;
    int rc = check_counts(&c, why, whylen);
    if (rc)
        return rc;
    uint64_t need = block_len(&c, 8);
    if (need > len - pos)
        return fail(why, whylen, "truncated: %llu bytes of version 2 data missing",
                    (unsigned long long)(need - (len - pos)));
    const uint8_t *times = data + pos;
    const uint8_t *index = times + (size_t)c.timecnt * 8;
    const uint8_t *types = index + c.timecnt;
    pos += (size_t)need;

    /* the footer: "\n" TZ string "\n" */
    if (pos >= len || data[pos] != '\n')
        return fail(why, whylen, "no footer (the POSIX TZ string for later years)");
    const uint8_t *rule = data + pos + 1;
    const uint8_t *nl = memchr(rule, '\n', len - pos - 1);
    if (!nl)
        return fail(why, whylen, "footer not terminated by a newline");
    size_t rule_len = (size_t)(nl - rule);
    char show[48];
    if (rule_len > SB_TZIF_MAX_RULE_LEN)
        return fail(why, whylen, "footer of %zu bytes (at most %u)", rule_len,
                    SB_TZIF_MAX_RULE_LEN);
    sb_tz_rule_t r = {0};
    if (rule_len && sb_tzif_parse_rule((const char *)rule, rule_len, &r) != 0)
        return fail(why, whylen, "footer '%s' is not a POSIX TZ string",
                    show_rule(rule, rule_len, show, sizeof show));

    int32_t offs[256];
    for (uint32_t i = 0; i < c.typecnt; i++) {
        const uint8_t *t = types + (size_t)i * 6;
        offs[i] = be32s(t);
        if (offs[i] < -SB_TZ_MAX_OFFSET_S || offs[i] > SB_TZ_MAX_OFFSET_S)
            return fail(why, whylen, "local time type %u is %d s from UTC (more than 26 hours)", i,
                        offs[i]);
        if (t[4] > 1)
            return fail(why, whylen, "local time type %u has a daylight flag of %u", i, t[4]);
        if (t[5] >= c.charcnt)
            return fail(why, whylen, "local time type %u names an abbreviation past the end", i);
    }

    zone_block_t *b = malloc(sizeof *b + (size_t)c.timecnt * sizeof b->changes[0]);
    if (!b)
        return SB_E_NOMEM;
    for (uint32_t i = 0; i < c.timecnt; i++) {
        int64_t at = be64(times + (size_t)i * 8);
        if (at < -SB_TZ_MAX_TIME_S || at > SB_TZ_MAX_TIME_S || (i && at <= b->changes[i - 1].at)) {
            free(b);
            return fail(why, whylen, "change %u is out of range or out of order", i);
        }
        if (index[i] >= c.typecnt) {
            free(b);
            return fail(why, whylen, "change %u names local time type %u of %u", i, index[i],
                        c.typecnt);
        }
        b->changes[i] = (sb_tz_change_t){at, offs[index[i]]};
    }
    /* RFC 8536: type 0 is the local time before the first change */
    b->zone = (sb_tz_zone_t){.first_off = offs[0],
                             .changes = b->changes,
                             .n_changes = c.timecnt,
                             .has_rule = rule_len > 0,
                             .rule = r};
    *out = &b->zone;
    return 0;
}

int sb_tzif_load(const char *path, sb_tz_zone_t **out, char *why, size_t whylen)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        fail(why, whylen, "%s", strerror(e));
        return e == ENOENT || e == ENOTDIR ? SB_E_NOTFOUND : SB_E_IO;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = SB_E_IO;
        fail(why, whylen, "%s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = SB_E_NOTFOUND; /* a folder such as America/ is not a zone */
        fail(why, whylen, "not a regular file");
    } else if (st.st_size > (off_t)SB_TZIF_MAX_BYTES) {
        rc = SB_E_IO;
        fail(why, whylen, "%lld bytes, more than a time zone file has (%u)", (long long)st.st_size,
             SB_TZIF_MAX_BYTES);
    }
    if (rc) {
        close(fd);
        return rc;
    }
    uint8_t *data = malloc(SB_TZIF_MAX_BYTES + 1);
    if (!data) {
        close(fd);
        return SB_E_NOMEM;
    }
    /* read to the end rather than trusting st_size: the file may change under us */
    size_t len = 0;
    while (len <= SB_TZIF_MAX_BYTES) {
        ssize_t got = read(fd, data + len, SB_TZIF_MAX_BYTES + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = SB_E_IO;
            fail(why, whylen, "%s", strerror(errno));
            break;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (!rc && len > SB_TZIF_MAX_BYTES) { /* it grew after the fstat */
        fail(why, whylen, "more than %u bytes, more than a time zone file has", SB_TZIF_MAX_BYTES);
        rc = SB_E_IO;
    }
    if (!rc)
        rc = sb_tzif_parse(data, len, out, why, whylen);
    free(data);
    return rc;
}

void sb_tzif_destroy(sb_tz_zone_t *z)
{
    free(z); /* the first member of its zone_block_t */
}

/* ------------------------------------------------------------------------------------------------
 * POSIX TZ strings: std offset [dst [offset] ,start[/time],end[/time]]
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
} cur_t;

static bool at(const cur_t *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

static bool is_digit(const cur_t *c)
{
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* An abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. The name
 * itself is not kept: only offsets matter to the calendar. */
static bool name(cur_t *c)
{
    const char *start = c->p;
    if (at(c, '<')) {
        c->p++;
        start = c->p;
        while (c->p < c->end &&
               (is_alpha(*c->p) || (*c->p >= '0' && *c->p <= '9') || *c->p == '+' || *c->p == '-'))
            c->p++;
        if (!at(c, '>') || c->p - start < 3)
            return false;
        c->p++;
        return true;
    }
    while (c->p < c->end && is_alpha(*c->p))
        c->p++;
    return c->p - start >= 3;
}

/* 1 to `digits` decimal digits, at most `max`. */
static bool number(cur_t *c, unsigned digits, unsigned max, unsigned *v)
{
    unsigned n = 0, x = 0;
    while (n < digits && is_digit(c)) {
        x = x * 10 + (unsigned)(*c->p++ - '0');
        n++;
    }
    *v = x;
    return n > 0 && x <= max && !is_digit(c);
}

/* [+-]hh[:mm[:ss]] in seconds, hours at most `max_h`. */
static bool hms(cur_t *c, unsigned max_h, int32_t *secs)
{
    int sign = 1;
    if (at(c, '+') || at(c, '-'))
        sign = *c->p++ == '-' ? -1 : 1;
    unsigned h, m = 0, s = 0;
    if (!number(c, 3, max_h, &h))
        return false;
    if (at(c, ':')) {
        c->p++;
        if (!number(c, 2, 59, &m))
            return false;
        if (at(c, ':')) {
            c->p++;
            if (!number(c, 2, 59, &s))
                return false;
        }
    }
    *secs = sign * (int32_t)(h * 3600 + m * 60 + s);
    return true;
}

/* A date and its optional /time. */
static bool when(cur_t *c, sb_tz_when_t *w)
{
    unsigned v;
    memset(w, 0, sizeof *w);
    if (at(c, 'J')) {
        c->p++;
        if (!number(c, 3, 365, &v) || v < 1)
            return false;
        w->kind = SB_TZ_DAY_JULIAN1;
        w->yday = (uint16_t)v;
    } else if (at(c, 'M')) {
        unsigned m, wk, d;
        c->p++;
        if (!number(c, 2, 12, &m) || m < 1 || !at(c, '.'))
            return false;
        c->p++;
        if (!number(c, 1, 5, &wk) || wk < 1 || !at(c, '.'))
            return false;
        c->p++;
        if (!number(c, 1, 6, &d))
            return false;
        *w = (sb_tz_when_t){
            .kind = SB_TZ_DAY_MWD, .month = (uint8_t)m, .week = (uint8_t)wk, .wday = (uint8_t)d};
    } else {
        if (!number(c, 3, 365, &v))
            return false;
        w->kind = SB_TZ_DAY_JULIAN0;
        w->yday = (uint16_t)v;
    }
    w->time = 2 * 3600;
    if (at(c, '/')) {
        c->p++;
        return hms(c, SB_TZ_MAX_RULE_S / 3600, &w->time);
    }
    return true;
}

int sb_tzif_parse_rule(const char *s, size_t len, sb_tz_rule_t *out)
{
    cur_t c = {s, s + len};
    sb_tz_rule_t r = {0};
    int32_t west;
    /* POSIX offsets count hours west of UTC: EST5 is five hours behind */
    if (!name(&c) || !hms(&c, 24, &west))
        return SB_E_CONFIG;
    r.std_off = -west;
    if (c.p == c.end) {
        *out = r;
        return 0;
    }
    if (!name(&c))
        return SB_E_CONFIG;
    r.has_dst = true;
    r.dst_off = r.std_off + 3600;
    if (!at(&c, ',')) {
        if (!hms(&c, 24, &west))
            return SB_E_CONFIG;
        r.dst_off = -west;
    }
    if (!at(&c, ','))
        return SB_E_CONFIG; /* daylight time needs its rule */
    c.p++;
    if (!when(&c, &r.start) || !at(&c, ','))
        return SB_E_CONFIG;
    c.p++;
    if (!when(&c, &r.end) || c.p != c.end)
        return SB_E_CONFIG;
    *out = r;
    return 0;
}
