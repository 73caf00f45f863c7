#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "net/net_internal.h"
#include "util/json.h"
#include "util/log.h"
#include "util/token.h"

/* ------------------------------------------------------------------------------------------------
 * The WebSocket upgrade: everything that can be decided without Redis is decided here, with an
 * HTTP status, before a WebSocket exists.
 * ---------------------------------------------------------------------------------------------- */

static bool has_subprotocol(struct lws *wsi)
{
    char buf[256];
    if (sb_net_header(wsi, WSI_TOKEN_PROTOCOL, buf, sizeof buf) < 0)
        return false;
    /* a comma-separated list; ours must be one of its items */
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (strcmp(t, SB_PROTO_SUBPROTOCOL) == 0)
            return true;
    return false;
}

static int refuse(struct lws *wsi, unsigned status, const char *why)
{
    sb_metrics.http_requests[status / 100]++;
    SB_INFO("net", "WebSocket upgrade refused", SB_F_UINT("status", status),
            SB_F_STR("reason", why));
    if (lws_return_http_status(wsi, status, why))
        return -1;
    return 1; /* lws completes the transaction */
}

static int confirm_upgrade(sb_net_t *n, struct lws *wsi, const char *upgrade)
{
    char uri[64];
    if (!upgrade || strcasecmp(upgrade, "websocket") != 0)
        return refuse(wsi, 400, "only WebSocket upgrades are accepted");
    if (sb_net_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) < 0)
        return refuse(wsi, 404, "unknown WebSocket endpoint");
    bool staff = strcmp(uri, "/ws/staff") == 0;
    if (!staff && strcmp(uri, "/ws/customer") != 0)
        return refuse(wsi, 404, "unknown WebSocket endpoint");
    if (n->draining)
        return refuse(wsi, 503, "server shutting down; reconnect shortly");
    if (!has_subprotocol(wsi))
        return refuse(wsi, 400, "the WebSocket subprotocol " SB_PROTO_SUBPROTOCOL " is required");
    if (!sb_net_origin_ok(n, wsi, !staff, false)) {
        sb_metrics_limit_hit(SB_LIMIT_ORIGIN);
        return refuse(wsi, 403, "origin not allowed");
    }
    if (staff) {
        char tok[64];
        int tl = sb_net_cookie(wsi, "sb_session", tok, sizeof tok);
        if (tl < 0 || !sb_token_well_formed(tok, (size_t)tl))
            return refuse(wsi, 401, "sign in first");
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------------------------------- */

static void release(sb_http_t *h)
{
    if (h->registered) {
        sb_idmap_del(&h->net->http_by_id, h->id);
        h->registered = false;
    }
    sb_buf_dispose(&h->body);
    sb_buf_dispose(&h->resp);
}

sb_http_t *sb_http_find(sb_net_t *n, uint64_t id)
{
    return sb_idmap_get(&n->http_by_id, id);
}

int sb_http_hold(sb_http_t *h)
{
    if (sb_idmap_put(&h->net->http_by_id, h->id, h) != 0)
        return -1;
    h->registered = true;
    return 0;
}

void sb_http_add_header(sb_http_t *h, const char *name, const char *value)
{
    size_t used = strlen(h->extra);
    snprintf(h->extra + used, sizeof h->extra - used, "%s: %s\r\n", name, value);
}

void sb_http_respond(sb_http_t *h, int status, const char *ctype, const char *body, size_t len)
{
    if (h->phase != 0)
        return; /* answered already */
    if (h->registered) {
        sb_idmap_del(&h->net->http_by_id, h->id);
        h->registered = false;
    }
    h->status = (uint16_t)status;
    h->ctype = ctype;
    sb_buf_dispose(&h->resp);
    sb_buf_init(&h->resp, LWS_PRE);
    if (len && sb_buf_append(&h->resp, body, len) != 0) {
        h->status = 500;
        h->resp.len = 0;
    }
    h->phase = 1;
    lws_callback_on_writable(h->wsi);
}

void sb_http_error(sb_http_t *h, int status, sb_wire_err_t werr, const char *message)
{
    /* one error path with the WebSocket's: the same codes, counted in the same metric */
    if ((unsigned)werr < SB_WERR_SLOTS)
        sb_metrics.errors_by_code[werr]++;
    const char *code = sb_wire_err_name(werr);
    sb_buf_t b;
    sb_buf_init(&b, 0);
    int rc = sb_buf_append(&b, "{\"code\":", 8);
    rc |= sb_json_str(&b, code, strlen(code));
    rc |= sb_buf_append(&b, ",\"message\":", 11);
    rc |= sb_json_str(&b, message, strlen(message));
    rc |= sb_buf_append(&b, "}", 1);
    if (rc)
        sb_http_respond(h, 500, "application/json", "{\"code\":\"INTERNAL\"}", 19);
    else
        sb_http_respond(h, status, "application/json", (const char *)sb_buf_data(&b), b.len);
    sb_buf_dispose(&b);
}

static int begin(sb_net_t *n, struct lws *wsi, sb_http_t *h)
{
    release(h);
    memset(h, 0, sizeof *h);
    h->wsi = wsi;
    h->net = n;
    h->id = ++n->next_id;
    sb_buf_init(&h->body, 0);
    sb_buf_init(&h->resp, LWS_PRE);
    int len;
    if ((len = sb_net_header(wsi, WSI_TOKEN_GET_URI, h->path, sizeof h->path)) >= 0) {
        h->method = SB_HTTP_GET;
    } else if ((len = sb_net_header(wsi, WSI_TOKEN_POST_URI, h->path, sizeof h->path)) >= 0) {
        h->method = SB_HTTP_POST;
    } else {
        h->method = SB_HTTP_OTHER;
        snprintf(h->path, sizeof h->path, "?");
    }
    lws_get_peer_simple(wsi, h->peer, sizeof h->peer);
    if (sb_net_cookie(wsi, "sb_session", h->session, sizeof h->session) < 0)
        h->session[0] = 0;
    h->origin_present = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
    h->origin_ok = h->origin_present && sb_net_origin_ok(n, wsi, false, false);
    if (h->method == SB_HTTP_OTHER) {
        sb_http_add_header(h, "Allow", "GET, POST");
        /* a HEAD answer must have no body: one would corrupt a kept-alive connection */
        if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
            sb_http_respond(h, 405, "application/json", NULL, 0);
        else
            sb_http_error(h, 405, SB_WERR_METHOD_NOT_ALLOWED, "only GET and POST are supported");
        return 0;
    }
    if (h->method == SB_HTTP_GET)
        n->deps.events.http(n->deps.user, h);
    return 0; /* POST: the body follows */
}

static int write_response(sb_http_t *h)
{
    struct lws *wsi = h->wsi;
    if (h->phase == 1) {
        uint8_t buf[LWS_PRE + 2048];
        uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
        if (lws_add_http_common_headers(wsi, h->status, h->ctype, h->resp.len, &p, end))
            return -1;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                        (const unsigned char *)"no-store", 8, &p, end))
            return -1;
        for (char *line = h->extra; *line;) {
            char *colon = strchr(line, ':'), *eol = strstr(line, "\r\n");
            if (!colon || !eol)
                break;
            char name[64];
            snprintf(name, sizeof name, "%.*s:", (int)(colon - line), line);
            const char *v = colon + 2;
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                            (const unsigned char *)v, (int)(eol - v), &p, end))
                return -1;
            line = eol + 2;
        }
        if (lws_finalize_write_http_header(wsi, start, &p, end))
            return -1;
        h->phase = h->resp.len ? 2 : 3;
        if (h->phase == 2) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    } else if (h->phase == 2) {
        if (lws_write(wsi, sb_buf_data(&h->resp), h->resp.len, LWS_WRITE_HTTP_FINAL) !=
            (int)h->resp.len)
            return -1;
        h->phase = 3;
    } else {
        return 0;
    }
    sb_metrics.http_requests[h->status / 100 < 6 ? h->status / 100 : 5]++;
    sb_buf_dispose(&h->resp);
    sb_buf_dispose(&h->body);
    if (lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

/* Static files: the widget script is embedded by the agency's own pages (another origin), and a
 * cross-origin module script is fetched with CORS, so it alone may be read from anywhere. It is
 * public code; nothing else is shared across origins. */
static int add_static_headers(struct lws *wsi, void *in)
{
    struct lws_process_html_args *args = in;
    char uri[128];
    if (!args || sb_net_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) < 0)
        return 0;
    if (strncmp(uri, "/widget/", 8) != 0)
        return 0;
    unsigned char **p = (unsigned char **)&args->p;
    unsigned char *end = (unsigned char *)args->p + args->max_len;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
                                    (const unsigned char *)"*", 1, p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cross-origin-resource-policy:",
                                    (const unsigned char *)"cross-origin", 12, p, end))
        return 1;
    return 0;
}

