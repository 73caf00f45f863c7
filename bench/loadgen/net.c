#include "net.h"

#include <libwebsockets.h>
#include <string.h>

#include "util.h"

/* A frame holds at most 64 envelopes (protocol.md); a new frame is started before an envelope
 * once the current one passes SOFT_FRAME bytes, so frames stay well under the server's
 * max_frame_bytes (at least 1024... but the envelopes the generator sends are small). */
#define MAX_ENVS_PER_FRAME 64
#define SOFT_FRAME         16384
#define MAX_REASSEMBLY     (16u << 20)

static struct {
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws_protocols protocols[2];
    void *foreign_loops[1];
    uv_check_t check;
    lg_conn_t *dirty;
    msgpack_zone zone;
    lg_net_cfg_t cfg;
    char host_hdr[300];
    bool stopping;
    lg_net_stats_t st;
} N;

const lg_net_stats_t *lg_net_stats(void)
{
    return &N.st;
}

bool lg_net_stopping(void)
{
    return N.stopping;
}

/* ------------------------------------------------------------------------------------------------
 * Output buffer
 * ---------------------------------------------------------------------------------------------- */

static void ob_reserve(lg_conn_t *c, size_t more)
{
    size_t need = (size_t)c->ob_len + more;
    if (need <= c->ob_cap)
        return;
    size_t cap = c->ob_cap ? c->ob_cap : 1024;
    while (cap < need)
        cap *= 2;
    c->ob = lg_xrealloc(c->ob, cap);
    c->ob_cap = (uint32_t)cap;
}

static int pk_write_cb(void *data, const char *buf, size_t len)
{
    lg_conn_t *c = data;
    ob_reserve(c, len);
    memcpy(c->ob + c->ob_len, buf, len);
    c->ob_len += (uint32_t)len;
    return 0;
}

static void ob_reset(lg_conn_t *c)
{
    c->ob_len = LWS_PRE;
    c->grp_start = LWS_PRE;
    c->grp_envs = 0;
    c->ngrps = 0;
}

/* Ends the current frame and leaves LWS_PRE bytes of headroom for the next one's header. */
static void close_group(lg_conn_t *c)
{
    if (c->ob_len == c->grp_start)
        return;
    if (c->ngrps == c->grps_cap) {
        c->grps_cap = c->grps_cap ? c->grps_cap * 2 : 4;
        c->grps = lg_xrealloc(c->grps, c->grps_cap * sizeof *c->grps);
    }
    c->grps[c->ngrps++] = (lg_grp_t){c->grp_start, c->ob_len};
    ob_reserve(c, LWS_PRE);
    c->ob_len += LWS_PRE;
    c->grp_start = c->ob_len;
    c->grp_envs = 0;
}

static void mark_dirty(lg_conn_t *c)
{
    if (c->dirty)
        return;
    c->dirty = true;
    c->next_dirty = N.dirty;
    N.dirty = c;
}

void lg_msg_begin(lg_conn_t *c, const char *type, uint64_t id, uint32_t nfields)
{
    if (!c->ob) {
        ob_reserve(c, LWS_PRE + 256);
        ob_reset(c);
    }
    if (c->grp_envs >= MAX_ENVS_PER_FRAME || c->ob_len - c->grp_start >= SOFT_FRAME)
        close_group(c);
    c->env_start = c->ob_len;
    msgpack_pack_map(&c->pk, id ? 3 : 2);
    lg_pk_cstr(c, "t");
    lg_pk_cstr(c, type);
    if (id) {
        lg_pk_cstr(c, "id");
        msgpack_pack_uint64(&c->pk, id);
    }
    lg_pk_cstr(c, "b");
    msgpack_pack_map(&c->pk, nfields);
}

void lg_msg_end(lg_conn_t *c)
{
    c->grp_envs++;
    mark_dirty(c);
}

