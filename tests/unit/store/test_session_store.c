/* Staff sessions and customers' resume tokens in a real Redis through store/session_store.h:
 * create, look up, list and revoke sessions; new, resume, touch and revoke tokens. The cases are
 * those a parser reading replies by position gets wrong: nil fields, a value too long to copy, a
 * member that is not a hash, an error reply instead of a value, a contact id that may not reach
 * a key, and a pending request whose Redis dies (its callback runs once, with STORE_DOWN). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/session_store.h"
#include "store_fixture.h"
#include "util/err.h"

#define P      SB_TEST_PREFIX
#define NOW    1700000000000ull
#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

typedef struct {
    sb_test_store_t *f;
    int status;
    bool found;
    sb_ss_session_t sess;
    sb_ss_token_t tok;
    char hashes[SB_SS_LIST_MAX][65];
    size_t n;
    long long revoked;
    bool created;
} got_t;

static got_t g;

static void reset(sb_test_store_t *f)
{
    memset(&g, 0, sizeof g);
    g.f = f;
    g.status = 12345;
}

static void done_cb(int st, void *priv)
{
    (void)priv;
    g.status = st;
    g.f->calls++;
}

static void session_cb(int st, const sb_ss_session_t *s, void *priv)
{
    (void)priv;
    g.status = st;
    g.found = s != NULL;
    if (s)
        g.sess = *s;
    g.f->calls++;
}

static void list_cb(int st, const char *const *hashes, size_t n, void *priv)
{
    (void)priv;
    g.status = st;
    g.n = n;
    for (size_t i = 0; i < n; i++)
        snprintf(g.hashes[i], sizeof g.hashes[i], "%s", hashes[i]);
    g.f->calls++;
}

static void revoked_cb(int st, long long revoked, void *priv)
{
    (void)priv;
    g.status = st;
    g.revoked = revoked;
    g.f->calls++;
}

static void token_created_cb(int st, bool created, void *priv)
{
    (void)priv;
    g.status = st;
    g.created = created;
    g.f->calls++;
}

static void token_cb(int st, const sb_ss_token_t *t, void *priv)
{
    (void)priv;
    g.status = st;
    g.found = t != NULL;
    if (t)
        g.tok = *t;
    g.f->calls++;
}

static long long int_cmd(sb_test_store_t *f, const char *fmt, const char *arg)
{
    redisReply *r = sb_test_store_cmd(f, fmt, arg);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1000;
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

static void create(sb_test_store_t *f, const char *hash, const char *user)
{
    CALL(f, sb_ss_session_create(f->store, P, hash, user, "agent", NOW, 3600, done_cb, NULL));
    assert_int_equal(g.status, 0);
}

static void lookup(sb_test_store_t *f, const char *hash)
{
    CALL(f, sb_ss_session_lookup(f->store, P, hash, session_cb, NULL));
}

/* ------------------------------------------------------------------------------------------------
 * Staff sessions
 * ---------------------------------------------------------------------------------------------- */

static void test_session_create_and_lookup(void **state)
{
    sb_test_store_t *f = *state;
    create(f, HASH_A, "alex");
    lookup(f, HASH_A);
    assert_int_equal(g.status, 0);
    assert_true(g.found);
    assert_string_equal(g.sess.user, "alex");
    assert_int_equal(g.sess.expires_ms, NOW + 3600 * 1000);
    /* what the script wrote, by name */
    redisReply *r = sb_test_store_cmd(f, "HGET " P "sess:" HASH_A " role");
    assert_string_equal(r->str, "agent");
    freeReplyObject(r);
    assert_int_equal(int_cmd(f, "SISMEMBER " P "user_sess:alex %s", HASH_A), 1);
    assert_true(int_cmd(f, "TTL %s", P "sess:" HASH_A) > 3500);
    /* unknown: no session, not an error */
    lookup(f, HASH_B);
    assert_int_equal(g.status, 0);
    assert_false(g.found);
    /* a session without its expiry reads as expired (0), not as a garbage number */
    sb_test_store_do(f, "HSET " P "sess:" HASH_B " user sam");
    lookup(f, HASH_B);
    assert_true(g.found);
    assert_string_equal(g.sess.user, "sam");
    assert_int_equal(g.sess.expires_ms, 0);
    /* a user name longer than any username: no session, never a truncated name */
    sb_test_store_do(f, "HSET " P "sess:" HASH_C " user %s expires_ms 99999999999999",
                     "u123456789u123456789u123456789u123456789u123456789u123456789u12345");
    lookup(f, HASH_C);
    assert_int_equal(g.status, 0);
    assert_false(g.found);
    /* not a hash: an error reply, not "no session" */
    sb_test_store_do(f, "DEL " P "sess:" HASH_C);
    sb_test_store_do(f, "SET " P "sess:" HASH_C " x");
    lookup(f, HASH_C);
    assert_int_equal(g.status, SB_E_IO);
    assert_false(g.found);
}

