/* Conversations in a real Redis through store/conv_store.h: what each script answers, as the
 * typed results carry it. The cases are the ones a parser reading replies by position gets wrong:
 * a private note numbered apart from the public entries, a duplicate's first numbers, an error
 * reply, nil fields, the "full" and "gone" refusals, and a page that stops one entry short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sb_proto_gen.h"
#include "store/conv_store.h"
#include "store_fixture.h"
#include "util/err.h"

#define P    SB_TEST_PREFIX
#define CONV "v-1"
#define NOW  1700000000000ull

#define KIND(x) SB_PT_CHAT_EVENT_KIND_##x
#define ROLE(x) SB_PT_CHAT_EVENT_FROM_ROLE_##x

/* What the last callback said. */
typedef struct {
    sb_test_store_t *f;
    int status;
    int outcome;
    bool flag;
    sb_cv_appended_t app;
    char text[256];
    sb_cv_marks_t marks;
    sb_cv_log_entry_t entries[SB_CV_PAGE_MAX];
    char names[SB_CV_PAGE_MAX][32], texts[SB_CV_PAGE_MAX][64], cmids[SB_CV_PAGE_MAX][32];
    size_t n;
    bool more;
    bool found;
    char customer[64], verified[64], note[64];
    uint64_t created_ms, last_seq, last_pub, epoch;
    bool closed;
} got_t;

static got_t g;

static void reset(sb_test_store_t *f)
{
    memset(&g, 0, sizeof g);
    g.f = f;
    g.status = 12345;
}

static void created_cb(int st, sb_cv_created_t out, void *priv)
{
    (void)priv;
    g.status = st;
    g.outcome = (int)out;
    g.f->calls++;
}

static void appended_cb(int st, const sb_cv_appended_t *a, void *priv)
{
    (void)priv;
    g.status = st;
    if (a) {
        g.app = *a;
        snprintf(g.text, sizeof g.text, "%.*s", (int)a->text_len, a->text ? a->text : "");
        g.app.text = NULL; /* valid only during the callback */
    }
    g.f->calls++;
}

static void page_cb(int st, const sb_cv_page_t *p, void *priv)
{
    (void)priv;
    g.status = st;
    if (p) {
        g.n = p->n;
        g.more = p->more;
        for (size_t i = 0; i < p->n; i++) {
            g.entries[i] = p->entries[i];
            snprintf(g.names[i], sizeof g.names[i], "%s", p->entries[i].name);
            snprintf(g.texts[i], sizeof g.texts[i], "%s", p->entries[i].text);
            snprintf(g.cmids[i], sizeof g.cmids[i], "%s", p->entries[i].client_msg_id);
        }
    }
    g.f->calls++;
}

static void marked_cb(int st, const sb_cv_marks_t *m, void *priv)
{
    (void)priv;
    g.status = st;
    if (m)
        g.marks = *m;
    g.f->calls++;
}

static void record_cb(int st, const sb_cv_record_t *r, void *priv)
{
    (void)priv;
    g.status = st;
    g.found = r != NULL;
    if (r) {
        snprintf(g.customer, sizeof g.customer, "%s", r->customer ? r->customer : "(nil)");
        snprintf(g.verified, sizeof g.verified, "%s", r->verified ? r->verified : "(nil)");
        snprintf(g.note, sizeof g.note, "%s", r->transfer_note ? r->transfer_note : "(nil)");
        g.created_ms = r->created_ms;
        g.last_seq = r->last_seq;
        g.last_pub = r->last_pub;
        g.closed = r->closed;
    }
    g.f->calls++;
}

static void done_cb(int st, void *priv)
{
    (void)priv;
    g.status = st;
    g.f->calls++;
}

static void rated_cb(int st, sb_cv_rated_t out, void *priv)
{
    (void)priv;
    g.status = st;
    g.outcome = (int)out;
    g.f->calls++;
}

static void left_cb(int st, bool limited, void *priv)
{
    (void)priv;
    g.status = st;
    g.flag = limited;
    g.f->calls++;
}

static void epoch_cb(int st, uint64_t epoch, bool changed, void *priv)
{
    (void)priv;
    g.status = st;
    g.epoch = epoch;
    g.flag = changed;
    g.f->calls++;
}

static long long hget_int(sb_test_store_t *f, const char *key, const char *field)
{
    redisReply *r = sb_test_store_cmd(f, "HGET %s %s", key, field);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    return v;
}

static long long int_cmd(sb_test_store_t *f, const char *fmt, const char *arg)
{
    redisReply *r = sb_test_store_cmd(f, fmt, arg);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1000;
    freeReplyObject(r);
    return v;
}

