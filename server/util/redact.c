#include "util/redact.h"

#include <stdbool.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool plausible(const char *d /* 9 digits */)
{
    int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    int group = (d[3] - '0') * 10 + (d[4] - '0');
    int serial = (d[5] - '0') * 1000 + (d[6] - '0') * 100 + (d[7] - '0') * 10 + (d[8] - '0');
    if (area == 0 || area == 666 || area >= 900)
        return false;
    return group != 0 && serial != 0;
}

/* Writes XXX-XX-dddd (or XXXXXdddd for the unseparated form) over the number at s. */
static void mask(char *s, bool separated)
{
    static const int sep_pos[] = {0, 1, 2, 4, 5};
    for (int k = 0; k < 5; k++)
        s[separated ? sep_pos[k] : k] = 'X';
    if (separated)
        s[3] = s[6] = '-';
}

size_t sb_redact_ssn(char *s, size_t n)
{
    size_t masked = 0;
    size_t i = 0;
    while (i < n) {
        if (!digit(s[i]) || (i > 0 && digit(s[i - 1]))) {
            i++;
            continue;
        }
        /* a run starts at i; nine digits in a row, not followed by a tenth */
        size_t run = 0;
        while (i + run < n && digit(s[i + run]))
            run++;
        if (run == 9) {
            if (plausible(s + i)) {
                mask(s + i, false);
                masked++;
            }
            i += run;
            continue;
        }
        /* 3-2-4 with one separator kind, not adjacent to other digits */
        if (run == 3 && i + 11 <= n) {
            char sep = s[i + 3];
            if ((sep == '-' || sep == ' ' || sep == '.') && digit(s[i + 4]) && digit(s[i + 5]) &&
                s[i + 6] == sep && digit(s[i + 7]) && digit(s[i + 8]) && digit(s[i + 9]) &&
                digit(s[i + 10]) && (i + 11 == n || !digit(s[i + 11]))) {
                char d[9] = {s[i],     s[i + 1], s[i + 2], s[i + 4], s[i + 5],
                             s[i + 7], s[i + 8], s[i + 9], s[i + 10]};
                if (plausible(d)) {
                    mask(s + i, true);
                    masked++;
                }
                i += 11;
                continue;
            }
        }
        i += run;
    }
    return masked;
}
