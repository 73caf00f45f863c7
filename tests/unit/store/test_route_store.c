/* Routing state in a real Redis through store/route_store.h: a commit's outcome and refusal
 * reason, and contacts, agents and the live set read back as typed records (nil fields absent,
 * numbers parsed, members that cannot be ids left out, errors kept apart from "no such contact").
 * The scripts' own rules are tested through the server (tests/integration/routing.test.ts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/route_store.h"
#include "store_fixture.h"
#include "util/err.h"

#define P   SB_TEST_PREFIX
#define NOW 1700000000000ull

typedef struct {
    sb_test_store_t *f;
    int status;
    sb_commit_outcome_t out;
    char why[32];
    bool found;
    char id[80], queue[80], state[32], agent[80], prev[80], conv[80], rtok[80];
    bool prev_absent, exists, direct;
    uint64_t version, enq, arrival, offer_id, priority;
    char status_s[32], reason[64];
    uint64_t since, last_chat, last_task;
    char **ids;
    size_t n;
} got_t;

static got_t g;

static void reset(sb_test_store_t *f)
{
    for (size_t i = 0; i < g.n; i++)
        free(g.ids[i]);
    free(g.ids);
    memset(&g, 0, sizeof g);
    g.f = f;
    g.status = 12345;
}

#define COPY(dst, src) snprintf(dst, sizeof dst, "%s", (src) ? (src) : "(nil)")

static void commit_cb(sb_commit_outcome_t out, const char *why, void *priv)
{
    (void)priv;
    g.out = out;
    COPY(g.why, why);
    g.f->calls++;
}

static void contact_cb(int st, const sb_rs_contact_t *c, void *priv)
{
    (void)priv;
    g.status = st;
    g.found = c != NULL;
    if (c) {
        g.exists = c->exists;
        COPY(g.id, c->id);
        COPY(g.queue, c->queue);
        COPY(g.state, c->state);
        COPY(g.agent, c->agent);
        COPY(g.conv, c->conv);
        COPY(g.rtok, c->rtok);
        g.prev_absent = c->prev == NULL;
        g.direct = c->direct;
        g.version = c->version;
        g.enq = c->enqueued_ms;
        g.arrival = c->arrival;
        g.offer_id = c->offer_id;
        g.priority = c->priority;
    }
    g.f->calls++;
}

static void agent_cb(int st, const sb_rs_agent_t *a, void *priv)
{
    (void)priv;
    g.status = st;
    g.found = a != NULL;
    if (a) {
        COPY(g.status_s, a->status);
        COPY(g.reason, a->reason);
        g.since = a->since_ms;
        g.last_chat = a->last_finished_ms[SB_CLASS_CHAT];
        g.last_task = a->last_finished_ms[SB_CLASS_TASK];
    }
    g.f->calls++;
}

static void live_cb(int st, char **ids, size_t n, void *priv)
{
    (void)priv;
    g.status = st;
    g.ids = ids; /* taken */
    g.n = n;
    g.f->calls++;
}

