#include "store/conv_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_proto_gen.h"
#include "store/keys.h"
#include "store/reply.h"
#include "util/err.h"

/* The export and audit streams keep about this many records (MAXLEN ~); consumers read them well
 * within that. Both also drop records older than routing.retention_days (lua/lib/retained.lua). */
#define STREAM_MAXLEN "1000000"

/* The names entries are stored under (`k`, `r`, `s` of v:<id>:log), indexed by the protocol's
 * codes. */
static const char *const g_kind[] = {
    [SB_PT_CHAT_EVENT_KIND_MESSAGE] = "message",
    [SB_PT_CHAT_EVENT_KIND_NOTE] = "note",
    [SB_PT_CHAT_EVENT_KIND_SYSTEM] = "system",
};
static const char *const g_role[] = {
    [SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER] = "customer",
    [SB_PT_CHAT_EVENT_FROM_ROLE_AGENT] = "agent",
    [SB_PT_CHAT_EVENT_FROM_ROLE_SUPERVISOR] = "supervisor",
    [SB_PT_CHAT_EVENT_FROM_ROLE_SYSTEM] = "system",
};
static const char *const g_system[] = {
    [SB_PT_CHAT_EVENT_SYSTEM_JOINED] = "joined",
    [SB_PT_CHAT_EVENT_SYSTEM_LEFT] = "left",
    [SB_PT_CHAT_EVENT_SYSTEM_TRANSFERRED] = "transferred",
    [SB_PT_CHAT_EVENT_SYSTEM_VERIFIED] = "verified",
    [SB_PT_CHAT_EVENT_SYSTEM_ENDED] = "ended",
    [SB_PT_CHAT_EVENT_SYSTEM_REQUEUED] = "requeued",
    [SB_PT_CHAT_EVENT_SYSTEM_CUSTOMER_DISCONNECTED] = "customer_disconnected",
    [SB_PT_CHAT_EVENT_SYSTEM_INACTIVE_WARNING] = "inactive_warning",
    [SB_PT_CHAT_EVENT_SYSTEM_INACTIVE_ENDED] = "inactive_ended",
    [SB_PT_CHAT_EVENT_SYSTEM_BLOCKED] = "blocked",
    [SB_PT_CHAT_EVENT_SYSTEM_RATED] = "rated",
};
#define COUNT(a) (sizeof a / sizeof a[0])

/* The name's index in `names`, or `dflt`. */
static int lookup(const char *const *names, size_t n, const char *s, int dflt)
{
    for (size_t i = 0; s && i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return (int)i;
    return dflt;
}

static void lens_of(const char *const *argv, size_t *lens, int n)
{
    for (int i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
}

/* An IPv4 peer on a dual-stack socket reads ::ffff:a.b.c.d: one address, one counter (and "-"
 * for an unknown one). */
static const char *counted_address(const char *addr)
{
    if (addr && strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, '.'))
        addr += 7;
    return addr && addr[0] ? addr : "-";
}

static void done_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    if (done)
        ((sb_cv_done_cb)done)(sb_store_reply_status(r), priv);
}

/* The status of a reply that must be an integer, and the integer. */
static int int_status(const redisReply *r, long long *v)
{
    int st = sb_store_reply_status(r);
    if (st == 0 && r->type != REDIS_REPLY_INTEGER)
        st = SB_E_IO;
    *v = st == 0 ? r->integer : 0;
    return st;
}

/* ------------------------------------------------------------------------------------------------
 * Creating and reading back
 * ---------------------------------------------------------------------------------------------- */

/* 1 created, 0 the id exists, -1 blocked, -2 past the address limit */
static void created_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    long long v;
    int st = int_status(r, &v);
    sb_cv_created_t out = v == 1    ? SB_CV_CREATED
                          : v == -1 ? SB_CV_BLOCKED
                          : v == -2 ? SB_CV_LIMITED
                                    : SB_CV_NOT_CREATED;
    ((sb_cv_created_cb)done)(st, out, priv);
}

