/* Contact-center statistics (stats.h): per queue and per agent, in 15-minute buckets, accumulated
 * in memory and flushed to Redis hashes. docs/redis-keys.md ("Statistics") lists the keys, the
 * fields and how to compute averages and service level from them.
 *
 * One bucket hash in memory is an entry: the counts accumulated since its last write (`pend`) and,
 * while a write is in flight or its outcome is unknown, the counts of that write (`sent`). An entry
 * exists only while it has something to say; it is freed when its write is confirmed and nothing
 * new arrived.
 *
 * Why one script per bucket hash rather than plain HINCRBY per field: a write whose reply is lost
 * (the connection failed after sending) may or may not have been applied. Plain HINCRBYs leave two
 * bad choices: send again (counted twice if Redis had applied them) or drop (counted never). The
 * script records in the hash the number of the last batch this process applied there
 * ("_w:<instance>"), so the same batch sent again is applied only if the first copy never arrived:
 * exactly once while the process lives. One script call per bucket also costs one request instead
 * of ~30 against the store's in-flight cap, and is atomic (a reader never sees half a batch). */
#include "stats/stats.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/stats_store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/utf8.h"

#define MAX_ID          64
#define MAX_STATUS      32
#define MAX_REASON      64
#define MAX_SPLIT_MS    (24u * 3600u * 1000u) /* status time recorded per report, at most */
#define MAX_DYN         80                    /* status/reason fields per agent bucket */
#define MAX_TRACKED     65536u                /* agents with a running status; gauges */
#define MAX_SENDS       2048u                 /* bucket writes issued per flush */
#define LIVE_REFRESH_MS 15000u
/* A status still running is written at least this often (and at each bucket boundary, and when
 * it ends). Writing it at every flush cost one Redis script call per signed-in agent per second
 * even on an idle server: 5,000 a second with 5,000 agents. */
#define RUN_ACCRUE_MS 60000u
#define LIVE_TTL_S    60u
#define ENTRY_NAME    (2 + MAX_ID + 1 + 20 + 1)
#define DYN_NAME      (8 + MAX_STATUS + 1 + MAX_REASON + 1)

/* ------------------------------------------------------------------------------------------------
 * Fields: X(ENUM, "name in the hash")
 * ---------------------------------------------------------------------------------------------- */

#define STAT_FIELDS(X)                                                                             \
    X(OFFERED, "offered")                                                                          \
    X(ANSWERED, "answered")                                                                        \
    X(ANSWERED_SL, "answered_sl")                                                                  \
    X(ABANDONED, "abandoned")                                                                      \
    X(SHORT_ABANDONED, "short_abandoned")                                                          \
    X(ABANDON_SUM, "abandon_wait_sum_ms")                                                          \
    X(DISCONNECTED, "customer_disconnected")                                                       \
    X(WAIT_SUM, "wait_sum_ms")                                                                     \
    X(WAIT_N, "wait_n")                                                                            \
    X(FIRST_SUM, "first_resp_sum_ms")                                                              \
    X(FIRST_N, "first_resp_n")                                                                     \
    X(RESP_SUM, "resp_sum_ms")                                                                     \
    X(RESP_N, "resp_n")                                                                            \
    X(TALK_SUM, "talk_sum_ms")                                                                     \
    X(TALK_N, "talk_n")                                                                            \
    X(WRAP_SUM, "wrap_sum_ms")                                                                     \
    X(WRAP_N, "wrap_n")                                                                            \
    X(WRAP_FLAGGED, "wrap_flagged")                                                                \
    X(HANDLE_SUM, "handle_sum_ms")                                                                 \
    X(HANDLE_N, "handle_n")                                                                        \
    X(CSAT_SUM, "csat_sum")                                                                        \
    X(CSAT_N, "csat_n")                                                                            \
    X(CSAT_1, "csat_1")                                                                            \
    X(CSAT_2, "csat_2")                                                                            \
    X(CSAT_3, "csat_3")                                                                            \
    X(CSAT_4, "csat_4")                                                                            \
    X(CSAT_5, "csat_5")                                                                            \
    X(OFFERS, "offers")                                                                            \
    X(OFFERS_ACCEPTED, "offers_accepted")                                                          \
    X(OFFERS_DECLINED, "offers_declined")                                                          \
    X(OFFERS_TIMED_OUT, "offers_timed_out")

