#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SB_ARENA_BLOCK 8192

struct sb_arena_block {
    sb_arena_block_t *next;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

void sb_arena_init(sb_arena_t *a, size_t limit)
{
    a->blocks = NULL;
    a->used = 0;
    a->limit = limit;
    a->total = 0;
}

void sb_arena_dispose(sb_arena_t *a)
{
    sb_arena_block_t *b = a->blocks;
    while (b) {
        sb_arena_block_t *n = b->next;
        free(b);
        b = n;
    }
    a->blocks = NULL;
    a->used = a->total = 0;
}

void *sb_arena_alloc(sb_arena_t *a, size_t n)
{
    const size_t al = alignof(max_align_t);
    n = (n + al - 1) & ~(al - 1);
    if (n == 0)
        n = al;
    if (!a->blocks || a->blocks->size - a->used < n) {
        size_t size = n > SB_ARENA_BLOCK ? n : SB_ARENA_BLOCK;
        if (a->limit && a->total + size > a->limit)
            return NULL;
        sb_arena_block_t *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->next = a->blocks;
        a->blocks = b;
        a->used = 0;
        a->total += size;
    }
    void *p = a->blocks->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void sb_arena_reset(sb_arena_t *a)
{
    sb_arena_block_t *b = a->blocks;
    if (!b)
        return;
    /* keep the oldest block: it is the one every message needs */
    while (b->next) {
        sb_arena_block_t *n = b->next;
        a->total -= b->size;
        free(b);
        b = n;
    }
    a->blocks = b;
    a->used = 0;
}