int sb_cv_create(sb_store_t *s, const char *prefix, const sb_cv_new_t *n, sb_cv_created_cb cb,
                 void *priv)
{
    char kv[SB_KEY_MAX], kb[SB_KEY_MAX], kr[SB_KEY_MAX], now[24], keep[16], lim[16], win[16];
    if (sb_key_conversation(prefix, n->id, kv, sizeof kv) < 0 ||
        sb_key_block(prefix, n->customer_id, kb, sizeof kb) < 0 ||
        sb_key_rate_conv(prefix, counted_address(n->address), kr, sizeof kr) < 0)
        return SB_E_INVAL;
    snprintf(now, sizeof now, "%" PRIu64, n->now_ms);
    snprintf(keep, sizeof keep, "%u", (unsigned)n->retention_s);
    snprintf(lim, sizeof lim, "%u", (unsigned)n->per_address);
    snprintf(win, sizeof win, "%u", (unsigned)n->window_s);
    const char *argv[] = {kv,      kb,
                          kr,      n->customer_id,
                          n->name, n->topic,
                          n->lang, n->claim_ref ? n->claim_ref : "",
                          now,     n->contact_id,
                          keep,    lim,
                          win};
    size_t lens[13];
    lens_of(argv, lens, 13);
    return sb_store_eval_as(s, &sb_lua_conv_create, created_adapter, (sb_store_fn)cb, priv, 3, 13,
                            argv, lens);
}

/* The fields of v:<id> a restart reads back, in the order of the HMGET. */
enum {
    VF_CUSTOMER,
    VF_NAME,
    VF_TOPIC,
    VF_LANG,
    VF_CLAIM_REF,
    VF_VERIFIED,
    VF_QUEUE,
    VF_AGENT,
    VF_CREATED_MS,
    VF_SEQ,
    VF_LAST_PUB,
    VF_ACCEPTED_MS,
    VF_TRANSFER_NOTE,
    VF_STATE,
    VF__COUNT
};
static const char *const g_vfields[VF__COUNT] = {
    [VF_CUSTOMER] = "customer",
    [VF_NAME] = "name",
    [VF_TOPIC] = "topic",
    [VF_LANG] = "lang",
    [VF_CLAIM_REF] = "claim_ref",
    [VF_VERIFIED] = "verified",
    [VF_QUEUE] = "queue",
    [VF_AGENT] = "agent",
    [VF_CREATED_MS] = "created_ms",
    [VF_SEQ] = "seq",
    [VF_LAST_PUB] = "pub",
    [VF_ACCEPTED_MS] = "accepted_ms",
    [VF_TRANSFER_NOTE] = "transfer_note",
    [VF_STATE] = "state",
};

static void record_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_cv_record_cb cb = (sb_cv_record_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements != VF__COUNT))
        st = SB_E_IO;
    if (st != 0 || !sb_reply_any_str(r)) {
        cb(st, NULL, priv);
        return;
    }
    const char *state = sb_reply_str_at(r, VF_STATE);
    sb_cv_record_t rec = {
        .customer = sb_reply_str_at(r, VF_CUSTOMER),
        .name = sb_reply_str_at(r, VF_NAME),
        .topic = sb_reply_str_at(r, VF_TOPIC),
        .lang = sb_reply_str_at(r, VF_LANG),
        .claim_ref = sb_reply_str_at(r, VF_CLAIM_REF),
        .verified = sb_reply_str_at(r, VF_VERIFIED),
        .queue = sb_reply_str_at(r, VF_QUEUE),
        .agent = sb_reply_str_at(r, VF_AGENT),
        .transfer_note = sb_reply_str_at(r, VF_TRANSFER_NOTE),
        .created_ms = sb_reply_u64_at(r, VF_CREATED_MS),
        .last_seq = sb_reply_u64_at(r, VF_SEQ),
        .last_pub = sb_reply_u64_at(r, VF_LAST_PUB),
        .accepted_ms = sb_reply_u64_at(r, VF_ACCEPTED_MS),
        .closed = state && strcmp(state, "closed") == 0,
    };
    cb(0, &rec, priv);
}