void lg_pk_str(lg_conn_t *c, const char *s, size_t len)
{
    msgpack_pack_str(&c->pk, len);
    msgpack_pack_str_body(&c->pk, s, len);
}

void lg_pk_cstr(lg_conn_t *c, const char *s)
{
    lg_pk_str(c, s, strlen(s));
}

void lg_pk_kv_str(lg_conn_t *c, const char *key, const char *s, size_t len)
{
    lg_pk_cstr(c, key);
    lg_pk_str(c, s, len);
}

void lg_pk_kv_cstr(lg_conn_t *c, const char *key, const char *s)
{
    lg_pk_cstr(c, key);
    lg_pk_cstr(c, s);
}

void lg_pk_kv_uint(lg_conn_t *c, const char *key, uint64_t v)
{
    lg_pk_cstr(c, key);
    msgpack_pack_uint64(&c->pk, v);
}

void lg_pk_kv_empty_array(lg_conn_t *c, const char *key)
{
    lg_pk_cstr(c, key);
    msgpack_pack_array(&c->pk, 0);
}

static void flush_conn(lg_conn_t *c)
{
    if (c->state != LG_CONN_OPEN || !c->wsi || c->want_close) {
        if (c->ob)
            ob_reset(c);
        return;
    }
    if (c->ob_len > c->grp_start) {
        if (c->ngrps == c->grps_cap) {
            c->grps_cap = c->grps_cap ? c->grps_cap * 2 : 4;
            c->grps = lg_xrealloc(c->grps, c->grps_cap * sizeof *c->grps);
        }
        c->grps[c->ngrps++] = (lg_grp_t){c->grp_start, c->ob_len};
    }
    for (uint32_t i = 0; i < c->ngrps; i++) {
        lg_grp_t g = c->grps[i];
        size_t n = g.end - g.start;
        /* lws writes the frame header into the LWS_PRE bytes before g.start (the headroom, or the
         * tail of the previous frame, already handed to the kernel or copied by lws) and masks
         * the payload in place. */
        if (lws_write(c->wsi, c->ob + g.start, n, LWS_WRITE_BINARY) < (int)n) {
            lg_conn_close(c);
            break;
        }
        N.st.frames_out++;
        N.st.bytes_out += n;
    }
    ob_reset(c);
}

void lg_net_flush(void)
{
    /* Detach the list first: anything marked dirty while writing goes to the next turn. */
    lg_conn_t *c = N.dirty;
    N.dirty = NULL;
    while (c) {
        lg_conn_t *next = c->next_dirty;
        c->dirty = false;
        c->next_dirty = NULL;
        flush_conn(c);
        c = next;
    }
}

static void check_cb(uv_check_t *h)
{
    (void)h;
    lg_net_flush();
}

/* ------------------------------------------------------------------------------------------------
 * Input
 * ---------------------------------------------------------------------------------------------- */

