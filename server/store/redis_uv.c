#include "store/redis_uv.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util/err.h"

typedef struct {
    redisAsyncContext *ac;
    uv_poll_t poll;
    uv_check_t check; /* writes what this loop turn queued */
    uv_idle_t idle;   /* active with `check`: the poll phase must not block before it runs */
    int want;         /* what hiredis asked for (UV_READABLE, UV_WRITABLE) */
    int active;       /* what the poll handle was last started with */
    bool poll_write;  /* a flush left bytes behind: wait for write readiness */
    int open_handles; /* freed when every handle is closed */
} sb_redis_uv_t;

static void poll_cb(uv_poll_t *h, int status, int events);

static bool connected(const sb_redis_uv_t *p)
{
    return p->ac && (p->ac->c.flags & REDIS_CONNECTED);
}

/* Starts or stops the poll handle only when its events change (each uv_poll_start costs an
 * epoll_ctl DEL now and an ADD at the next poll). */
static void apply(sb_redis_uv_t *p)
{
    int ev = p->want & UV_READABLE;
    /* a connect in progress completes by write readiness (hiredis checks SO_ERROR then) */
    if ((p->want & UV_WRITABLE) && (p->poll_write || !connected(p)))
        ev |= UV_WRITABLE;
    if (ev == p->active)
        return;
    p->active = ev;
    if (ev)
        uv_poll_start(&p->poll, ev, poll_cb);
    else
        uv_poll_stop(&p->poll);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    sb_redis_uv_t *p = h->data;
    /* On an error status, let hiredis try both directions: its read or write fails with the real
     * errno and it tears the connection down through the normal disconnect path. */
    if (status < 0)
        events = p->active;
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    /* the read may have freed the context (cleanup sets p->ac to NULL) */
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

/* After the poll phase: write everything queued during this turn in one go. hiredis calls
 * del_write once its buffer is empty; if it is not (the socket was full), poll for room. */
static void check_cb(uv_check_t *h)
{
    sb_redis_uv_t *p = h->data;
    uv_check_stop(&p->check);
    uv_idle_stop(&p->idle);
    if (!p->ac || !(p->want & UV_WRITABLE) || !connected(p) || p->poll_write)
        return;
    redisAsyncHandleWrite(p->ac);
    if (p->ac && (p->want & UV_WRITABLE)) {
        p->poll_write = true;
        apply(p);
    }
}

static void idle_cb(uv_idle_t *h)
{
    (void)h; /* only there to keep the poll phase from blocking */
}

static void add_read(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->want |= UV_READABLE;
    apply(p);
}

static void del_read(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->want &= ~UV_READABLE;
    apply(p);
}

static void add_write(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->want |= UV_WRITABLE;
    if (connected(p) && !p->poll_write) {
        /* both no-ops when already started. A command issued in a timer callback (before the
         * poll phase) or in another check callback would otherwise wait for the next event. */
        uv_check_start(&p->check, check_cb);
        uv_idle_start(&p->idle, idle_cb);
    } else
        apply(p);
}

static void del_write(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->want &= ~UV_WRITABLE;
    p->poll_write = false;
    apply(p);
}

static void close_cb(uv_handle_t *h)
{
    sb_redis_uv_t *p = h->data;
    if (--p->open_handles == 0)
        free(p);
}

static void cleanup(void *priv)
{
    sb_redis_uv_t *p = priv;
    p->ac = NULL;
    p->want = p->active = 0;
    uv_poll_stop(&p->poll);
    uv_check_stop(&p->check);
    uv_idle_stop(&p->idle);
    uv_close((uv_handle_t *)&p->poll, close_cb);
    uv_close((uv_handle_t *)&p->check, close_cb);
    uv_close((uv_handle_t *)&p->idle, close_cb);
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
    uv_check_init(loop, &p->check);
    uv_idle_init(loop, &p->idle);
    uv_unref((uv_handle_t *)&p->check); /* never what keeps the loop running */
    uv_unref((uv_handle_t *)&p->idle);
    p->open_handles = 3;
    p->ac = ac;
    p->poll.data = p;
    p->check.data = p;
    p->idle.data = p;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = p;
    return 0;
}
