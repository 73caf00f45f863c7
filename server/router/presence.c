/* Staff presence and work over the WebSocket: the agent's state, offers (accept, decline), ending
 * and wrapping up contacts, and one connection per person (the newer one takes over). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router_internal.h"
#include "store/route_store.h"
#include "util/clock.h"
#include "util/log.h"

/* The engine agent behind a staff connection, for staff who take contacts (serve at least one
 * queue); supervisors and admins without queues only watch, and may have several screens. */
static uint32_t agent_of_conn(const sb_router_t *R, const sb_conn_t *c)
{
    if (!R)
        return SB_ROUTE_NONE;
    uint32_t ai = rtr_agent_of(R, c->user);
    const sb_cfg_staff_t *st = ai == SB_ROUTE_NONE ? NULL : rtr_staff_cfg(R, ai);
    return st && st->n_queues ? ai : SB_ROUTE_NONE;
}

static sb_str_t S(const char *s)
{
    return (sb_str_t){s ? s : "", s ? (uint32_t)strlen(s) : 0};
}

static void send_setup(sb_router_t *R, sb_conn_t *c)
{
    const sb_config_t *cfg = R->app->cfg;
    const sb_cfg_staff_t *st = sb_config_find_staff(cfg, c->user, strlen(c->user));
    sb_str_t reasons[64];
    sb_pt_queue_ref_t queues[256];
    sb_pt_code_label_t disp[256], svc[256];
    size_t nr = cfg->n_away_reasons < 64 ? cfg->n_away_reasons : 64;
    for (size_t i = 0; i < nr; i++)
        reasons[i] = S(cfg->away_reasons[i]);
    size_t nq = 0;
    for (size_t i = 0; st && i < st->n_queues && nq < 256; i++) {
        const sb_cfg_queue_t *q = sb_config_find_queue(cfg, st->queues[i]);
        if (q)
            queues[nq++] = (sb_pt_queue_ref_t){S(q->id), S(q->name)};
    }
    size_t nd = cfg->n_dispositions < 256 ? cfg->n_dispositions : 256;
    for (size_t i = 0; i < nd; i++)
        disp[i] = (sb_pt_code_label_t){S(cfg->dispositions[i].code), S(cfg->dispositions[i].label)};
    size_t ns = cfg->n_service_codes < 256 ? cfg->n_service_codes : 256;
    for (size_t i = 0; i < ns; i++)
        svc[i] =
            (sb_pt_code_label_t){S(cfg->service_codes[i].code), S(cfg->service_codes[i].label)};
    sb_str_t methods[64];
    size_t nm = cfg->n_identity_methods < 64 ? cfg->n_identity_methods : 64;
    for (size_t i = 0; i < nm; i++)
        methods[i] = S(cfg->identity_methods[i]);
    sb_pt_canned_t canned[256];
    size_t nc = cfg->n_canned < 256 ? cfg->n_canned : 256;
    for (size_t i = 0; i < nc; i++)
        canned[i] = (sb_pt_canned_t){S(cfg->canned[i].id), S(cfg->canned[i].title),
                                     S(cfg->canned[i].language), S(cfg->canned[i].text)};
    sb_pt_queue_ref_t xfer[256];
    size_t nx = 0;
    for (size_t i = 0; i < cfg->n_queues && nx < 256; i++)
        if (cfg->queues[i].channels[SB_CHAN_CHAT])
            xfer[nx++] = (sb_pt_queue_ref_t){S(cfg->queues[i].id), S(cfg->queues[i].name)};
    sb_msg_staff_setup_t ev;
    memset(&ev, 0, sizeof ev);
    ev.identity_methods.items = methods;
    ev.identity_methods.n = (uint32_t)nm;
    ev.canned.items = canned;
    ev.canned.n = (uint32_t)nc;
    ev.transfer_queues.items = xfer;
    ev.transfer_queues.n = (uint32_t)nx;
    ev.away_reasons.items = reasons;
    ev.away_reasons.n = (uint32_t)nr;
    ev.queues.items = queues;
    ev.queues.n = (uint32_t)nq;
    ev.dispositions.items = disp;
    ev.dispositions.n = (uint32_t)nd;
    ev.service_codes.items = svc;
    ev.service_codes.n = (uint32_t)ns;
    sb_conn_send_event(c, SB_MSG_STAFF_SETUP, &ev);
}

