#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void sb_buf_init(sb_buf_t *b, size_t head)
{
    b->mem = NULL;
    b->head = head;
    b->len = 0;
    b->cap = 0;
}

void sb_buf_dispose(sb_buf_t *b)
{
    free(b->mem);
    b->mem = NULL;
    b->len = b->cap = 0;
}

int sb_buf_reserve(sb_buf_t *b, size_t extra)
{
    if (b->cap - b->len >= extra && b->mem)
        return 0;
    size_t want = b->len + extra;
    if (want < b->len)
        return SB_E_NOMEM;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    uint8_t *m = realloc(b->mem, b->head + cap);
    if (!m)
        return SB_E_NOMEM;
    b->mem = m;
    b->cap = cap;
    return 0;
}

int sb_buf_append(sb_buf_t *b, const void *data, size_t n)
{
    if (sb_buf_reserve(b, n))
        return SB_E_NOMEM;
    if (n)
        memcpy(b->mem + b->head + b->len, data, n);
    b->len += n;
    return 0;
}

int sb_buf_printf(sb_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SB_E_INVAL;
    if ((size_t)n < sizeof small)
        return sb_buf_append(b, small, (size_t)n);
    if (sb_buf_reserve(b, (size_t)n + 1))
        return SB_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf((char *)b->mem + b->head + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

uint8_t *sb_buf_steal(sb_buf_t *b)
{
    uint8_t *m = b->mem;
    b->mem = NULL;
    b->len = b->cap = 0;
    return m;
}

int sb_buf_msgpack_write(void *data, const char *buf, size_t len)
{
    return sb_buf_append(data, buf, len) ? -1 : 0;
}
