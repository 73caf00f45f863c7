/* Loopback connections (loopback.h says what and why). conn.c calls in here wherever it would
 * call libwebsockets for a connection that has no wsi. */
#include "net/loopback.h"

#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "net/net_internal.h"
#include "util/clock.h"
#include "util/token.h"

typedef struct inbound inbound_t;
struct inbound {
    inbound_t *next;
    size_t len;
    uint8_t data[];
};

typedef struct {
    sb_conn_t conn; /* first: a loopback is a connection */
    sb_buf_t *frames;
    size_t head, n, cap;          /* a ring of captured frames */
    inbound_t *in_head, *in_tail; /* frames sent while reading was paused, as a socket keeps them */
    int close_code;
    char close_reason[128];
} loopback_t;

static loopback_t *lb_of(const sb_conn_t *c)
{
    return (loopback_t *)c;
}

sb_net_t *sb_net_create_loopback(const sb_net_deps_t *deps)
{
    sb_net_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->deps = *deps;
    sb_idmap_init(&n->by_id);
    sb_idmap_init(&n->http_by_id);
    sb_countmap_init(&n->per_addr);
    sb_arena_init(&n->arena, 4u << 20);
    msgpack_zone_init(&n->zone, 8192);
    n->upgrade_tokens_milli = (uint64_t)SB_NET_CFG(n)->limits.max_upgrades_per_s * 1000u;
    n->upgrade_tokens_at = sb_clock_now_ms();
    if (sb_net_flusher_start(n) != 0) {
        sb_net_destroy(n);
        return NULL;
    }
    return n;
}

sb_conn_t *sb_loopback_open(sb_net_t *n, sb_endpoint_t endpoint, const char *addr,
                            const char *session_token)
{
    loopback_t *lb = calloc(1, sizeof *lb);
    if (!lb)
        return NULL;
    sb_conn_t *c = &lb->conn;
    c->endpoint = (uint8_t)endpoint;
    snprintf(c->addr, sizeof c->addr, "%s", addr ? addr : "127.0.0.1");
    if (endpoint == SB_EP_STAFF && session_token)
        sb_token_hash(session_token, strlen(session_token), c->secret_hash);
    sb_conn_on_established(n, NULL, c);
    return c;
}

int sb_loopback_written(sb_conn_t *c, const uint8_t *p, size_t len)
{
    loopback_t *lb = lb_of(c);
    if (lb->n == lb->cap) {
        size_t cap = lb->cap ? lb->cap * 2 : 8;
        sb_buf_t *f = malloc(cap * sizeof *f);
        if (!f)
            return -1;
        for (size_t i = 0; i < lb->n; i++)
            f[i] = lb->frames[(lb->head + i) % lb->cap];
        free(lb->frames);
        lb->frames = f;
        lb->head = 0;
        lb->cap = cap;
    }
    sb_buf_t *b = &lb->frames[(lb->head + lb->n) % lb->cap];
    sb_buf_init(b, 0);
    if (sb_buf_append(b, p, len) != 0)
        return -1;
    lb->n++;
    return (int)len;
}

static void deliver_waiting(sb_conn_t *c)
{
    loopback_t *lb = lb_of(c);
    while (lb->in_head && !c->rx_pause && c->established && c->state != SB_CONN_CLOSING) {
        inbound_t *f = lb->in_head;
        lb->in_head = f->next;
        if (!lb->in_head)
            lb->in_tail = NULL;
        sb_conn_on_frame(c, f->data, f->len);
        free(f);
    }
}

void sb_loopback_flush(sb_conn_t *c)
{
    loopback_t *lb = lb_of(c);
    if (!c->established)
        return;
    deliver_waiting(c);
    if (c->want_ping) { /* a responsive peer */
        c->want_ping = false;
        sb_metrics.pings_sent++;
        sb_conn_on_pong(c);
    }
    if (c->state != SB_CONN_CLOSING) {
        if (sb_conn_write_queued(c) != 0)
            sb_conn_close(c, SB_CLOSE_GOING_AWAY, "the connection failed");
        else
            return;
    }
    lb->close_code = c->close_code;
    snprintf(lb->close_reason, sizeof lb->close_reason, "%s",
             c->close_reason ? c->close_reason : "");
    c->close_armed = false;
    sb_conn_on_closed(c);
}

int sb_loopback_send(sb_conn_t *c, const uint8_t *frame, size_t len)
{
    if (!c->established || c->state == SB_CONN_CLOSING)
        return -1;
    loopback_t *lb = lb_of(c);
    if (c->rx_pause || lb->in_head) { /* reading is paused (e.g. the session is being checked) */
        inbound_t *f = malloc(sizeof *f + len);
        if (!f)
            return -1;
        f->next = NULL;
        f->len = len;
        memcpy(f->data, frame, len);
        if (lb->in_tail)
            lb->in_tail->next = f;
        else
            lb->in_head = f;
        lb->in_tail = f;
        return 0;
    }
    sb_conn_on_frame(c, frame, len);
    return 0;
}

bool sb_loopback_take(sb_conn_t *c, sb_buf_t *out)
{
    loopback_t *lb = lb_of(c);
    if (!lb->n)
        return false;
    *out = lb->frames[lb->head];
    lb->head = (lb->head + 1) % lb->cap;
    lb->n--;
    return true;
}

int sb_loopback_close_code(const sb_conn_t *c, const char **reason)
{
    const loopback_t *lb = lb_of(c);
    if (reason)
        *reason = lb->close_reason;
    return lb->close_code;
}

void sb_loopback_hangup(sb_conn_t *c)
{
    if (c->established)
        sb_conn_on_closed(c);
}

void sb_loopback_free(sb_conn_t *c)
{
    if (!c)
        return;
    loopback_t *lb = lb_of(c);
    sb_loopback_hangup(c);
    for (size_t i = 0; i < lb->n; i++)
        sb_buf_dispose(&lb->frames[(lb->head + i) % lb->cap]);
    free(lb->frames);
    while (lb->in_head) {
        inbound_t *f = lb->in_head;
        lb->in_head = f->next;
        free(f);
    }
    free(lb);
}
