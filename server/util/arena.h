/* Bump allocator for per-message scratch memory: everything allocated while one message is handled
 * is released at once by sb_arena_reset(). Nothing long-lived may point into it. */
#ifndef SB_UTIL_ARENA_H
#define SB_UTIL_ARENA_H

#include <stddef.h>

typedef struct sb_arena_block sb_arena_block_t;

typedef struct {
    sb_arena_block_t *blocks; /* newest first */
    size_t used;              /* in the newest block */
    size_t limit;             /* total bytes the arena may hold; 0 = no limit */
    size_t total;
} sb_arena_t;

void sb_arena_init(sb_arena_t *a, size_t limit);
void sb_arena_dispose(sb_arena_t *a);
/* Zeroed memory aligned for any type, or NULL when out of memory or past the limit. */
void *sb_arena_alloc(sb_arena_t *a, size_t n);
/* Frees all but the first block and rewinds it. */
void sb_arena_reset(sb_arena_t *a);

#endif
