/* Conversations in Redis: creating, reading back, appending to and syncing the log, receipts,
 * segments, the end (export), ratings, blocks, messages left for a team, the audit stream and the
 * data epoch. One function per script or command; key names, fields and the scripts are in
 * docs/redis-keys.md ("Conversations").
 *
 * Every call has the contract of store/store.h: 0 and the callback runs exactly once, or an
 * SB_E... code (SB_E_INVAL when an id cannot be part of a key) and it never runs. `status` in a
 * callback is 0, SB_E_STORE_DOWN (no reply: the connection failed), SB_E_STORE_FULL (Redis is out
 * of memory) or SB_E_IO (any other error reply, or a reply of a shape the script never returns);
 * the result pointer is NULL unless status is 0. Strings in results point into the reply and are
 * valid only until the callback returns: copy what you keep. A call documented "nobody waits"
 * takes no callback.
 *
 * Log entries use the wire protocol's codes for what they are: `kind` SB_PT_CHAT_EVENT_KIND_*,
 * `role` SB_PT_CHAT_EVENT_FROM_ROLE_*, `system` SB_PT_CHAT_EVENT_SYSTEM_* (-1 for none); the names
 * they are stored under are this module's. */
#ifndef SB_STORE_CONV_STORE_H
#define SB_STORE_CONV_STORE_H

#include "store/store.h"

/* Entries in one sync page. */
#define SB_CV_PAGE_MAX 200

typedef void (*sb_cv_done_cb)(int status, void *priv);

/* ------------------------------------------------------------------------------------------------
 * Creating and reading back
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    const char *id;          /* the new conversation */
    const char *customer_id; /* refused while block:<customer_id> exists */
    const char *address;     /* counted in rl:conv:<address> ("" when not known) */
    const char *name, *topic, *lang, *claim_ref;
    const char *contact_id; /* its first segment */
    uint64_t now_ms;
    uint32_t retention_s;
    uint32_t per_address, window_s; /* conversations allowed per address per window */
} sb_cv_new_t;

typedef enum {
    SB_CV_CREATED,
    SB_CV_BLOCKED,     /* the customer is blocked */
    SB_CV_LIMITED,     /* the address is past its limit */
    SB_CV_NOT_CREATED, /* the id exists (an id collision) */
} sb_cv_created_t;
typedef void (*sb_cv_created_cb)(int status, sb_cv_created_t outcome, void *priv);

/* conv_create.lua. Sent at once, so that the contact's create commit issued next in the same
 * loop turn follows it in the same pipeline (route_commit.lua refuses a chat whose conversation
 * does not exist): one round trip for both. */
int sb_cv_create(sb_store_t *s, const char *prefix, const sb_cv_new_t *n, sb_cv_created_cb cb,
                 void *priv);

/* A conversation as a restart reads it back (v:<id>). Strings NULL when absent. */
typedef struct {
    const char *customer, *name, *topic, *lang, *claim_ref, *verified, *queue, *agent;
    const char *transfer_note;
    uint64_t created_ms, last_seq, last_pub, accepted_ms;
    bool closed;
} sb_cv_record_t;
/* `rec` NULL: no such conversation (or status != 0). */
typedef void (*sb_cv_record_cb)(int status, const sb_cv_record_t *rec, void *priv);
int sb_cv_load(sb_store_t *s, const char *prefix, const char *id, sb_cv_record_cb cb, void *priv);

/* The identity method staff verified. */
int sb_cv_set_verified(sb_store_t *s, const char *prefix, const char *id, const char *method,
                       sb_cv_done_cb cb, void *priv);
/* A segment was answered: when, in which queue, by whom. Nobody waits. */
int sb_cv_set_answered(sb_store_t *s, const char *prefix, const char *id, uint64_t accepted_ms,
                       const char *queue, const char *agent);
/* The conversation continues in segment `contact_id` (conv_segment.lua); `note` for the next
 * agent, NULL or "" to keep the last one. Nobody waits. */
int sb_cv_segment(sb_store_t *s, const char *prefix, const char *id, const char *contact_id,
                  const char *note);

/* ------------------------------------------------------------------------------------------------
 * The log
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    const char *conv_id;
    const char *sender;        /* "c:<customer>" or "a:<username>"; "" for the system */
    const char *client_msg_id; /* "" for none */
    uint16_t kind, role;
    int system;
    const char *name;
    const char *text; /* already masked */
    uint64_t now_ms;
    uint32_t max_entries; /* the most a conversation may hold */
    uint32_t retention_s;
} sb_cv_entry_t;

typedef enum {
    SB_CV_APPENDED,  /* a new entry */
    SB_CV_DUPLICATE, /* a retry of one stored before: its numbers */
    SB_CV_GONE,      /* no such conversation */
    SB_CV_FULL,      /* it holds max_entries */
} sb_cv_append_t;
typedef struct {
    sb_cv_append_t outcome;
    uint64_t seq; /* APPENDED, DUPLICATE: the entry's number among all entries (staff) */
    uint64_t pub; /* ... among those a customer may see (a note has the one before it) */
    uint64_t ts_ms;
    const char *text; /* as stored; valid during the callback */
    size_t text_len;
} sb_cv_appended_t;
typedef void (*sb_cv_appended_cb)(int status, const sb_cv_appended_t *a, void *priv);

