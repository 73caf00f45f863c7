/* Masking of Social Security numbers at ingress, before storage, delivery, logs or metrics
 * (DESIGN.md, "Security and privacy model"; DOMAIN.md: show them as XXX-XX-1234).
 *
 * An SSN here is nine digits written 3-2-4 with the same separator twice, or nine digits in a row,
 * in both cases not adjacent to other digits (so longer numbers, phone numbers with area codes, and
 * claim numbers of other lengths stay intact). Digits are ASCII or full-width (U+FF10..U+FF19, in
 * any mix); separators are space, hyphen-minus, full stop, no-break space, the dashes
 * U+2010..U+2015 and U+2212 (minus), and the full-width hyphen-minus, full stop and ideographic
 * space (U+FF0D, U+FF0E, U+3000, and the small hyphen-minus U+FE63). Numbers whose area (first
 * three digits) cannot be an SSN (000, 666, 900-999), or whose group (middle two) is 00 or serial
 * (last four) is 0000, are left alone. The last four digits stay visible: agents use them to verify
 * identity. */
#ifndef SB_UTIL_REDACT_H
#define SB_UTIL_REDACT_H

#include <stddef.h>

/* Masks in place. A masked number is written in ASCII, XXX-XX-1234 (any separator becomes '-')
 * or XXXXX1234 (nine in a row), whatever characters it was typed with; since a full-width digit or
 * a dash takes three bytes in UTF-8, the text can get shorter, never longer. Returns the new
 * length; when it is below n, s[new length] is set to NUL, so a terminated string stays
 * terminated. Everything but the masked numbers is kept byte for byte: valid UTF-8 stays valid.
 * `*n_masked` (NULL to ignore) gets how many numbers were masked. */
size_t sb_redact_ssn(char *s, size_t n, size_t *n_masked);

/* Masking for every free text that reaches storage: Social Security numbers (above), then the
 * deployment's own patterns (chat.redact_patterns, POSIX extended regular expressions), whose
 * matches become 'X' but for spaces. */
typedef struct {
    void *re; /* regex_t[n] */
    size_t n;
} sb_redactor_t;

/* Compiles `patterns`; one that does not compile is skipped (the configuration loader refuses
 * them first). 0 or SB_E_NOMEM. */
int sb_redactor_init(sb_redactor_t *r, char *const *patterns, size_t n);
void sb_redactor_dispose(sb_redactor_t *r);
/* Masks in place `text`, a NUL-terminated string of `len` bytes (r NULL: SSNs only). The text can
 * get shorter: returns the new length, and it stays terminated there. */
size_t sb_redact(const sb_redactor_t *r, char *text, size_t len);

#endif