/* ------------------------------------------------------------------------------------------------
 * Helpers that make a call and wait for its callback
 * ---------------------------------------------------------------------------------------------- */

static sb_cv_new_t new_conv(const char *id, const char *customer, const char *addr)
{
    return (sb_cv_new_t){.id = id,
                         .customer_id = customer,
                         .address = addr,
                         .name = "Pat",
                         .topic = "claims",
                         .lang = "en",
                         .claim_ref = "",
                         .contact_id = "k-1",
                         .now_ms = NOW,
                         .retention_s = 3600,
                         .per_address = 5,
                         .window_s = 60};
}

static void create(sb_test_store_t *f, const sb_cv_new_t *n)
{
    reset(f);
    int c = f->calls;
    assert_int_equal(sb_cv_create(f->store, P, n, created_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
}

static void append_as(sb_test_store_t *f, const char *conv, const char *sender, const char *cmid,
                      uint16_t kind, uint16_t role, int system, const char *text,
                      uint32_t max_entries)
{
    reset(f);
    int c = f->calls;
    sb_cv_entry_t e = {.conv_id = conv,
                       .sender = sender,
                       .client_msg_id = cmid,
                       .kind = kind,
                       .role = role,
                       .system = system,
                       .name = role == ROLE(CUSTOMER) ? "Pat"
                               : role == ROLE(SYSTEM) ? ""
                                                      : "Alex",
                       .text = text,
                       .now_ms = NOW + (uint64_t)c,
                       .max_entries = max_entries,
                       .retention_s = 3600};
    assert_int_equal(sb_cv_append(f->store, P, &e, appended_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
}

static void append(sb_test_store_t *f, const char *sender, const char *cmid, uint16_t kind,
                   uint16_t role, const char *text)
{
    append_as(f, CONV, sender, cmid, kind, role, -1, text, 1000);
}

static void sync_page(sb_test_store_t *f, bool staff, uint64_t after)
{
    reset(f);
    int c = f->calls;
    assert_int_equal(sb_cv_sync(f->store, P, CONV, staff, after, page_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
}

static void mark(sb_test_store_t *f, const char *conv, bool staff, uint64_t read)
{
    reset(f);
    int c = f->calls;
    assert_int_equal(sb_cv_mark(f->store, P, conv, staff, false, 0, true, read, marked_cb, NULL),
                     0);
    sb_test_store_wait(f, c + 1);
}

/* A conversation with: 1 the customer's message, 2 the agent's private note, 3 the agent's
 * message. */
static void three_entries(sb_test_store_t *f)
{
    sb_cv_new_t n = new_conv(CONV, "c-1", "10.0.0.1");
    create(f, &n);
    assert_int_equal(g.outcome, SB_CV_CREATED);
    append(f, "c:c-1", "m1", KIND(MESSAGE), ROLE(CUSTOMER), "hello");
    append(f, "a:alex", "m2", KIND(NOTE), ROLE(AGENT), "seems fine");
    append(f, "a:alex", "m3", KIND(MESSAGE), ROLE(AGENT), "hi Pat");
}

/* ------------------------------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------------------------------- */

static void test_create_outcomes(void **state)
{
    sb_test_store_t *f = *state;
    sb_cv_new_t n = new_conv(CONV, "c-1", "::ffff:10.0.0.9");
    create(f, &n);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.outcome, SB_CV_CREATED);
    /* the id exists */
    create(f, &n);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.outcome, SB_CV_NOT_CREATED);
    /* a blocked customer */
    sb_test_store_do(f, "SET " P "block:c-2 alex");
    sb_cv_new_t b = new_conv("v-2", "c-2", "10.0.0.9");
    create(f, &b);
    assert_int_equal(g.outcome, SB_CV_BLOCKED);
    /* the address limit: an IPv4-mapped address counts as the IPv4 one */
    sb_cv_new_t l = new_conv("v-3", "c-3", "10.0.0.9");
    l.per_address = 2;
    create(f, &l); /* the third from 10.0.0.9 (the first two counted) */
    assert_int_equal(g.outcome, SB_CV_LIMITED);
    assert_int_equal(int_cmd(f, "EXISTS %s", P "rl:conv:::ffff:10.0.0.9"), 0);
    redisReply *r = sb_test_store_cmd(f, "GET " P "rl:conv:10.0.0.9");
    assert_string_equal(r->str, "3");
    freeReplyObject(r);
    /* an unknown address is counted as "-" */
    sb_cv_new_t u = new_conv("v-4", "c-4", "");
    create(f, &u);
    assert_int_equal(g.outcome, SB_CV_CREATED);
    assert_int_equal(int_cmd(f, "EXISTS %s", P "rl:conv:-"), 1);
    /* an id that cannot be part of a key is refused before anything is sent */
    sb_cv_new_t bad = new_conv("v 5", "c-5", "10.0.0.5");
    int c = f->calls;
    assert_int_equal(sb_cv_create(f->store, P, &bad, created_cb, NULL), SB_E_INVAL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->calls, c);
}

static void test_append_numbers_notes_apart(void **state)
{
    sb_test_store_t *f = *state;
    sb_cv_new_t n = new_conv(CONV, "c-1", "10.0.0.1");
    create(f, &n);
    append(f, "c:c-1", "m1", KIND(MESSAGE), ROLE(CUSTOMER), "hello");
    assert_int_equal(g.status, 0);
    assert_int_equal(g.app.outcome, SB_CV_APPENDED);
    assert_int_equal(g.app.seq, 1);
    assert_int_equal(g.app.pub, 1);
    assert_int_equal(g.app.ts_ms, NOW + 1);
    assert_string_equal(g.text, "hello");
    /* a note: the next seq, but the public number of the entry before it */
    append(f, "a:alex", "m2", KIND(NOTE), ROLE(AGENT), "seems fine");
    assert_int_equal(g.app.outcome, SB_CV_APPENDED);
    assert_int_equal(g.app.seq, 2);
    assert_int_equal(g.app.pub, 1);
    append(f, "a:alex", "m3", KIND(MESSAGE), ROLE(AGENT), "hi Pat");
    assert_int_equal(g.app.seq, 3);
    assert_int_equal(g.app.pub, 2);
    assert_string_equal(g.text, "hi Pat");
}

static void test_append_duplicate_gone_full(void **state)
{
    sb_test_store_t *f = *state;
    three_entries(f);
    /* a retry of the first message: its first numbers and text, not a new entry */
    append(f, "c:c-1", "m1", KIND(MESSAGE), ROLE(CUSTOMER), "hello again");
    assert_int_equal(g.status, 0);
    assert_int_equal(g.app.outcome, SB_CV_DUPLICATE);
    assert_int_equal(g.app.seq, 1);
    assert_int_equal(g.app.pub, 1);
    assert_int_equal(g.app.ts_ms, NOW + 1 + 0); /* the first copy's time */
    assert_string_equal(g.text, "hello");
    /* the same client id from someone else is another entry */
    append(f, "a:alex", "m1", KIND(MESSAGE), ROLE(AGENT), "ok");
    assert_int_equal(g.app.outcome, SB_CV_APPENDED);
    assert_int_equal(g.app.seq, 4);
    /* {-1, "gone"} and {-1, "full"} */
    append_as(f, "v-none", "c:c-1", "m9", KIND(MESSAGE), ROLE(CUSTOMER), -1, "x", 1000);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.app.outcome, SB_CV_GONE);
    append_as(f, CONV, "c:c-1", "m9", KIND(MESSAGE), ROLE(CUSTOMER), -1, "x", 4);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.app.outcome, SB_CV_FULL);
    /* an error reply (the log is not a stream) is an error, not an entry */
    sb_test_store_do(f, "DEL " P "v:v-1:log");
    sb_test_store_do(f, "SET " P "v:v-1:log x");
    append(f, "c:c-1", "m10", KIND(MESSAGE), ROLE(CUSTOMER), "x");
    assert_int_equal(g.status, SB_E_IO);
}

static void test_sync_staff_and_customer(void **state)
{
    sb_test_store_t *f = *state;
    three_entries(f);
    append_as(f, CONV, "", "", KIND(SYSTEM), ROLE(SYSTEM), SB_PT_CHAT_EVENT_SYSTEM_JOINED,
              "Alex joined the chat.", 1000);
    /* staff: every entry by its seq */
    sync_page(f, true, 0);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 4);
    assert_false(g.more);
    assert_int_equal(g.entries[0].seq, 1);
    assert_int_equal(g.entries[0].kind, KIND(MESSAGE));
    assert_int_equal(g.entries[0].role, ROLE(CUSTOMER));
    assert_string_equal(g.names[0], "Pat");
    assert_string_equal(g.texts[0], "hello");
    assert_string_equal(g.cmids[0], "m1");
    assert_int_equal(g.entries[0].system, -1);
    assert_int_equal(g.entries[0].ts_ms, NOW + 1);
    assert_int_equal(g.entries[1].seq, 2);
    assert_int_equal(g.entries[1].kind, KIND(NOTE));
    assert_int_equal(g.entries[1].role, ROLE(AGENT));
    assert_string_equal(g.texts[1], "seems fine");
    assert_int_equal(g.entries[3].kind, KIND(SYSTEM));
    assert_int_equal(g.entries[3].role, ROLE(SYSTEM));
    assert_int_equal(g.entries[3].system, SB_PT_CHAT_EVENT_SYSTEM_JOINED);
    assert_string_equal(g.cmids[3], ""); /* absent: empty, not NULL */
    /* after a seq */
    sync_page(f, true, 2);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.entries[0].seq, 3);
    /* a customer: the note left out, the others by their public numbers */
    sync_page(f, false, 0);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.entries[0].seq, 1);
    assert_string_equal(g.texts[0], "hello");
    assert_int_equal(g.entries[1].seq, 2);
    assert_string_equal(g.texts[1], "hi Pat");
    assert_int_equal(g.entries[2].seq, 3);
    for (size_t i = 0; i < g.n; i++)
        assert_int_not_equal(g.entries[i].kind, KIND(NOTE));
}