/* One entry (conv_append.lua): de-duplicated by (sender, client message id), numbered, appended.
 * The message relay's hot path: no allocation besides the request's own. */
int sb_cv_append(sb_store_t *s, const char *prefix, const sb_cv_entry_t *e, sb_cv_appended_cb cb,
                 void *priv);

typedef struct {
    uint64_t seq; /* staff: the entry's seq; a customer: its public number */
    uint16_t kind, role;
    int system;
    const char *name, *text, *client_msg_id; /* "" when absent */
    uint64_t ts_ms;
} sb_cv_log_entry_t;
typedef struct {
    const sb_cv_log_entry_t *entries;
    size_t n;
    bool more; /* entries follow the last one */
} sb_cv_page_t;
typedef void (*sb_cv_page_cb)(int status, const sb_cv_page_t *page, void *priv);

/* Up to SB_CV_PAGE_MAX entries after number `after`: for staff every entry by its seq (XRANGE),
 * for a customer those it may see by their public numbers, notes left out (conv_sync.lua).
 * Entries of no known shape are skipped. */
int sb_cv_sync(sb_store_t *s, const char *prefix, const char *id, bool staff, uint64_t after,
               sb_cv_page_cb cb, void *priv);

typedef struct {
    bool gone;                /* no such conversation: nothing else is set */
    uint64_t delivered, read; /* in the other side's numbering */
    bool changed;             /* either moved as the other side sees it */
} sb_cv_marks_t;
typedef void (*sb_cv_marked_cb)(int status, const sb_cv_marks_t *m, void *priv);

/* Raises a participant's delivered and read marks (conv_mark.lua), given in its own numbering
 * (`staff`: seqs; a customer: public numbers); a mark not given is left alone. */
int sb_cv_mark(sb_store_t *s, const char *prefix, const char *id, bool staff, bool has_delivered,
               uint64_t delivered, bool has_read, uint64_t read, sb_cv_marked_cb cb, void *priv);

/* ------------------------------------------------------------------------------------------------
 * The end, and after it
 * ---------------------------------------------------------------------------------------------- */

/* Once: marks it closed with `outcome`, appends its export record and sets every key's expiry
 * (conv_close.lua). Nobody waits. */
int sb_cv_close(sb_store_t *s, const char *prefix, const char *id, const char *outcome,
                uint64_t now_ms, uint32_t retention_s);

typedef enum {
    SB_CV_RATED,
    SB_CV_ALREADY_RATED,
    SB_CV_RATE_GONE, /* no such conversation */
} sb_cv_rated_t;
typedef void (*sb_cv_rated_cb)(int status, sb_cv_rated_t outcome, void *priv);
/* The customer's rating, once, and its "csat" export record (conv_rate.lua). */
int sb_cv_rate(sb_store_t *s, const char *prefix, const char *id, unsigned score,
               const char *comment, uint64_t now_ms, uint32_t retention_s, sb_cv_rated_cb cb,
               void *priv);

/* New conversations from `customer_id` are refused for ttl_s; `actor` is who blocked them. */
int sb_cv_block(sb_store_t *s, const char *prefix, const char *customer_id, const char *actor,
                uint32_t ttl_s, sb_cv_done_cb cb, void *priv);

/* A message left for a team, or a request to be called back (a reference starting "cb-"). */
typedef struct {
    const char *reference, *customer_id;
    const char *address; /* counted against the new-conversation limit ("" when not known) */
    const char *topic, *queue, *lang, *name, *text, *reply_to, *claim_ref;
    uint64_t now_ms;
    uint32_t per_address, window_s, retention_s;
} sb_cv_message_t;
/* `limited`: the address is past its limit, nothing was recorded. */
typedef void (*sb_cv_left_cb)(int status, bool limited, void *priv);
int sb_cv_leave_message(sb_store_t *s, const char *prefix, const sb_cv_message_t *m,
                        sb_cv_left_cb cb, void *priv);

/* ------------------------------------------------------------------------------------------------
 * The export and audit streams, the data epoch
 * ---------------------------------------------------------------------------------------------- */

/* One audit record (stream_add.lua), kept retention_ms. Nobody waits. */
int sb_cv_audit(sb_store_t *s, const char *prefix, uint64_t now_ms, uint64_t retention_ms,
                const char *actor, const char *action, const char *object, const char *detail);
/* Drops the export and audit records written before min_ms (XTRIM MINID). Nobody waits. 0 or the
 * first submission error. */
int sb_cv_trim_streams(sb_store_t *s, const char *prefix, uint64_t min_ms);

/* epoch_check.lua with the run id of the Redis just connected: `changed` when it differs from
 * the last one seen, and the epoch was raised. */
typedef void (*sb_cv_epoch_cb)(int status, uint64_t epoch, bool changed, void *priv);
int sb_cv_epoch_check(sb_store_t *s, const char *prefix, const char *run_id, uint64_t now_ms,
                      sb_cv_epoch_cb cb, void *priv);

#endif
