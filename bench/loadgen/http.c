#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define RESP_MAX 16384

typedef struct {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    char *req;
    size_t req_len;
    char resp[RESP_MAX + 1];
    size_t resp_len;
    bool done;
    lg_http_done_cb cb;
    void *arg;
} http_t;

static void closed_cb(uv_handle_t *h)
{
    http_t *r = h->data;
    free(r->req);
    free(r);
}

/* Appends s to out as a JSON string body (quotes and backslashes escaped, control characters
 * dropped). */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 2 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[n++] = '\\';
            out[n++] = (char)ch;
        } else if (ch >= 0x20) {
            out[n++] = (char)ch;
        }
    }
    out[n] = 0;
    return n;
}

static void finish(http_t *r)
{
    if (r->done)
        return;
    r->done = true;
    int status = 0;
    char cookie[1024] = "";
    r->resp[r->resp_len] = 0;
    if (r->resp_len > 12 && !strncmp(r->resp, "HTTP/1.", 7))
        status = atoi(r->resp + 9);
    size_t cl = 0;
    for (char *line = strstr(r->resp, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (line[0] == '\r')
            break; /* end of headers */
        if (!strncasecmp(line, "Set-Cookie:", 11)) {
            const char *v = line + 11;
            while (*v == ' ')
                v++;
            size_t pair = strcspn(v, ";\r");
            if (cl && cl + 2 < sizeof cookie) {
                memcpy(cookie + cl, "; ", 2);
                cl += 2;
            }
            if (cl + pair < sizeof cookie) {
                memcpy(cookie + cl, v, pair);
                cl += pair;
            }
            cookie[cl] = 0;
        }
    }
    r->cb(r->arg, status, cookie);
    uv_close((uv_handle_t *)&r->tcp, closed_cb);
}

/* True once the headers and Content-Length bytes of body have arrived. */
static bool complete(http_t *r)
{
    r->resp[r->resp_len] = 0;
    char *end = strstr(r->resp, "\r\n\r\n");
    if (!end)
        return false;
    size_t body = r->resp_len - (size_t)(end + 4 - r->resp);
    for (char *line = strstr(r->resp, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n"))
        if (!strncasecmp(line + 2, "Content-Length:", 15))
            return body >= (size_t)strtoul(line + 17, NULL, 10);
    return false; /* no length: wait for the close */
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    http_t *r = h->data;
    buf->base = r->resp + r->resp_len;
    buf->len = RESP_MAX - r->resp_len;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    http_t *r = s->data;
    if (n > 0) {
        r->resp_len += (size_t)n;
        if (r->resp_len >= RESP_MAX || complete(r))
            finish(r);
        return;
    }
    if (n < 0)
        finish(r); /* EOF or error: whatever arrived is the answer */
}

static void write_cb(uv_write_t *w, int status)
{
    http_t *r = w->data;
    if (status < 0) {
        r->resp_len = 0;
        finish(r);
    }
}

static void connect_cb(uv_connect_t *c, int status)
{
    http_t *r = c->data;
    if (status < 0) {
        r->resp_len = 0;
        finish(r);
        return;
    }
    uv_buf_t b = uv_buf_init(r->req, (unsigned)r->req_len);
    r->wreq.data = r;
    if (uv_write(&r->wreq, (uv_stream_t *)&r->tcp, &b, 1, write_cb) < 0 ||
        uv_read_start((uv_stream_t *)&r->tcp, alloc_cb, read_cb) < 0) {
        r->resp_len = 0;
        finish(r);
    }
}

int lg_http_login(uv_loop_t *loop, const struct sockaddr_in *addr, const char *host_hdr,
                  const char *path, const char *origin, const char *user, const char *pass,
                  lg_http_done_cb cb, void *arg)
{
    http_t *r = lg_xcalloc(1, sizeof *r);
    char u[300], p[600], body[1024];
    json_escape(u, sizeof u, user);
    json_escape(p, sizeof p, pass);
    int bl = snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", u, p);
    size_t cap = 1024 + (size_t)bl;
    r->req = lg_xmalloc(cap);
    int n = snprintf(r->req, cap,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n\r\n%s",
                     path, host_hdr, origin, bl, body);
    r->req_len = (size_t)n < cap ? (size_t)n : cap - 1;
    r->cb = cb;
    r->arg = arg;
    uv_tcp_init(loop, &r->tcp);
    r->tcp.data = r;
    r->creq.data = r;
    int rc = uv_tcp_connect(&r->creq, &r->tcp, (const struct sockaddr *)addr, connect_cb);
    if (rc < 0) {
        r->done = true;
        uv_close((uv_handle_t *)&r->tcp, closed_cb);
        return rc;
    }
    return 0;
}
