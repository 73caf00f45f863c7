/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
#ifndef SB_UTIL_UTF8_H
#define SB_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is valid UTF-8. */
bool sb_utf8_valid(const char *s, size_t n);
/* Length in bytes of the valid sequence starting at s (1..4), or 0 if it is invalid. */
size_t sb_utf8_seq(const unsigned char *s, size_t n);

#endif
