/* Small JSON writing helpers for logs, /metrics labels and HTTP replies. Parsing uses jansson. */
#ifndef SB_UTIL_JSON_H
#define SB_UTIL_JSON_H

#include <stddef.h>

#include "util/buf.h"

/* Appends `s` (n bytes, any content) as a quoted JSON string; invalid UTF-8 becomes U+FFFD, so
 * hostile bytes can never break the line. 0 or SB_E_NOMEM. */
int sb_json_str(sb_buf_t *b, const char *s, size_t n);

#endif
