/* Conversations: the persisted log of one customer's interaction (docs/protocol.md,
 * "Conversations"). Messages are de-duplicated, numbered and appended by one Lua script each
 * (store/lua/conv_append.lua), acknowledged to the sender and delivered to the others only after
 * Redis accepted them. The routing shell tells this module when contacts are answered, ended,
 * re-queued and completed; this module writes the matching system events. */
#ifndef SB_CHAT_CHAT_H
#define SB_CHAT_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "net/conn.h"
#include "route/engine.h"
#include "router/router.h"

#define SB_CONV_ID_LEN 26 /* "v-" + 24 hex */

typedef struct sb_chat sb_chat_t;

int sb_chat_start(sb_app_t *app);
void sb_chat_stop(sb_app_t *app);
void sb_chat_destroy(sb_app_t *app);
/* Redis (re)connected: check the data epoch (a Redis restart may have lost its last second). */
void sb_chat_store_ready(sb_app_t *app);
uint64_t sb_chat_epoch(const sb_app_t *app);

/* A customer asks for a contact: creates conversation `conv_id` (sb_chat_new_id), refusing a
 * blocked customer and past the per-address creation limit. 0 when sent: `done` follows with
 * status 0 or a wire error; otherwise the wire error now (and `done` is not called).
 * `contact_id` is the first segment, whose CREATE commit the caller sends right after this in
 * the same pipeline: route_commit.lua refuses it if the conversation was refused. */
typedef sb_router_conv_created_cb sb_chat_created_cb;
int sb_chat_create(sb_app_t *app, const char *conv_id, const char *customer_id, const char *addr,
                   const char *name, const char *topic, const char *lang, const char *claim_ref,
                   const char *contact_id, sb_chat_created_cb done, void *arg);
/* SB_WERR_BUSY when no new conversation may open (chat.max_conversations), else 0. */
int sb_chat_can_create(sb_app_t *app);
void sb_chat_new_id(char *out, size_t len);
/* Recovery: reads a conversation back (its contact is live). `done(arg)` when finished. */
void sb_chat_load(sb_app_t *app, const char *conv_id, const char *contact_id,
                  void (*done)(void *arg), void *arg);
/* The customer now follows segment `contact_id` after a transfer to `to_name` (a queue's name
 * when `to_queue`, else a colleague's): the pending note becomes the transfer note. */
void sb_chat_moved(sb_app_t *app, const char *conv_id, const char *contact_id, const char *to_name,
                   bool to_queue);
/* A transfer to a named colleague was not taken: its note is dropped. */
void sb_chat_transfer_failed(sb_app_t *app, const char *conv_id);
/* A conversation whose contact never entered routing: forgotten (Redis expires it). */
void sb_chat_discard(sb_app_t *app, const char *conv_id);
/* The conversation's current segment changed (transfer, overflow). */
void sb_chat_set_contact(sb_app_t *app, const char *conv_id, const char *contact_id);

/* A routing commit succeeded for a contact of conversation `conv_id`. */
void sb_chat_on_commit(sb_app_t *app, const sb_rcommit_t *cm, const char *conv_id);

/* Connections. */
void sb_chat_customer_ready(sb_conn_t *c, const char *conv_id);
void sb_chat_customer_gone(sb_app_t *app, const char *conv_id);
void sb_chat_staff_ready(sb_conn_t *c, uint32_t agent);

/* Request handlers. */
void sb_chat_send(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_sync(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_typing(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_receipt(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_verify(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_transfer(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_block(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_stay(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_rate(sb_conn_t *c, uint64_t id, const void *body);
void sb_chat_leave_message(sb_conn_t *c, uint64_t id, const void *body);

#endif
