/* Password verification and how sign-ins share it: admission per address, turns taken round robin
 * by address, verifications nobody waits for any more skipped. Real Argon2id on libuv's pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/password.h"
#include "metrics/metrics.h"
#include "util/err.h"

#define PW "correct horse battery staple"

static char g_hash[128];

typedef struct {
    char who[16];
    bool wanted;
    sb_password_result_t result;
    int done;
} req_t;

static char g_order[32];
static size_t g_n;

static void done_cb(sb_password_result_t result, void *priv)
{
    req_t *r = priv;
    r->result = result;
    r->done++;
    g_order[g_n++] = r->who[0];
}

static bool wanted(void *priv)
{
    return ((req_t *)priv)->wanted;
}

static void submit(uv_loop_t *loop, req_t *r, const char *who, const char *pw,
                   const sb_password_limits_t *lim)
{
    snprintf(r->who, sizeof r->who, "%s", who);
    r->wanted = true;
    assert_int_equal(sb_password_admit(who, lim), 0);
    assert_int_equal(
        sb_password_verify_async(loop, who, g_hash, pw, strlen(pw), wanted, done_cb, r), 0);
}

static int setup(void **state)
{
    (void)state;
    g_n = 0;
    memset(g_order, 0, sizeof g_order);
    if (!g_hash[0] && sb_password_hash(PW, strlen(PW), g_hash, sizeof g_hash) != 0)
        return -1;
    return sb_password_init();
}

/* ---------------------------------------------------------------------------------------------- */

static void test_right_and_wrong(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sb_password_limits_t lim = {2, 10, 10};
    req_t right = {0}, wrong = {0}, nobody = {0};
    submit(&loop, &right, "a", PW, &lim);
    submit(&loop, &wrong, "a", "not it", &lim);
    assert_int_equal(sb_password_admit("b", &lim), 0);
    snprintf(nobody.who, sizeof nobody.who, "b");
    assert_int_equal(
        sb_password_verify_async(&loop, "b", NULL, PW, strlen(PW), NULL, done_cb, &nobody), 0);
    assert_int_equal(sb_password_running(), 2);
    assert_int_equal(sb_password_waiting(), 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(right.result, SB_PASSWORD_MATCH);
    assert_int_equal(wrong.result, SB_PASSWORD_WRONG);
    assert_int_equal(nobody.result, SB_PASSWORD_WRONG); /* an unknown user never matches */
    assert_int_equal(right.done + wrong.done + nobody.done, 3);
    assert_int_equal(sb_password_running() + sb_password_waiting(), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A flood from one address must not push another address's sign-in behind its whole backlog:
 * waiting verifications start one per address in turn (FIFO would give AAABBC). */
static void test_turns_round_robin_by_address(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sb_password_limits_t lim = {1, 100, 10};
    req_t r[6] = {0};
    const char *who[] = {"A", "A", "A", "B", "B", "C"};
    for (int i = 0; i < 6; i++)
        submit(&loop, &r[i], who[i], "wrong", &lim);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* the first A started at once; then one each of A, B, C in turn, then what is left */
    assert_string_equal(g_order, "AABCAB");
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_admission_per_address_and_in_total(void **state)
{
    (void)state;
    sb_password_limits_t lim = {1, 3, 2};
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), 0);
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), 0);
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), SB_E_BUSY); /* its own cap */
    assert_int_equal(sb_password_admit("10.0.0.2", &lim), 0);         /* another address: yes */
    assert_int_equal(sb_password_admit("10.0.0.3", &lim), SB_E_BUSY); /* all places taken */
    sb_password_release("10.0.0.1");
    assert_int_equal(sb_password_admit("10.0.0.3", &lim), 0);
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), SB_E_BUSY); /* total again */
    sb_password_release("10.0.0.1");
    sb_password_release("10.0.0.2");
    sb_password_release("10.0.0.3");
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), 0);
    assert_int_equal(sb_password_admit("10.0.0.1", &lim), 0);
    sb_password_release("10.0.0.1");
    sb_password_release("10.0.0.1");
}

/* A sign-in whose client went away while it waited costs no verification. */
static void test_skips_what_nobody_waits_for(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    sb_password_limits_t lim = {1, 10, 10};
    req_t first = {0}, gone = {0}, kept = {0};
    submit(&loop, &first, "a", "wrong", &lim);
    submit(&loop, &gone, "b", PW, &lim);
    submit(&loop, &kept, "c", PW, &lim);
    gone.wanted = false;
    uint64_t checks = sb_metrics.password_checks;
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(gone.result, SB_PASSWORD_UNCHECKED);
    assert_int_equal(gone.done, 1);
    assert_int_equal(kept.result, SB_PASSWORD_MATCH);
    assert_int_equal(sb_metrics.password_checks, checks + 2);
    /* every admission was given back: the caps are whole again */
    sb_password_limits_t one = {1, 1, 1};
    assert_int_equal(sb_password_admit("b", &one), 0);
    sb_password_release("b");
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_right_and_wrong, setup),
        cmocka_unit_test_setup(test_turns_round_robin_by_address, setup),
        cmocka_unit_test_setup(test_admission_per_address_and_in_total, setup),
        cmocka_unit_test_setup(test_skips_what_nobody_waits_for, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
