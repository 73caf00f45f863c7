/* Sign-in limits in a real Redis through store/limit_store.h: attempts are counted before their
 * check, per account and per address, the refusal says which one and for how long, and the
 * outcomes settle the counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/limit_store.h"
#include "store_fixture.h"
#include "util/err.h"

#define P SB_TEST_PREFIX

typedef struct {
    sb_test_store_t *f;
    int status;
    sb_ls_verdict_t verdict;
    uint64_t retry_ms;
} got_t;

static got_t g;

static void reserved_cb(int st, sb_ls_verdict_t v, uint64_t retry_ms, void *priv)
{
    (void)priv;
    g.status = st;
    g.verdict = v;
    g.retry_ms = retry_ms;
    g.f->calls++;
}

static void reserve(sb_test_store_t *f, const char *user, const char *addr, uint32_t max_account,
                    uint32_t max_address)
{
    memset(&g, 0, sizeof g);
    g.f = f;
    g.status = 12345;
    int c = f->calls;
    assert_int_equal(sb_ls_login_reserve(f->store, P, user, addr, 60, max_account, max_address,
                                         reserved_cb, NULL),
                     0);
    sb_test_store_wait(f, c + 1);
}

static void settle(sb_test_store_t *f, const char *user, const char *addr, sb_ls_outcome_t o)
{
    assert_int_equal(sb_ls_login_settle(f->store, P, user, addr, 60, o), 0);
}

static long long hget(sb_test_store_t *f, const char *key, const char *field)
{
    redisReply *r = sb_test_store_cmd(f, "HGET %s %s", key, field);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;
    freeReplyObject(r);
    return v;
}

static void test_account_limit(void **state)
{
    sb_test_store_t *f = *state;
    for (int i = 0; i < 2; i++) {
        reserve(f, "alex", "10.0.0.1", 2, 10);
        assert_int_equal(g.status, 0);
        assert_int_equal(g.verdict, SB_LS_GRANTED);
        assert_int_equal(g.retry_ms, 0);
        settle(f, "alex", "10.0.0.1", SB_LS_FAIL);
    }
    /* two failures: the account is at its limit, from any address, for about the window */
    reserve(f, "alex", "10.0.0.2", 2, 10);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.verdict, SB_LS_ACCOUNT_LIMITED);
    assert_true(g.retry_ms > 50000 && g.retry_ms <= 60000);
    assert_int_equal(hget(f, P "rl:login:acct:alex", "f"), 2);
    assert_int_equal(hget(f, P "rl:login:addr:10.0.0.1", "f"), 2);
    /* another account from that address is still let through */
    reserve(f, "sam", "10.0.0.1", 2, 10);
    assert_int_equal(g.verdict, SB_LS_GRANTED);
}

static void test_address_limit_counts_attempts_in_progress(void **state)
{
    sb_test_store_t *f = *state;
    /* one attempt being checked fills an address limit of 1, whatever the account */
    reserve(f, "alex", "2001:db8::1", 5, 1);
    assert_int_equal(g.verdict, SB_LS_GRANTED);
    assert_int_equal(hget(f, P "rl:login:addr:2001:db8::1", "p"), 1);
    reserve(f, "sam", "2001:db8::1", 5, 1);
    assert_int_equal(g.status, 0);
    assert_int_equal(g.verdict, SB_LS_ADDRESS_LIMITED);
    assert_true(g.retry_ms > 0);
    /* skipped (never checked): nothing counted, the counters go */
    settle(f, "alex", "2001:db8::1", SB_LS_SKIP);
    reserve(f, "sam", "2001:db8::1", 5, 1);
    assert_int_equal(g.verdict, SB_LS_GRANTED);
}

static void test_success_clears_the_account(void **state)
{
    sb_test_store_t *f = *state;
    reserve(f, "alex", "10.0.0.1", 5, 10);
    settle(f, "alex", "10.0.0.1", SB_LS_FAIL);
    reserve(f, "alex", "10.0.0.1", 5, 10);
    settle(f, "alex", "10.0.0.1", SB_LS_OK);
    reserve(f, "alex", "10.0.0.1", 5, 10); /* behind the settles */
    long long acct_f = hget(f, P "rl:login:acct:alex", "f");
    assert_true(acct_f == -1 || acct_f == 0);                      /* cleared (or the hash gone) */
    assert_int_equal(hget(f, P "rl:login:addr:10.0.0.1", "f"), 1); /* the address keeps it */
}

static void test_unknown_address_and_bad_parts(void **state)
{
    sb_test_store_t *f = *state;
    reserve(f, "alex", "", 5, 10);
    assert_int_equal(g.verdict, SB_LS_GRANTED);
    assert_int_equal(hget(f, P "rl:login:addr:-", "p"), 1);
    int c = f->calls;
    assert_int_equal(
        sb_ls_login_reserve(f->store, P, "al ex", "10.0.0.1", 60, 5, 10, reserved_cb, NULL),
        SB_E_INVAL);
    assert_int_equal(sb_ls_login_settle(f->store, P, "alex", "10.0.0.1%eth0", 60, SB_LS_FAIL),
                     SB_E_INVAL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(f->calls, c);
    /* a counter that is not a hash: an error, not a verdict */
    sb_test_store_do(f, "RPUSH " P "rl:login:acct:bad x");
    reserve(f, "bad", "10.0.0.1", 5, 10);
    assert_int_equal(g.status, SB_E_IO);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, sb_test_store_setup, sb_test_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_account_limit),
        T(test_address_limit_counts_attempts_in_progress),
        T(test_success_clears_the_account),
        T(test_unknown_address_and_bad_parts),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