void sb_router_staff_ready(sb_conn_t *c)
{
    sb_router_t *R = rtr(sb_conn_app(c));
    if (!R)
        return;
    uint32_t ai = agent_of_conn(R, c);
    if (ai == SB_ROUTE_NONE) {
        send_setup(R, c); /* staff who take no contacts: the lists, with no queues */
        return;
    }
    /* one connection per person: the newer session takes over, the older one is told why */
    sb_conn_t *old = R->agent_conn[ai] ? sb_net_conn_find(R->app->net, R->agent_conn[ai]) : NULL;
    if (old && old != c)
        sb_conn_close(old, SB_CLOSE_REPLACED, "signed in on another screen");
    R->agent_conn[ai] = c->id;
    sb_route_agent_connected(R->eng, ai, sb_clock_now_ms());
    send_setup(R, c);
    rtr_send_state(R, ai, -1);
    rtr_send_work(R, ai);
    R->conv->staff_ready(c, ai); /* the chats held, again after a reconnect */
    rtr_pump(R);
}

void sb_router_directory(sb_conn_t *c, uint64_t id, const void *body)
{
    (void)body;
    sb_router_t *R = rtr(sb_conn_app(c));
    enum { MAXD = 1024, MAXL = 16 };
    static sb_pt_directory_entry_t items[MAXD]; /* the loop is single-threaded */
    static sb_str_t langs[MAXD][MAXL];
    uint32_t n = 0;
    for (uint32_t ai = 0; R && ai < R->n_agent_ids && n < MAXD; ai++) {
        const sb_cfg_staff_t *st = rtr_staff_cfg(R, ai);
        sb_ragent_view_t v;
        if (!st || !st->n_queues || !sb_route_agent_view(R->eng, ai, &v) ||
            strcmp(st->username, c->user) == 0)
            continue;
        sb_pt_directory_entry_t *e = &items[n];
        memset(e, 0, sizeof *e);
        e->username = S(st->username);
        e->display_name = S(st->display_name);
        e->status = v.status == SB_AGENT_AVAILABLE ? SB_PT_DIRECTORY_ENTRY_STATUS_AVAILABLE
                    : v.status == SB_AGENT_AWAY    ? SB_PT_DIRECTORY_ENTRY_STATUS_AWAY
                                                   : SB_PT_DIRECTORY_ENTRY_STATUS_OFFLINE;
        e->connected = v.connected;
        uint32_t nl = 0;
        for (size_t k = 0; k < st->n_languages && nl < MAXL; k++)
            langs[n][nl++] = S(st->languages[k]);
        e->languages.items = langs[n];
        e->languages.n = nl;
        n++;
    }
    sb_msg_staff_directory_reply_t rep = {.agents = {items, n}};
    sb_conn_send_ok(c, SB_MSG_STAFF_DIRECTORY, id, &rep);
}

void sb_router_staff_closed(sb_conn_t *c)
{
    sb_router_t *R = rtr(sb_conn_app(c));
    uint32_t ai = agent_of_conn(R, c);
    if (ai == SB_ROUTE_NONE || R->agent_conn[ai] != c->id)
        return;
    R->agent_conn[ai] = 0;
    sb_route_agent_disconnected(R->eng, ai, sb_clock_now_ms());
    rtr_pump(R);
}

/* Maps an engine refusal to the wire. A contact or offer that is someone else's answers exactly
 * as one that does not exist: no reply tells a specialist what colleagues hold. */