static void test_sync_pages(void **state)
{
    sb_test_store_t *f = *state;
    sb_cv_new_t n = new_conv(CONV, "c-1", "10.0.0.1");
    create(f, &n);
    for (int i = 0; i < SB_CV_PAGE_MAX + 5; i++)
        append(f, "c:c-1", "", KIND(MESSAGE), ROLE(CUSTOMER), "x");
    sync_page(f, true, 0);
    assert_int_equal(g.n, SB_CV_PAGE_MAX);
    assert_true(g.more);
    assert_int_equal(g.entries[SB_CV_PAGE_MAX - 1].seq, SB_CV_PAGE_MAX);
    sync_page(f, false, SB_CV_PAGE_MAX);
    assert_int_equal(g.n, 5);
    assert_false(g.more);
    /* an error reply: the log is not a stream */
    sb_test_store_do(f, "DEL " P "v:v-1:log");
    sb_test_store_do(f, "SET " P "v:v-1:log x");
    sync_page(f, true, 0);
    assert_int_equal(g.status, SB_E_IO);
}

static void test_marks_in_the_other_sides_numbers(void **state)
{
    sb_test_store_t *f = *state;
    three_entries(f);
    /* the customer read its public number 2 (the agent's message): staff hear seq 3 */
    mark(f, CONV, false, 2);
    assert_int_equal(g.status, 0);
    assert_false(g.marks.gone);
    assert_int_equal(g.marks.read, 3);
    assert_int_equal(g.marks.delivered, 0);
    assert_true(g.marks.changed);
    /* staff read seq 2, a note: the customer hears public number 1, the message before it */
    mark(f, CONV, true, 2);
    assert_int_equal(g.marks.read, 1);
    assert_true(g.marks.changed);
    /* and moving onto the message after the note changes what the customer sees */
    mark(f, CONV, true, 3);
    assert_int_equal(g.marks.read, 2);
    assert_true(g.marks.changed);
    /* never lowered */
    mark(f, CONV, true, 1);
    assert_int_equal(g.marks.read, 2);
    assert_false(g.marks.changed);
    mark(f, "v-none", true, 1);
    assert_int_equal(g.status, 0);
    assert_true(g.marks.gone);
}