int sb_cv_load(sb_store_t *s, const char *prefix, const char *id, sb_cv_record_cb cb, void *priv)
{
    char kv[SB_KEY_MAX];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0)
        return SB_E_INVAL;
    return sb_store_hmget_as(s, record_adapter, (sb_store_fn)cb, priv, kv, g_vfields, VF__COUNT);
}

int sb_cv_set_verified(sb_store_t *s, const char *prefix, const char *id, const char *method,
                       sb_cv_done_cb cb, void *priv)
{
    char kv[SB_KEY_MAX];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0)
        return SB_E_INVAL;
    const char *argv[] = {"HSET", kv, "verified", method};
    size_t lens[4];
    lens_of(argv, lens, 4);
    return sb_store_cmdargv_as(s, done_adapter, (sb_store_fn)cb, priv, 4, argv, lens);
}

int sb_cv_set_answered(sb_store_t *s, const char *prefix, const char *id, uint64_t accepted_ms,
                       const char *queue, const char *agent)
{
    char kv[SB_KEY_MAX], ms[24];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0)
        return SB_E_INVAL;
    snprintf(ms, sizeof ms, "%" PRIu64, accepted_ms);
    const char *argv[] = {"HSET", kv, "accepted_ms", ms, "queue", queue, "agent", agent};
    size_t lens[8];
    lens_of(argv, lens, 8);
    return sb_store_cmdargv_as(s, sb_store_ignore, NULL, NULL, 8, argv, lens);
}

int sb_cv_segment(sb_store_t *s, const char *prefix, const char *id, const char *contact_id,
                  const char *note)
{
    char kv[SB_KEY_MAX];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0)
        return SB_E_INVAL;
    const char *argv[] = {kv, contact_id, note ? note : ""};
    size_t lens[3];
    lens_of(argv, lens, 3);
    return sb_store_eval_as(s, &sb_lua_conv_segment, sb_store_ignore, NULL, NULL, 1, 3, argv, lens);
}

/* ------------------------------------------------------------------------------------------------
 * The log
 * ---------------------------------------------------------------------------------------------- */

/* {1 new or 0 duplicate, seq, public number, ts ms, text}, or {-1, why} */
static void appended_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_cv_appended_cb cb = (sb_cv_appended_cb)done;
    int st = sb_store_reply_status(r);
    long long status = 0, seq = 0, pub = 0, ts = 0;
    const redisReply *text = sb_reply_elem(r, 4);
    if (st == 0 && !sb_reply_int_at(r, 0, &status))
        st = SB_E_IO;
    if (st == 0 && status < 0) {
        const char *why = sb_reply_str_at(r, 1);
        sb_cv_appended_t a = {.outcome = why && strcmp(why, "full") == 0 ? SB_CV_FULL : SB_CV_GONE};
        cb(0, &a, priv);
        return;
    }
    if (st == 0 && (status > 1 || !sb_reply_int_at(r, 1, &seq) || !sb_reply_int_at(r, 2, &pub) ||
                    !sb_reply_int_at(r, 3, &ts) || !text || text->type != REDIS_REPLY_STRING))
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    sb_cv_appended_t a = {.outcome = status == 1 ? SB_CV_APPENDED : SB_CV_DUPLICATE,
                          .seq = (uint64_t)seq,
                          .pub = (uint64_t)pub,
                          .ts_ms = (uint64_t)ts,
                          .text = text->str,
                          .text_len = text->len};
    cb(0, &a, priv);
}

