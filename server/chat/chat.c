/* Conversations: the log (send, sync, system events), delivery, typing and receipts; creating
 * and loading them is in chat/create.c. See chat.h and docs/protocol.md, "Conversations". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/chat_internal.h"
#include "router/router.h"
#include "metrics/metrics.h"
#include "stats/stats.h"
#include "store/conv_store.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/redact.h"

sb_chat_t *chat_of(const sb_app_t *app)
{
    return app->chat;
}

static sb_str_t S(const char *s)
{
    return (sb_str_t){s ? s : "", s ? (uint32_t)strlen(s) : 0};
}

static void copy_str(char *dst, size_t n, sb_str_t s)
{
    size_t k = s.len < n - 1 ? s.len : n - 1;
    memcpy(dst, s.ptr, k);
    dst[k] = 0;
}

/* ------------------------------------------------------------------------------------------------
 * The table of conversations in memory
 * ---------------------------------------------------------------------------------------------- */

conv_t *conv_find(const sb_chat_t *ch, const char *id)
{
    uint32_t ix;
    return ch && sb_strmap_get(&ch->by_id, id, &ix) ? ch->convs[ix] : NULL;
}

conv_t *conv_find_str(const sb_chat_t *ch, sb_str_t id)
{
    char buf[SB_ROUTE_ID_LEN + 1];
    if (id.len > SB_ROUTE_ID_LEN)
        return NULL;
    copy_str(buf, sizeof buf, id);
    return conv_find(ch, buf);
}

static void inactivity_cb(sb_timer_t *t);
static void expire_cb(sb_timer_t *t);

static void trim_cb(sb_timer_t *t)
{
    chat_trim_streams(t->data);
}

conv_t *conv_add(sb_chat_t *ch, const char *id)
{
    conv_t *v = conv_find(ch, id);
    if (v)
        return v;
    v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    snprintf(v->id, sizeof v->id, "%s", id);
    sb_timer_init(&v->inactivity, inactivity_cb, ch);
    sb_timer_init(&v->expire, expire_cb, ch);
    uint32_t ix;
    if (ch->n_free) {
        ix = ch->free_ix[--ch->n_free];
    } else {
        if (ch->n == ch->cap) {
            uint32_t cap = ch->cap ? ch->cap * 2 : 256;
            conv_t **a = realloc(ch->convs, cap * sizeof *a);
            uint32_t *f = a ? realloc(ch->free_ix, cap * sizeof *f) : NULL;
            if (a)
                ch->convs = a;
            if (!a || !f) {
                free(v);
                return NULL;
            }
            ch->free_ix = f;
            ch->cap = cap;
        }
        ix = ch->n++;
    }
    if (sb_strmap_put(&ch->by_id, id, ix) != 0) {
        ch->free_ix[ch->n_free++] = ix;
        free(v);
        return NULL;
    }
    v->ix = ix;
    ch->convs[ix] = v;
    ch->open_count++;
    return v;
}

void conv_drop(sb_chat_t *ch, conv_t *v)
{
    sb_timer_disarm(&ch->app->timers, &v->inactivity);
    sb_timer_disarm(&ch->app->timers, &v->expire);
    if (!v->closed && ch->open_count)
        ch->open_count--;
    sb_strmap_del(&ch->by_id, v->id);
    ch->convs[v->ix] = NULL;
    ch->free_ix[ch->n_free++] = v->ix;
    free(v->transfer_note);
    free(v->pending_note);
    free(v);
}

static void inactivity_cb(sb_timer_t *t)
{
    chat_inactivity_fired(t->data, (conv_t *)((char *)t - offsetof(conv_t, inactivity)));
}

static void expire_cb(sb_timer_t *t)
{
    conv_t *v = (conv_t *)((char *)t - offsetof(conv_t, expire));
    conv_drop(t->data, v);
}

sb_conn_t *conv_holder_conn(sb_chat_t *ch, const conv_t *v, uint32_t *agent, sb_cstate_t *state)
{
    uint32_t ai;
    sb_cstate_t st;
    if (!sb_router_contact_state(ch->app, v->contact_id, &st, &ai) || ai == SB_ROUTE_NONE)
        return NULL;
    if (agent)
        *agent = ai;
    if (state)
        *state = st;
    return sb_router_agent_conn(ch->app, ai);
}

