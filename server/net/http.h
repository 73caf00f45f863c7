/* One HTTP transaction on a callback mount (/api, /healthz, /readyz, /metrics, /test).
 *
 * The struct is the per-session data of the HTTP protocol. A keep-alive connection runs several
 * transactions in turn; each one gets a new `id`. A handler that needs async work keeps the id and
 * answers later through sb_http_find(); if the client went away meanwhile, the id finds nothing
 * and the answer is dropped. */
#ifndef SB_NET_HTTP_H
#define SB_NET_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "proto/codec.h"
#include "util/buf.h"

struct lws;

typedef enum { SB_HTTP_GET, SB_HTTP_POST, SB_HTTP_OTHER } sb_http_method_t;

typedef struct sb_http {
    uint64_t id;
    struct lws *wsi;
    sb_net_t *net;
    uint8_t method; /* sb_http_method_t */
    uint8_t phase;  /* 0 receiving, 1 headers to write, 2 body to write, 3 done */
    bool body_too_big;
    bool registered;
    char path[128];
    char peer[48];
    char session[48];    /* value of the sb_session cookie, "" if none */
    bool origin_present; /* an Origin header came with the request */
    bool origin_ok;      /* ... and it is allowed for staff apps */
    sb_buf_t body;
    /* response */
    uint16_t status;
    const char *ctype;
    sb_buf_t resp;
    char extra[512]; /* extra header lines, "name: value\r\n" each */
} sb_http_t;

/* Finds a transaction still waiting for its answer. */
sb_http_t *sb_http_find(sb_net_t *n, uint64_t id);
/* Keeps the transaction findable by id after the handler returns (async answer). */
int sb_http_hold(sb_http_t *h);
/* Sends the answer: status, content type, body (copied). */
void sb_http_respond(sb_http_t *h, int status, const char *ctype, const char *body, size_t len);
/* JSON error answer {"code": code, "message": message}, with a code of the protocol's list
 * (proto/schema.yaml), counted in sb_errors_total like a WebSocket error reply. */
void sb_http_error(sb_http_t *h, int status, sb_wire_err_t code, const char *message);
/* The request body as a JSON object; NULL when absent, malformed, or not an object. The caller
 * owns the reference. */
json_t *sb_http_json_body(sb_http_t *h);
/* Answers with `j` as JSON (takes the reference) and `status`. */
void sb_http_json(sb_http_t *h, int status, json_t *j);
/* Adds a response header line before sb_http_respond ("Set-Cookie", "..."). */
void sb_http_add_header(sb_http_t *h, const char *name, const char *value);

#endif
