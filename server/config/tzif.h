/* Time zones read from the system's TZif files (RFC 8536; /usr/share/zoneinfo, Debian's tzdata)
 * into the data the pure calendar works with (route/calendar.h).
 *
 * The configuration loads each queue's zone once, when it is loaded (before the loop starts, or
 * on the thread pool on a reload), so the loop never reads a file and nothing ever sets TZ.
 *
 * The reader takes version 2 and later files: the 64-bit block of changes and the footer's POSIX
 * TZ string, which decides after the last listed change. It is bounded and checks every count
 * against the bytes that are there, so any file, however broken, gives either a zone or a reason;
 * tests/fuzz/fuzz_tzif.c holds it to that. Files with leap seconds (the right/ zones) count time
 * differently from everything else here and are refused. */
#ifndef SB_CONFIG_TZIF_H
#define SB_CONFIG_TZIF_H

#include <stddef.h>
#include <stdint.h>

#include "util/tzdata.h"

#define SB_TZIF_DIR          "/usr/share/zoneinfo/"
#define SB_TZIF_MAX_BYTES    (256u * 1024) /* the largest zone in tzdata is under 4 KiB */
#define SB_TZIF_MAX_CHANGES  8192u
#define SB_TZIF_MAX_RULE_LEN 255u

/* Parses a TZif image of `len` bytes. 0 and *out (free with sb_tzif_destroy), or SB_E_CONFIG
 * with a short reason in `why` (e.g. "not a TZif file", "truncated: 30 bytes of changes
 * missing"), or SB_E_NOMEM. `data` is borrowed. */
int sb_tzif_parse(const uint8_t *data, size_t len, sb_tz_zone_t **out, char *why, size_t whylen);

/* Reads and parses the file at `path`. 0 and *out, or SB_E_NOTFOUND (no such file, or not a
 * regular file), SB_E_IO (unreadable, too large: `why` says which), SB_E_CONFIG (malformed),
 * SB_E_NOMEM. */
int sb_tzif_load(const char *path, sb_tz_zone_t **out, char *why, size_t whylen);

/* Parses a POSIX TZ string as found in a TZif footer ("PST8PDT,M3.2.0,M11.1.0",
 * "<+0530>-5:30", "<-04>4<-03>,M9.1.6/24,M4.1.6/24"), with RFC 8536's extension of rule times
 * to -167..167 hours. `s` is `len` bytes, not necessarily NUL-terminated. 0 or SB_E_CONFIG.
 * Daylight time without a rule is refused (zic always writes one). */
int sb_tzif_parse_rule(const char *s, size_t len, sb_tz_rule_t *out);

/* Frees a zone from sb_tzif_parse or sb_tzif_load; NULL is fine. */
void sb_tzif_destroy(sb_tz_zone_t *z);

#endif