static void test_load_and_fields(void **state)
{
    sb_test_store_t *f = *state;
    three_entries(f);
    reset(f);
    int c = f->calls;
    assert_int_equal(sb_cv_set_verified(f->store, P, CONV, "kba", done_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, 0);
    assert_int_equal(sb_cv_set_answered(f->store, P, CONV, NOW + 50, "q-claims", "alex"), 0);
    assert_int_equal(sb_cv_segment(f->store, P, CONV, "k-2", "please check the claim"), 0);
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, CONV, record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, 0);
    assert_true(g.found);
    assert_string_equal(g.customer, "c-1");
    assert_string_equal(g.verified, "kba");
    assert_string_equal(g.note, "please check the claim");
    assert_int_equal(g.created_ms, NOW);
    assert_int_equal(g.last_seq, 3);
    assert_int_equal(g.last_pub, 2);
    assert_false(g.closed);
    assert_int_equal(hget_int(f, P "v:v-1", "accepted_ms"), (long long)(NOW + 50));
    redisReply *r = sb_test_store_cmd(f, "HGET " P "v:v-1 segments");
    assert_string_equal(r->str, "k-1,k-2");
    freeReplyObject(r);
    /* the end: closed, exported, and read back so */
    assert_int_equal(sb_cv_close(f->store, P, CONV, "completed", NOW + 100, 3600), 0);
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, CONV, record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_true(g.closed);
    assert_int_equal(int_cmd(f, "XLEN %s", P "export"), 1);
    /* no such conversation: no record, and no error */
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, "v-none", record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, 0);
    assert_false(g.found);
    /* not a hash: an error, not "no such conversation" */
    sb_test_store_do(f, "SET " P "v:v-bad x");
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, "v-bad", record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, SB_E_IO);
}

