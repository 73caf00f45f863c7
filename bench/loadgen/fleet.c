/* The simulated people: agents (HTTP login, staff socket, hello, available, accepting offers,
 * optionally ending and wrapping up each contact) and customers (widget socket, hello, a chat
 * request, waiting for an agent). Everything mode-specific goes through W.hooks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "lg.h"
#include "util.h"

lg_world_t W;

static const lg_conn_ops_t agent_ops, cust_ops;

/* ------------------------------------------------------------------------------------------------
 * Error codes seen in error replies
 * ---------------------------------------------------------------------------------------------- */

#define MAX_CODES 32
static struct {
    char code[34];
    uint64_t n;
} g_codes[MAX_CODES];
static uint32_t g_ncodes;
static uint64_t g_errors;

void lg_errors_note(const char *code)
{
    g_errors++;
    for (uint32_t i = 0; i < g_ncodes; i++)
        if (!strcmp(g_codes[i].code, code)) {
            g_codes[i].n++;
            return;
        }
    if (g_ncodes < MAX_CODES) {
        snprintf(g_codes[g_ncodes].code, sizeof g_codes[0].code, "%s", code);
        g_codes[g_ncodes++].n = 1;
    }
}

void lg_errors_count(const msgpack_object *b)
{
    char code[34] = "?";
    lg_mp_copy(b, "code", code, sizeof code);
    lg_errors_note(code);
}

uint64_t lg_errors_total(void)
{
    return g_errors;
}