static void refuse(sb_conn_t *c, uint64_t id, sb_route_result_t r)
{
    switch (r) {
    case SB_ROUTE_EXPIRED:
        sb_conn_send_error(c, true, id, SB_WERR_OFFER_EXPIRED,
                           "the offer expired before it was accepted", NULL, 0);
        break;
    case SB_ROUTE_WITHDRAWN:
        sb_conn_send_error(c, true, id, SB_WERR_OFFER_WITHDRAWN,
                           "the customer left the line before the offer was accepted", NULL, 0);
        break;
    case SB_ROUTE_DECLINED:
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT, "you declined this offer", NULL, 0);
        break;
    case SB_ROUTE_BUSY:
        sb_conn_send_error(c, true, id, SB_WERR_BUSY, "a change to this contact is being saved",
                           NULL, 200);
        break;
    case SB_ROUTE_WRONG_STATE:
        sb_conn_send_error(c, true, id, SB_WERR_CONFLICT,
                           "the contact is not in a state that allows this", NULL, 0);
        break;
    default: /* SB_ROUTE_NOT_FOUND, SB_ROUTE_NOT_YOURS */
        sb_conn_send_error(c, true, id, SB_WERR_NOT_FOUND, "no such offer or contact", NULL, 0);
        break;
    }
}

/* The engine accepted the action: its first commit carries this request; answer when it returns. */
static void wait_or_refuse(sb_router_t *R, sb_conn_t *c, uint64_t id, sb_msg_type_t type,
                           sb_route_result_t r)
{
    if (r == SB_ROUTE_OK) {
        rtr_wait_for_commit(R, c, id, type);
    } else {
        rtr_untag(R);
        refuse(c, id, r);
    }
    rtr_pump(R);
}

void sb_router_state_set(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_agent_state_set_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    uint32_t ai = agent_of_conn(R, c);
    if (ai == SB_ROUTE_NONE) {
        sb_conn_send_error(c, true, id, SB_WERR_FORBIDDEN, "you take no contacts", NULL, 0);
        return;
    }
    sb_agent_status_t st = req->status == SB_MSG_AGENT_STATE_SET_STATUS_AVAILABLE
                               ? SB_AGENT_AVAILABLE
                           : req->status == SB_MSG_AGENT_STATE_SET_STATUS_AWAY ? SB_AGENT_AWAY
                                                                               : SB_AGENT_OFFLINE;
    uint16_t reason = 0;
    if (st == SB_AGENT_AWAY) {
        const sb_config_t *cfg = R->app->cfg;
        bool found = false;
        for (size_t i = 0; req->has_reason && i < cfg->n_away_reasons; i++)
            if (strlen(cfg->away_reasons[i]) == req->reason.len &&
                memcmp(cfg->away_reasons[i], req->reason.ptr, req->reason.len) == 0) {
                reason = (uint16_t)i;
                found = true;
            }
        if (!found) {
            sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD,
                               "away needs one of the configured away reasons", "reason", 0);
            return;
        }
    }
    rtr_tag(R);
    int rc = sb_route_agent_set_status(R->eng, ai, st, reason, sb_clock_now_ms());
    wait_or_refuse(R, c, id, SB_MSG_AGENT_STATE_SET, rc ? SB_ROUTE_BUSY : SB_ROUTE_OK);
}

void sb_router_offer_accept(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_offer_accept_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    uint32_t ai = agent_of_conn(R, c);
    rtr_tag(R);
    sb_route_result_t r = ai == SB_ROUTE_NONE
                              ? SB_ROUTE_NOT_FOUND
                              : sb_route_offer_accept(R->eng, ai, req->offer_id, sb_clock_now_ms());
    wait_or_refuse(R, c, id, SB_MSG_OFFER_ACCEPT, r);
}

void sb_router_offer_decline(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_offer_decline_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    uint32_t ai = agent_of_conn(R, c);
    rtr_tag(R);
    sb_route_result_t r =
        ai == SB_ROUTE_NONE ? SB_ROUTE_NOT_FOUND
                            : sb_route_offer_decline(R->eng, ai, req->offer_id, sb_clock_now_ms());
    wait_or_refuse(R, c, id, SB_MSG_OFFER_DECLINE, r);
}

