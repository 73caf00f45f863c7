/* The conversation service (server/chat/) driven without sockets: loopback connections
 * (net/loopback.h) send real frames through admission, hello, the dispatch table and the
 * handlers, against a private Redis, on the test clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app_fixture.h"

#define S(lit) ((sb_str_t){lit, sizeof lit - 1})

static const char *const YAML =
    "languages: [en]\n"
    "skills: [{id: claims}]\n"
    "queues:\n"
    "  - {id: claims, name: Claim questions, channels: [chat], skills: [{skill: claims, min: 1}],"
    " languages: [en]}\n"
    "topics: [{id: claim, queue: claims, label: {en: A claim question}}]\n"
    "staff:\n"
    "  - {username: ana, display_name: Ana Agent, role: agent, password_hash: "
    "\"$argon2id$v=19$m=65536,t=2,p=1$uv/JbDLZB5L6Zie/cFat/"
    "A$kuE0jX1FRBGSgCzvBYrhufDbtoGzyMLh9kEW0EMfzKk\",\n"
    "   "
    " skills: {claims: 3}, languages: [en], queues: [claims], capacity: {chat: 2}}\n"
    "dispositions: [{code: resolved, label: Resolved}]\n";

typedef struct {
    sb_test_app_t app;
    sb_test_client_t cust, ana;
    char conv[80], contact[80];
} world_t;

static int setup(void **state)
{
    static world_t w;
    memset(&w, 0, sizeof w);
    if (sb_test_app_start(&w.app, YAML) != 0)
        return -1;
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    if (!w)
        return 0;
    sb_test_app_stop(&w->app);
    return 0;
}

/* A customer asks, Ana takes it: both ends of an answered chat. */
static void answered_chat(world_t *w)
{
    sb_test_env_t e;
    char buf[128];
    assert_int_equal(sb_test_client_open(&w->cust, &w->app, SB_EP_CUSTOMER, NULL), 0);
    sb_msg_hello_t hello = {.client = S("unit/1"), .has_client = true};
    assert_true(sb_test_request(&w->cust, SB_MSG_HELLO, &hello, &e));
    assert_string_equal(e.t, "ok");
    sb_msg_contact_request_t req = {
        .topic = S("claim"), .channel = SB_MSG_CONTACT_REQUEST_CHANNEL_CHAT, .name = S("Pat")};
    assert_true(sb_test_request(&w->cust, SB_MSG_CONTACT_REQUEST, &req, &e));
    assert_string_equal(e.t, "ok");
    snprintf(w->contact, sizeof w->contact, "%s",
             sb_test_str(&e.body, "contact_id", buf, sizeof buf));
    snprintf(w->conv, sizeof w->conv, "%s",
             sb_test_str(&e.body, "conversation_id", buf, sizeof buf));

    char token[64];
    assert_int_equal(sb_test_app_session(&w->app, "ana", "agent", token), 0);
    assert_int_equal(sb_test_client_open(&w->ana, &w->app, SB_EP_STAFF, token), 0);
    assert_true(sb_test_request(&w->ana, SB_MSG_HELLO, &hello, &e));
    assert_string_equal(e.t, "ok");
    sb_msg_agent_state_set_t avail = {.status = SB_MSG_AGENT_STATE_SET_STATUS_AVAILABLE};
    assert_true(sb_test_request(&w->ana, SB_MSG_AGENT_STATE_SET, &avail, &e));
    assert_string_equal(e.t, "ok");
    assert_true(sb_test_take(&w->ana, "offer", &e));
    assert_string_equal(sb_test_str(&e.body, "contact_id", buf, sizeof buf), w->contact);
    sb_msg_offer_accept_t acc = {.offer_id = sb_test_uint(&e.body, "offer_id")};
    assert_true(sb_test_request(&w->ana, SB_MSG_OFFER_ACCEPT, &acc, &e));
    assert_string_equal(e.t, "ok");
    assert_true(sb_test_take(&w->ana, "chat.open", &e));
    assert_string_equal(sb_test_str(&e.body, "customer_name", buf, sizeof buf), "Pat");
}

