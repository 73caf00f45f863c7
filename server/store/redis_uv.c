#include "store/redis_uv.h"

#include <stdlib.h>

#include "util/err.h"

typedef struct {
    redisAsyncContext *ac;
    uv_poll_t poll;
    int events;
} sb_redis_uv_t;

static void poll_cb(uv_poll_t *h, int status, int events)
{
    sb_redis_uv_t *p = h->data;
    /* On an error status, let hiredis try both directions: its read or write fails with the real
     * errno and it tears the connection down through the normal disconnect path. */
    if (status < 0)
        events = p->events;
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    /* the read may have freed the context (cleanup sets p->ac to NULL) */
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void update(sb_redis_uv_t *p)
{
    if (p->events)
        uv_poll_start(&p->poll, p->events, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

static void add_read(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->events |= UV_READABLE;
    update(p);
}

static void del_read(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->events &= ~UV_READABLE;
    update(p);
}

static void add_write(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->events |= UV_WRITABLE;
    update(p);
}

static void del_write(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->events &= ~UV_WRITABLE;
    update(p);
}

static void close_cb(uv_handle_t *h)
{
    free(h->data);
}

static void cleanup(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->ac = NULL;
    p->events = 0;
    uv_poll_stop(&p->poll);
    uv_close((uv_handle_t *)&p->poll, close_cb);
}

int sb_redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    if (ac->ev.data)
        return SB_E_INVAL;
    sb_redis_uv_t *p = calloc(1, sizeof *p);
    if (!p)
        return SB_E_NOMEM;
    if (uv_poll_init(loop, &p->poll, ac->c.fd) != 0) {
        free(p);
        return SB_E_IO;
    }
    p->ac = ac;
    p->poll.data = p;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = p;
    return 0;
}