int sb_cv_append(sb_store_t *s, const char *prefix, const sb_cv_entry_t *e, sb_cv_appended_cb cb,
                 void *priv)
{
    char kv[SB_KEY_MAX], kl[SB_KEY_MAX], kd[SB_KEY_MAX], kp[SB_KEY_MAX], now[24], max[16], keep[16];
    if (e->kind >= COUNT(g_kind) || e->role >= COUNT(g_role) || e->system >= (int)COUNT(g_system) ||
        sb_key_conversation(prefix, e->conv_id, kv, sizeof kv) < 0 ||
        sb_key_conv_log(prefix, e->conv_id, kl, sizeof kl) < 0 ||
        sb_key_conv_dedup(prefix, e->conv_id, kd, sizeof kd) < 0 ||
        sb_key_conv_pub(prefix, e->conv_id, kp, sizeof kp) < 0)
        return SB_E_INVAL;
    snprintf(now, sizeof now, "%" PRIu64, e->now_ms);
    snprintf(max, sizeof max, "%u", (unsigned)e->max_entries);
    snprintf(keep, sizeof keep, "%u", (unsigned)e->retention_s);
    const char *argv[] = {kv,
                          kl,
                          kd,
                          kp,
                          e->sender,
                          e->client_msg_id,
                          g_kind[e->kind],
                          g_role[e->role],
                          e->name,
                          e->text,
                          now,
                          e->system >= 0 ? g_system[e->system] : "",
                          max,
                          keep};
    size_t lens[14];
    lens_of(argv, lens, 14);
    return sb_store_eval_as(s, &sb_lua_conv_append, appended_adapter, (sb_store_fn)cb, priv, 4, 14,
                            argv, lens);
}

/* One log entry in XRANGE's shape: {"0-<n>", {field, value, ...}}. False for any other shape. */
static bool parse_entry(const redisReply *e, sb_cv_log_entry_t *o)
{
    const char *id = sb_reply_str_at(e, 0);
    const redisReply *f = sb_reply_elem(e, 1);
    if (!id || e->elements != 2 || !f)
        return false;
    const char *dash = strchr(id, '-');
    const char *name = sb_reply_field(f, "n"), *text = sb_reply_field(f, "t"),
               *cmid = sb_reply_field(f, "m"), *ts = sb_reply_field(f, "ts");
    *o = (sb_cv_log_entry_t){
        .seq = strtoull(dash ? dash + 1 : "0", NULL, 10),
        .kind = (uint16_t)lookup(g_kind, COUNT(g_kind), sb_reply_field(f, "k"),
                                 SB_PT_CHAT_EVENT_KIND_MESSAGE),
        .role = (uint16_t)lookup(g_role, COUNT(g_role), sb_reply_field(f, "r"),
                                 SB_PT_CHAT_EVENT_FROM_ROLE_CUSTOMER),
        .system = lookup(g_system, COUNT(g_system), sb_reply_field(f, "s"), -1),
        .name = name ? name : "",
        .text = text ? text : "",
        .client_msg_id = cmid ? cmid : "",
        .ts_ms = ts ? strtoull(ts, NULL, 10) : 0,
    };
    return true;
}

static void page_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_cv_page_cb cb = (sb_cv_page_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && r->type != REDIS_REPLY_ARRAY)
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    sb_cv_log_entry_t entries[SB_CV_PAGE_MAX];
    sb_cv_page_t page = {.entries = entries, .more = r->elements > SB_CV_PAGE_MAX};
    size_t n = page.more ? SB_CV_PAGE_MAX : r->elements;
    for (size_t i = 0; i < n; i++)
        if (parse_entry(r->element[i], &entries[page.n]))
            page.n++;
    cb(0, &page, priv);
}

