/* Short string -> counter (connections per client address). Entries whose count drops to zero are
 * removed, so the table holds only addresses with live connections. */
#ifndef SB_UTIL_COUNTMAP_H
#define SB_UTIL_COUNTMAP_H

#include <stddef.h>
#include <stdint.h>

#define SB_COUNTMAP_KEY 48

typedef struct {
    char key[SB_COUNTMAP_KEY]; /* NUL-terminated; "" = empty slot */
    uint32_t count;
} sb_countmap_slot_t;

typedef struct {
    sb_countmap_slot_t *slots;
    size_t cap, n;
} sb_countmap_t;

void sb_countmap_init(sb_countmap_t *m);
void sb_countmap_dispose(sb_countmap_t *m);
/* Adds one to `key` unless that would pass `limit` (0 = none). Returns the new count, 0 when the
 * limit refused it, or SB_E_NOMEM. Keys longer than SB_COUNTMAP_KEY-1 are truncated. */
int64_t sb_countmap_incr(sb_countmap_t *m, const char *key, uint32_t limit);
/* Subtracts one; removes the entry at zero. */
void sb_countmap_decr(sb_countmap_t *m, const char *key);
uint32_t sb_countmap_get(const sb_countmap_t *m, const char *key);

#endif
