#include "util/json.h"

#include <stdio.h>

#include "util/utf8.h"

int sb_json_str(sb_buf_t *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (sb_buf_reserve(b, n + 2))
        return -1;
    int rc = sb_buf_append(b, "\"", 1);
    size_t run = 0; /* start of the current run of bytes that need no escaping */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        const char *esc = NULL;
        char tmp[8];
        size_t step = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        } else if (c >= 0x80) {
            step = sb_utf8_seq(s + i, n - i);
            if (!step) {
                esc = "\\ufffd";
                step = 1;
            }
        }
        if (esc) {
            rc |= sb_buf_append(b, s + run, i - run);
            size_t el = 0;
            while (esc[el])
                el++;
            rc |= sb_buf_append(b, esc, el);
            run = i + step;
        }
        i += step;
    }
    rc |= sb_buf_append(b, s + run, n - run);
    rc |= sb_buf_append(b, "\"", 1);
    return rc ? -1 : 0;
}