sb_conn_t *conv_customer_conn(sb_chat_t *ch, const conv_t *v)
{
    if (!v->customer_conn || !ch->app->net)
        return NULL;
    sb_conn_t *c = sb_net_conn_find(ch->app->net, v->customer_conn);
    return c && c->state == SB_CONN_READY && strcmp(c->user, v->customer_id) == 0 ? c : NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Start and stop
 * ---------------------------------------------------------------------------------------------- */

int sb_chat_start(sb_app_t *app)
{
    sb_chat_t *ch = calloc(1, sizeof *ch);
    if (!ch)
        return SB_E_NOMEM;
    ch->app = app;
    sb_strmap_init(&ch->by_id);
    sb_timer_init(&ch->trim, trim_cb, ch);
    app->chat = ch;
    return 0;
}

void sb_chat_stop(sb_app_t *app)
{
    sb_chat_t *ch = chat_of(app);
    if (ch)
        sb_timer_disarm(&app->timers, &ch->trim);
    for (uint32_t i = 0; ch && i < ch->n; i++)
        if (ch->convs[i]) {
            sb_timer_disarm(&app->timers, &ch->convs[i]->inactivity);
            sb_timer_disarm(&app->timers, &ch->convs[i]->expire);
        }
}

void sb_chat_destroy(sb_app_t *app)
{
    sb_chat_t *ch = chat_of(app);
    if (!ch)
        return;
    for (uint32_t i = 0; i < ch->n; i++)
        if (ch->convs[i]) {
            free(ch->convs[i]->transfer_note);
            free(ch->convs[i]->pending_note);
            free(ch->convs[i]);
        }
    free(ch->convs);
    free(ch->free_ix);
    sb_strmap_dispose(&ch->by_id);
    free(ch);
    app->chat = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * The data epoch
 * ---------------------------------------------------------------------------------------------- */

uint64_t sb_chat_epoch(const sb_app_t *app)
{
    const sb_chat_t *ch = chat_of(app);
    return ch ? ch->epoch : 0;
}

static void tell_epoch(sb_conn_t *c, void *arg)
{
    if (c->state == SB_CONN_READY)
        sb_conn_send_event(c, SB_MSG_CHAT_EPOCH, arg);
}

static void epoch_cb(int st, uint64_t epoch, bool raised, void *priv)
{
    /* `priv` is the app, which outlives every store callback; the chat service may be gone (a
     * reply failed at teardown comes after it) */
    sb_chat_t *ch = chat_of(priv);
    if (st != 0 || !ch)
        return;
    bool changed = raised || (ch->epoch && epoch != ch->epoch);
    ch->epoch = epoch;
    if (changed) {
        SB_WARN("chat", "Redis restarted: data epoch raised, clients resync",
                SB_F_UINT("epoch", epoch));
        sb_msg_chat_epoch_t ev = {.epoch = epoch};
        if (ch->app->net)
            sb_net_conn_foreach(ch->app->net, tell_epoch, &ev);
    }
}

void sb_chat_store_ready(sb_app_t *app)
{
    sb_chat_t *ch = chat_of(app);
    if (!ch)
        return;
    sb_cv_epoch_check(app->store, app->key_prefix, sb_store_run_id(app->store), sb_clock_now_ms(),
                      epoch_cb, app);
    /* records that passed the retention period while Switchboard was away go now */
    sb_timer_disarm(&app->timers, &ch->trim);
    chat_trim_streams(ch);
}

/* ------------------------------------------------------------------------------------------------
 * Appending and delivering
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_app_t *app;
    char conv[SB_ROUTE_ID_LEN + 1];
    uint64_t conn_id, req_id; /* the sender waiting for the ack; 0 for system entries */
    uint16_t kind, role;
    char name[129];
    char cmid[65];
    int system; /* SB_PT_CHAT_EVENT_SYSTEM_..., -1 for none */
} append_job_t;

/* An entry as the customer sees it: numbered among the entries a customer may see (`pub`, from
 * conv_append.lua), so the numbers run 1, 2, 3... whatever notes staff wrote in between (DESIGN.md
 * principle 4: a note neither looks like loss nor can be inferred). Other people's client message
 * ids are theirs: a customer only gets back its own. */
static void customer_view(sb_pt_chat_event_t *e, uint64_t pub)
{
    e->seq = pub;
    e->prev_seq = pub ? pub - 1 : 0;
    if (e->from_role != SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER) {
        e->has_client_msg_id = false;
        e->client_msg_id = (sb_str_t){"", 0};
    }
}

void chat_deliver(sb_chat_t *ch, conv_t *v, const sb_pt_chat_event_t *e, uint64_t pub,
                  uint64_t skip)
{
    sb_msg_chat_event_t ev = {.conversation_id = S(v->id), .epoch = ch->epoch, .event = *e};
    uint32_t ai;
    sb_cstate_t st;
    sb_conn_t *staff = conv_holder_conn(ch, v, &ai, &st);
    if (staff && staff->id != skip) {
        ev.event.prev_seq = e->seq - 1; /* staff see every entry */
        sb_conn_send_event(staff, SB_MSG_CHAT_EVENT, &ev);
    }
    sb_conn_t *cust = conv_customer_conn(ch, v);
    if (cust && cust->id != skip && e->kind != SB_PT_CHAT_EVENT_KIND_NOTE) {
        customer_view(&ev.event, pub);
        sb_conn_send_event(cust, SB_MSG_CHAT_EVENT, &ev);
    }
}

static void appended_cb(int st, const sb_cv_appended_t *a, void *priv)
{
    append_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    conv_t *v = ch ? conv_find(ch, j->conv) : NULL;
    sb_conn_t *c = j->conn_id && j->app->net ? sb_net_conn_find(j->app->net, j->conn_id) : NULL;
    if (c && c->state != SB_CONN_READY)
        c = NULL;
    if (st != 0) {
        if (c)
            sb_conn_send_store_error(c, j->req_id, st);
        free(j);
        return;
    }
    if (a->outcome == SB_CV_GONE || a->outcome == SB_CV_FULL) {
        if (c) {
            bool full = a->outcome == SB_CV_FULL;
            sb_conn_send_error(c, true, j->req_id, full ? SB_WERR_CONFLICT : SB_WERR_NOT_FOUND,
                               full ? "this conversation is too long; start a new one"
                                    : "this conversation no longer exists",
                               NULL, 0);
        }
        free(j);
        return;
    }
    uint64_t seq = a->seq, pub = a->pub, ts = a->ts_ms;
    sb_str_t stored = {a->text, (uint32_t)a->text_len};
    if (c) {
        /* numbered as the sender numbers the log: a customer among the entries it may see */
        bool customer = j->role == SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER;
        sb_msg_chat_send_reply_t rep = {.seq = customer ? pub : seq,
                                        .prev_seq = customer ? pub - 1 : seq - 1,
                                        .ts_ms = ts,
                                        .text = stored};
        sb_conn_send_ok(c, SB_MSG_CHAT_SEND, j->req_id, &rep);
    }
    if (a->outcome == SB_CV_APPENDED && v) {
        if (seq > v->last_seq)
            v->last_seq = seq;
        if (j->kind != SB_PT_CHAT_EVENT_KIND_NOTE && pub > v->last_pub)
            v->last_pub = pub;
        sb_pt_chat_event_t e = {.seq = seq,
                                .prev_seq = seq - 1,
                                .kind = j->kind,
                                .from_role = j->role,
                                .text = stored,
                                .ts_ms = ts};
        if (j->name[0]) {
            e.from_name = S(j->name);
            e.has_from_name = true;
        }
        if (j->cmid[0]) {
            e.client_msg_id = S(j->cmid);
            e.has_client_msg_id = true;
        }
        if (j->system >= 0) {
            e.system = (uint16_t)j->system;
            e.has_system = true;
        }
        chat_deliver(ch, v, &e, pub, j->conn_id);
    }
    free(j);
}

/* Sends one entry to conv_append.lua. `system` < 0 for none. 0 or an SB_E... code. */
static int append(sb_chat_t *ch, conv_t *v, append_job_t *j, const char *sender, const char *text,
                  int system)
{
    sb_app_t *app = ch->app;
    j->system = system;
    sb_cv_entry_t e = {.conv_id = v->id,
                       .sender = sender,
                       .client_msg_id = j->cmid,
                       .kind = j->kind,
                       .role = j->role,
                       .system = system,
                       .name = j->name,
                       .text = text,
                       .now_ms = sb_clock_now_ms(),
                       .max_entries = app->cfg->chat.max_messages,
                       .retention_s = app->cfg->routing.retention_days * 86400u};
    return sb_cv_append(app->store, app->key_prefix, &e, appended_cb, j);
}

void chat_system(sb_chat_t *ch, conv_t *v, int system, const char *text, const char *name)
{
    append_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->app = ch->app;
    snprintf(j->conv, sizeof j->conv, "%s", v->id);
    j->kind = SB_PT_CHAT_EVENT_KIND_SYSTEM;
    j->role = SB_PT_CHAT_EVENT_FROM_ROLE_SYSTEM;
    snprintf(j->name, sizeof j->name, "%s", name ? name : "");
    if (append(ch, v, j, "", text, system) != 0) {
        SB_WARN("chat", "a system event could not be stored", SB_F_STR("conversation", v->id));
        free(j);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Who may touch a conversation
 * ---------------------------------------------------------------------------------------------- */

/* The conversation named by `id` if the connection may use it, else an error reply is sent and
 * NULL returned. Someone else's conversation looks like no conversation. */
conv_t *chat_authorize(sb_conn_t *c, uint64_t req, sb_str_t id, bool to_write, bool *is_staff,
                       bool *answered)
{
    sb_chat_t *ch = chat_of(sb_conn_app(c));
    conv_t *v = conv_find_str(ch, id);
    *is_staff = c->role != SB_ROLE_CUSTOMER;
    if (answered)
        *answered = false;
    if (v && !*is_staff && strcmp(v->customer_id, c->user) == 0) {
        if (to_write && v->closed) {
            sb_conn_send_error(c, true, req, SB_WERR_CONFLICT, "this conversation has ended", NULL,
                               0);
            return NULL;
        }
        if (answered) {
            sb_cstate_t st;
            *answered = sb_router_contact_state(ch->app, v->contact_id, &st, NULL) &&
                        st == SB_CSTATE_ASSIGNED;
        }
        v->customer_conn = c->id;
        return v;
    }
    if (v && *is_staff) {
        uint32_t ai;
        sb_cstate_t st;
        if (sb_router_contact_state(ch->app, v->contact_id, &st, &ai) &&
            ai == sb_router_agent_index(ch->app, c->user) &&
            (st == SB_CSTATE_ASSIGNED || st == SB_CSTATE_WRAPPING)) {
            if (answered)
                *answered = st == SB_CSTATE_ASSIGNED;
            return v;
        }
    }
    sb_conn_send_error(c, true, req, SB_WERR_NOT_FOUND, "no such conversation", "conversation_id",
                       0);
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------------------------------- */

void sb_chat_send(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_send_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    sb_chat_t *ch = chat_of(app);
    bool staff, answered;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, &answered);
    if (!v)
        return;
    bool note = req->has_private && req->private;
    if (note && !staff) {
        sb_conn_send_error(c, true, id, SB_WERR_FORBIDDEN, "only staff write private notes",
                           "private", 0);
        return;
    }
    /* before the answer there is nobody to talk to; after the end only notes are written */
    if (!note && !answered) {
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT,
                           staff ? "the chat has ended; only private notes can be added"
                                 : "no specialist has joined yet",
                           NULL, 0);
        return;
    }
    append_job_t *j = calloc(1, sizeof *j);
    char *text = malloc(req->text.len + 1);
    if (!j || !text) {
        free(j);
        free(text);
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    memcpy(text, req->text.ptr, req->text.len);
    text[req->text.len] = 0;
    /* before it is stored, logged or delivered; append() reads it as the terminated string */
    sb_redact(&app->redactor, text, req->text.len);
    j->app = app;
    snprintf(j->conv, sizeof j->conv, "%s", v->id);
    j->conn_id = c->id;
    j->req_id = id;
    j->kind = note ? SB_PT_CHAT_EVENT_KIND_NOTE : SB_PT_CHAT_EVENT_KIND_MESSAGE;
    j->role = staff ? (c->role == SB_ROLE_AGENT ? SB_PT_CHAT_EVENT_FROM_ROLE_AGENT
                                                : SB_PT_CHAT_EVENT_FROM_ROLE_SUPERVISOR)
                    : SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER;
    copy_str(j->cmid, sizeof j->cmid, req->client_msg_id);
    const sb_cfg_staff_t *st =
        staff ? sb_config_find_staff(app->cfg, c->user, strlen(c->user)) : NULL;
    snprintf(j->name, sizeof j->name, "%s", staff ? (st ? st->display_name : c->user) : v->name);
    char sender[80];
    snprintf(sender, sizeof sender, "%s:%s", staff ? "a" : "c", c->user);
    int rc = append(ch, v, j, sender, text, -1);
    free(text);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
        return;
    }
    /* activity and response times follow the real order of events, not the ack */
    uint64_t now = sb_clock_now_ms();
    if (!staff) {
        v->customer_last_ms = now;
        v->inactive_stage = 0;
        if (!v->unanswered_since)
            v->unanswered_since = now;
        chat_watch(ch, v);
    } else if (!note && app->stats && v->accepted_ms) {
        /* DESIGN.md: first response = accept to the agent's first message; response = first
         * unanswered customer message to the next agent message */
        const char *q = v->queue[0] ? v->queue : NULL, *a = v->agent[0] ? v->agent : NULL;
        if (v->first_response_pending)
            sb_stats_first_response(app->stats, q, a, now - v->accepted_ms, now);
        if (v->unanswered_since)
            sb_stats_response(app->stats, q, a, now - v->unanswered_since, now);
        v->unanswered_since = 0;
        v->first_response_pending = false;
    }
}

static void sync_reply(sb_conn_t *c, uint64_t id, const sb_cv_page_t *page, uint64_t after,
                       bool staff)
{
    sb_app_t *app = sb_conn_app(c);
    sb_pt_chat_event_t events[SB_CV_PAGE_MAX];
    size_t k = 0;
    uint64_t last = after;
    for (size_t i = 0; i < page->n; i++) {
        const sb_cv_log_entry_t *e = &page->entries[i];
        if (e->kind == SB_PT_CHAT_EVENT_KIND_NOTE && !staff)
            continue; /* private notes never reach a customer (conv_sync.lua left them out) */
        /* a customer's reply came from conv_sync.lua, numbered among the entries it may see:
         * consecutive, so prev_seq is always the one before */
        last = e->seq;
        sb_pt_chat_event_t *o = &events[k++];
        memset(o, 0, sizeof *o);
        o->seq = e->seq;
        o->prev_seq = e->seq - 1;
        o->kind = e->kind;
        o->from_role = e->role;
        if (e->name[0]) {
            o->from_name = S(e->name);
            o->has_from_name = true;
        }
        o->text = S(e->text);
        o->ts_ms = e->ts_ms;
        const char *cmid = e->client_msg_id;
        if (cmid[0] && sb_proto_charset_ok(SB_CS_ID, cmid, strlen(cmid)) &&
            (staff || o->from_role == SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER)) {
            o->client_msg_id = S(cmid);
            o->has_client_msg_id = true;
        }
        if (e->system >= 0) {
            o->system = (uint16_t)e->system;
            o->has_system = true;
        }
    }
    sb_msg_chat_sync_reply_t rep = {
        .epoch = sb_chat_epoch(app), .last_seq = last, .more = page->more};
    rep.events.items = events;
    rep.events.n = (uint32_t)k;
    sb_conn_send_ok(c, SB_MSG_CHAT_SYNC, id, &rep);
}

typedef struct {
    sb_app_t *app;
    uint64_t conn_id, req_id, after;
    bool staff;
} sync_job_t;

static void synced_cb(int st, const sb_cv_page_t *page, void *priv)
{
    sync_job_t *j = priv;
    sb_conn_t *c = j->app->net ? sb_net_conn_find(j->app->net, j->conn_id) : NULL;
    if (c && c->state == SB_CONN_READY) {
        if (st != 0)
            sb_conn_send_store_error(c, j->req_id, st);
        else
            sync_reply(c, j->req_id, page, j->after, j->staff);
    }
    free(j);
}

void sb_chat_sync(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_sync_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff;
    conv_t *v = chat_authorize(c, id, req->conversation_id, false, &staff, NULL);
    if (!v)
        return;
    sync_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    j->app = app;
    j->conn_id = c->id;
    j->req_id = id;
    j->after = req->after_seq;
    j->staff = staff;
    int rc = sb_cv_sync(app->store, app->key_prefix, v->id, staff, req->after_seq, synced_cb, j);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}

void sb_chat_typing(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_typing_t *req = body;
    sb_chat_t *ch = chat_of(sb_conn_app(c));
    bool staff;
    conv_t *v = chat_authorize(c, id, req->conversation_id, true, &staff, NULL);
    if (!v)
        return;
    char empty[8] = {0};
    sb_conn_send_ok(c, SB_MSG_CHAT_TYPING, id, empty);
    /* relayed at most once a second while typing; "stopped" always goes through */
    uint64_t now = sb_clock_now_ms();
    uint64_t *last = &v->typing_relayed_ms[staff ? 1 : 0];
    if (req->typing && now - *last < 1000)
        return;
    *last = req->typing ? now : 0;
    sb_msg_chat_typing_event_t ev = {.conversation_id = S(v->id),
                                     .from_role = staff
                                                      ? SB_MSG_CHAT_TYPING_EVENT_FROM_ROLE_AGENT
                                                      : SB_MSG_CHAT_TYPING_EVENT_FROM_ROLE_CUSTOMER,
                                     .typing = req->typing};
    sb_conn_t *other = staff ? conv_customer_conn(ch, v) : conv_holder_conn(ch, v, NULL, NULL);
    if (other)
        sb_conn_send_event(other, SB_MSG_CHAT_TYPING_EVENT, &ev);
}

typedef struct {
    sb_app_t *app;
    char conv[SB_ROUTE_ID_LEN + 1];
    uint64_t conn_id, req_id;
    bool staff;
} mark_job_t;

static void marked_cb(int st, const sb_cv_marks_t *m, void *priv)
{
    mark_job_t *j = priv;
    sb_chat_t *ch = chat_of(j->app);
    sb_conn_t *c = j->app->net ? sb_net_conn_find(j->app->net, j->conn_id) : NULL;
    if (c && c->state == SB_CONN_READY) {
        if (st != 0) {
            sb_conn_send_store_error(c, j->req_id, st);
        } else {
            char empty[8] = {0};
            sb_conn_send_ok(c, SB_MSG_CHAT_RECEIPT, j->req_id, empty);
        }
    }
    conv_t *v = ch ? conv_find(ch, j->conv) : NULL;
    /* the marks come back in the other side's numbering (conv_mark.lua). A customer is told only
     * when they moved as it counts: staff marking a private note read must not reach it, not even
     * as the same number again */
    if (st == 0 && v && !m->gone && (!j->staff || m->changed)) {
        sb_msg_chat_receipt_event_t ev = {
            .conversation_id = S(v->id),
            .from_role = j->staff ? SB_MSG_CHAT_RECEIPT_EVENT_FROM_ROLE_AGENT
                                  : SB_MSG_CHAT_RECEIPT_EVENT_FROM_ROLE_CUSTOMER,
            .delivered_seq = m->delivered,
            .read_seq = m->read};
        sb_conn_t *other =
            j->staff ? conv_customer_conn(ch, v) : conv_holder_conn(ch, v, NULL, NULL);
        if (other)
            sb_conn_send_event(other, SB_MSG_CHAT_RECEIPT_EVENT, &ev);
    }
    free(j);
}

void sb_chat_receipt(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_chat_receipt_t *req = body;
    sb_app_t *app = sb_conn_app(c);
    bool staff;
    conv_t *v = chat_authorize(c, id, req->conversation_id, false, &staff, NULL);
    if (!v)
        return;
    mark_job_t *j = calloc(1, sizeof *j);
    if (!j) {
        sb_conn_send_error(c, true, id, SB_WERR_INTERNAL, "out of memory", NULL, 1000);
        return;
    }
    j->app = app;
    snprintf(j->conv, sizeof j->conv, "%s", v->id);
    j->conn_id = c->id;
    j->req_id = id;
    j->staff = staff;
    int rc = sb_cv_mark(app->store, app->key_prefix, v->id, staff, req->has_delivered_seq,
                        req->delivered_seq, req->has_read_seq, req->read_seq, marked_cb, j);
    if (rc != 0) {
        free(j);
        sb_conn_send_store_error(c, id, rc);
    }
}