int sb_cv_sync(sb_store_t *s, const char *prefix, const char *id, bool staff, uint64_t after,
               sb_cv_page_cb cb, void *priv)
{
    char kl[SB_KEY_MAX], kp[SB_KEY_MAX], from[32], count[8];
    if (sb_key_conv_log(prefix, id, kl, sizeof kl) < 0 ||
        sb_key_conv_pub(prefix, id, kp, sizeof kp) < 0)
        return SB_E_INVAL;
    /* one more than a page: whether more follow */
    snprintf(count, sizeof count, "%d", SB_CV_PAGE_MAX + 1);
    if (staff) {
        /* staff see every entry, by its seq: the log's own ids */
        snprintf(from, sizeof from, "(0-%" PRIu64, after);
        const char *argv[] = {"XRANGE", kl, from, "+", "COUNT", count};
        size_t lens[6];
        lens_of(argv, lens, 6);
        return sb_store_cmdargv_as(s, page_adapter, (sb_store_fn)cb, priv, 6, argv, lens);
    }
    /* a customer counts only what it may see; a script translates */
    snprintf(from, sizeof from, "%" PRIu64, after);
    const char *argv[] = {kl, kp, from, count};
    size_t lens[4];
    lens_of(argv, lens, 4);
    return sb_store_eval_as(s, &sb_lua_conv_sync, page_adapter, (sb_store_fn)cb, priv, 2, 4, argv,
                            lens);
}

/* {delivered, read, changed}, or {-1, -1, 0} when the conversation is gone */
static void marked_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_cv_marked_cb cb = (sb_cv_marked_cb)done;
    int st = sb_store_reply_status(r);
    if (st == 0 && !sb_reply_ints(r, 3))
        st = SB_E_IO;
    if (st != 0) {
        cb(st, NULL, priv);
        return;
    }
    long long d = r->element[0]->integer, rd = r->element[1]->integer;
    sb_cv_marks_t m = {.gone = d < 0 || rd < 0};
    if (!m.gone) {
        m.delivered = (uint64_t)d;
        m.read = (uint64_t)rd;
        m.changed = r->element[2]->integer == 1;
    }
    cb(0, &m, priv);
}

int sb_cv_mark(sb_store_t *s, const char *prefix, const char *id, bool staff, bool has_delivered,
               uint64_t delivered, bool has_read, uint64_t read, sb_cv_marked_cb cb, void *priv)
{
    char kv[SB_KEY_MAX], kl[SB_KEY_MAX], kp[SB_KEY_MAX], d[24] = "", rd[24] = "";
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0 ||
        sb_key_conv_log(prefix, id, kl, sizeof kl) < 0 ||
        sb_key_conv_pub(prefix, id, kp, sizeof kp) < 0)
        return SB_E_INVAL;
    if (has_delivered)
        snprintf(d, sizeof d, "%" PRIu64, delivered);
    if (has_read)
        snprintf(rd, sizeof rd, "%" PRIu64, read);
    const char *argv[] = {kv, kl, kp, staff ? "agent" : "customer", d, rd};
    size_t lens[6];
    lens_of(argv, lens, 6);
    return sb_store_eval_as(s, &sb_lua_conv_mark, marked_adapter, (sb_store_fn)cb, priv, 3, 6, argv,
                            lens);
}

/* ------------------------------------------------------------------------------------------------
 * The end, and after it
 * ---------------------------------------------------------------------------------------------- */

int sb_cv_close(sb_store_t *s, const char *prefix, const char *id, const char *outcome,
                uint64_t now_ms, uint32_t retention_s)
{
    char kv[SB_KEY_MAX], kl[SB_KEY_MAX], kd[SB_KEY_MAX], kp[SB_KEY_MAX], ke[SB_KEY_MAX], now[24],
        keep[16];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0 ||
        sb_key_conv_log(prefix, id, kl, sizeof kl) < 0 ||
        sb_key_conv_dedup(prefix, id, kd, sizeof kd) < 0 ||
        sb_key_conv_pub(prefix, id, kp, sizeof kp) < 0 || sb_key_export(prefix, ke, sizeof ke) < 0)
        return SB_E_INVAL;
    snprintf(now, sizeof now, "%" PRIu64, now_ms);
    snprintf(keep, sizeof keep, "%u", (unsigned)retention_s);
    /* the script reads the segments' contact hashes by name: c:<id> after the prefix (they are
     * known only from the conversation it reads) */
    const char *argv[] = {kv, kl, kd, kp, ke, id, outcome, now, keep, prefix, STREAM_MAXLEN};
    size_t lens[11];
    lens_of(argv, lens, 11);
    return sb_store_eval_as(s, &sb_lua_conv_close, sb_store_ignore, NULL, NULL, 5, 11, argv, lens);
}

