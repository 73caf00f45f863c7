#include "net/net_internal.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

static const char *const g_csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

/* ------------------------------------------------------------------------------------------------
 * Helpers shared by conn.c and http.c
 * ---------------------------------------------------------------------------------------------- */

int sb_net_header(struct lws *wsi, enum lws_token_indexes h, char *out, size_t outlen)
{
    int n = lws_hdr_total_length(wsi, h);
    if (n <= 0 || (size_t)n >= outlen)
        return -1;
    return lws_hdr_copy(wsi, out, (int)outlen, h) < 0 ? -1 : n;
}

int sb_net_cookie(struct lws *wsi, const char *name, char *out, size_t outlen)
{
    char buf[2048];
    if (sb_net_header(wsi, WSI_TOKEN_HTTP_COOKIE, buf, sizeof buf) < 0)
        return -1;
    size_t nl = strlen(name);
    for (char *p = buf; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= outlen)
                return -1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = 0;
            return (int)vl;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return -1;
}

bool sb_net_origin_ok(sb_net_t *n, struct lws *wsi, bool widget, bool allow_missing)
{
    char origin[256];
    int len = sb_net_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
    if (len < 0)
        return allow_missing && lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0;
    const sb_config_t *cfg = SB_NET_CFG(n);
    if (sb_config_origin_allowed(cfg->allowed_origins, cfg->n_allowed_origins, origin, (size_t)len))
        return true;
    return widget && sb_config_origin_allowed(cfg->widget_origins, cfg->n_widget_origins, origin,
                                              (size_t)len);
}

/* ------------------------------------------------------------------------------------------------
 * lws callbacks
 * ---------------------------------------------------------------------------------------------- */

static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len)
{
    struct lws_vhost *vh = lws_get_vhost(wsi);
    sb_net_t *n = vh ? lws_get_vhost_user(vh) : NULL;
    sb_conn_t *c = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return sb_conn_on_filter(n, wsi, c);
    case LWS_CALLBACK_ESTABLISHED:
        sb_conn_on_established(n, wsi, c);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return c && c->established ? sb_conn_on_receive(c, in, len) : -1;
    case LWS_CALLBACK_RECEIVE_PONG:
        if (c && c->established)
            sb_conn_on_pong(c);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c && c->established ? sb_conn_on_writeable(c) : 0;
    case LWS_CALLBACK_TIMER:
        return c && c->established ? sb_conn_on_timer(c) : 0;
    case LWS_CALLBACK_CLOSED:
        if (c && c->established)
            sb_conn_on_closed(c);
        return 0;
    default:
        return 0;
    }
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    struct lws_vhost *vh = lws_get_vhost(wsi);
    sb_net_t *n = vh ? lws_get_vhost_user(vh) : NULL;
    if (!n)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    return sb_http_on_callback(n, wsi, reason, user, in, len);
}

static void lws_log_cb(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        SB_ERROR("lws", "libwebsockets", SB_F_STRN("detail", line, n));
    else
        SB_WARN("lws", "libwebsockets", SB_F_STRN("detail", line, n));
}

/* ------------------------------------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------------------------------------- */

static void set_headers(sb_net_t *n, const char *const (*hv)[2], int count)
{
    for (int i = 0; i < count; i++) {
        n->headers[i].name = hv[i][0];
        n->headers[i].value = hv[i][1];
        n->headers[i].next = i + 1 < count ? &n->headers[i + 1] : NULL;
    }
}

static void setup_mounts(sb_net_t *n)
{
    static const char *const cb_paths[] = {"/api", "/healthz", "/readyz", "/metrics", "/test"};
    struct lws_http_mount *m = n->mounts;
    for (int i = 0; i < 5; i++) {
        m[i].mountpoint = cb_paths[i];
        m[i].mountpoint_len = (unsigned char)strlen(cb_paths[i]);
        m[i].origin = "sb-http";
        m[i].origin_protocol = LWSMPRO_CALLBACK;
        m[i].mount_next = &m[i + 1];
    }
    m[5].mountpoint = "/";
    m[5].mountpoint_len = 1;
    m[5].origin = n->static_dir;
    m[5].def = "index.html";
    m[5].protocol = "sb-http"; /* so LWS_CALLBACK_ADD_HEADERS reaches us for static files */
    m[5].origin_protocol = LWSMPRO_FILE;
    m[5].extra_mimetypes = &n->mimetypes[0];
    m[5].mount_next = NULL;

    static const char *const mt[][2] = {{".mjs", "text/javascript"},
                                        {".js", "text/javascript"},
                                        {".json", "application/json"},
                                        {".map", "application/json"},
                                        {".webmanifest", "application/manifest+json"},
                                        {".woff2", "font/woff2"}};
    for (int i = 0; i < 6; i++) {
        n->mimetypes[i].name = mt[i][0];
        n->mimetypes[i].value = mt[i][1];
        n->mimetypes[i].next = i < 5 ? &n->mimetypes[i + 1] : NULL;
    }
}

