/* uint64 id -> pointer, open addressing with linear probing and backward-shift deletion (no
 * tombstones, so lookups stay short under churn). Id 0 is reserved (empty slot). */
#ifndef SB_UTIL_IDMAP_H
#define SB_UTIL_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key;
    void *val;
} sb_idmap_slot_t;

typedef struct {
    sb_idmap_slot_t *slots;
    size_t cap; /* power of two */
    size_t n;
} sb_idmap_t;

void sb_idmap_init(sb_idmap_t *m);
void sb_idmap_dispose(sb_idmap_t *m);
/* Inserts or replaces. 0 or SB_E_NOMEM. */
int sb_idmap_put(sb_idmap_t *m, uint64_t key, void *val);
void *sb_idmap_get(const sb_idmap_t *m, uint64_t key);
/* Removes; returns the value or NULL. */
void *sb_idmap_del(sb_idmap_t *m, uint64_t key);

#endif
