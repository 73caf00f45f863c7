#include "util/redact.h"

#include <regex.h>
#include <stdlib.h>

#include "util/err.h"

#include <stdbool.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------
 * The characters a number is written with
 * ---------------------------------------------------------------------------------------------- */

/* The digit at s[i] (0-9) and its length in bytes: ASCII, or full-width U+FF10..U+FF19 (EF BC
 * 90..99), which phones with an East Asian keyboard and some form fillers produce. 0 for none. */
static size_t digit_at(const char *s, size_t n, size_t i, int *val)
{
    const unsigned char *u = (const unsigned char *)s + i;
    if (u[0] >= '0' && u[0] <= '9') {
        *val = u[0] - '0';
        return 1;
    }
    if (i + 3 <= n && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
        *val = u[2] - 0x90;
        return 3;
    }
    return 0;
}

/* The separator at s[i] and its length; `*cp` is its code point, so "the same separator twice"
 * compares characters, not bytes. Space, hyphen-minus, full stop; no-break space; the dashes
 * U+2010..U+2015 (hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar) and
 * U+2212 (minus), which word processors and phone keyboards put in place of a typed hyphen; and
 * the full-width hyphen-minus, full stop and ideographic space that come with full-width digits.
 * 0 for none. */
static size_t sep_at(const char *s, size_t n, size_t i, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s + i;
    if (u[0] == ' ' || u[0] == '-' || u[0] == '.') {
        *cp = u[0];
        return 1;
    }
    if (i + 2 <= n && u[0] == 0xC2 && u[1] == 0xA0) {
        *cp = 0xA0;
        return 2;
    }
    if (i + 3 > n)
        return 0;
    unsigned c = ((unsigned)(u[0] & 0x0F) << 12) | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    if ((u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
        return 0;
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFF0D || c == 0xFF0E || c == 0x3000 ||
        c == 0xFE63) {
        *cp = c;
        return 3;
    }
    return 0;
}

/* Up to `max` digits in a row from s[i]: their values into d, the byte after them into *end.
 * Returns how many (max + 1 when there are more than max). */
static size_t digits(const char *s, size_t n, size_t i, int *d, size_t max, size_t *end)
{
    size_t k = 0, len;
    int val;
    while (i < n && (len = digit_at(s, n, i, &val)) > 0) {
        if (k == max) {
            *end = i;
            return max + 1;
        }
        d[k++] = val;
        i += len;
    }
    *end = i;
    return k;
}

static bool plausible(const int *d /* 9 digits */)
{
    int area = d[0] * 100 + d[1] * 10 + d[2];
    int group = d[3] * 10 + d[4];
    int serial = d[5] * 1000 + d[6] * 100 + d[7] * 10 + d[8];
    if (area == 0 || area == 666 || area >= 900)
        return false;
    return group != 0 && serial != 0;
}

/* Matches an SSN starting at s[i] (a digit not preceded by one): nine digits in a row, or 3-2-4
 * with the same separator twice, not followed by another digit. Its digits go to d; returns the
 * byte after it, or 0 when there is none here (`*run_end`: the end of the digit run at i). */
static size_t match(const char *s, size_t n, size_t i, int *d, bool *separated, size_t *run_end)
{
    size_t e, e2;
    unsigned c1, c2;
    size_t run = digits(s, n, i, d, 9, run_end);
    e = *run_end;
    if (run == 9) {
        *separated = false;
        return e;
    }
    if (run != 3)
        return 0;
    size_t l1 = e < n ? sep_at(s, n, e, &c1) : 0;
    if (!l1 || digits(s, n, e + l1, d + 3, 2, &e2) != 2)
        return 0;
    size_t l2 = e2 < n ? sep_at(s, n, e2, &c2) : 0;
    if (!l2 || c2 != c1 || digits(s, n, e2 + l2, d + 5, 4, &e) != 4)
        return 0;
    *separated = true;
    return e;
}

/* ------------------------------------------------------------------------------------------------
 * Masking
 * ---------------------------------------------------------------------------------------------- */

size_t sb_redact_ssn(char *s, size_t n, size_t *n_masked)
{
    size_t masked = 0, r = 0, w = 0;
    bool after_digit = false;
    while (r < n) {
        int val;
        size_t dl = digit_at(s, n, r, &val);
        if (!dl) {
            s[w++] = s[r++];
            after_digit = false;
            continue;
        }
        int d[9];
        bool separated = false;
        size_t run_end = r;
        size_t end = after_digit ? 0 : match(s, n, r, d, &separated, &run_end);
        if (end && plausible(d)) {
            /* the masked form is ASCII and never longer than what it replaces (every character
             * of the number is at least one byte), so it is written behind the reading point */
            static const char digit_chars[] = "0123456789";
            char out[11];
            size_t k = 0;
            memcpy(out, separated ? "XXX-XX-" : "XXXXX", separated ? 7 : 5);
            k = separated ? 7 : 5;
            for (int j = 5; j < 9; j++)
                out[k++] = digit_chars[d[j]];
            memcpy(s + w, out, k);
            w += k;
            r = end;
            masked++;
            after_digit = true;
            continue;
        }
        /* not one: the digit is copied as it was; the next one is "after a digit" */
        memmove(s + w, s + r, dl);
        w += dl;
        r += dl;
        after_digit = true;
    }
    if (w < n)
        s[w] = 0;
    if (n_masked)
        *n_masked = masked;
    return w;
}

/* ------------------------------------------------------------------------------------------------
 * The deployment's own patterns
 * ---------------------------------------------------------------------------------------------- */

int sb_redactor_init(sb_redactor_t *r, char *const *patterns, size_t n)
{
    r->re = NULL;
    r->n = 0;
    if (!n)
        return 0;
    regex_t *re = calloc(n, sizeof *re);
    if (!re)
        return SB_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (regcomp(&re[r->n], patterns[i], REG_EXTENDED) == 0)
            r->n++;
    r->re = re;
    return 0;
}

void sb_redactor_dispose(sb_redactor_t *r)
{
    regex_t *re = r->re;
    for (size_t i = 0; i < r->n; i++)
        regfree(&re[i]);
    free(re);
    r->re = NULL;
    r->n = 0;
}

size_t sb_redact(const sb_redactor_t *r, char *text, size_t len)
{
    len = sb_redact_ssn(text, len, NULL); /* may shorten it: full-width digits, dashes */
    const regex_t *re = r ? r->re : NULL;
    for (size_t i = 0; re && i < r->n; i++) {
        /* regexec needs a terminated string: callers always pass one, and sb_redact_ssn keeps
         * it terminated */
        size_t off = 0;
        regmatch_t m;
        while (off < len && regexec(&re[i], text + off, 1, &m, off ? REG_NOTBOL : 0) == 0) {
            if (m.rm_eo <= m.rm_so) {
                off += (size_t)m.rm_so + 1;
                continue;
            }
            for (regoff_t k = m.rm_so; k < m.rm_eo; k++)
                if (text[off + (size_t)k] != ' ')
                    text[off + (size_t)k] = 'X';
            off += (size_t)m.rm_eo;
        }
    }
    return len;
}