long lg_mp_span(const uint8_t *p, size_t len)
{
    size_t off = 0;
    uint64_t pending = 1; /* objects still to read */
    while (pending) {
        if (off >= len)
            return -1;
        uint8_t b = p[off++];
        pending--;
        size_t need = 0, lenbytes = 0;
        uint64_t items = 0;
        if (b <= 0x7f || b >= 0xe0)
            ;
        else if (b <= 0x8f)
            items = 2u * (b & 0x0f);
        else if (b <= 0x9f)
            items = b & 0x0f;
        else if (b <= 0xbf)
            need = b & 0x1f;
        else {
            switch (b) {
            case 0xc0:
            case 0xc2:
            case 0xc3:
                break;
            case 0xc4:
            case 0xd9:
                lenbytes = 1;
                break;
            case 0xc5:
            case 0xda:
                lenbytes = 2;
                break;
            case 0xc6:
            case 0xdb:
                lenbytes = 4;
                break;
            case 0xc7:
                lenbytes = 1;
                need = 1;
                break;
            case 0xc8:
                lenbytes = 2;
                need = 1;
                break;
            case 0xc9:
                lenbytes = 4;
                need = 1;
                break;
            case 0xca:
                need = 4;
                break;
            case 0xcb:
                need = 8;
                break;
            case 0xcc:
            case 0xd0:
                need = 1;
                break;
            case 0xcd:
            case 0xd1:
                need = 2;
                break;
            case 0xce:
            case 0xd2:
                need = 4;
                break;
            case 0xcf:
            case 0xd3:
                need = 8;
                break;
            case 0xd4:
                need = 2;
                break;
            case 0xd5:
                need = 3;
                break;
            case 0xd6:
                need = 5;
                break;
            case 0xd7:
                need = 9;
                break;
            case 0xd8:
                need = 17;
                break;
            case 0xdc:
            case 0xde:
                lenbytes = 2;
                break;
            case 0xdd:
            case 0xdf:
                lenbytes = 4;
                break;
            default:
                return -1; /* 0xc1 */
            }
            if (lenbytes) {
                if (len - off < lenbytes)
                    return -1;
                uint64_t n = 0;
                for (size_t i = 0; i < lenbytes; i++)
                    n = (n << 8) | p[off + i];
                off += lenbytes;
                if (b >= 0xdc && b <= 0xdd)
                    items = n;
                else if (b >= 0xde)
                    items = 2 * n;
                else
                    need += (size_t)n;
            }
        }
        if (need > len - off)
            return -1;
        off += need;
        pending += items;
        if (pending > len - off) /* every object takes at least one byte */
            return -1;
    }
    return (long)off;
}

static void parse_frame(lg_conn_t *c, const uint8_t *p, size_t len)
{
    uint64_t now = lg_now_ns();
    uint32_t gen = c->gen;
    N.st.frames_in++;
    N.st.bytes_in += len;
    size_t off = 0;
    while (off < len) {
        long n = lg_mp_span(p + off, len - off);
        if (n <= 0) {
            N.st.bad_frames++;
            break;
        }
        msgpack_object obj;
        size_t used = 0;
        int rc = msgpack_unpack((const char *)p + off, (size_t)n, &used, &N.zone, &obj);
        off += (size_t)n;
        if (rc != MSGPACK_UNPACK_SUCCESS || obj.type != MSGPACK_OBJECT_MAP) {
            N.st.bad_frames++;
            continue;
        }
        lg_env_t e = {0};
        for (uint32_t i = 0; i < obj.via.map.size; i++) {
            const msgpack_object_kv *kv = &obj.via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size > 2)
                continue;
            const char *k = kv->key.via.str.ptr;
            uint32_t kl = kv->key.via.str.size;
            if (kl == 1 && k[0] == 't' && kv->val.type == MSGPACK_OBJECT_STR) {
                e.t = kv->val.via.str.ptr;
                e.tlen = kv->val.via.str.size;
            } else if (kl == 2 && k[0] == 'i' && k[1] == 'd' &&
                       kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                e.has_id = true;
                e.id = kv->val.via.u64;
            } else if (kl == 1 && k[0] == 'b' && kv->val.type == MSGPACK_OBJECT_MAP) {
                e.b = &kv->val;
            }
        }
        if (!e.t) {
            N.st.bad_frames++;
            continue;
        }
        N.st.envs_in++;
        c->ops->env_cb(c, &e, now);
        if (c->gen != gen || c->state != LG_CONN_OPEN)
            break;
    }
    msgpack_zone_clear(&N.zone);
}

