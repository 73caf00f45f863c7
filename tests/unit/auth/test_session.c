/* WebSocket sessions (server/auth/session.c) without sockets (net/loopback.h): who gets in, and
 * how a refusal looks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app_fixture.h"

#define S(lit) ((sb_str_t){lit, sizeof lit - 1})

static const char *const YAML = "languages: [en]\n";

static sb_test_app_t g_app;

static int setup(void **state)
{
    (void)state;
    return sb_test_app_start(&g_app, YAML);
}

static int teardown(void **state)
{
    (void)state;
    sb_test_app_stop(&g_app);
    return 0;
}

static bool closed(void *arg)
{
    return sb_loopback_close_code(arg, NULL) != 0;
}

static void test_staff_without_a_session_is_closed_4001(void **state)
{
    (void)state;
    sb_test_client_t cl;
    assert_int_equal(sb_test_client_open(&cl, &g_app, SB_EP_STAFF,
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                     0);
    assert_true(sb_test_app_run(&g_app, closed, cl.conn, 5000));
    const char *why = NULL;
    assert_int_equal(sb_loopback_close_code(cl.conn, &why), 4001);
    assert_true(strlen(why) > 0);
    sb_test_client_close(&cl);
}

static void test_customer_with_a_forged_token_is_told_to_start_again(void **state)
{
    (void)state;
    sb_test_client_t cl;
    sb_test_env_t e;
    char buf[64];
    assert_int_equal(sb_test_client_open(&cl, &g_app, SB_EP_CUSTOMER, NULL), 0);
    sb_msg_hello_t hello = {.resume_token = S("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                            .has_resume_token = true};
    assert_true(sb_test_request(&cl, SB_MSG_HELLO, &hello, &e));
    assert_string_equal(e.t, "error");
    assert_string_equal(sb_test_str(&e.body, "code", buf, sizeof buf), "TOKEN_INVALID");
    sb_test_client_close(&cl);
}

static void test_nothing_before_hello(void **state)
{
    (void)state;
    sb_test_client_t cl;
    sb_test_env_t e;
    char buf[64];
    assert_int_equal(sb_test_client_open(&cl, &g_app, SB_EP_CUSTOMER, NULL), 0);
    sb_msg_ping_t ping = {0};
    assert_true(sb_test_request(&cl, SB_MSG_PING, &ping, &e));
    assert_string_equal(sb_test_str(&e.body, "code", buf, sizeof buf), "NOT_READY");
    sb_msg_hello_t hello = {0};
    assert_true(sb_test_request(&cl, SB_MSG_HELLO, &hello, &e));
    assert_string_equal(e.t, "ok");
    assert_true(sb_test_request(&cl, SB_MSG_PING, &ping, &e));
    assert_string_equal(e.t, "ok");
    assert_true(sb_test_uint(&e.body, "server_time_ms") > 0);
    sb_test_client_close(&cl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staff_without_a_session_is_closed_4001),
        cmocka_unit_test(test_customer_with_a_forged_token_is_told_to_start_again),
        cmocka_unit_test(test_nothing_before_hello),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