sb_net_t *sb_net_create(const sb_net_deps_t *deps)
{
    const sb_config_t *cfg = *deps->cfg;
    sb_net_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->deps = *deps;
    sb_idmap_init(&n->by_id);
    sb_idmap_init(&n->http_by_id);
    sb_countmap_init(&n->per_addr);
    sb_arena_init(&n->arena, 4u << 20);
    msgpack_zone_init(&n->zone, 8192);
    n->upgrade_tokens_milli = (uint64_t)cfg->limits.max_upgrades_per_s * 1000u;
    n->upgrade_tokens_at = sb_clock_now_ms();
    if (!realpath(cfg->listen.static_dir, n->static_dir))
        snprintf(n->static_dir, sizeof n->static_dir, "%s", cfg->listen.static_dir);

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_cb);

    n->protocols[0] = (struct lws_protocols){
        .name = "sb-http",
        .callback = http_cb,
        .per_session_data_size = sizeof(sb_http_t),
    };
    n->protocols[1] = (struct lws_protocols){
        .name = SB_PROTO_SUBPROTOCOL,
        .callback = ws_cb,
        .per_session_data_size = sizeof(sb_conn_t),
        /* small: frames are assembled in our own buffer; this is memory per idle connection */
        .rx_buffer_size = 1024,
        .tx_packet_size = 0,
    };
    setup_mounts(n);
    static const char *const hv[][2] = {{"content-security-policy:", g_csp},
                                        {"x-content-type-options:", "nosniff"},
                                        {"referrer-policy:", "no-referrer"},
                                        {"cross-origin-opener-policy:", "same-origin"}};
    set_headers(n, hv, 4);

    void *foreign[1] = {deps->loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->listen.port;
    info.iface = cfg->listen.host;
    info.protocols = n->protocols;
    info.mounts = n->mounts;
    info.headers = n->headers;
    info.vhost_name = "default";
    info.user = n;
    info.foreign_loops = foreign;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    info.timeout_secs = (cfg->limits.handshake_timeout_ms + 999) / 1000;
    info.pt_serv_buf_size = 32768;
    if (cfg->listen.tls_cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->listen.tls_cert;
        info.ssl_private_key_filepath = cfg->listen.tls_key;
        info.alpn = "http/1.1";
    }
    n->ctx = lws_create_context(&info);
    if (!n->ctx) {
        SB_ERROR("net", "cannot listen: the port is in use or the address is not available",
                 SB_F_STR("host", cfg->listen.host), SB_F_UINT("port", cfg->listen.port));
        sb_net_destroy(n);
        return NULL;
    }
    n->vh = lws_get_vhost_by_name(n->ctx, "default");
    if (!n->vh) {
        SB_ERROR("net", "cannot listen: the port is in use", SB_F_STR("host", cfg->listen.host),
                 SB_F_UINT("port", cfg->listen.port));
        sb_net_stop(n);
        return NULL;
    }
    if (sb_net_flusher_start(n) != 0) {
        SB_ERROR("net", "out of memory");
        sb_net_stop(n);
        return NULL;
    }
    n->port = (uint16_t)lws_get_vhost_listen_port(n->vh);
    SB_INFO("net", "listening", SB_F_STR("host", cfg->listen.host), SB_F_UINT("port", n->port),
            SB_F_BOOL("tls", cfg->listen.tls_cert != NULL), SB_F_STR("static_dir", n->static_dir));
    return n;
}

int sb_net_probe_port(const char *host, uint16_t port)
{
    if (port == 0)
        return 0;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res)
        return EADDRNOTAVAIL;
    int err = 0;
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        err = errno;
    } else {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as lws does */
        if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
            err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    return err;
}

uint16_t sb_net_port(const sb_net_t *n)
{
    return n->port;
}

void sb_net_config_changed(sb_net_t *n)
{
    /* limits are read from the configuration where they are used; only cached values need
     * refreshing */
    uint64_t cap = (uint64_t)SB_NET_CFG(n)->limits.max_upgrades_per_s * 1000u;
    if (n->upgrade_tokens_milli > cap)
        n->upgrade_tokens_milli = cap;
}

static void close_going_away(sb_conn_t *c, void *arg)
{
    sb_conn_close(c, SB_CLOSE_GOING_AWAY, arg);
}

void sb_net_drain(sb_net_t *n, const char *reason)
{
    n->draining = true;
    n->drain_reason = reason;
    sb_net_conn_foreach(n, close_going_away, (void *)reason);
}

uint32_t sb_net_conn_count(const sb_net_t *n)
{
    return n->n_conns;
}

void sb_net_stop(sb_net_t *n)
{
    if (n->stopped)
        return;
    n->stopped = true;
    sb_net_flusher_stop(n);
    if (n->ctx)
        lws_context_destroy(n->ctx); /* first phase: starts closing lws' handles */
}

void sb_net_destroy(sb_net_t *n)
{
    if (!n)
        return;
    sb_net_flusher_stop(n);
    if (n->ctx)
        lws_context_destroy(n->ctx); /* second phase, after uv_run returned */
    sb_idmap_dispose(&n->by_id);
    sb_idmap_dispose(&n->http_by_id);
    sb_countmap_dispose(&n->per_addr);
    sb_arena_dispose(&n->arena);
    msgpack_zone_destroy(&n->zone);
    free(n);
}

static void pause_one(sb_conn_t *c, void *arg)
{
    sb_conn_rx_pause(c, SB_RX_PAUSE_STORE, *(bool *)arg);
}

void sb_net_set_store_paused(sb_net_t *n, bool paused)
{
    if (n->store_paused == paused)
        return;
    n->store_paused = paused;
    sb_net_conn_foreach(n, pause_one, &paused);
}

sb_conn_t *sb_net_conn_find(sb_net_t *n, uint64_t id)
{
    return sb_idmap_get(&n->by_id, id);
}

void sb_net_conn_foreach(sb_net_t *n, void (*fn)(sb_conn_t *c, void *arg), void *arg)
{
    /* fn may close c, but closing is deferred, so the list stays intact during the walk */
    for (sb_conn_t *c = n->conns, *next; c; c = next) {
        next = c->next;
        fn(c, arg);
    }
}
