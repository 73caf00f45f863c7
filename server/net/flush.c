/* Writing queued frames once per loop turn (net_internal.h says why). */
#include <stdlib.h>

#include "net/net_internal.h"

struct sb_flusher {
    sb_net_t *net;
    uv_check_t check; /* after the poll phase: write what the callbacks queued */
    uv_idle_t idle;   /* active with `check`, so that the poll phase does not block first */
    int open_handles;
};

static void flush_cb(uv_check_t *h)
{
    struct sb_flusher *f = h->data;
    sb_net_t *n = f->net;
    uv_check_stop(&f->check);
    uv_idle_stop(&f->idle);
    /* writing queues nothing new, and a failed write only marks its connection to close, so the
     * list taken here is the whole of it */
    sb_conn_t *c = n->flush_head;
    n->flush_head = NULL;
    while (c) {
        sb_conn_t *next = c->flush_next;
        c->flush_next = NULL;
        c->flush_queued = false;
        sb_conn_flush(c);
        c = next;
    }
}

static void idle_cb(uv_idle_t *h)
{
    (void)h; /* frames queued by a timer callback, before the poll phase, must not wait for it */
}

static void close_cb(uv_handle_t *h)
{
    struct sb_flusher *f = h->data;
    if (--f->open_handles == 0)
        free(f);
}

int sb_net_flusher_start(sb_net_t *n)
{
    struct sb_flusher *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->net = n;
    uv_check_init(n->deps.loop, &f->check);
    uv_idle_init(n->deps.loop, &f->idle);
    uv_unref((uv_handle_t *)&f->check);
    uv_unref((uv_handle_t *)&f->idle);
    f->check.data = f->idle.data = f;
    f->open_handles = 2;
    n->flusher = f;
    return 0;
}

void sb_net_flusher_stop(sb_net_t *n)
{
    struct sb_flusher *f = n->flusher;
    if (!f)
        return;
    n->flusher = NULL;
    uv_check_stop(&f->check);
    uv_idle_stop(&f->idle);
    uv_close((uv_handle_t *)&f->check, close_cb);
    uv_close((uv_handle_t *)&f->idle, close_cb);
}

void sb_net_flush_later(sb_conn_t *c)
{
    sb_net_t *n = c->net;
    if (!n->flusher) { /* stopping: lws writes what it still can */
        lws_callback_on_writable(c->wsi);
        return;
    }
    if (c->flush_queued)
        return;
    c->flush_queued = true;
    c->flush_next = n->flush_head;
    n->flush_head = c;
    uv_check_start(&n->flusher->check, flush_cb);
    uv_idle_start(&n->flusher->idle, idle_cb);
}

void sb_net_flush_forget(sb_conn_t *c)
{
    if (!c->flush_queued)
        return;
    for (sb_conn_t **p = &c->net->flush_head; *p; p = &(*p)->flush_next)
        if (*p == c) {
            *p = c->flush_next;
            break;
        }
    c->flush_next = NULL;
    c->flush_queued = false;
}