/* 1 recorded, 0 already rated, -1 gone */
static void rated_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    long long v;
    int st = int_status(r, &v);
    if (st == 0 && v != 1 && v != 0 && v != -1)
        st = SB_E_IO;
    ((sb_cv_rated_cb)done)(st,
                           v == 1   ? SB_CV_RATED
                           : v == 0 ? SB_CV_ALREADY_RATED
                                    : SB_CV_RATE_GONE,
                           priv);
}

int sb_cv_rate(sb_store_t *s, const char *prefix, const char *id, unsigned score,
               const char *comment, uint64_t now_ms, uint32_t retention_s, sb_cv_rated_cb cb,
               void *priv)
{
    char kv[SB_KEY_MAX], ke[SB_KEY_MAX], sc[16], now[24], keep[16];
    if (sb_key_conversation(prefix, id, kv, sizeof kv) < 0 ||
        sb_key_export(prefix, ke, sizeof ke) < 0)
        return SB_E_INVAL;
    snprintf(sc, sizeof sc, "%u", score);
    snprintf(now, sizeof now, "%" PRIu64, now_ms);
    /* the export record is trimmed after the retention period like every copy of the chat */
    snprintf(keep, sizeof keep, "%u", (unsigned)retention_s);
    const char *argv[] = {kv, ke, id, sc, comment, now, STREAM_MAXLEN, keep};
    size_t lens[8];
    lens_of(argv, lens, 8);
    return sb_store_eval_as(s, &sb_lua_conv_rate, rated_adapter, (sb_store_fn)cb, priv, 2, 8, argv,
                            lens);
}

int sb_cv_block(sb_store_t *s, const char *prefix, const char *customer_id, const char *actor,
                uint32_t ttl_s, sb_cv_done_cb cb, void *priv)
{
    char kb[SB_KEY_MAX], ttl[16];
    if (sb_key_block(prefix, customer_id, kb, sizeof kb) < 0)
        return SB_E_INVAL;
    snprintf(ttl, sizeof ttl, "%u", (unsigned)ttl_s);
    const char *argv[] = {"SET", kb, actor, "EX", ttl};
    size_t lens[5];
    lens_of(argv, lens, 5);
    return sb_store_cmdargv_as(s, done_adapter, (sb_store_fn)cb, priv, 5, argv, lens);
}

/* 1 recorded, -2 past the address limit */
static void left_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    long long v;
    int st = int_status(r, &v);
    if (st == 0 && v != 1 && v != -2)
        st = SB_E_IO;
    ((sb_cv_left_cb)done)(st, st == 0 && v == -2, priv);
}