static void test_a_message_reaches_the_agent_once_stored(void **state)
{
    world_t *w = *state;
    answered_chat(w);
    sb_test_env_t e;
    char buf[256];
    sb_str_t conv = {w->conv, (uint32_t)strlen(w->conv)};
    sb_msg_chat_send_t m = {.conversation_id = conv,
                            .client_msg_id = S("m-1"),
                            .text = S("My SSN is 123-45-6789, is my claim paid?")};
    assert_true(sb_test_request(&w->cust, SB_MSG_CHAT_SEND, &m, &e));
    assert_string_equal(e.t, "ok");
    uint64_t seq = sb_test_uint(&e.body, "seq");
    assert_true(seq > 0);
    /* stored masked, and the agent gets it as stored */
    assert_string_equal(sb_test_str(&e.body, "text", buf, sizeof buf),
                        "My SSN is XXX-XX-6789, is my claim paid?");
    sb_test_env_t ev;
    bool got = false;
    while (!got && sb_test_take(&w->ana, "chat.event", &ev)) {
        const msgpack_object *entry = sb_test_obj(&ev.body, "event");
        got = strcmp(sb_test_str(entry, "text", buf, sizeof buf),
                     "My SSN is XXX-XX-6789, is my claim paid?") == 0;
    }
    assert_true(got);
    /* a retry with the same client message id is stored once: the same seq, no second event */
    assert_true(sb_test_request(&w->cust, SB_MSG_CHAT_SEND, &m, &e));
    assert_string_equal(e.t, "ok");
    assert_int_equal(sb_test_uint(&e.body, "seq"), seq);
    /* a private note never reaches the customer, not even as a gap in what it is told */
    sb_msg_chat_send_t note = {.conversation_id = conv,
                               .client_msg_id = S("n-1"),
                               .text = S("caller sounded upset"),
                               .private = true,
                               .has_private = true};
    assert_true(sb_test_request(&w->ana, SB_MSG_CHAT_SEND, &note, &e));
    assert_string_equal(e.t, "ok");
    sb_msg_chat_send_t reply = {
        .conversation_id = conv, .client_msg_id = S("a-1"), .text = S("Let me check.")};
    assert_true(sb_test_request(&w->ana, SB_MSG_CHAT_SEND, &reply, &e));
    const msgpack_object *entry = NULL;
    do {
        assert_true(sb_test_take(&w->cust, "chat.event", &ev));
        entry = sb_test_obj(&ev.body, "event");
    } while (strcmp(sb_test_str(entry, "text", buf, sizeof buf), "Let me check.") != 0);
    /* the entry before it, as the customer numbers them, is the customer's own message */
    assert_int_equal(sb_test_uint(entry, "seq"), seq + 1);
    assert_int_equal(sb_test_uint(entry, "prev_seq"), seq);
    assert_false(sb_test_has(&w->cust, "chat.event"));
    sb_test_client_close(&w->cust);
    sb_test_client_close(&w->ana);
}

static void test_someone_elses_conversation_reads_as_none(void **state)
{
    world_t *w = *state;
    sb_test_client_t other;
    sb_test_env_t e;
    char buf[128];
    assert_int_equal(sb_test_client_open(&other, &w->app, SB_EP_CUSTOMER, NULL), 0);
    sb_msg_hello_t hello = {.client = S("unit/1"), .has_client = true};
    assert_true(sb_test_request(&other, SB_MSG_HELLO, &hello, &e));
    sb_str_t conv = {w->conv, (uint32_t)strlen(w->conv)};
    sb_msg_chat_send_t m = {.conversation_id = conv, .client_msg_id = S("x-1"), .text = S("hi")};
    assert_true(sb_test_request(&other, SB_MSG_CHAT_SEND, &m, &e));
    assert_string_equal(e.t, "error");
    assert_string_equal(sb_test_str(&e.body, "code", buf, sizeof buf), "NOT_FOUND");
    sb_test_client_close(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_message_reaches_the_agent_once_stored),
        cmocka_unit_test(test_someone_elses_conversation_reads_as_none),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