uint32_t lg_errors_list(const char **codes, uint64_t *counts, uint32_t cap)
{
    uint32_t n = g_ncodes < cap ? g_ncodes : cap;
    for (uint32_t i = 0; i < n; i++) {
        codes[i] = g_codes[i].code;
        counts[i] = g_codes[i].n;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------------
 * Ring of requests in flight
 * ---------------------------------------------------------------------------------------------- */

static void ring_grow(lg_ring_t *r)
{
    lg_ring_t old = *r;
    uint32_t cap = old.s ? (old.mask + 1) * 2 : 16;
    for (;;) {
        r->s = lg_xcalloc(cap, sizeof *r->s);
        r->mask = cap - 1;
        bool ok = true;
        for (uint32_t i = 0; old.s && i <= old.mask; i++) {
            if (!old.s[i].id)
                continue;
            lg_slot_t *d = &r->s[old.s[i].id & r->mask];
            if (d->id) {
                ok = false;
                break;
            }
            *d = old.s[i];
        }
        if (ok)
            break;
        free(r->s);
        cap *= 2;
    }
    free(old.s);
}

void lg_ring_put(lg_ring_t *r, uint64_t id, uint64_t t, uint64_t k)
{
    if (!r->s)
        ring_grow(r);
    while (r->s[id & r->mask].id)
        ring_grow(r);
    r->s[id & r->mask] = (lg_slot_t){id, t, k};
    r->n++;
}

bool lg_ring_take(lg_ring_t *r, uint64_t id, uint64_t *t, uint64_t *k)
{
    if (!r->s)
        return false;
    lg_slot_t *s = &r->s[id & r->mask];
    if (s->id != id)
        return false;
    *t = s->t;
    *k = s->k;
    s->id = 0;
    r->n--;
    return true;
}

void lg_ring_free(lg_ring_t *r)
{
    free(r->s);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------------------------------------
 * Connector: paces new connections (--connect-rate per second, --connect-concurrency handshakes
 * in progress), so that a run does not trip the server's upgrade limit by accident
 * ---------------------------------------------------------------------------------------------- */

static struct {
    lg_conn_t **q;
    uint32_t head, n, cap;
    uint32_t pending;
    uv_timer_t tick;
    bool ticking, inited;
    uint64_t last_ns;
    double tokens;
} C;

static void connector_tick(uv_timer_t *t);

static void connector_kick(void)
{
    if (!C.ticking && C.n) {
        C.ticking = true;
        C.last_ns = lg_now_ns();
        uv_timer_start(&C.tick, connector_tick, 0, 1);
    }
}

static void connector_tick(uv_timer_t *t)
{
    (void)t;
    uint64_t now = lg_now_ns();
    double rate = W.o->connect_rate;
    C.tokens += rate * (double)(now - C.last_ns) / 1e9;
    C.last_ns = now;
    double burst = rate / 100.0 > 1.0 ? rate / 100.0 : 1.0; /* 10 ms worth */
    if (C.tokens > burst)
        C.tokens = burst;
    while (C.n && C.tokens >= 1.0 && C.pending < W.o->connect_concurrency) {
        lg_conn_t *c = C.q[C.head];
        C.head = (C.head + 1) % C.cap;
        C.n--;
        C.tokens -= 1.0;
        c->counted_pending = true;
        C.pending++;
        lg_conn_open(c); /* a synchronous failure already ran close_cb */
    }
    if (!C.n || lg_net_stopping()) {
        uv_timer_stop(&C.tick);
        C.ticking = false;
    }
}

static void connector_add(lg_conn_t *c)
{
    if (C.n == C.cap) {
        uint32_t cap = C.cap ? C.cap * 2 : 1024;
        lg_conn_t **q = lg_xmalloc(cap * sizeof *q);
        for (uint32_t i = 0; i < C.n; i++)
            q[i] = C.q[(C.head + i) % C.cap];
        free(C.q);
        C.q = q;
        C.head = 0;
        C.cap = cap;
    }
    C.q[(C.head + C.n) % C.cap] = c;
    C.n++;
    connector_kick();
}

/* The handshake of c ended (open or failed). */
static void connector_done(lg_conn_t *c)
{
    if (c->counted_pending) {
        c->counted_pending = false;
        C.pending--;
    }
}

uint32_t lg_fleet_pending_connects(void)
{
    return C.pending + C.n;
}

/* ------------------------------------------------------------------------------------------------
 * Agents
 * ---------------------------------------------------------------------------------------------- */

static uint32_t g_login_next, g_logins_active;
static void login_next(void);

static void agent_settled(lg_agent_t *a, bool ok)
{
    if (ok)
        W.agents_ready++;
    else {
        a->state = LG_A_FAILED;
        W.agents_failed++;
    }
    if (W.agents_ready + W.agents_failed == W.nagents && W.hooks.agents_ready)
        W.hooks.agents_ready();
}

static void login_retry_cb(void *arg)
{
    lg_agent_t *a = arg;
    a->state = LG_A_NEW;
    login_next();
}

static void login_done_cb(void *arg, int status, const char *cookie)
{
    lg_agent_t *a = arg;
    g_logins_active--;
    if (lg_net_stopping())
        return;
    if (status == 200 && cookie[0]) {
        free(a->cookie);
        a->cookie = lg_xstrdup(cookie);
        a->conn.cookie = a->cookie;
        a->state = LG_A_CONNECTING;
        connector_add(&a->conn);
    } else if ((status == 0 || status == 429 || status == 503) && a->login_tries < 20) {
        /* busy or refused: try again later; the agent goes back in line */
        uint64_t delay = (uint64_t)(100 << (a->login_tries < 5 ? a->login_tries : 5));
        a->login_tries++;
        lg_tq_add(lg_now_ns() + delay * LG_NS_PER_MS, login_retry_cb, a);
    } else {
        lg_err("login of %s failed: HTTP %d%s", a->name, status,
               status == 401 ? " (wrong --password, or no such user in the server's staff)" : "");
        agent_settled(a, false);
    }
    login_next();
}

static void login_next(void)
{
    while (g_logins_active < W.o->login_concurrency) {
        /* the next agent waiting for a login (new ones in order, then retries) */
        lg_agent_t *a = NULL;
        while (g_login_next < W.nagents && !a) {
            lg_agent_t *x = &W.agents[g_login_next++];
            if (x->state == LG_A_NEW)
                a = x;
        }
        if (!a) {
            for (uint32_t i = 0; i < W.nagents && !a; i++)
                if (W.agents[i].state == LG_A_NEW && W.agents[i].login_tries)
                    a = &W.agents[i];
        }
        if (!a)
            return;
        a->state = LG_A_LOGIN;
        char host[300];
        snprintf(host, sizeof host, "%s:%d", W.o->host, W.o->port);
        int rc = lg_http_login(W.loop, &W.o->addr, host, W.o->login_path, W.o->origin, a->name,
                               W.o->password, login_done_cb, a);
        if (rc < 0) {
            lg_err("login of %s: %s", a->name, uv_strerror(rc));
            agent_settled(a, false);
            continue;
        }
        g_logins_active++;
    }
}

void lg_fleet_start_agents(void)
{
    if (!W.nagents) {
        if (W.hooks.agents_ready)
            W.hooks.agents_ready();
        return;
    }
    login_next();
}

static lg_work_t *work_find(lg_agent_t *a, uint64_t id)
{
    for (int i = 0; i < LG_AGENT_SLOTS; i++)
        if (a->work[i].step != LG_W_FREE && a->work[i].req_id == id)
            return &a->work[i];
    return NULL;
}

static lg_work_t *work_for_contact(lg_agent_t *a, const char *s, uint32_t n)
{
    for (int i = 0; i < LG_AGENT_SLOTS; i++)
        if (a->work[i].step != LG_W_FREE && strlen(a->work[i].contact) == n &&
            !memcmp(a->work[i].contact, s, n))
            return &a->work[i];
    return NULL;
}

static lg_work_t *work_new(lg_agent_t *a, const char *contact, uint32_t n)
{
    for (int i = 0; i < LG_AGENT_SLOTS; i++)
        if (a->work[i].step == LG_W_FREE) {
            lg_work_t *w = &a->work[i];
            if (n >= sizeof w->contact)
                n = sizeof w->contact - 1;
            memcpy(w->contact, contact, n);
            w->contact[n] = 0;
            return w;
        }
    return NULL;
}

static void send_wrapup(lg_agent_t *a, lg_work_t *w)
{
    lg_conn_t *c = &a->conn;
    w->step = LG_W_WRAP;
    w->req_id = c->next_id++;
    lg_msg_begin(c, "contact.wrapup", w->req_id, 3);
    lg_pk_kv_cstr(c, "contact_id", w->contact);
    lg_pk_kv_cstr(c, "disposition", W.o->disposition);
    lg_pk_kv_empty_array(c, "service_codes");
    lg_msg_end(c);
}

static void agent_open_cb(lg_conn_t *c)
{
    lg_agent_t *a = c->owner;
    connector_done(c);
    a->state = LG_A_HELLO;
    lg_msg_begin(c, "hello", LG_ID_HELLO, 1);
    lg_pk_kv_cstr(c, "client", W.o->client_name);
    lg_msg_end(c);
    c->next_id = LG_ID_FIRST;
}

static void agent_on_offer(lg_agent_t *a, const msgpack_object *b, uint64_t now)
{
    uint64_t offer_id;
    const char *cid = "";
    uint32_t clen = 0;
    W.offers++;
    if (!lg_mp_uint(lg_mp_get(b, "offer_id"), &offer_id))
        return;
    lg_mp_str(lg_mp_get(b, "contact_id"), &cid, &clen);
    if (W.hooks.agent_offer)
        W.hooks.agent_offer(a, cid, clen, now);
    lg_conn_t *c = &a->conn;
    uint64_t id = c->next_id++;
    if (W.end_after_accept) {
        lg_work_t *w = work_new(a, cid, clen);
        if (w) {
            w->step = LG_W_ACCEPT;
            w->req_id = id;
        }
    }
    lg_msg_begin(c, "offer.accept", id, 1);
    lg_pk_kv_uint(c, "offer_id", offer_id);
    lg_msg_end(c);
}

/* agent.work: wrap up what is left in wrap-up (cleanup at the end of a run). */
static void agent_on_work(lg_agent_t *a, const msgpack_object *b)
{
    const msgpack_object *items = lg_mp_get(b, "items");
    if (!items || items->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < items->via.array.size; i++) {
        const msgpack_object *it = &items->via.array.ptr[i];
        const char *cid;
        uint32_t n;
        if (!lg_mp_is(lg_mp_get(it, "state"), "wrapping") ||
            !lg_mp_str(lg_mp_get(it, "contact_id"), &cid, &n) || work_for_contact(a, cid, n))
            continue;
        lg_work_t *w = work_new(a, cid, n);
        if (w)
            send_wrapup(a, w);
    }
}

static void agent_on_reply(lg_agent_t *a, const lg_env_t *e, bool ok, uint64_t now)
{
    lg_conn_t *c = &a->conn;
    if (e->id == LG_ID_HELLO) {
        if (!ok) {
            lg_errors_count(e->b);
            lg_err("hello of agent %s refused", a->name);
            lg_conn_close(c);
            agent_settled(a, false);
            return;
        }
        a->state = LG_A_SETTING;
        lg_msg_begin(c, "agent.state.set", LG_ID_SETUP2, 1);
        lg_pk_kv_cstr(c, "status", "available");
        lg_msg_end(c);
        return;
    }
    if (e->id == LG_ID_SETUP2) {
        if (!ok) {
            lg_errors_count(e->b);
            lg_err("agent %s could not become available", a->name);
            agent_settled(a, false);
            return;
        }
        if (a->state == LG_A_SETTING) {
            a->state = LG_A_READY;
            agent_settled(a, true);
        }
        return;
    }
    lg_work_t *w = work_find(a, e->id);
    if (!ok) {
        char code[34] = "?";
        lg_mp_copy(e->b, "code", code, sizeof code);
        /* a server without contact.end (the relay peer) is not an error: the mode lets the
         * customer leave instead (agent_refused) */
        if (!w || w->step != LG_W_END || strcmp(code, "UNKNOWN_TYPE"))
            lg_errors_note(code);
        if (w) {
            uint8_t step = w->step;
            w->step = LG_W_FREE;
            if (W.hooks.agent_refused)
                W.hooks.agent_refused(a, step, w->contact, code);
        }
        return;
    }
    if (!w) {
        W.accepts++; /* an accept of an untracked offer */
        return;
    }
    switch (w->step) {
    case LG_W_ACCEPT:
        W.accepts++;
        w->step = LG_W_END;
        w->req_id = c->next_id++;
        lg_msg_begin(c, "contact.end", w->req_id, 1);
        lg_pk_kv_cstr(c, "contact_id", w->contact);
        lg_msg_end(c);
        break;
    case LG_W_END:
        send_wrapup(a, w);
        break;
    case LG_W_WRAP:
        w->step = LG_W_FREE;
        W.wrapups++;
        if (W.hooks.agent_done)
            W.hooks.agent_done(a, now);
        break;
    default:
        break;
    }
}

static void agent_env_cb(lg_conn_t *c, const lg_env_t *e, uint64_t now)
{
    lg_agent_t *a = c->owner;
    if (e->tlen == 2 && !memcmp(e->t, "ok", 2)) {
        agent_on_reply(a, e, true, now);
    } else if (e->tlen == 5 && !memcmp(e->t, "error", 5)) {
        if (e->has_id)
            agent_on_reply(a, e, false, now);
        else
            lg_errors_count(e->b);
    } else if (e->tlen == 10 && !memcmp(e->t, "chat.event", 10)) {
        if (W.hooks.agent_chat_event)
            W.hooks.agent_chat_event(a, e->b, now);
    } else if (e->tlen == 5 && !memcmp(e->t, "offer", 5)) {
        agent_on_offer(a, e->b, now);
    } else if (e->tlen == 9 && !memcmp(e->t, "chat.open", 9)) {
        a->chats_opened++;
    } else if (e->tlen == 10 && !memcmp(e->t, "agent.work", 10)) {
        if (W.wrap_wrapping)
            agent_on_work(a, e->b);
    }
}

static void agent_close_cb(lg_conn_t *c, int code, const char *why)
{
    lg_agent_t *a = c->owner;
    connector_done(c);
    if (lg_net_stopping())
        return;
    W.agent_closes++;
    if (a->state != LG_A_READY && a->state != LG_A_FAILED) {
        lg_err("agent %s: connection %s (%d%s%s)", a->name, code ? "closed" : "failed", code,
               why[0] ? ", " : "", why);
        agent_settled(a, false);
    } else if (a->state == LG_A_READY) {
        lg_err("agent %s: connection closed by the server with %d", a->name, code);
    }
    if (W.hooks.agent_closed)
        W.hooks.agent_closed(a, code);
}

static const lg_conn_ops_t agent_ops = {agent_open_cb, agent_env_cb, agent_close_cb};

/* ------------------------------------------------------------------------------------------------
 * Customers
 * ---------------------------------------------------------------------------------------------- */

static void cust_open_cb(lg_conn_t *c)
{
    lg_customer_t *u = c->owner;
    connector_done(c);
    u->state = LG_C_HELLO;
    lg_msg_begin(c, "hello", LG_ID_HELLO, u->token[0] ? 2 : 1);
    lg_pk_kv_cstr(c, "client", W.o->client_name);
    if (u->token[0])
        lg_pk_kv_cstr(c, "resume_token", u->token);
    lg_msg_end(c);
    c->next_id = LG_ID_FIRST;
}

void lg_customer_request_contact(lg_customer_t *u)
{
    lg_conn_t *c = &u->conn;
    char name[48];
    snprintf(name, sizeof name, "Bench customer %u", u->idx);
    u->state = LG_C_REQUESTED;
    lg_msg_begin(c, "contact.request", LG_ID_SETUP2, 3);
    lg_pk_kv_cstr(c, "topic", W.o->topic);
    lg_pk_kv_cstr(c, "channel", W.o->channel);
    lg_pk_kv_cstr(c, "name", name);
    lg_msg_end(c);
}

void lg_customer_cancel(lg_customer_t *u)
{
    lg_conn_t *c = &u->conn;
    if (c->state != LG_CONN_OPEN || !u->contact[0])
        return;
    lg_msg_begin(c, "contact.cancel", LG_ID_CANCEL, 1);
    lg_pk_kv_cstr(c, "contact_id", u->contact);
    lg_msg_end(c);
}

static void cust_assigned(lg_customer_t *u, uint64_t now)
{
    if (u->state == LG_C_ASSIGNED || u->state == LG_C_ENDED)
        return;
    u->state = LG_C_ASSIGNED;
    if (W.hooks.customer_assigned)
        W.hooks.customer_assigned(u, now);
}

static void cust_ended(lg_customer_t *u, uint64_t now)
{
    if (u->state == LG_C_ENDED)
        return;
    u->state = LG_C_ENDED;
    if (W.hooks.customer_ended)
        W.hooks.customer_ended(u, now);
}

static void cust_on_reply(lg_customer_t *u, const lg_env_t *e, bool ok, uint64_t now)
{
    if (e->id >= LG_ID_FIRST) {
        if (W.hooks.customer_reply)
            W.hooks.customer_reply(u, e, ok, now);
        return;
    }
    if (!ok) {
        char code[34] = "?";
        lg_mp_copy(e->b, "code", code, sizeof code);
        if (e->id == LG_ID_CANCEL) {
            /* cleanup; the relay peer has no contact.cancel (the customer's close ends it) */
            W.cancels_refused++;
            if (strcmp(code, "UNKNOWN_TYPE"))
                lg_errors_note(code);
            return;
        }
        lg_errors_note(code);
        if (W.hooks.customer_refused)
            W.hooks.customer_refused(u, code);
        return;
    }
    if (e->id == LG_ID_HELLO) {
        u->state = LG_C_IDLE;
        lg_mp_copy(e->b, "resume_token", u->token, sizeof u->token);
        if (W.hooks.customer_hello)
            W.hooks.customer_hello(u, e->b, now);
    } else if (e->id == LG_ID_SETUP2) {
        lg_mp_copy(e->b, "contact_id", u->contact, sizeof u->contact);
        if (lg_mp_copy(e->b, "conversation_id", u->conv, sizeof u->conv))
            u->conv_len = (uint8_t)strlen(u->conv);
        if (u->state == LG_C_REQUESTED)
            u->state = LG_C_QUEUED;
        if (W.hooks.customer_contact)
            W.hooks.customer_contact(u, now);
    }
}

static void cust_env_cb(lg_conn_t *c, const lg_env_t *e, uint64_t now)
{
    lg_customer_t *u = c->owner;
    if (e->tlen == 2 && !memcmp(e->t, "ok", 2)) {
        cust_on_reply(u, e, true, now);
    } else if (e->tlen == 5 && !memcmp(e->t, "error", 5)) {
        if (e->has_id)
            cust_on_reply(u, e, false, now);
        else
            lg_errors_count(e->b);
    } else if (e->tlen == 14 && !memcmp(e->t, "contact.status", 14)) {
        const msgpack_object *st = lg_mp_get(e->b, "state");
        if (lg_mp_is(st, "assigned"))
            cust_assigned(u, now);
        else if (lg_mp_is(st, "wrapping") || lg_mp_is(st, "completed") || lg_mp_is(st, "canceled"))
            cust_ended(u, now);
    } else if (e->tlen == 10 && !memcmp(e->t, "chat.event", 10)) {
        const msgpack_object *sys = lg_mp_get(lg_mp_get(e->b, "event"), "system");
        if (lg_mp_is(sys, "joined"))
            cust_assigned(u, now);
        else if (lg_mp_is(sys, "ended"))
            cust_ended(u, now);
    }
}

static void cust_close_cb(lg_conn_t *c, int code, const char *why)
{
    lg_customer_t *u = c->owner;
    connector_done(c);
    if (lg_net_stopping())
        return;
    if (W.hooks.customer_closed)
        W.hooks.customer_closed(u, code, why);
}

static const lg_conn_ops_t cust_ops = {cust_open_cb, cust_env_cb, cust_close_cb};

void lg_customer_connect(lg_customer_t *u, bool direct)
{
    u->state = LG_C_CONNECTING;
    u->contact[0] = 0;
    u->conv[0] = 0;
    u->conv_len = 0;
    if (direct)
        lg_conn_open(&u->conn);
    else
        connector_add(&u->conn);
}

/* ------------------------------------------------------------------------------------------------
 */

void lg_fleet_init(uv_loop_t *loop, lg_opts_t *o, const lg_hooks_t *hooks, uint32_t nagents,
                   uint32_t ncusts)
{
    memset(&W, 0, sizeof W);
    W.loop = loop;
    W.o = o;
    W.hooks = *hooks;
    W.nagents = nagents;
    W.ncusts = ncusts;
    if (!C.inited) {
        uv_timer_init(loop, &C.tick);
        C.inited = true;
    }
    if (o->src_addrs > 0) {
        W.nsrc = o->src_addrs;
        W.src = lg_xcalloc(W.nsrc, sizeof *W.src);
        for (uint32_t i = 0; i < W.nsrc; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "127.0.%u.%u", (i + 1) / 256, (i + 1) % 256);
            W.src[i] = lg_xstrdup(buf);
        }
    }
    W.agents = lg_xcalloc(nagents, sizeof *W.agents);
    for (uint32_t i = 0; i < nagents; i++) {
        lg_agent_t *a = &W.agents[i];
        a->idx = i;
        snprintf(a->name, sizeof a->name, "%s%u", o->agent_prefix, o->agent_first + i);
        lg_conn_init(&a->conn, &agent_ops, a);
        a->conn.path = o->staff_path;
        a->conn.origin = o->origin;
    }
    W.custs = lg_xcalloc(ncusts, sizeof *W.custs);
    for (uint32_t i = 0; i < ncusts; i++) {
        lg_customer_t *u = &W.custs[i];
        u->idx = i;
        lg_conn_init(&u->conn, &cust_ops, u);
        u->conn.path = o->customer_path;
        u->conn.origin = o->widget_origin;
        u->conn.src_addr = W.nsrc ? W.src[i % W.nsrc] : NULL;
    }
}

void lg_fleet_close_handles(void)
{
    if (C.inited) {
        uv_timer_stop(&C.tick);
        uv_close((uv_handle_t *)&C.tick, NULL);
        C.inited = false;
        C.ticking = false;
    }
}

void lg_fleet_dispose(void)
{
    for (uint32_t i = 0; i < W.nagents; i++) {
        lg_conn_dispose(&W.agents[i].conn);
        free(W.agents[i].cookie);
    }
    for (uint32_t i = 0; i < W.ncusts; i++) {
        lg_conn_dispose(&W.custs[i].conn);
        lg_ring_free(&W.custs[i].ring);
        free(W.custs[i].seq_bits);
    }
    free(W.agents);
    free(W.custs);
    for (uint32_t i = 0; i < W.nsrc; i++)
        free(W.src[i]);
    free(W.src);
    free(C.q);
    C.q = NULL;
    memset(&W, 0, sizeof W);
}