int sb_cv_leave_message(sb_store_t *s, const char *prefix, const sb_cv_message_t *m,
                        sb_cv_left_cb cb, void *priv)
{
    char kr[SB_KEY_MAX], ke[SB_KEY_MAX], lim[16], win[16], now[24], keep[16];
    if (sb_key_rate_conv(prefix, counted_address(m->address), kr, sizeof kr) < 0 ||
        sb_key_export(prefix, ke, sizeof ke) < 0)
        return SB_E_INVAL;
    snprintf(lim, sizeof lim, "%u", (unsigned)m->per_address);
    snprintf(win, sizeof win, "%u", (unsigned)m->window_s);
    snprintf(now, sizeof now, "%" PRIu64, m->now_ms);
    snprintf(keep, sizeof keep, "%u", (unsigned)m->retention_s);
    const char *argv[] = {
        kr,           ke,       lim,           win,     m->reference, m->customer_id,
        m->topic,     m->queue, m->lang,       m->name, m->text,      m->reply_to,
        m->claim_ref, now,      STREAM_MAXLEN, keep};
    size_t lens[16];
    lens_of(argv, lens, 16);
    return sb_store_eval_as(s, &sb_lua_message_leave, left_adapter, (sb_store_fn)cb, priv, 2, 16,
                            argv, lens);
}

/* ------------------------------------------------------------------------------------------------
 * The export and audit streams, the data epoch
 * ---------------------------------------------------------------------------------------------- */

int sb_cv_audit(sb_store_t *s, const char *prefix, uint64_t now_ms, uint64_t retention_ms,
                const char *actor, const char *action, const char *object, const char *detail)
{
    char ka[SB_KEY_MAX], now[24], keep[24];
    if (sb_key_audit(prefix, ka, sizeof ka) < 0)
        return SB_E_INVAL;
    snprintf(now, sizeof now, "%" PRIu64, now_ms);
    snprintf(keep, sizeof keep, "%" PRIu64, retention_ms);
    const char *argv[] = {
        ka,    now,      keep,   STREAM_MAXLEN, "ts",   now,      "actor",
        actor, "action", action, "object",      object, "detail", detail ? detail : ""};
    enum { N = sizeof argv / sizeof argv[0] };
    size_t lens[N];
    lens_of(argv, lens, N);
    return sb_store_eval_as(s, &sb_lua_stream_add, sb_store_ignore, NULL, NULL, 1, N, argv, lens);
}

int sb_cv_trim_streams(sb_store_t *s, const char *prefix, uint64_t min_ms)
{
    char minid[24], ke[SB_KEY_MAX], ka[SB_KEY_MAX];
    if (sb_key_export(prefix, ke, sizeof ke) < 0 || sb_key_audit(prefix, ka, sizeof ka) < 0)
        return SB_E_INVAL;
    snprintf(minid, sizeof minid, "%" PRIu64, min_ms);
    int first = 0;
    const char *keys[] = {ke, ka};
    for (size_t i = 0; i < 2; i++) {
        const char *argv[] = {"XTRIM", keys[i], "MINID", minid};
        size_t lens[4];
        lens_of(argv, lens, 4);
        int rc = sb_store_cmdargv_as(s, sb_store_ignore, NULL, NULL, 4, argv, lens);
        if (rc && !first)
            first = rc;
    }
    return first;
}

/* {epoch, changed (1/0)} */
static void epoch_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    int st = sb_store_reply_status(r);
    if (st == 0 && !sb_reply_ints(r, 2))
        st = SB_E_IO;
    ((sb_cv_epoch_cb)done)(st, st == 0 ? (uint64_t)r->element[0]->integer : 0,
                           st == 0 && r->element[1]->integer == 1, priv);
}

int sb_cv_epoch_check(sb_store_t *s, const char *prefix, const char *run_id, uint64_t now_ms,
                      sb_cv_epoch_cb cb, void *priv)
{
    char ke[SB_KEY_MAX], kr[SB_KEY_MAX], now[24];
    if (sb_key_epoch(prefix, ke, sizeof ke) < 0 || sb_key_runid(prefix, kr, sizeof kr) < 0)
        return SB_E_INVAL;
    snprintf(now, sizeof now, "%" PRIu64, now_ms);
    const char *argv[] = {ke, kr, run_id, now};
    size_t lens[4];
    lens_of(argv, lens, 4);
    return sb_store_eval_as(s, &sb_lua_epoch_check, epoch_adapter, (sb_store_fn)cb, priv, 2, 4,
                            argv, lens);
}