/* Kept per channel too, as "<name>.<channel>" (answered.chat, handle_sum_ms.voice, ...). */
#define STAT_CH_FIELDS(X)                                                                          \
    X(ANSWERED, "answered")                                                                        \
    X(ANSWERED_SL, "answered_sl")                                                                  \
    X(ABANDONED, "abandoned")                                                                      \
    X(SHORT_ABANDONED, "short_abandoned")                                                          \
    X(HANDLE_SUM, "handle_sum_ms")                                                                 \
    X(HANDLE_N, "handle_n")

enum {
#define F_ENUM(name, str) F_##name,
    STAT_FIELDS(F_ENUM)
#undef F_ENUM
        F__BASE
};
enum {
#define C_ENUM(name, str) C_##name,
    STAT_CH_FIELDS(C_ENUM)
#undef C_ENUM
        C__COUNT
};
#define NF          (F__BASE + C__COUNT * SB_CHAN__COUNT)
#define CH(k, chan) (F__BASE + (k)*SB_CHAN__COUNT + (int)(chan))

static const char *const g_field_names[F__BASE] = {
#define F_NAME(name, str) str,
    STAT_FIELDS(F_NAME)
#undef F_NAME
};
static const char *const g_ch_field_names[C__COUNT] = {
#define C_NAME(name, str) str,
    STAT_CH_FIELDS(C_NAME)
#undef C_NAME
};

/* The scripts are store/lua/stats_add.lua (one batch into one bucket hash, at most once) and
 * store/lua/stats_live.lua (the live gauges, replaced whole). */
/* ------------------------------------------------------------------------------------------------
 * State
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    char name[DYN_NAME]; /* "time_ms:<status>" or "time_ms:<status>:<reason>" */
    uint64_t pend, sent;
} dyn_t;

typedef struct entry {
    struct sb_stats *s;
    char name[ENTRY_NAME]; /* "q:<queue>:<bucket_ms>" or "a:<agent>:<bucket_ms>" (the map's key) */
    char id[MAX_ID + 1];   /* the queue or agent */
    uint64_t bucket;       /* the bucket's start */
    uint32_t slot;
    bool dirty; /* pend holds something */
    bool busy;  /* a write is in flight */
    bool doubt; /* `sent` may or may not have been applied: re-send it as it is, same batch */
    uint64_t seq;
    uint64_t sl_threshold_ms; /* queue buckets: the threshold answered_sl was counted against */
    uint64_t pend[NF], sent[NF];
    dyn_t *dyn;
    uint32_t n_dyn, cap_dyn;
} entry_t;

typedef struct {
    char agent[MAX_ID + 1];
    char status[MAX_STATUS + 1];
    char reason[MAX_REASON + 1];
    uint64_t from; /* recorded up to here */
} run_t;

/* Pointers in stable slots (a map value is a slot number) with a free list. */
typedef struct {
    void **p;
    uint32_t n, cap; /* n: slots ever used (holes are NULL) */
    uint32_t *free;
    uint32_t n_free, live;
} slots_t;

struct sb_stats {
    char *prefix;
    uint64_t expire_s;
    char marker[24]; /* "_w:<16 hex digits>", random per process */
    uint32_t max_buckets;
    uint64_t seq;

    sb_strmap_t entry_map; /* entry name -> slot */
    slots_t entries;
    sb_strmap_t run_map; /* agent -> slot */
    slots_t runs;

    sb_strmap_t gauges; /* "q:<queue>" / "a:<agent>" -> conversations (no zeros) */
    uint64_t total;
    bool live_dirty, live_busy;
    uint64_t live_at; /* when the live hash was last written (0: never) */

    bool destroyed; /* by the owner, while writes were in flight */
    sb_stats_info_t info;
    char ch_names[C__COUNT][SB_CHAN__COUNT][32];
};

static void slots_dispose(slots_t *t)
{
    free(t->p);
    free(t->free);
    memset(t, 0, sizeof *t);
}