static long long exists(sb_test_store_t *f, const char *key)
{
    redisReply *r = sb_test_store_cmd(f, "EXISTS %s", key);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

#define CALL(f, expr)                                                                              \
    do {                                                                                           \
        reset(f);                                                                                  \
        int c_ = (f)->calls;                                                                       \
        assert_int_equal((expr), 0);                                                               \
        sb_test_store_wait((f), c_ + 1);                                                           \
    } while (0)

static sb_rcommit_t create_commit(const char *id)
{
    sb_rcommit_t cm = {.kind = SB_COMMIT_CREATE,
                       .channel = SB_CHAN_CHAT,
                       .cls = SB_CLASS_CHAT,
                       .agent = SB_ROUTE_NONE,
                       .now_ms = NOW};
    snprintf(cm.contact_id, sizeof cm.contact_id, "%s", id);
    return cm;
}

static sb_rs_extra_t create_extra(void)
{
    return (sb_rs_extra_t){.retention_s = 3600,
                           .token_hash = "",
                           .queue_id = "q-claims",
                           .lang = "en",
                           .customer_id = "c-1",
                           .priority = 3,
                           .enqueued_ms = NOW - 5000,
                           .due_ms = 0};
}

static void test_commit_and_read_back(void **state)
{
    sb_test_store_t *f = *state;
    sb_rcommit_t cm = create_commit("k-1");
    sb_rs_extra_t x = create_extra();
    CALL(f, sb_rs_commit(f->store, P, &cm, &x, commit_cb, NULL));
    assert_int_equal(g.out, SB_COMMIT_OK);
    assert_string_equal(g.why, "");
    /* the same create again: refused, and why */
    CALL(f, sb_rs_commit(f->store, P, &cm, &x, commit_cb, NULL));
    assert_int_equal(g.out, SB_COMMIT_REFUSED);
    assert_string_equal(g.why, "exists");
    /* a chat whose conversation does not exist */
    sb_rcommit_t cm2 = create_commit("k-2");
    x.conv_id = "v-missing";
    CALL(f, sb_rs_commit(f->store, P, &cm2, &x, commit_cb, NULL));
    assert_int_equal(g.out, SB_COMMIT_REFUSED);
    assert_string_equal(g.why, "conversation");
    /* the placeholders for keys the commit does not concern were only read */
    assert_int_equal(exists(f, P "a:-") + exists(f, P "rtok:-") + exists(f, P "v:-"), 0);

    CALL(f, sb_rs_read_contact(f->store, P, "k-1", contact_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_true(g.found);
    assert_true(g.exists);
    assert_string_equal(g.id, "k-1");
    assert_string_equal(g.queue, "q-claims");
    assert_string_equal(g.state, "queued");
    assert_string_equal(g.agent, "(nil)"); /* never offered: absent, not "" */
    assert_string_equal(g.conv, "");       /* written empty at create */
    assert_false(g.prev_absent);
    assert_false(g.direct);
    assert_int_equal(g.version, 1);
    assert_int_equal(g.enq, NOW - 5000);
    assert_int_equal(g.priority, 3);
    assert_int_equal(g.arrival, 1);
    /* the contact is live */
    CALL(f, sb_rs_live(f->store, P, live_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.ids[0], "k-1");
    reset(f);
}

static void test_read_back_edge_cases(void **state)
{
    sb_test_store_t *f = *state;
    /* no such contact: a record that does not exist, not an error */
    CALL(f, sb_rs_read_contact(f->store, P, "k-none", contact_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_true(g.found);
    assert_false(g.exists);
    /* numbers and flags as written by hand */
    sb_test_store_do(f, "HSET " P "c:k-9 id k-9 version 7 offer_id 18446744073709551615 direct 1 "
                        "agent alex");
    CALL(f, sb_rs_read_contact(f->store, P, "k-9", contact_cb, NULL));
    assert_true(g.exists);
    assert_int_equal(g.version, 7);
    assert_true(g.offer_id == UINT64_MAX);
    assert_true(g.direct);
    assert_string_equal(g.agent, "alex");
    assert_string_equal(g.queue, "(nil)");
    assert_true(g.prev_absent);
    /* not a hash: an error, which recovery must not take for "gone" */
    sb_test_store_do(f, "SET " P "c:k-bad x");
    CALL(f, sb_rs_read_contact(f->store, P, "k-bad", contact_cb, NULL));
    assert_int_equal(g.status, SB_E_IO);
    assert_false(g.found);
    /* live: members too long to be contact ids are left out */
    char long_id[80];
    memset(long_id, 'x', 70);
    long_id[70] = 0;
    sb_test_store_do(f, "SADD " P "live k-1 k-2 %s", long_id);
    CALL(f, sb_rs_live(f->store, P, live_cb, NULL));
    assert_int_equal(g.n, 2);
    reset(f);
    /* an empty live set */
    sb_test_store_do(f, "DEL " P "live");
    CALL(f, sb_rs_live(f->store, P, live_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 0);
    assert_null(g.ids);
    /* a bad id never reaches a key */
    int c = f->calls;
    assert_int_equal(sb_rs_read_contact(f->store, P, "k 1", contact_cb, NULL), SB_E_INVAL);
    assert_int_equal(sb_rs_read_agent(f->store, P, "", agent_cb, NULL), SB_E_INVAL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->calls, c);
}

static void test_agent_commit_and_read_back(void **state)
{
    sb_test_store_t *f = *state;
    sb_rcommit_t cm = {.kind = SB_COMMIT_AGENT,
                       .contact = SB_ROUTE_NONE,
                       .agent = 0,
                       .status = SB_AGENT_AWAY,
                       .now_ms = NOW};
    snprintf(cm.agent_id, sizeof cm.agent_id, "alex");
    sb_rs_extra_t x = {.status = "away", .away_reason = "Case work", .token_hash = ""};
    CALL(f, sb_rs_commit(f->store, P, &cm, &x, commit_cb, NULL));
    assert_int_equal(g.out, SB_COMMIT_OK);
    sb_test_store_do(f, "HSET " P "a:alex last_task 123");
    CALL(f, sb_rs_read_agent(f->store, P, "alex", agent_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_string_equal(g.status_s, "away");
    assert_string_equal(g.reason, "Case work");
    assert_int_equal(g.since, NOW);
    assert_int_equal(g.last_chat, 0);
    assert_int_equal(g.last_task, 123);
    /* an agent never seen: every field absent */
    CALL(f, sb_rs_read_agent(f->store, P, "sam", agent_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_string_equal(g.status_s, "(nil)");
    /* the wrap-up goes on the contact hash */
    assert_int_equal(sb_rs_wrapup(f->store, P, "k-1", "resolved", "ui,resea", "called back"), 0);
    CALL(f, sb_rs_read_agent(f->store, P, "sam", agent_cb, NULL)); /* behind it */
    redisReply *r = sb_test_store_cmd(f, "HMGET " P "c:k-1 disposition services wrap_notes");
    assert_string_equal(r->element[0]->str, "resolved");
    assert_string_equal(r->element[1]->str, "ui,resea");
    assert_string_equal(r->element[2]->str, "called back");
    freeReplyObject(r);
}

static void test_script_error_is_a_refusal(void **state)
{
    sb_test_store_t *f = *state;
    /* the agent hash is not a hash: the script fails before writing: refused ("error") */
    sb_test_store_do(f, "SET " P "a:alex x");
    sb_rcommit_t cm = {.kind = SB_COMMIT_AGENT, .contact = SB_ROUTE_NONE, .now_ms = NOW};
    snprintf(cm.agent_id, sizeof cm.agent_id, "alex");
    sb_rs_extra_t x = {.status = "available", .token_hash = ""};
    CALL(f, sb_rs_commit(f->store, P, &cm, &x, commit_cb, NULL));
    assert_int_equal(g.out, SB_COMMIT_REFUSED);
    assert_string_equal(g.why, "error");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, sb_test_store_setup, sb_test_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_commit_and_read_back),
        T(test_read_back_edge_cases),
        T(test_agent_commit_and_read_back),
        T(test_script_error_is_a_refusal),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