static void on_receive(lg_conn_t *c, struct lws *wsi, const uint8_t *in, size_t len)
{
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (!lws_frame_is_binary(wsi)) {
        if (final)
            N.st.text_frames++;
        return;
    }
    if (first && final) {
        parse_frame(c, in, len);
        return;
    }
    if (first)
        c->rb_len = 0;
    if ((size_t)c->rb_len + len > MAX_REASSEMBLY) {
        N.st.bad_frames++;
        c->rb_len = 0;
        return;
    }
    if (c->rb_len + len > c->rb_cap) {
        size_t cap = c->rb_cap ? c->rb_cap : 4096;
        while (cap < c->rb_len + len)
            cap *= 2;
        c->rb = lg_xrealloc(c->rb, cap);
        c->rb_cap = (uint32_t)cap;
    }
    memcpy(c->rb + c->rb_len, in, len);
    c->rb_len += (uint32_t)len;
    if (final) {
        parse_frame(c, c->rb, c->rb_len);
        c->rb_len = 0;
    }
}

/* ------------------------------------------------------------------------------------------------
 * lws callback
 * ---------------------------------------------------------------------------------------------- */

static void gone(lg_conn_t *c, int code, const char *why)
{
    if (c->state == LG_CONN_CLOSED || c->state == LG_CONN_IDLE)
        return;
    c->state = LG_CONN_CLOSED;
    c->wsi = NULL;
    c->want_close = false;
    c->rb_len = 0;
    if (c->ob)
        ob_reset(c);
    c->ops->close_cb(c, code, why ? why : "");
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    lg_conn_t *c = user;
    if (c && (uint32_t)(uintptr_t)lws_get_opaque_user_data(wsi) != c->gen)
        c = NULL; /* a callback about an earlier attempt of a reused struct */

    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (c && c->cookie) {
            unsigned char **p = (unsigned char **)in, *end = (*p) + len;
            if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE,
                                             (const unsigned char *)c->cookie,
                                             (int)strlen(c->cookie), p, end))
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!c)
            return -1;
        c->wsi = wsi;
        c->state = LG_CONN_OPEN;
        c->ops->open_cb(c);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c && c->state == LG_CONN_OPEN)
            on_receive(c, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c && c->state == LG_CONN_OPEN && !c->want_close && c->ob && c->ob_len > LWS_PRE)
            flush_conn(c);
        break;
    case LWS_CALLBACK_TIMER:
        if (c && c->want_close) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
            return -1;
        }
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c && len >= 2) {
            const uint8_t *b = in;
            c->close_code = (uint16_t)((b[0] << 8) | b[1]);
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c)
            gone(c, 0, in ? (const char *)in : "connection failed");
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c)
            gone(c, c->close_code ? c->close_code : 1006, "");
        break;
    default:
        break;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Context and connections
 * ---------------------------------------------------------------------------------------------- */

int lg_net_init(uv_loop_t *loop, const lg_net_cfg_t *cfg)
{
    memset(&N, 0, sizeof N);
    N.loop = loop;
    N.cfg = *cfg;
    snprintf(N.host_hdr, sizeof N.host_hdr, "%s:%d", cfg->host, cfg->port);
    msgpack_zone_init(&N.zone, 16384);
    lws_set_log_level(cfg->lws_log_level, NULL);

    N.protocols[0].name = cfg->subprotocol;
    N.protocols[0].callback = lws_cb;
    N.protocols[0].per_session_data_size = 0;
    N.protocols[0].rx_buffer_size = cfg->rx_buffer_size;
    /* without it lws caps one send at the rx buffer size and buffers the rest */
    N.protocols[0].tx_packet_size = 65536 + LWS_PRE + 16;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = N.protocols;
    /* JUST_USE_RAW_ORIGIN: without it lws' client writes "Origin: http://" + ci.origin, and the
     * server refuses the doubled scheme with 403 */
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6 |
                   LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN;
    N.foreign_loops[0] = loop;
    info.foreign_loops = N.foreign_loops;
    info.fd_limit_per_thread = cfg->fd_limit;
    info.timeout_secs = 30;
    info.connect_timeout_secs = 30;
    info.pt_serv_buf_size = 65536;
    info.gid = -1;
    info.uid = -1;
    N.ctx = lws_create_context(&info);
    if (!N.ctx) {
        lg_err("cannot create the libwebsockets context (is libwebsockets-evlib-uv installed?)");
        return -1;
    }
    uv_check_init(loop, &N.check);
    uv_check_start(&N.check, check_cb);
    uv_unref((uv_handle_t *)&N.check);
    return 0;
}

