/* Open-addressing map from short strings (contact ids, at most 71 bytes) to a time and a tag.
 * Linear probing with backward-shift deletion: no tombstones, no allocation per entry. */
#ifndef LG_STRMAP_H
#define LG_STRMAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char key[72];
    uint8_t klen; /* 0: empty */
    uint8_t tag;
    uint64_t t;
} lg_strmap_entry_t;

typedef struct {
    lg_strmap_entry_t *e;
    uint32_t mask, n;
} lg_strmap_t;

void lg_strmap_init(lg_strmap_t *m, uint32_t cap_pow2);
void lg_strmap_dispose(lg_strmap_t *m);
/* The entry for key, or NULL. */
lg_strmap_entry_t *lg_strmap_get(lg_strmap_t *m, const char *key, uint32_t len);
/* Inserts (or overwrites) key. Keys longer than 71 bytes are cut. */
void lg_strmap_put(lg_strmap_t *m, const char *key, uint32_t len, uint8_t tag, uint64_t t);
void lg_strmap_del(lg_strmap_t *m, lg_strmap_entry_t *e);

#endif