static void test_rate_block_message(void **state)
{
    sb_test_store_t *f = *state;
    three_entries(f);
    int c;
#define RATE(conv)                                                                                 \
    reset(f);                                                                                      \
    c = f->calls;                                                                                  \
    assert_int_equal(sb_cv_rate(f->store, P, conv, 4, "good", NOW, 3600, rated_cb, NULL), 0);      \
    sb_test_store_wait(f, c + 1);
    RATE(CONV);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.outcome, SB_CV_RATED);
    RATE(CONV);
    assert_int_equal(g.outcome, SB_CV_ALREADY_RATED);
    RATE("v-none");
    assert_int_equal(g.outcome, SB_CV_RATE_GONE);
#undef RATE
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_block(f->store, P, "c-1", "alex", 60, done_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, 0);
    assert_int_equal(int_cmd(f, "TTL %s", P "block:c-1") > 0, 1);
    sb_cv_message_t m = {.reference = "m-1",
                         .customer_id = "c-1",
                         .address = "10.0.0.7",
                         .topic = "claims",
                         .queue = "q-claims",
                         .lang = "en",
                         .name = "Pat",
                         .text = "call me",
                         .reply_to = "",
                         .claim_ref = "",
                         .now_ms = NOW,
                         .per_address = 1,
                         .window_s = 60,
                         .retention_s = 3600};
    for (int i = 0; i < 2; i++) {
        reset(f);
        c = f->calls;
        assert_int_equal(sb_cv_leave_message(f->store, P, &m, left_cb, NULL), 0);
        sb_test_store_wait(f, c + 1);
        assert_int_equal(g.status, 0);
        assert_int_equal(g.flag, i == 1); /* the second is past the limit of 1 */
    }
    /* the rating's record and the first message's */
    assert_int_equal(int_cmd(f, "XLEN %s", P "export"), 2);
}

static void test_epoch_and_streams(void **state)
{
    sb_test_store_t *f = *state;
    int c;
#define EPOCH(run)                                                                                 \
    reset(f);                                                                                      \
    c = f->calls;                                                                                  \
    assert_int_equal(sb_cv_epoch_check(f->store, P, run, NOW, epoch_cb, NULL), 0);                 \
    sb_test_store_wait(f, c + 1);
    EPOCH("run-a"); /* a new deployment: the epoch starts from the clock, nothing to resync */
    assert_int_equal(g.status, 0);
    assert_int_equal(g.epoch, NOW);
    assert_false(g.flag);
    EPOCH("run-a");
    assert_int_equal(g.epoch, NOW);
    assert_false(g.flag);
    EPOCH("run-b"); /* Redis restarted */
    assert_int_equal(g.epoch, NOW + 1);
    assert_true(g.flag);
#undef EPOCH
    assert_int_equal(sb_cv_audit(f->store, P, NOW, 3600000, "alex", "customer_blocked", CONV, NULL),
                     0);
    /* nobody waits for these: a call with a callback behind them says when they are through */
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, "v-none", record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(int_cmd(f, "XLEN %s", P "audit"), 1);
    redisReply *r = sb_test_store_cmd(f, "XRANGE " P "audit - +");
    assert_int_equal(r->elements, 1);
    const redisReply *fields = r->element[0]->element[1];
    assert_string_equal(fields->element[3]->str, "alex");
    assert_string_equal(fields->element[9]->str, ""); /* detail NULL: stored empty */
    freeReplyObject(r);
    /* records written before min_ms go, from both streams */
    assert_int_equal(sb_cv_trim_streams(f->store, P, NOW + 1), 0);
    reset(f);
    c = f->calls;
    assert_int_equal(sb_cv_load(f->store, P, "v-none", record_cb, NULL), 0);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(int_cmd(f, "XLEN %s", P "audit"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_outcomes, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_append_numbers_notes_apart, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_append_duplicate_gone_full, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_sync_staff_and_customer, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_sync_pages, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_marks_in_the_other_sides_numbers, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_load_and_fields, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_rate_block_message, sb_test_store_setup,
                                        sb_test_store_teardown),
        cmocka_unit_test_setup_teardown(test_epoch_and_streams, sb_test_store_setup,
                                        sb_test_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
