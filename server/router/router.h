/* The shell around the routing engine (server/route/): it feeds the engine events from the
 * protocol and the clock, runs the engine's commits in Redis (store/route_store.c), feeds the
 * outcomes back, announces what was committed to the people concerned, and rebuilds the engine
 * from Redis at start-up and after Redis comes back. */
#ifndef SB_ROUTER_ROUTER_H
#define SB_ROUTER_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "net/conn.h"
#include "net/http.h"
#include "route/engine.h"

typedef struct sb_router sb_router_t;

/* ------------------------------------------------------------------------------------------------
 * The conversation port: what the routing shell asks of the conversation service (chat/). The
 * router owns contacts; the conversations their chats are logged in belong to chat/, which asks
 * the router who holds a contact. app.c wires these to chat/'s functions, so the dependency goes
 * one way (chat -> router) and a call or task service can plug in the same way.
 * ---------------------------------------------------------------------------------------------- */

typedef void (*sb_router_conv_created_cb)(sb_app_t *app, int werr, const char *conv_id, void *arg);

typedef struct {
    /* SB_WERR_BUSY when no new conversation may open, else 0. */
    int (*can_create)(sb_app_t *app);
    void (*new_id)(char *out, size_t len);
    /* Creates conversation `conv_id` for the contact about to be created (same pipeline); 0 when
     * sent (`done` follows), else a wire error now. */
    int (*create)(sb_app_t *app, const char *conv_id, const char *customer_id, const char *addr,
                  const char *name, const char *topic, const char *lang, const char *claim_ref,
                  const char *contact_id, sb_router_conv_created_cb done, void *arg);
    /* Recovery: reads a conversation back; `done(arg)` when finished. */
    void (*load)(sb_app_t *app, const char *conv_id, const char *contact_id,
                 void (*done)(void *arg), void *arg);
    void (*discard)(sb_app_t *app, const char *conv_id);
    void (*set_contact)(sb_app_t *app, const char *conv_id, const char *contact_id);
    void (*moved)(sb_app_t *app, const char *conv_id, const char *contact_id, const char *to_name,
                  bool to_queue);
    void (*transfer_failed)(sb_app_t *app, const char *conv_id);
    /* A routing commit succeeded for a contact of the conversation. */
    void (*on_commit)(sb_app_t *app, const sb_rcommit_t *cm, const char *conv_id);
    void (*customer_ready)(sb_conn_t *c, const char *conv_id);
    void (*customer_gone)(sb_app_t *app, const char *conv_id);
    void (*staff_ready)(sb_conn_t *c, uint32_t agent);
} sb_router_conv_port_t;

/* Plugs the conversation service in (borrowed for the router's life). Until then, chats are not
 * offered (contact.request for a chat answers NO_SERVICE). */
void sb_router_set_conv_port(sb_app_t *app, const sb_router_conv_port_t *port);

/* Creates the engine from the configuration. 0 or a negative SB_E... code. */
int sb_router_start(sb_app_t *app);
void sb_router_stop(sb_app_t *app);
void sb_router_destroy(sb_app_t *app);
/* Redis (re)connected: read every live contact and agent back, then route. app->state_loaded is
 * set when done. */
void sb_router_store_ready(sb_app_t *app);
/* A new configuration was swapped in. */
void sb_router_config_changed(sb_app_t *app);

/* Staff connection life cycle (after hello, and when it closes). */
void sb_router_staff_ready(sb_conn_t *c);
void sb_router_staff_closed(sb_conn_t *c);
/* Customer connection life cycle; `contact_id` is the open contact the token is bound to, or
 * NULL. */
void sb_router_customer_ready(sb_conn_t *c, const char *contact_id);
void sb_router_customer_closed(sb_conn_t *c);

/* Creates a task (back-office work, e.g. a RESEA work-search review) in task queue `queue`, due
 * at `due_ms`. The task id is derived from `external_id`, so pushing the same task twice creates
 * it once. Answers the HTTP transaction when the commit returns: 201 created, 200 already there. */
void sb_router_create_task(sb_app_t *app, sb_http_t *h, const char *queue, const char *external_id,
                           const char *lang, uint64_t due_ms, const char *title);

/* For the chat module: look-ups and actions on contacts. */
sb_conn_t *sb_router_agent_conn(sb_app_t *app, uint32_t agent);
uint32_t sb_router_agent_index(sb_app_t *app, const char *username);
const char *sb_router_agent_name(sb_app_t *app, uint32_t agent);
/* State and holder (SB_ROUTE_NONE when none) of a live contact; false when it is not live. */
bool sb_router_contact_state(sb_app_t *app, const char *contact_id, sb_cstate_t *state,
                             uint32_t *agent);
/* Ends an answered contact for the system (customer inactive or gone); `customer` says whether
 * the customer ended it (left) rather than the system. 0 or an sb_route_result_t. */
int sb_router_end_contact(sb_app_t *app, const char *contact_id, bool customer);
/* Transfers an answered chat (transfer.c): to `to_queue`, or (to_queue NULL) to the named agent
 * `to_agent`, whose answer is sent later as the reply to request `req_id` on `conn_id`. 0, or a
 * wire error with *why. */
int sb_router_transfer(sb_app_t *app, const char *contact_id, uint32_t from_agent,
                       const char *to_queue, const char *to_agent, uint64_t conn_id,
                       uint64_t req_id, const char **why);
void sb_router_directory(sb_conn_t *c, uint64_t id, const void *body);
/* The end of this contact keeps the customer's resume token (a blocked customer). */
void sb_router_keep_token(sb_app_t *app, const char *contact_id);
/* The id of queue index `q` ("" if unknown). */
const char *sb_router_queue_id(sb_app_t *app, uint32_t q);
/* The conversation of a live chat contact, or NULL. */
const char *sb_router_contact_conv(sb_app_t *app, const char *contact_id);

/* Request handlers (dispatch table). */
void sb_router_state_set(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_offer_accept(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_offer_decline(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_contact_end(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_contact_wrapup(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_contact_request(sb_conn_t *c, uint64_t id, const void *body);
void sb_router_contact_cancel(sb_conn_t *c, uint64_t id, const void *body);

#endif
