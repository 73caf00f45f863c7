/* libFuzzer target for SSN masking (server/util/redact.c), which rewrites text in place and may
 * shorten it (full-width digits and dashes take three bytes, the masked form is ASCII).
 *
 * Besides "no crash, no read or write out of bounds, no undefined behaviour", it checks:
 *  - the result is never longer than the input, and terminated when shorter;
 *  - valid UTF-8 stays valid UTF-8 (a masked number never leaves half a character behind);
 *  - nothing is left to mask: masking the result again changes nothing, so no SSN the masker
 *    recognises (nine digits in any form it reads) survives in what is stored. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exactly `size` bytes, so a read past the end is caught by ASan */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t masked;
    size_t len = sb_redact_ssn(buf, size, &masked);
    if (len > size)
        abort();
    if (len < size && buf[len] != 0)
        abort();
    if (sb_utf8_valid((const char *)data, size) && !sb_utf8_valid(buf, len))
        abort();
    if (masked == 0 && (len != size || memcmp(buf, data, size) != 0))
        abort(); /* nothing masked, nothing changed */
    char *again = malloc(len ? len : 1);
    if (!again) {
        free(buf);
        return 0;
    }
    memcpy(again, buf, len);
    size_t masked2;
    size_t len2 = sb_redact_ssn(again, len, &masked2);
    if (masked2 != 0 || len2 != len || memcmp(again, buf, len) != 0)
        abort();
    free(again);
    free(buf);
    return 0;
}