int sb_http_on_callback(sb_net_t *n, struct lws *wsi, enum lws_callback_reasons reason, void *user,
                        void *in, size_t len)
{
    sb_http_t *h = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(n, wsi, in);
    case LWS_CALLBACK_HTTP:
        return h ? begin(n, wsi, h) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        if (!h || h->phase != 0)
            return 0;
        if (h->body.len + len > SB_NET_CFG(n)->limits.max_http_body_bytes) {
            h->body_too_big = true;
            return 0;
        }
        return sb_buf_append(&h->body, in, len) ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!h || h->phase != 0)
            return 0;
        if (h->body_too_big) {
            sb_metrics_limit_hit(SB_LIMIT_HTTP_BODY);
            sb_http_error(h, 413, SB_WERR_TOO_LARGE, "request body too large");
        } else {
            n->deps.events.http(n->deps.user, h);
        }
        return 0;
    case LWS_CALLBACK_ADD_HEADERS:
        return add_static_headers(wsi, in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return h && h->wsi ? write_response(h) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (h && h->net)
            release(h);
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

json_t *sb_http_json_body(sb_http_t *h)
{
    json_error_t err;
    if (!h->body.len)
        return NULL;
    json_t *j =
        json_loadb((const char *)sb_buf_data(&h->body), h->body.len, JSON_REJECT_DUPLICATES, &err);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

void sb_http_json(sb_http_t *h, int status, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
    else
        sb_http_respond(h, status, "application/json", s, strlen(s));
    free(s);
    json_decref(j);
}