/* Stores p; its slot, or -1 when out of memory. */
static int64_t slots_add(slots_t *t, void *p)
{
    uint32_t i;
    if (t->n_free) {
        i = t->free[--t->n_free];
    } else {
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 64;
            void **np = realloc(t->p, cap * sizeof *np);
            if (!np)
                return -1;
            t->p = np;
            uint32_t *nf = realloc(t->free, cap * sizeof *nf);
            if (!nf)
                return -1;
            t->free = nf;
            t->cap = cap;
        }
        i = t->n++;
    }
    t->p[i] = p;
    t->live++;
    return i;
}

static void slots_del(slots_t *t, uint32_t i)
{
    t->p[i] = NULL;
    t->free[t->n_free++] = i; /* free has room for every slot */
    t->live--;
}

/* ------------------------------------------------------------------------------------------------
 * Checks on what reaches a key or a field
 * ---------------------------------------------------------------------------------------------- */

static bool charset_ok(const char *s, size_t max, bool colon)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-' || (colon && c == ':');
        if (!ok || n >= max)
            return false;
    }
    return n > 0;
}

/* NULL means "not concerned"; anything else must be an identifier. */
static bool opt_id_ok(const char *id)
{
    return !id || charset_ok(id, MAX_ID, true);
}

/* Away reasons are configured text ("Case work"): printable UTF-8 without control characters.
 * They reach a field name, never a key. */