void lg_net_shutdown(void)
{
    if (N.stopping)
        return;
    N.stopping = true;
    uv_check_stop(&N.check);
    uv_close((uv_handle_t *)&N.check, NULL);
    if (N.ctx)
        lws_context_destroy(N.ctx);
}

void lg_net_free(void)
{
    if (N.ctx)
        lws_context_destroy(N.ctx);
    N.ctx = NULL;
    msgpack_zone_destroy(&N.zone);
}

void lg_conn_init(lg_conn_t *c, const lg_conn_ops_t *ops, void *owner)
{
    c->ops = ops;
    c->owner = owner;
    c->state = LG_CONN_IDLE;
    msgpack_packer_init(&c->pk, c, pk_write_cb);
}

void lg_conn_dispose(lg_conn_t *c)
{
    free(c->ob);
    free(c->grps);
    free(c->rb);
    c->ob = NULL;
    c->grps = NULL;
    c->rb = NULL;
    c->ob_cap = c->rb_cap = c->grps_cap = 0;
}

int lg_conn_open(lg_conn_t *c)
{
    if (N.stopping)
        return -1;
    c->gen++;
    c->t_open = lg_now_ns();
    c->state = LG_CONN_CONNECTING;
    c->close_code = 0;
    c->want_close = false;
    c->next_id = 1;
    c->rb_len = 0;
    if (c->ob)
        ob_reset(c);

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = N.ctx;
    ci.address = N.cfg.host;
    ci.port = N.cfg.port;
    ci.path = c->path;
    ci.host = N.host_hdr;
    ci.origin = c->origin;
    ci.protocol = N.cfg.subprotocol;
    ci.ietf_version_or_minus_one = -1;
    ci.userdata = c;
    ci.opaque_user_data = (void *)(uintptr_t)c->gen;
    ci.iface = c->src_addr;
    struct lws *w = lws_client_connect_via_info(&ci);
    if (!w) {
        gone(c, 0, "lws refused the connection");
        return -1;
    }
    if (c->state == LG_CONN_CONNECTING)
        c->wsi = w;
    return 0;
}

void lg_conn_close(lg_conn_t *c)
{
    if (c->state == LG_CONN_CONNECTING && c->wsi) {
        /* not open yet: let lws drop it at its own pace */
        c->want_close = true;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        return;
    }
    if (c->state != LG_CONN_OPEN || !c->wsi || c->want_close)
        return;
    /* Close from the TIMER callback: on Debian's lws build a close from WRITEABLE sends no close
     * frame (TECH_NOTES). */
    c->want_close = true;
    lws_set_timer_usecs(c->wsi, 1);
    lws_callback_on_writable(c->wsi);
}

/* ------------------------------------------------------------------------------------------------
 * msgpack helpers
 * ---------------------------------------------------------------------------------------------- */

const msgpack_object *lg_mp_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            !memcmp(k->via.str.ptr, key, kl))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

bool lg_mp_is(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           !memcmp(o->via.str.ptr, s, n);
}

bool lg_mp_str(const msgpack_object *o, const char **s, uint32_t *len)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return false;
    *s = o->via.str.ptr;
    *len = o->via.str.size;
    return true;
}

bool lg_mp_uint(const msgpack_object *o, uint64_t *v)
{
    if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return false;
    *v = o->via.u64;
    return true;
}

bool lg_mp_copy(const msgpack_object *map, const char *key, char *out, size_t cap)
{
    const char *s;
    uint32_t n;
    if (!lg_mp_str(lg_mp_get(map, key), &s, &n) || cap == 0)
        return false;
    if (n >= cap)
        n = (uint32_t)(cap - 1);
    memcpy(out, s, n);
    out[n] = 0;
    return true;
}
