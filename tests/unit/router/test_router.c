/* The routing shell (server/router/) driven without sockets (net/loopback.h): what specialists
 * and customers see when customers leave and come back, on the test clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app_fixture.h"

#define S(lit) ((sb_str_t){lit, sizeof lit - 1})
#define HASH                                                                                       \
    "$argon2id$v=19$m=65536,t=2,p=1$uv/JbDLZB5L6Zie/cFat/"                                         \
    "A$kuE0jX1FRBGSgCzvBYrhufDbtoGzyMLh9kEW0EMfzKk"

static const char *const YAML =
    "languages: [en]\n"
    "skills: [{id: claims}]\n"
    "queues:\n"
    "  - {id: claims, name: Claim questions, channels: [chat, voice], languages: [en],"
    " skills: [{skill: claims, min: 1}]}\n"
    "topics: [{id: claim, queue: claims, label: {en: A claim question}}]\n"
    "staff:\n"
    "  - {username: ana, display_name: Ana Agent, role: agent, password_hash: \"" HASH "\","
    " skills: {claims: 3}, languages: [en], queues: [claims]}\n"
    "dispositions: [{code: resolved, label: Resolved}]\n";

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

static void available(sb_test_client_t *agent)
{
    sb_test_env_t e;
    sb_msg_agent_state_set_t st = {.status = SB_MSG_AGENT_STATE_SET_STATUS_AVAILABLE};
    assert_true(sb_test_request(agent, SB_MSG_AGENT_STATE_SET, &st, &e));
    assert_string_equal(e.t, "ok");
}

/* A voice request (no conversation): the contact's id. */
static void ask(sb_test_client_t *cust, char *contact, size_t len)
{
    sb_test_env_t e;
    sb_msg_contact_request_t req = {
        .topic = S("claim"), .channel = SB_MSG_CONTACT_REQUEST_CHANNEL_VOICE, .name = S("Pat")};
    assert_true(sb_test_request(cust, SB_MSG_CONTACT_REQUEST, &req, &e));
    assert_string_equal(e.t, "ok");
    sb_test_str(&e.body, "contact_id", contact, len);
}

static void test_offer_withdrawn_when_the_customer_leaves(void **state)
{
    (void)state;
    sb_test_client_t ana, cust, back;
    sb_test_env_t e, offer;
    char contact[80], buf[80];
    assert_int_equal(sb_test_staff(&ana, &g_app, "ana", "agent"), 0);
    available(&ana);
    assert_int_equal(sb_test_customer(&cust, &g_app, NULL), 0);
    assert_true(sb_test_take(&cust, "customer.setup", &e));
    ask(&cust, contact, sizeof contact);
    assert_true(sb_test_take(&ana, "offer", &offer));
    assert_string_equal(sb_test_str(&offer.body, "contact_id", buf, sizeof buf), contact);
    /* the customer's tab closes: the offer goes back at once */
    sb_loopback_hangup(cust.conn);
    assert_true(sb_test_take(&ana, "offer.gone", &e));
    assert_string_equal(sb_test_str(&e.body, "reason", buf, sizeof buf), "withdrawn");
    sb_msg_offer_accept_t acc = {.offer_id = sb_test_uint(&offer.body, "offer_id")};
    assert_true(sb_test_request(&ana, SB_MSG_OFFER_ACCEPT, &acc, &e));
    assert_string_equal(e.t, "error");
    assert_string_equal(sb_test_str(&e.body, "code", buf, sizeof buf), "OFFER_WITHDRAWN");
    /* ten seconds pass: nobody is offered a customer who is gone */
    sb_test_app_advance(&g_app, 10000);
    assert_false(sb_test_has(&ana, "offer"));
    /* back with the resume token: the same contact, offered again */
    assert_int_equal(sb_test_customer(&back, &g_app, cust.resume_token), 0);
    sb_test_client_close(&cust);
    assert_string_equal(back.contact_id, contact);
    assert_true(sb_test_take(&ana, "offer", &offer));
    assert_string_equal(sb_test_str(&offer.body, "contact_id", buf, sizeof buf), contact);
    acc.offer_id = sb_test_uint(&offer.body, "offer_id");
    assert_true(sb_test_request(&ana, SB_MSG_OFFER_ACCEPT, &acc, &e));
    assert_string_equal(e.t, "ok");
    /* the customer hears they are connected */
    bool assigned = false;
    while (!assigned && sb_test_take(&back, "contact.status", &e))
        assigned = strcmp(sb_test_str(&e.body, "state", buf, sizeof buf), "assigned") == 0;
    assert_true(assigned);
    sb_test_client_close(&back);
    sb_test_client_close(&ana);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_withdrawn_when_the_customer_leaves),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