static bool reason_ok(const char *r)
{
    size_t n = strnlen(r, MAX_REASON + 1);
    if (n > MAX_REASON || !sb_utf8_valid(r, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
            return false;
    return true;
}

static uint64_t bucket_of(uint64_t t)
{
    return t - t % SB_STATS_BUCKET_MS;
}

/* ------------------------------------------------------------------------------------------------
 * Entries
 * ---------------------------------------------------------------------------------------------- */

static void entry_free(sb_stats_t *s, entry_t *e)
{
    sb_strmap_del(&s->entry_map, e->name);
    slots_del(&s->entries, e->slot);
    free(e->dyn);
    free(e);
}

/* Frees e when it has nothing left to say. */
static void entry_release(sb_stats_t *s, entry_t *e)
{
    if (e && !e->dirty && !e->busy && !e->doubt)
        entry_free(s, e);
}

/* The bucket hash of `id` (kind 'q' or 'a') for the bucket containing `now`; NULL when the bound
 * is reached or memory is short (the caller counts the drop). */
static entry_t *entry_get(sb_stats_t *s, char kind, const char *id, uint64_t now)
{
    char name[ENTRY_NAME];
    snprintf(name, sizeof name, "%c:%s:%" PRIu64, kind, id, bucket_of(now));
    uint32_t slot;
    if (sb_strmap_get(&s->entry_map, name, &slot))
        return s->entries.p[slot];
    if (s->entries.live >= s->max_buckets)
        return NULL;
    entry_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->s = s;
    memcpy(e->name, name, sizeof name);
    snprintf(e->id, sizeof e->id, "%s", id);
    e->bucket = bucket_of(now);
    int64_t i = slots_add(&s->entries, e);
    if (i < 0) {
        free(e);
        return NULL;
    }
    e->slot = (uint32_t)i;
    if (sb_strmap_put(&s->entry_map, e->name, e->slot) != 0) {
        slots_del(&s->entries, e->slot);
        free(e);
        return NULL;
    }
    return e;
}

static void add(entry_t *e, int f, uint64_t v)
{
    if (e) {
        e->pend[f] += v;
        e->dirty = true;
    }
}

/* The queue and agent buckets of one event. False (the event is dropped, and counted) when an
 * identifier is invalid or a bucket cannot be held: an event counts on both sides or on neither,
 * so queue and agent totals agree. */
typedef struct {
    entry_t *q, *a;
} pair_t;

static bool pick(sb_stats_t *s, const char *queue, const char *agent, uint64_t now, pair_t *p)
{
    p->q = p->a = NULL;
    if (!opt_id_ok(queue) || !opt_id_ok(agent) || (!queue && !agent)) {
        s->info.refused++;
        return false;
    }
    if (queue && !(p->q = entry_get(s, 'q', queue, now)))
        goto full;
    if (agent && !(p->a = entry_get(s, 'a', agent, now)))
        goto full;
    return true;
full:
    entry_release(s, p->q); /* created just now and still empty */
    s->info.dropped++;
    return false;
}

static void add2(pair_t *p, int f, uint64_t v)
{
    add(p->q, f, v);
    add(p->a, f, v);
}

/* ------------------------------------------------------------------------------------------------
 * Events
 * ---------------------------------------------------------------------------------------------- */

void sb_stats_answered(sb_stats_t *s, const char *queue, const char *agent, sb_channel_t ch,
                       uint64_t wait_ms, uint64_t sl_threshold_ms, uint64_t now)
{
    pair_t p;
    if ((unsigned)ch >= SB_CHAN__COUNT) {
        s->info.refused++;
        return;
    }
    if (!pick(s, queue, agent, now, &p))
        return;
    bool within = wait_ms <= sl_threshold_ms;
    add2(&p, F_OFFERED, 1);
    add2(&p, F_ANSWERED, 1);
    add2(&p, CH(C_ANSWERED, ch), 1);
    add2(&p, F_WAIT_SUM, wait_ms);
    add2(&p, F_WAIT_N, 1);
    if (within) {
        add2(&p, F_ANSWERED_SL, 1);
        add2(&p, CH(C_ANSWERED_SL, ch), 1);
    }
    if (p.q)
        p.q->sl_threshold_ms = sl_threshold_ms;
}

void sb_stats_abandoned(sb_stats_t *s, const char *queue, sb_channel_t ch, uint64_t wait_ms,
                        uint64_t short_abandon_ms, uint64_t now)
{
    pair_t p;
    if ((unsigned)ch >= SB_CHAN__COUNT || !queue) {
        s->info.refused++;
        return;
    }
    if (!pick(s, queue, NULL, now, &p))
        return;
    add2(&p, F_OFFERED, 1);
    add2(&p, F_ABANDONED, 1);
    add2(&p, CH(C_ABANDONED, ch), 1);
    add2(&p, F_ABANDON_SUM, wait_ms);
    if (wait_ms < short_abandon_ms) {
        add2(&p, F_SHORT_ABANDONED, 1);
        add2(&p, CH(C_SHORT_ABANDONED, ch), 1);
    }
}

void sb_stats_customer_disconnected(sb_stats_t *s, const char *queue, const char *agent,
                                    uint64_t now)
{
    pair_t p;
    if (pick(s, queue, agent, now, &p))
        add2(&p, F_DISCONNECTED, 1);
}

void sb_stats_first_response(sb_stats_t *s, const char *queue, const char *agent, uint64_t ms,
                             uint64_t now)
{
    pair_t p;
    if (!pick(s, queue, agent, now, &p))
        return;
    add2(&p, F_FIRST_SUM, ms);
    add2(&p, F_FIRST_N, 1);
}

void sb_stats_response(sb_stats_t *s, const char *queue, const char *agent, uint64_t ms,
                       uint64_t now)
{
    pair_t p;
    if (!pick(s, queue, agent, now, &p))
        return;
    add2(&p, F_RESP_SUM, ms);
    add2(&p, F_RESP_N, 1);
}

void sb_stats_handled(sb_stats_t *s, const char *queue, const char *agent, sb_channel_t ch,
                      uint64_t talk_ms, uint64_t wrap_ms, bool flagged, uint64_t now)
{
    pair_t p;
    if ((unsigned)ch >= SB_CHAN__COUNT) {
        s->info.refused++;
        return;
    }
    if (!pick(s, queue, agent, now, &p))
        return;
    add2(&p, F_TALK_SUM, talk_ms);
    add2(&p, F_TALK_N, 1);
    add2(&p, F_WRAP_SUM, wrap_ms);
    add2(&p, F_WRAP_N, 1);
    add2(&p, F_HANDLE_SUM, talk_ms + wrap_ms);
    add2(&p, F_HANDLE_N, 1);
    add2(&p, CH(C_HANDLE_SUM, ch), talk_ms + wrap_ms);
    add2(&p, CH(C_HANDLE_N, ch), 1);
    if (flagged)
        add2(&p, F_WRAP_FLAGGED, 1);
}

void sb_stats_csat(sb_stats_t *s, const char *queue, const char *agent, uint32_t score,
                   uint64_t now)
{
    pair_t p;
    if (score < 1 || score > 5) {
        s->info.refused++;
        return;
    }
    if (!pick(s, queue, agent, now, &p))
        return;
    add2(&p, F_CSAT_SUM, score);
    add2(&p, F_CSAT_N, 1);
    add2(&p, F_CSAT_1 + (int)score - 1, 1);
}

void sb_stats_offer(sb_stats_t *s, const char *queue, const char *agent, sb_offer_outcome_t o,
                    uint64_t now)
{
    static const int field[] = {[SB_OFFER_OFFERED] = F_OFFERS,
                                [SB_OFFER_ACCEPTED] = F_OFFERS_ACCEPTED,
                                [SB_OFFER_DECLINED] = F_OFFERS_DECLINED,
                                [SB_OFFER_TIMED_OUT] = F_OFFERS_TIMED_OUT};
    pair_t p;
    if ((unsigned)o > SB_OFFER_TIMED_OUT) {
        s->info.refused++;
        return;
    }
    if (pick(s, queue, agent, now, &p))
        add2(&p, field[o], 1);
}

/* ------------------------------------------------------------------------------------------------
 * Agent time per status
 * ---------------------------------------------------------------------------------------------- */

static dyn_t *dyn_get(entry_t *e, const char *name)
{
    for (uint32_t i = 0; i < e->n_dyn; i++)
        if (strcmp(e->dyn[i].name, name) == 0)
            return &e->dyn[i];
    if (e->n_dyn >= MAX_DYN)
        return NULL;
    if (e->n_dyn == e->cap_dyn) {
        uint32_t cap = e->cap_dyn ? e->cap_dyn * 2 : 4;
        dyn_t *d = realloc(e->dyn, cap * sizeof *d);
        if (!d)
            return NULL;
        e->dyn = d;
        e->cap_dyn = cap;
    }
    dyn_t *d = &e->dyn[e->n_dyn++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    return d;
}

static bool dyn_add(entry_t *e, const char *name, uint64_t ms)
{
    dyn_t *d = dyn_get(e, name);
    if (!d)
        return false;
    d->pend += ms;
    e->dirty = true;
    return true;
}

/* Records [from, to) of an agent's status in the buckets it covers. Arguments were checked. */
static void status_time(sb_stats_t *s, const char *agent, const char *status, const char *reason,
                        uint64_t from, uint64_t to)
{
    if (to <= from)
        return;
    if (to - from > MAX_SPLIT_MS) {
        /* an offline weekend reported at sign-in would otherwise hold ~200 buckets per agent */
        s->info.clipped_ms += to - from - MAX_SPLIT_MS;
        from = to - MAX_SPLIT_MS;
    }
    char fs[DYN_NAME], fr[DYN_NAME];
    snprintf(fs, sizeof fs, "time_ms:%s", status);
    if (reason[0])
        snprintf(fr, sizeof fr, "time_ms:%s:%s", status, reason);
    while (from < to) {
        uint64_t end = bucket_of(from) + SB_STATS_BUCKET_MS;
        if (end > to)
            end = to;
        entry_t *e = entry_get(s, 'a', agent, from);
        bool ok = e && dyn_add(e, fs, end - from) && (!reason[0] || dyn_add(e, fr, end - from));
        if (!ok) {
            s->info.dropped++;
            entry_release(s, e);
        }
        from = end;
    }
}

static bool status_args_ok(sb_stats_t *s, const char *agent, const char *status,
                           const char **reason)
{
    if (!*reason)
        *reason = "";
    if (!agent || !opt_id_ok(agent) || !status || !charset_ok(status, MAX_STATUS, false) ||
        !reason_ok(*reason)) {
        s->info.refused++;
        return false;
    }
    return true;
}

void sb_stats_agent_status(sb_stats_t *s, const char *agent, const char *status, const char *reason,
                           uint64_t ms, uint64_t now)
{
    if (!status_args_ok(s, agent, status, &reason))
        return;
    status_time(s, agent, status, reason, ms > now ? 0 : now - ms, now);
}

static run_t *run_find(sb_stats_t *s, const char *agent, uint32_t *slot)
{
    return sb_strmap_get(&s->run_map, agent, slot) ? s->runs.p[*slot] : NULL;
}

static void run_accrue(sb_stats_t *s, run_t *r, uint64_t now)
{
    if (now > r->from) {
        status_time(s, r->agent, r->status, r->reason, r->from, now);
        r->from = now;
    }
}

void sb_stats_agent_status_begin(sb_stats_t *s, const char *agent, const char *status,
                                 const char *reason, uint64_t now)
{
    if (!status_args_ok(s, agent, status, &reason))
        return;
    uint32_t slot;
    run_t *r = run_find(s, agent, &slot);
    if (r) {
        run_accrue(s, r, now);
    } else {
        if (s->runs.live >= MAX_TRACKED || !(r = calloc(1, sizeof *r))) {
            s->info.dropped++;
            return;
        }
        int64_t i = slots_add(&s->runs, r);
        if (i < 0 || sb_strmap_put(&s->run_map, agent, (uint32_t)i) != 0) {
            if (i >= 0)
                slots_del(&s->runs, (uint32_t)i);
            free(r);
            s->info.dropped++;
            return;
        }
        snprintf(r->agent, sizeof r->agent, "%s", agent);
    }
    snprintf(r->status, sizeof r->status, "%s", status);
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    r->from = now;
}

void sb_stats_agent_status_end(sb_stats_t *s, const char *agent, uint64_t now)
{
    uint32_t slot;
    run_t *r = agent ? run_find(s, agent, &slot) : NULL;
    if (!r)
        return;
    run_accrue(s, r, now);
    sb_strmap_del(&s->run_map, agent);
    slots_del(&s->runs, slot);
    free(r);
}

/* ------------------------------------------------------------------------------------------------
 * Concurrency gauges
 * ---------------------------------------------------------------------------------------------- */

static void gauge_move(sb_stats_t *s, char kind, const char *id, int delta)
{
    char name[2 + MAX_ID + 1];
    snprintf(name, sizeof name, "%c:%s", kind, id);
    uint32_t v = 0;
    bool had = sb_strmap_get(&s->gauges, name, &v);
    int64_t nv = (int64_t)v + delta;
    if (nv < 0)
        nv = 0; /* an end without its start: never show a negative number of conversations */
    if (nv == 0) {
        if (had)
            sb_strmap_del(&s->gauges, name);
    } else if ((!had && s->gauges.n >= MAX_TRACKED) ||
               sb_strmap_put(&s->gauges, name, (uint32_t)(nv > UINT32_MAX ? UINT32_MAX : nv))) {
        s->info.dropped++;
    }
}

void sb_stats_concurrency(sb_stats_t *s, const char *queue, const char *agent, int delta)
{
    if (!opt_id_ok(queue) || !opt_id_ok(agent)) {
        s->info.refused++;
        return;
    }
    if (queue)
        gauge_move(s, 'q', queue, delta);
    if (agent)
        gauge_move(s, 'a', agent, delta);
    int64_t t = (int64_t)s->total + delta;
    s->total = t < 0 ? 0 : (uint64_t)t;
    s->live_dirty = true;
}

/* ------------------------------------------------------------------------------------------------
 * Flush
 * ---------------------------------------------------------------------------------------------- */

static void free_all(sb_stats_t *s);

static void set_doubt(sb_stats_t *s, entry_t *e, bool doubt)
{
    if (e->doubt == doubt)
        return;
    if (doubt)
        s->info.in_doubt++;
    else
        s->info.in_doubt--;
    e->doubt = doubt;
}

/* The write's content is settled (applied, or refused for good): forget it. */
static void drop_sent(entry_t *e)
{
    memset(e->sent, 0, sizeof e->sent);
    for (uint32_t i = 0; i < e->n_dyn; i++)
        e->dyn[i].sent = 0;
}

/* Refused without being applied: the counts go back with what arrived since. */
static void requeue_sent(entry_t *e)
{
    for (int f = 0; f < NF; f++)
        e->pend[f] += e->sent[f];
    for (uint32_t i = 0; i < e->n_dyn; i++)
        e->dyn[i].pend += e->dyn[i].sent;
    drop_sent(e);
    e->dirty = true;
}

static void entry_cb(const sb_sts_result_t *res, void *priv)
{
    entry_t *e = priv;
    sb_stats_t *s = e->s;
    s->info.in_flight--;
    if (s->destroyed) {
        if (s->info.in_flight == 0)
            free_all(s);
        return;
    }
    e->busy = false;
    switch (res->outcome) {
    case SB_STS_UNKNOWN:
        /* sent, outcome unknown: only the same batch may go again (see the top of the file) */
        set_doubt(s, e, true);
        return;
    case SB_STS_RETRY:
        if (!e->doubt) {
            s->info.requeued++;
            requeue_sent(e);
        } /* else still unknown whether the first copy arrived: keep it as it is */
        break;
    case SB_STS_REFUSED:
        s->info.lost++;
        SB_ERROR("stats", "Redis refused a statistics write; its counts are dropped",
                 SB_F_STR("bucket", e->name), SB_F_STRN("error", res->error, res->error_len));
        drop_sent(e);
        set_doubt(s, e, false);
        break;
    case SB_STS_APPLIED:
    case SB_STS_DUPLICATE:
        s->info.writes++;
        if (res->outcome == SB_STS_DUPLICATE)
            s->info.deduplicated++;
        s->info.bad_fields += res->bad_fields;
        drop_sent(e);
        set_doubt(s, e, false);
        break;
    }
    entry_release(s, e);
}

_Static_assert(NF + MAX_DYN + 1 <= SB_STS_MAX_FIELDS, "a bucket write must fit in one script call");

/* Scratch for one bucket write: its increments and settings. */
typedef struct {
    sb_sts_field_t incr[NF + MAX_DYN];
    sb_sts_field_t set[1];
} args_t;

static int send_entry(sb_stats_t *s, sb_store_t *store, entry_t *e, args_t *a)
{
    bool retry = e->doubt;
    uint64_t seq = retry ? e->seq : s->seq + 1;
    const uint64_t *v = retry ? e->sent : e->pend;
    size_t n = 0, n_set = 0;
    for (int f = 0; f < NF; f++) {
        if (!v[f])
            continue;
        if (f < F__BASE) {
            a->incr[n].name = g_field_names[f];
        } else {
            int k = (f - F__BASE) / SB_CHAN__COUNT, ch = (f - F__BASE) % SB_CHAN__COUNT;
            a->incr[n].name = s->ch_names[k][ch];
        }
        a->incr[n++].value = v[f];
    }
    for (uint32_t i = 0; i < e->n_dyn; i++) {
        uint64_t d = retry ? e->dyn[i].sent : e->dyn[i].pend;
        if (!d)
            continue;
        a->incr[n].name = e->dyn[i].name;
        a->incr[n++].value = d;
    }
    if (e->name[0] == 'q' && e->sl_threshold_ms)
        a->set[n_set++] = (sb_sts_field_t){"sl_threshold_ms", e->sl_threshold_ms};
    int rc =
        sb_sts_add(store, s->prefix, e->name[0] == 'q' ? SB_STS_QUEUE : SB_STS_AGENT, e->id,
                   e->bucket, s->marker, seq, s->expire_s, a->incr, n, a->set, n_set, entry_cb, e);
    if (rc)
        return rc;
    if (retry) {
        s->info.retries++;
    } else {
        s->seq = e->seq = seq;
        memcpy(e->sent, e->pend, sizeof e->sent);
        memset(e->pend, 0, sizeof e->pend);
        for (uint32_t i = 0; i < e->n_dyn; i++) {
            e->dyn[i].sent = e->dyn[i].pend;
            e->dyn[i].pend = 0;
        }
        e->dirty = false;
    }
    e->busy = true;
    s->info.in_flight++;
    return 0;
}

static void live_cb(bool written, void *priv)
{
    sb_stats_t *s = priv;
    s->info.in_flight--;
    if (s->destroyed) {
        if (s->info.in_flight == 0)
            free_all(s);
        return;
    }
    s->live_busy = false;
    if (!written)
        s->live_dirty = true; /* absolute values: simply write them again */
}

static int send_live(sb_stats_t *s, sb_store_t *store, uint64_t now)
{
    sb_sts_field_t *gauges = malloc((s->gauges.n ? s->gauges.n : 1) * sizeof *gauges);
    if (!gauges)
        return SB_E_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->gauges.cap; i++) {
        const sb_strmap_slot_t *g = &s->gauges.slots[i];
        if (g->key)
            gauges[n++] = (sb_sts_field_t){g->key, g->val};
    }
    int rc = sb_sts_live(store, s->prefix, LIVE_TTL_S, s->total, now, gauges, n, live_cb, s);
    if (rc == 0) {
        s->live_busy = true;
        s->live_dirty = false;
        s->live_at = now;
        s->info.in_flight++;
    }
    free(gauges);
    return rc;
}

void sb_stats_settle(sb_stats_t *s, uint64_t now)
{
    for (uint32_t i = 0; i < s->runs.n; i++)
        if (s->runs.p[i])
            run_accrue(s, s->runs.p[i], now);
}

int sb_stats_flush(sb_stats_t *s, sb_store_t *store, uint64_t now)
{
    for (uint32_t i = 0; i < s->runs.n; i++) {
        run_t *r = s->runs.p[i];
        if (r && (now - r->from >= RUN_ACCRUE_MS || bucket_of(now) != bucket_of(r->from)))
            run_accrue(s, r, now);
    }
    int rc = 0;
    if (!s->live_busy && (s->live_dirty || !s->live_at || now - s->live_at >= LIVE_REFRESH_MS))
        rc = send_live(s, store, now);
    args_t *a = NULL;
    uint32_t sent = 0;
    for (uint32_t i = 0; rc == 0 && i < s->entries.n && sent < MAX_SENDS; i++) {
        entry_t *e = s->entries.p[i];
        if (!e || e->busy || !(e->dirty || e->doubt))
            continue;
        if (!a && !(a = malloc(sizeof *a))) {
            rc = SB_E_NOMEM;
            break;
        }
        if ((rc = send_entry(s, store, e, a)) == 0)
            sent++;
    }
    free(a);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Life cycle
 * ---------------------------------------------------------------------------------------------- */

sb_stats_t *sb_stats_create(const char *prefix, uint32_t retention_days)
{
    sb_stats_t *s = calloc(1, sizeof *s);
    if (!s || !(s->prefix = strdup(prefix))) {
        free(s);
        return NULL;
    }
    s->expire_s = (uint64_t)(retention_days ? retention_days : 1) * 86400u;
    s->max_buckets = SB_STATS_MAX_BUCKETS;
    /* Batch numbers start at 1 in every process; the marker field tells processes (and restarts)
     * apart, so a new process never mistakes its batches for an old one's. */
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    int n = snprintf(s->marker, sizeof s->marker, "_w:");
    for (size_t i = 0; i < sizeof rnd; i++)
        n += snprintf(s->marker + n, sizeof s->marker - (size_t)n, "%02x", rnd[i]);
    for (int k = 0; k < C__COUNT; k++)
        for (int ch = 0; ch < SB_CHAN__COUNT; ch++)
            snprintf(s->ch_names[k][ch], sizeof s->ch_names[k][ch], "%s.%s", g_ch_field_names[k],
                     sb_channel_name((sb_channel_t)ch));
    sb_strmap_init(&s->entry_map);
    sb_strmap_init(&s->run_map);
    sb_strmap_init(&s->gauges);
    return s;
}

static void free_all(sb_stats_t *s)
{
    for (uint32_t i = 0; i < s->entries.n; i++) {
        entry_t *e = s->entries.p[i];
        if (e) {
            free(e->dyn);
            free(e);
        }
    }
    for (uint32_t i = 0; i < s->runs.n; i++)
        free(s->runs.p[i]);
    slots_dispose(&s->entries);
    slots_dispose(&s->runs);
    sb_strmap_dispose(&s->entry_map);
    sb_strmap_dispose(&s->run_map);
    sb_strmap_dispose(&s->gauges);
    free(s->prefix);
    free(s);
}

void sb_stats_destroy(sb_stats_t *s)
{
    if (!s)
        return;
    if (s->info.in_flight) {
        s->destroyed = true; /* the last callback frees it */
        return;
    }
    free_all(s);
}

void sb_stats_set_max_buckets(sb_stats_t *s, uint32_t max_buckets)
{
    s->max_buckets = max_buckets ? max_buckets : SB_STATS_MAX_BUCKETS;
}

void sb_stats_get_info(const sb_stats_t *s, sb_stats_info_t *out)
{
    *out = s->info;
    out->buckets = s->entries.live;
}
