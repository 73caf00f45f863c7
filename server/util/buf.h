/* A growable byte buffer with optional headroom in front of the data (libwebsockets needs
 * LWS_PRE bytes before anything handed to lws_write, so frames are built in place). */
#ifndef SB_UTIL_BUF_H
#define SB_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *mem; /* allocation; data starts at mem + head */
    size_t head;  /* headroom bytes in front of the data */
    size_t len;   /* bytes of data */
    size_t cap;   /* bytes allocated after the headroom */
} sb_buf_t;

/* Empty buffer with `head` bytes of headroom; allocates nothing until the first append. */
void sb_buf_init(sb_buf_t *b, size_t head);
void sb_buf_dispose(sb_buf_t *b);
/* Makes room for `extra` more bytes. 0 or SB_E_NOMEM. */
int sb_buf_reserve(sb_buf_t *b, size_t extra);
int sb_buf_append(sb_buf_t *b, const void *data, size_t n);
/* printf-style append. 0 or SB_E_NOMEM. */
int sb_buf_printf(sb_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline uint8_t *sb_buf_data(const sb_buf_t *b)
{
    return b->mem ? b->mem + b->head : NULL;
}
static inline void sb_buf_clear(sb_buf_t *b)
{
    b->len = 0;
}
/* Hands the allocation to the caller (free(mem)), leaving b empty. */
uint8_t *sb_buf_steal(sb_buf_t *b);
/* msgpack_packer write callback: `data` is an sb_buf_t*. */
int sb_buf_msgpack_write(void *data, const char *buf, size_t len);

#endif
