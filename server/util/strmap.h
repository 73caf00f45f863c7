/* String -> uint32 map (open addressing, backward-shift deletion). Keys are copied. */
#ifndef SB_UTIL_STRMAP_H
#define SB_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *key; /* NULL = empty */
    uint32_t val;
    uint32_t hash;
} sb_strmap_slot_t;

typedef struct {
    sb_strmap_slot_t *slots;
    size_t cap, n;
} sb_strmap_t;

void sb_strmap_init(sb_strmap_t *m);
void sb_strmap_dispose(sb_strmap_t *m);
/* Inserts or replaces. 0 or SB_E_NOMEM. */
int sb_strmap_put(sb_strmap_t *m, const char *key, uint32_t val);
bool sb_strmap_get(const sb_strmap_t *m, const char *key, uint32_t *val);
bool sb_strmap_del(sb_strmap_t *m, const char *key);

#endif