static void test_session_bad_parts_are_refused(void **state)
{
    sb_test_store_t *f = *state;
    int c = f->calls;
    /* a cookie value (not its hash) must never reach a key */
    assert_int_equal(sb_ss_session_lookup(f->store, P, "Not-A-Hash_0123456789", session_cb, NULL),
                     SB_E_INVAL);
    assert_int_equal(
        sb_ss_session_create(f->store, P, HASH_A, "bad user", "agent", NOW, 60, done_cb, NULL),
        SB_E_INVAL);
    const char *bad = "xyz";
    assert_int_equal(sb_ss_session_revoke(f->store, P, "alex", &bad, 1, revoked_cb, NULL),
                     SB_E_INVAL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->calls, c); /* the callbacks never run */
    assert_int_equal(int_cmd(f, "DBSIZE", NULL), 0);
}

static void test_session_list_and_revoke(void **state)
{
    sb_test_store_t *f = *state;
    create(f, HASH_A, "alex");
    create(f, HASH_B, "alex");
    create(f, HASH_C, "sam");
    /* a member that is not a hash is left out */
    sb_test_store_do(f, "SADD " P "user_sess:alex junk");
    CALL(f, sb_ss_session_list(f->store, P, "alex", list_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 2);
    bool a = false, b = false;
    for (size_t i = 0; i < g.n; i++) {
        a |= strcmp(g.hashes[i], HASH_A) == 0;
        b |= strcmp(g.hashes[i], HASH_B) == 0;
    }
    assert_true(a && b);
    /* revoke both, and one that no longer exists */
    const char *h[] = {HASH_A, HASH_B,
                       "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"};
    CALL(f, sb_ss_session_revoke(f->store, P, "alex", h, 3, revoked_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_int_equal(g.revoked, 2);
    lookup(f, HASH_A);
    assert_false(g.found);
    assert_int_equal(int_cmd(f, "SISMEMBER " P "user_sess:alex %s", HASH_A), 0);
    lookup(f, HASH_C); /* someone else's stays */
    assert_true(g.found);
    /* nobody's sessions: an empty list */
    CALL(f, sb_ss_session_list(f->store, P, "nobody", list_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_int_equal(g.n, 0);
    /* a set that is not a set: an error */
    sb_test_store_do(f, "SET " P "user_sess:bad x");
    CALL(f, sb_ss_session_list(f->store, P, "bad", list_cb, NULL));
    assert_int_equal(g.status, SB_E_IO);
}

/* ------------------------------------------------------------------------------------------------
 * Resume tokens
 * ---------------------------------------------------------------------------------------------- */

static void test_token_new_resume_touch_revoke(void **state)
{
    sb_test_store_t *f = *state;
    CALL(f,
         sb_ss_token_create(f->store, P, HASH_A, "c-0123", "es", NOW, 600, token_created_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_true(g.created);
    /* the same hash again: refused, nothing overwritten */
    CALL(f, sb_ss_token_create(f->store, P, HASH_A, "c-other", "en", NOW, 600, token_created_cb,
                               NULL));
    assert_int_equal(g.status, 0);
    assert_false(g.created);
    /* resumed: the customer, no open contact yet (element 2 is ""), window restarted */
    sb_test_store_do(f, "EXPIRE " P "rtok:" HASH_A " 5");
    CALL(f, sb_ss_token_resume(f->store, P, HASH_A, 600, token_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_true(g.found);
    assert_string_equal(g.tok.customer_id, "c-0123");
    assert_string_equal(g.tok.contact_id, "");
    assert_true(int_cmd(f, "TTL %s", P "rtok:" HASH_A) > 500);
    /* with an open contact */
    sb_test_store_do(f, "HSET " P "rtok:" HASH_A " contact k-42");
    CALL(f, sb_ss_token_resume(f->store, P, HASH_A, 600, token_cb, NULL));
    assert_string_equal(g.tok.contact_id, "k-42");
    /* a contact id that could not be an id is dropped, the customer is still recognised */
    sb_test_store_do(f, "HSET " P "rtok:" HASH_A " contact %s", "k 42{x}");
    CALL(f, sb_ss_token_resume(f->store, P, HASH_A, 600, token_cb, NULL));
    assert_true(g.found);
    assert_string_equal(g.tok.contact_id, "");
    /* unknown (nil): no token, no error */
    CALL(f, sb_ss_token_resume(f->store, P, HASH_B, 600, token_cb, NULL));
    assert_int_equal(g.status, 0);
    assert_false(g.found);
    /* touch restarts the window; revoke deletes it */
    sb_test_store_do(f, "EXPIRE " P "rtok:" HASH_A " 5");
    assert_int_equal(sb_ss_token_touch(f->store, P, HASH_A, 600), 0);
    assert_int_equal(sb_ss_token_revoke(f->store, P, HASH_B), 0);
    CALL(f, sb_ss_token_resume(f->store, P, HASH_B, 600, token_cb, NULL)); /* behind them */
    assert_true(int_cmd(f, "TTL %s", P "rtok:" HASH_A) > 500);
    assert_int_equal(sb_ss_token_revoke(f->store, P, HASH_A), 0);
    CALL(f, sb_ss_token_resume(f->store, P, HASH_A, 600, token_cb, NULL));
    assert_false(g.found);
    assert_int_equal(int_cmd(f, "EXISTS %s", P "rtok:" HASH_A), 0);
}

static void test_token_error_reply(void **state)
{
    sb_test_store_t *f = *state;
    sb_test_store_do(f, "SET " P "rtok:" HASH_A " x");
    CALL(f, sb_ss_token_resume(f->store, P, HASH_A, 600, token_cb, NULL));
    assert_int_equal(g.status, SB_E_IO);
    assert_false(g.found);
}

static void test_redis_dies_with_a_request_pending(void **state)
{
    sb_test_store_t *f = *state;
    create(f, HASH_A, "alex");
    /* Redis holds every client's commands; the lookup is sent and waits; then Redis dies */
    sb_test_store_do(f, "CLIENT PAUSE 5000");
    reset(f);
    int c = f->calls;
    assert_int_equal(sb_ss_session_lookup(f->store, P, HASH_A, session_cb, NULL), 0);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    sb_test_redis_kill(&f->redis);
    sb_test_store_wait(f, c + 1);
    assert_int_equal(g.status, SB_E_STORE_DOWN);
    assert_false(g.found);
    /* exactly once: nothing more arrives */
    for (int i = 0; i < 50; i++)
        uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->calls, c + 1);
    /* while down, nothing is sent and the callback never runs */
    assert_int_equal(sb_ss_session_lookup(f->store, P, HASH_A, session_cb, NULL), SB_E_STORE_DOWN);
    assert_int_equal(f->calls, c + 1);
    assert_int_equal(sb_test_redis_restart(&f->redis), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, sb_test_store_setup, sb_test_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_session_create_and_lookup), T(test_session_bad_parts_are_refused),
        T(test_session_list_and_revoke),   T(test_token_new_resume_touch_revoke),
        T(test_token_error_reply),         T(test_redis_dies_with_a_request_pending),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
