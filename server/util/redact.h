/* Masking of Social Security numbers at ingress, before storage, delivery, logs or metrics
 * (DESIGN.md, "Security and privacy model"; DOMAIN.md: show them as XXX-XX-1234).
 *
 * An SSN here is nine digits written 3-2-4 with the same separator (space, hyphen or dot) twice,
 * or nine digits in a row, in both cases not adjacent to other digits (so longer numbers, phone
 * numbers with area codes, and claim numbers of other lengths stay intact). Numbers whose area
 * (first three digits) cannot be an SSN (000, 666, 900-999), or whose group (middle two) is 00 or
 * serial (last four) is 0000, are left alone. The last four digits stay visible: agents use them
 * to verify identity. */
#ifndef SB_UTIL_REDACT_H
#define SB_UTIL_REDACT_H

#include <stddef.h>

/* Masks in place; the length never changes (each masked digit becomes 'X', separators are
 * normalised to '-', which keeps the length). Returns how many numbers were masked. */
size_t sb_redact_ssn(char *s, size_t n);

#endif
