/* Shared by chat.c, chat/actions.c and chat/close.c. */
#ifndef SB_CHAT_CHAT_INTERNAL_H
#define SB_CHAT_CHAT_INTERNAL_H

#include <regex.h>

#include "chat/chat.h"
#include "app.h"
#include "net/conn.h"
#include "net/http.h"
#include "proto/codec.h"
#include "util/strmap.h"
#include "util/timer.h"

/* One conversation in memory: loaded at creation or recovery, kept until its resume window after
 * the end has passed. */
typedef struct {
    char id[SB_ROUTE_ID_LEN + 1];
    char customer_id[SB_ROUTE_ID_LEN + 1];
    char name[81];
    char topic[SB_ROUTE_ID_LEN + 1];
    char lang[36];
    char claim_ref[33];
    char contact_id[SB_ROUTE_ID_LEN + 1]; /* the current segment */
    char verified[129];                   /* identity method, "" until verified */
    char *transfer_note;                  /* for the next agent; owned */
    char *pending_note;                   /* a transfer to a colleague not yet answered; owned */
    uint32_t ix;
    uint64_t started_ms;
    uint64_t last_seq;      /* the last entry's seq (staff numbering) */
    uint64_t last_pub;      /* entries a customer may see, numbered apart (conv_append.lua) */
    uint64_t customer_conn; /* connection id, 0 when not connected */
    bool closed;
    bool rated;
    /* response times (DESIGN.md "Metric definitions") */
    uint64_t accepted_ms;
    bool first_response_pending;
    uint64_t unanswered_since; /* first customer message not yet answered, 0 if none */
    /* inactivity */
    sb_timer_t inactivity;
    uint8_t inactive_stage; /* 0 watching, 1 warned */
    uint64_t customer_last_ms;
    sb_timer_t expire; /* after the end: dropped from memory when it fires */
    uint64_t typing_relayed_ms[2];
    /* the queue and agent of the last answered segment (statistics: response times, CSAT) */
    char queue[SB_ROUTE_ID_LEN + 1];
    char agent[SB_ROUTE_ID_LEN + 1]; /* per side: [0] customer, [1] staff */
} conv_t;

struct sb_chat {
    sb_app_t *app;
    conv_t **convs;
    uint32_t n, cap;
    uint32_t *free_ix;
    uint32_t n_free;
    sb_strmap_t by_id;
    uint64_t epoch;
    uint32_t open_count;
    sb_timer_t trim; /* the export and audit streams' age limit, also when nobody writes */
};

/* The one chat module of the process (timers in conversations keep no back pointer). */

sb_chat_t *chat_of(const sb_app_t *app);
conv_t *conv_find(const sb_chat_t *ch, const char *id);
conv_t *conv_find_str(const sb_chat_t *ch, sb_str_t id);
conv_t *conv_add(sb_chat_t *ch, const char *id);
void conv_drop(sb_chat_t *ch, conv_t *v);

/* The staff connection holding the conversation's current segment (and that agent), or NULL. */
sb_conn_t *conv_holder_conn(sb_chat_t *ch, const conv_t *v, uint32_t *agent, sb_cstate_t *state);
sb_conn_t *conv_customer_conn(sb_chat_t *ch, const conv_t *v);

/* The conversation named by `id` if connection `c` may use it (its customer; the agent holding its
 * current segment, answered or in wrap-up), else an error reply is sent and NULL returned.
 * `to_write` refuses a customer's write after the end. `answered`: the segment is assigned. */
conv_t *chat_authorize(sb_conn_t *c, uint64_t req, sb_str_t id, bool to_write, bool *is_staff,
                       bool *answered);
/* Appends a system event and delivers it when stored. `text` is shown to everyone. */
void chat_system(sb_chat_t *ch, conv_t *v, int system, const char *text, const char *name);
/* Delivers a stored entry to everyone allowed to see it, except connection `skip` (the sender,
 * who has the entry in its ack; 0 for none). `e->seq` numbers the whole log (staff); `pub` is the
 * entry's number among those a customer may see (conv_append.lua), which the customer gets. */
void chat_deliver(sb_chat_t *ch, conv_t *v, const sb_pt_chat_event_t *e, uint64_t pub,
                  uint64_t skip);

/* chat/close.c: the conversation ended: mark closed, export, set expiries */
void chat_close(sb_chat_t *ch, conv_t *v, const char *outcome);
/* Drops the export and audit records older than routing.retention_days, and comes back in an hour:
 * every write trims too, but a quiet deployment must not keep a transcript past its time. */
void chat_trim_streams(sb_chat_t *ch);
/* An audit record (identity verified, transcript viewed, blocks...). */
void chat_audit(sb_chat_t *ch, const char *actor, const char *action, const char *object,
                const char *detail);
/* (Re)arms the inactivity watch of an answered conversation. */
void chat_watch(sb_chat_t *ch, conv_t *v);
/* Its timer fired: warn, or end after the warning. */
void chat_inactivity_fired(sb_chat_t *ch, conv_t *v);

#endif