static uint32_t contact_of(sb_router_t *R, sb_str_t id)
{
    char buf[SB_ROUTE_ID_LEN + 1];
    if (id.len > SB_ROUTE_ID_LEN)
        return SB_ROUTE_NONE;
    memcpy(buf, id.ptr, id.len);
    buf[id.len] = 0;
    return sb_route_contact_find(R->eng, buf);
}

void sb_router_contact_end(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_contact_end_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    uint32_t ai = agent_of_conn(R, c);
    uint32_t ci = contact_of(R, req->contact_id);
    rtr_tag(R);
    sb_route_result_t r = ai == SB_ROUTE_NONE || ci == SB_ROUTE_NONE
                              ? SB_ROUTE_NOT_FOUND
                              : sb_route_contact_end(R->eng, ai, ci, sb_clock_now_ms());
    wait_or_refuse(R, c, id, SB_MSG_CONTACT_END, r);
}

static bool code_known(const sb_cfg_code_t *codes, size_t n, sb_str_t s)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(codes[i].code) == s.len && memcmp(codes[i].code, s.ptr, s.len) == 0)
            return true;
    return false;
}

/* The wrap-up codes and notes go on the contact's hash, where the export record reads them. */
static void store_wrapup(sb_router_t *R, const sb_msg_contact_wrapup_t *req)
{
    sb_app_t *app = R->app;
    char cid[SB_ROUTE_ID_LEN + 1], disp[65];
    char services[32 * 65 + 1] = "";
    snprintf(cid, sizeof cid, "%.*s", (int)req->contact_id.len, req->contact_id.ptr);
    snprintf(disp, sizeof disp, "%.*s", (int)req->disposition.len, req->disposition.ptr);
    size_t off = 0;
    for (uint32_t i = 0; i < req->service_codes.n && off < sizeof services; i++)
        off +=
            (size_t)snprintf(services + off, sizeof services - off, "%s%.*s", i ? "," : "",
                             (int)req->service_codes.items[i].len, req->service_codes.items[i].ptr);
    char *notes = malloc(req->has_notes ? req->notes.len + 1 : 1);
    if (!notes) {
        free(notes);
        return;
    }
    size_t nl = req->has_notes ? req->notes.len : 0;
    if (nl)
        memcpy(notes, req->notes.ptr, nl);
    notes[nl] = 0;
    sb_redact(&app->redactor, notes, nl); /* notes are free text: no SSN is stored */
    sb_rs_wrapup(app->store, app->key_prefix, cid, disp, services, notes);
    free(notes);
}

void sb_router_contact_wrapup(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_contact_wrapup_t *req = body;
    sb_router_t *R = rtr(sb_conn_app(c));
    const sb_config_t *cfg = R->app->cfg;
    if (!code_known(cfg->dispositions, cfg->n_dispositions, req->disposition)) {
        sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD, "unknown disposition code",
                           "disposition", 0);
        return;
    }
    for (uint32_t i = 0; i < req->service_codes.n; i++)
        if (!code_known(cfg->service_codes, cfg->n_service_codes, req->service_codes.items[i])) {
            char field[32];
            snprintf(field, sizeof field, "service_codes[%u]", (unsigned)i);
            sb_conn_send_error(c, true, id, SB_WERR_BAD_FIELD, "unknown service code", field, 0);
            return;
        }
    uint32_t ai = agent_of_conn(R, c);
    uint32_t ci = contact_of(R, req->contact_id);
    rtr_tag(R);
    sb_route_result_t r = ai == SB_ROUTE_NONE || ci == SB_ROUTE_NONE
                              ? SB_ROUTE_NOT_FOUND
                              : sb_route_wrapup_done(R->eng, ai, ci, sb_clock_now_ms());
    if (r == SB_ROUTE_OK)
        store_wrapup(R, req); /* sent before the commit, on the same connection: lands first */
    wait_or_refuse(R, c, id, SB_MSG_CONTACT_WRAPUP, r);
}
