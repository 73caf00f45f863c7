/* The routing engine's rules (server/route), one or more tests per rule, each driven through the
 * public API with a test clock: the tests play the shell (support/route_model.h) and answer every
 * commit, so each rule is checked the way the server will use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "route_model.h"
#include "util/err.h"

#define T0            1700000000000ull /* the test clock starts at a realistic wall-clock time */
#define CH(c)         (uint8_t)(1u << (c))
#define LANG(l)       (1ull << (l))
#define COOLDOWN      30000u
#define GRACE         60000u
#define TIMEOUT       30000u
#define WRAPUP        120000u
#define STEP          60000u /* priority step */
#define MISSED_REASON 7

#define OK(h) assert_string_equal((h)->err, "")

/* ------------------------------------------------------------------------------------------------
 * Building configurations
 * ---------------------------------------------------------------------------------------------- */

static sb_rparams_t params(void)
{
    return (sb_rparams_t){.decline_cooldown_ms = COOLDOWN,
                          .max_missed_offers = 3,
                          .disconnect_grace_ms = GRACE,
                          .priority_step_ms = STEP,
                          .position_every_ms = 1000,
                          .missed_offers_reason = MISSED_REASON};
}

static sb_rqueue_def_t queue(const char *id, uint8_t channels, uint64_t langs)
{
    sb_rqueue_def_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.id, sizeof q.id, "%s", id);
    q.channels = channels;
    q.langs = langs;
    q.priority = 1;
    q.strategy = SB_STRATEGY_LONGEST_IDLE;
    q.offer_timeout_ms = TIMEOUT;
    q.wrapup_limit_ms = WRAPUP;
    q.n_steps = 1;
    q.always_open = true;
    return q;
}

static void require(sb_rqueue_def_t *q, uint8_t step, uint16_t skill, uint8_t min)
{
    sb_rstep_t *s = &q->steps[step];
    s->reqs[s->n_reqs].skill = skill;
    s->reqs[s->n_reqs].min = min;
    s->n_reqs++;
    if (step + 1 > q->n_steps)
        q->n_steps = (uint8_t)(step + 1);
}

/* agents serve queues listed in a static table, one row per agent */
static uint32_t g_serves[16][8];

static sb_ragent_def_t agent(uint32_t ix, const char *id, uint64_t langs, uint32_t n_queues, ...)
{
    sb_ragent_def_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", id);
    a.langs = langs;
    va_list ap;
    va_start(ap, n_queues);
    for (uint32_t i = 0; i < n_queues; i++)
        g_serves[ix][i] = va_arg(ap, uint32_t);
    va_end(ap);
    a.n_queues = n_queues;
    a.queues = g_serves[ix];
    a.capacity[SB_CLASS_CHAT] = 3;
    a.capacity[SB_CLASS_CALL] = 1;
    a.capacity[SB_CLASS_TASK] = 1;
    return a;
}

static void skill(sb_ragent_def_t *a, uint16_t s, uint8_t level)
{
    a->levels[a->levels_n].skill = s;
    a->levels[a->levels_n].level = level;
    a->levels_n++;
}

/* ------------------------------------------------------------------------------------------------
 * Driving the engine
 * ---------------------------------------------------------------------------------------------- */

static void init(rh_t *h, const sb_rqueue_def_t *q, uint32_t nq, const sb_ragent_def_t *a,
                 uint32_t na)
{
    sb_rparams_t p = params();
    assert_int_equal(rh_init(h, q, nq, a, na, &p, T0), 0);
    OK(h);
}

static uint32_t arrive(rh_t *h, const char *id, uint32_t q, sb_channel_t ch, uint16_t lang)
{
    uint32_t ix;
    assert_int_equal(rh_arrive(h, id, q, ch, lang, 0, &ix), SB_ARRIVE_OK);
    OK(h);
    return ix;
}

static uint32_t arrive_spec(rh_t *h, const char *id, uint32_t q, sb_channel_t ch, uint8_t prio,
                            uint64_t due)
{
    sb_rcontact_t c;
    memset(&c, 0, sizeof c);
    snprintf(c.id, sizeof c.id, "%s", id);
    c.queue = q;
    c.channel = ch;
    c.priority = prio;
    c.enqueued_ms = h->now;
    c.due_ms = due;
    c.agent = SB_ROUTE_NONE;
    uint32_t ix;
    assert_int_equal(sb_route_contact_arrive(h->r, &c, h->now, &ix, NULL), SB_ARRIVE_OK);
    rh_pump(h);
    OK(h);
    return ix;
}

static sb_cstate_t cstate(rh_t *h, uint32_t c)
{
    sb_rcontact_view_t v = rh_contact(h, c);
    return v.exists ? v.state : SB_CSTATE__COUNT; /* gone: completed or canceled */
}

static uint32_t holder(rh_t *h, uint32_t c)
{
    return rh_contact(h, c).agent;
}

/* The contact currently offered to `agent`, SB_ROUTE_NONE if none. */
static uint32_t offer_of(rh_t *h, uint32_t agent)
{
    return rh_agent(h, agent).offer_contact;
}

static sb_route_result_t accept(rh_t *h, uint32_t agent)
{
    sb_ragent_view_t v = rh_agent(h, agent);
    sb_route_result_t rc = sb_route_offer_accept(h->r, agent, v.offer_id, h->now);
    rh_pump(h);
    OK(h);
    return rc;
}

static sb_route_result_t decline(rh_t *h, uint32_t agent)
{
    sb_ragent_view_t v = rh_agent(h, agent);
    sb_route_result_t rc = sb_route_offer_decline(h->r, agent, v.offer_id, h->now);
    rh_pump(h);
    OK(h);
    return rc;
}

static void end(rh_t *h, uint32_t agent, uint32_t c)
{
    assert_int_equal(sb_route_contact_end(h->r, agent, c, h->now), SB_ROUTE_OK);
    rh_pump(h);
    OK(h);
}

static void wrapup(rh_t *h, uint32_t agent, uint32_t c)
{
    assert_int_equal(sb_route_wrapup_done(h->r, agent, c, h->now), SB_ROUTE_OK);
    rh_pump(h);
    OK(h);
}

static void finish(rh_t *h, uint32_t agent, uint32_t c)
{
    end(h, agent, c);
    wrapup(h, agent, c);
}

static void set_status(rh_t *h, uint32_t agent, sb_agent_status_t st)
{
    assert_int_equal(sb_route_agent_set_status(h->r, agent, st, 1, h->now), 0);
    rh_pump(h);
    OK(h);
}

static void run(rh_t *h, uint64_t t)
{
    rh_run_until(h, t);
    OK(h);
}

/* Offers the agent got, as contact ids in order, from the log from `from` on ("a,b,c"). */
static const char *offers_to(rh_t *h, size_t from, const char *agent_id)
{
    static char buf[512];
    buf[0] = 0;
    for (size_t i = from; i < h->n_log; i++) {
        const sb_rdecision_t *d = &h->log[i];
        if (d->kind != SB_RD_COMMIT || strcmp(d->commit.agent_id, agent_id) != 0)
            continue;
        if (d->commit.kind == SB_COMMIT_OFFER ||
            (d->commit.kind == SB_COMMIT_CREATE && d->commit.offer_with_create)) {
            if (buf[0])
                strcat(buf, ",");
            strcat(buf, d->commit.contact_id);
        }
    }
    return buf;
}

/* ------------------------------------------------------------------------------------------------
 * Eligibility
 * ---------------------------------------------------------------------------------------------- */

static void test_offer_comes_with_create(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    size_t mark = h.n_log;
    uint32_t c = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_CREATE, "c1");
    assert_non_null(d);
    assert_true(d->commit.offer_with_create);
    assert_string_equal(d->commit.agent_id, "ana");
    assert_int_equal(d->commit.expect_version, 0);
    assert_int_equal(d->commit.deadline_ms, T0 + TIMEOUT);
    assert_non_null(rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CREATE, "c1"));
    assert_int_equal(cstate(&h, c), SB_CSTATE_OFFERED);
    assert_int_equal(holder(&h, c), 0);
    assert_int_equal(offer_of(&h, 0), c);
    assert_int_equal(rh_contact(&h, c).version, 1);
    rh_free(&h);
}

/* One row per condition of the rule: an agent otherwise eligible, with one thing changed. */
typedef enum {
    E_BASE,
    E_AT_MIN,          /* skill exactly at the minimum */
    E_SECOND_LANGUAGE, /* speaks the language among others */
    E_NOT_SERVING,
    E_SKILL_MISSING,
    E_SKILL_LOW,
    E_ONE_OF_TWO_SKILLS,
    E_LANGUAGE,
    E_AWAY,
    E_OFFLINE,       /* connected, never made available */
    E_DISCONNECTED,  /* available but the connection dropped */
    E_NO_CHAT_SLOTS, /* chat capacity 0 */
    E_CHATS_FULL,    /* holds its capacity */
    E_PENDING_OFFER, /* already has an offer */
    E_REMOVED,       /* removed from the configuration */
} erow_t;

static const struct {
    erow_t row;
    const char *name;
    bool eligible;
} g_erows[] = {
    {E_BASE, "base", true},
    {E_AT_MIN, "skill at minimum", true},
    {E_SECOND_LANGUAGE, "second language", true},
    {E_NOT_SERVING, "not serving the queue", false},
    {E_SKILL_MISSING, "skill missing", false},
    {E_SKILL_LOW, "skill below minimum", false},
    {E_ONE_OF_TWO_SKILLS, "one of two required skills", false},
    {E_LANGUAGE, "does not speak the language", false},
    {E_AWAY, "away", false},
    {E_OFFLINE, "offline", false},
    {E_DISCONNECTED, "disconnected", false},
    {E_NO_CHAT_SLOTS, "no chat capacity", false},
    {E_CHATS_FULL, "chats full", false},
    {E_PENDING_OFFER, "pending offer", false},
    {E_REMOVED, "removed", false},
};

static void test_eligibility_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_erows / sizeof g_erows[0]; i++) {
        erow_t row = g_erows[i].row;
        sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0) | LANG(1)),
                               queue("other", CH(SB_CHAN_CHAT), LANG(0) | LANG(1))};
        require(&q[0], 0, 5, 3);
        if (row == E_ONE_OF_TWO_SKILLS)
            require(&q[0], 0, 6, 1);
        sb_ragent_def_t a[] = {agent(0, "ana", LANG(1), 1, 0)};
        skill(&a[0], 2, 5);
        skill(&a[0], 5, row == E_AT_MIN ? 3 : row == E_SKILL_LOW ? 2 : 4);
        if (row == E_SKILL_MISSING)
            a[0].levels[1].skill = 9;
        if (row == E_SECOND_LANGUAGE)
            a[0].langs = LANG(0) | LANG(1) | LANG(5);
        if (row == E_LANGUAGE)
            a[0].langs = LANG(0);
        if (row == E_NOT_SERVING)
            g_serves[0][0] = 1;
        if (row == E_NO_CHAT_SLOTS)
            a[0].capacity[SB_CLASS_CHAT] = 0;
        if (row == E_CHATS_FULL)
            a[0].capacity[SB_CLASS_CHAT] = 1;
        if (row == E_REMOVED)
            a[0].removed = true;
        rh_t h;
        init(&h, q, 2, a, 1);
        sb_route_agent_connected(h.r, 0, h.now);
        rh_pump(&h);
        if (row != E_OFFLINE)
            set_status(&h, 0, row == E_AWAY ? SB_AGENT_AWAY : SB_AGENT_AVAILABLE);
        if (row == E_DISCONNECTED) {
            sb_route_agent_disconnected(h.r, 0, h.now);
            rh_pump(&h);
        }
        if (row == E_CHATS_FULL) {
            arrive(&h, "held", 0, SB_CHAN_CHAT, 1);
            assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
        }
        if (row == E_PENDING_OFFER)
            arrive(&h, "first", 0, SB_CHAN_CHAT, 1);
        h.now += 1000;
        uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 1);
        bool offered = cstate(&h, c) == SB_CSTATE_OFFERED && holder(&h, c) == 0;
        if (offered != g_erows[i].eligible)
            fail_msg("row '%s': offered=%d, expected %d", g_erows[i].name, offered,
                     g_erows[i].eligible);
        if (!g_erows[i].eligible) {
            assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
            if (sb_route_eligible(h.r, 0, c, h.now))
                fail_msg("row '%s': sb_route_eligible says yes", g_erows[i].name);
        }
        if (row == E_PENDING_OFFER) {
            /* once the first offer is answered the agent can take the second */
            assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
            assert_int_equal(cstate(&h, c), SB_CSTATE_OFFERED);
            assert_int_equal(holder(&h, c), 0);
        }
        rh_free(&h);
    }
}

/* Away or offline while holding work: no new offers, the work already held continues. */
static void test_away_keeps_work(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);

    set_status(&h, 0, SB_AGENT_AWAY);
    uint32_t c3 = arrive(&h, "c3", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(cstate(&h, c3), SB_CSTATE_QUEUED);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_ASSIGNED);
    assert_int_equal(rh_agent(&h, 0).load[SB_CLASS_CHAT], 2);
    finish(&h, 0, c1); /* work continues while away */
    assert_int_equal(cstate(&h, c3), SB_CSTATE_QUEUED);

    set_status(&h, 0, SB_AGENT_OFFLINE);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_ASSIGNED);
    end(&h, 0, c2);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_WRAPPING);
    assert_int_equal(cstate(&h, c3), SB_CSTATE_QUEUED);

    set_status(&h, 0, SB_AGENT_AVAILABLE);
    assert_int_equal(cstate(&h, c3), SB_CSTATE_OFFERED);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Capacity and blending
 * ---------------------------------------------------------------------------------------------- */

static void test_capacity_three_chats(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c[4];
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "c%d", i);
        c[i] = arrive(&h, id, 0, SB_CHAN_CHAT, 0);
        h.now += 10;
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(offer_of(&h, 0), c[i]);
        assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    }
    assert_int_equal(offer_of(&h, 0), SB_ROUTE_NONE);
    assert_int_equal(cstate(&h, c[3]), SB_CSTATE_QUEUED);
    assert_int_equal(rh_agent(&h, 0).load[SB_CLASS_CHAT], 3);
    end(&h, 0, c[0]); /* wrapping keeps the slot */
    assert_int_equal(cstate(&h, c[3]), SB_CSTATE_QUEUED);
    wrapup(&h, 0, c[0]);
    assert_int_equal(offer_of(&h, 0), c[3]);
    rh_free(&h);
}

/* Voice and video share one call slot, and a call is exclusive for new offers. */
static void test_call_slot_shared_and_exclusive(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {
        queue("q", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE) | CH(SB_CHAN_VIDEO), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t v1 = arrive(&h, "voice1", 0, SB_CHAN_VOICE, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    h.now += 10;
    uint32_t v2 = arrive(&h, "video2", 0, SB_CHAN_VIDEO, 0);
    h.now += 10;
    uint32_t c1 = arrive(&h, "chat1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(cstate(&h, v2), SB_CSTATE_QUEUED); /* the call slot is taken */
    assert_int_equal(cstate(&h, c1), SB_CSTATE_QUEUED); /* no new chats while on a call */
    assert_false(sb_route_eligible(h.r, 0, c1, h.now));
    end(&h, 0, v1);
    assert_int_equal(cstate(&h, v2), SB_CSTATE_QUEUED); /* wrap-up holds the slot */
    wrapup(&h, 0, v1);
    /* the older waiting contact wins across the classes */
    assert_int_equal(offer_of(&h, 0), v2);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_QUEUED);
    rh_free(&h);
}

static void test_chats_continue_during_call(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "chat1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t v1 = arrive(&h, "voice1", 0, SB_CHAN_VOICE, 0);
    assert_int_equal(offer_of(&h, 0), v1); /* a call may come on top of open chats */
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c2 = arrive(&h, "chat2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_QUEUED);
    finish(&h, 0, c1); /* the open chat goes on */
    assert_int_equal(cstate(&h, c2), SB_CSTATE_QUEUED);
    finish(&h, 0, v1);
    assert_int_equal(offer_of(&h, 0), c2);
    rh_free(&h);
}

static void test_task_only_without_live_work(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("chat", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE), LANG(0)),
                           queue("resea", CH(SB_CHAN_TASK), LANG(0))};
    q[1].by_due = true;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 2, 0, 1)};
    rh_t h;
    init(&h, q, 2, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "chat1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t t1 = arrive(&h, "task1", 1, SB_CHAN_TASK, 0);
    assert_int_equal(cstate(&h, t1), SB_CSTATE_QUEUED);
    assert_false(sb_route_eligible(h.r, 0, t1, h.now));
    finish(&h, 0, c1);
    assert_int_equal(offer_of(&h, 0), t1);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    /* live contacts may still come to an agent holding a task */
    uint32_t c2 = arrive(&h, "chat2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(offer_of(&h, 0), c2);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t v1 = arrive(&h, "voice1", 0, SB_CHAN_VOICE, 0);
    assert_int_equal(offer_of(&h, 0), v1);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    /* a second task waits even after the first is done, while live work is held */
    uint32_t t2 = arrive(&h, "task2", 1, SB_CHAN_TASK, 0);
    finish(&h, 0, t1);
    assert_int_equal(cstate(&h, t2), SB_CSTATE_QUEUED);
    finish(&h, 0, c2);
    assert_int_equal(cstate(&h, t2), SB_CSTATE_QUEUED);
    finish(&h, 0, v1);
    assert_int_equal(offer_of(&h, 0), t2);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Order of contacts
 * ---------------------------------------------------------------------------------------------- */

static void test_order_fifo_with_priority(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 5;
    rh_t h;
    init(&h, q, 1, a, 1);
    arrive_spec(&h, "c1", 0, SB_CHAN_CHAT, 0, 0);
    h.now += 1000;
    arrive_spec(&h, "c2", 0, SB_CHAN_CHAT, 0, 0);
    h.now += 1000;
    /* one priority point is worth STEP ms of waiting: this one goes before both */
    uint32_t c3 = arrive_spec(&h, "c3", 0, SB_CHAN_CHAT, 1, 0);
    assert_int_equal(rh_contact(&h, c3).key, h.now - STEP);
    h.now += 1000;
    arrive_spec(&h, "c4", 0, SB_CHAN_CHAT, 0, 0);
    h.now += STEP; /* priority 1 at +STEP lands after c1, c2 and c4 */
    arrive_spec(&h, "c5", 0, SB_CHAN_CHAT, 1, 0);
    size_t mark = h.n_log;
    rh_online(&h, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_string_equal(offers_to(&h, mark, "ana"), "c3,c1,c2,c4,c5");
    rh_free(&h);
}

static void test_order_by_due_time(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("resea", CH(SB_CHAN_TASK), LANG(0))};
    q[0].by_due = true;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    uint32_t t1 = arrive_spec(&h, "t1", 0, SB_CHAN_TASK, 9, T0 + 500000);
    h.now += 1000;
    arrive_spec(&h, "t2", 0, SB_CHAN_TASK, 0, T0 + 100000);
    h.now += 1000;
    arrive_spec(&h, "t3", 0, SB_CHAN_TASK, 0, T0 + 300000);
    assert_int_equal(rh_contact(&h, t1).key, T0 + 500000); /* priority plays no part */
    size_t mark = h.n_log;
    rh_online(&h, 0);
    for (int i = 0; i < 3; i++) {
        uint32_t t = offer_of(&h, 0);
        assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
        finish(&h, 0, t);
    }
    assert_string_equal(offers_to(&h, mark, "ana"), "t2,t3,t1");
    rh_free(&h);
}

/* An agent serving several queues takes the best key across them; FIFO holds among the contacts
 * it is eligible for, and an older one it cannot serve does not block it. */
static void test_order_across_queues_and_eligibility(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q0", CH(SB_CHAN_CHAT), LANG(0) | LANG(1)),
                           queue("q1", CH(SB_CHAN_CHAT), LANG(0) | LANG(1))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 2, 0, 1), agent(1, "ben", LANG(1), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 5;
    rh_t h;
    init(&h, q, 2, a, 2);
    arrive(&h, "old-es", 0, SB_CHAN_CHAT, 1); /* ana does not speak it */
    h.now += 1000;
    arrive(&h, "q1-a", 1, SB_CHAN_CHAT, 0);
    h.now += 1000;
    arrive(&h, "q0-b", 0, SB_CHAN_CHAT, 0);
    h.now += 1000;
    arrive(&h, "q1-c", 1, SB_CHAN_CHAT, 0);
    size_t mark = h.n_log;
    rh_online(&h, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_string_equal(offers_to(&h, mark, "ana"), "q1-a,q0-b,q1-c");
    assert_int_equal(cstate(&h, rh_find_contact(&h, "old-es")), SB_CSTATE_QUEUED);
    rh_online(&h, 1);
    assert_string_equal(offers_to(&h, mark, "ben"), "old-es");
    rh_free(&h);
}

/* Several contacts becoming routable in one event (here: both reach a relax step in the same late
 * tick) are offered in key order, not in the order their timers fired. */
static void test_order_within_one_event(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    require(&q[0], 0, 0, 3);
    q[0].steps[1].after_ms = 30000; /* then no requirement */
    q[0].n_steps = 2;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    arrive_spec(&h, "first-in", 0, SB_CHAN_CHAT, 0, 0); /* relaxes first, key T0 */
    h.now += 1000;
    arrive_spec(&h, "priority", 0, SB_CHAN_CHAT, 1, 0); /* relaxes second, key T0 + 1000 - STEP */
    size_t mark = h.n_log;
    rh_jump(&h, T0 + 40000); /* one tick handles both */
    OK(&h);
    assert_string_equal(offers_to(&h, mark, "ana"), "priority");
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Strategies
 * ---------------------------------------------------------------------------------------------- */

/* Three agents with one chat slot each take one contact each, then finish at different times. */
static void three_finish_at(rh_t *h, const char *order)
{
    uint32_t held[3];
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "w%d", i);
        held[i] = arrive(h, id, 0, SB_CHAN_CHAT, 0);
    }
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(holder(h, held[i]), i);
        assert_int_equal(accept(h, i), SB_ROUTE_OK);
    }
    for (const char *p = order; *p; p++) {
        uint32_t ai = (uint32_t)(*p - '0');
        h->now += 1000;
        finish(h, ai, held[ai]);
        assert_int_equal(rh_agent(h, ai).last_finished_ms[SB_CLASS_CHAT], h->now);
        assert_int_equal(rh_agent(h, ai).last_finished_ms[SB_CLASS_TASK], 0);
    }
}

static void test_strategy_longest_idle(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "a0", LANG(0), 1, 0), agent(1, "a1", LANG(0), 1, 0),
                           agent(2, "a2", LANG(0), 1, 0)};
    for (int i = 0; i < 3; i++)
        a[i].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 3);
    for (uint32_t i = 0; i < 3; i++)
        rh_online(&h, i);
    three_finish_at(&h, "201"); /* a2 idle longest, then a0, then a1 */
    size_t mark = h.n_log;
    const char *want[] = {"a2", "a0", "a1"};
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "n%d", i);
        uint32_t c = arrive(&h, id, 0, SB_CHAN_CHAT, 0);
        const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_CREATE, id);
        assert_non_null(d);
        assert_string_equal(d->commit.agent_id, want[i]);
        assert_int_equal(accept(&h, holder(&h, c)), SB_ROUTE_OK);
    }
    rh_free(&h);
}

/* Idle time is per channel class: a0 finished a chat long ago but a task just now; a1 the other
 * way round. A chat goes to a0, though a1 finished anything at all longer ago. */
static void test_strategy_longest_idle_per_class(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("chat", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("task", CH(SB_CHAN_TASK), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "a0", LANG(0), 2, 0, 1), agent(1, "a1", LANG(0), 2, 0, 1)};
    a[0].capacity[SB_CLASS_CHAT] = a[1].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 2, a, 2);
    rh_online(&h, 0);
    rh_online(&h, 1);
    uint32_t x0 = arrive(&h, "x0", 0, SB_CHAN_CHAT, 0);
    uint32_t x1 = arrive(&h, "x1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, x0), 0);
    assert_int_equal(holder(&h, x1), 1);
    accept(&h, 0);
    accept(&h, 1);
    h.now = T0 + 1000;
    finish(&h, 0, x0);
    h.now = T0 + 2000;
    finish(&h, 1, x1);
    uint32_t t0 = arrive(&h, "t0", 1, SB_CHAN_TASK, 0);
    uint32_t t1 = arrive(&h, "t1", 1, SB_CHAN_TASK, 0);
    assert_int_equal(holder(&h, t0), 0);
    assert_int_equal(holder(&h, t1), 1);
    accept(&h, 0);
    accept(&h, 1);
    h.now = T0 + 3000;
    finish(&h, 1, t1);
    h.now = T0 + 4000;
    finish(&h, 0, t0);
    uint32_t t2 = arrive(&h, "t2", 1, SB_CHAN_TASK, 0);
    assert_int_equal(holder(&h, t2), 1); /* task idle: a1 since 3000, a0 since 4000 */
    accept(&h, 1);
    uint32_t c = arrive(&h, "chat", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 0); /* chat idle: a0 since 1000, a1 since 2000 */
    OK(&h);
    rh_free(&h);
}

static void test_strategy_least_occupied(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].strategy = SB_STRATEGY_LEAST_OCCUPIED;
    sb_ragent_def_t a[] = {agent(0, "a0", LANG(0), 1, 0), agent(1, "a1", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    for (int i = 0; i < 2; i++) {
        char id[8];
        snprintf(id, sizeof id, "x%d", i);
        arrive(&h, id, 0, SB_CHAN_CHAT, 0);
        assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    }
    /* a0 holds 2 of 5 slots; a1 0 of 5, even though a0 is first by index */
    h.now += 1000;
    rh_online(&h, 1);
    uint32_t c = arrive(&h, "y0", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 1);
    assert_int_equal(accept(&h, 1), SB_ROUTE_OK);
    c = arrive(&h, "y1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 1); /* 1 of 5 beats 2 of 5 */
    assert_int_equal(accept(&h, 1), SB_ROUTE_OK);
    c = arrive(&h, "y2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 0); /* 2 of 5 each: tie by idle, then index */
    rh_free(&h);
}

static void test_strategy_highest_proficiency(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].strategy = SB_STRATEGY_HIGHEST_PROFICIENCY;
    require(&q[0], 0, 0, 1);
    require(&q[0], 0, 1, 1);
    sb_ragent_def_t a[] = {agent(0, "low", LANG(0), 1, 0), agent(1, "busy", LANG(0), 1, 0),
                           agent(2, "idle", LANG(0), 1, 0)};
    skill(&a[0], 0, 3);
    skill(&a[0], 1, 3); /* 6 */
    skill(&a[0], 7, 5); /* not a requirement of the queue: does not count */
    skill(&a[1], 0, 5);
    skill(&a[1], 1, 4); /* 9 */
    skill(&a[2], 0, 4);
    skill(&a[2], 1, 5); /* 9 */
    for (int i = 0; i < 3; i++)
        a[i].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 3);
    rh_online(&h, 1); /* "busy" works a contact first, so "idle" has been idle longer */
    uint32_t w = arrive(&h, "warm", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 1), SB_ROUTE_OK);
    h.now += 1000;
    finish(&h, 1, w);
    rh_online(&h, 0);
    rh_online(&h, 2);
    size_t mark = h.n_log;
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "p%d", i);
        uint32_t c = arrive(&h, id, 0, SB_CHAN_CHAT, 0);
        assert_int_equal(accept(&h, holder(&h, c)), SB_ROUTE_OK);
    }
    assert_string_equal(offers_to(&h, mark, "idle"), "p0");
    assert_string_equal(offers_to(&h, mark, "busy"), "p1");
    assert_string_equal(offers_to(&h, mark, "low"), "p2");
    rh_free(&h);
}

static void test_strategy_round_robin(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].strategy = SB_STRATEGY_ROUND_ROBIN;
    sb_ragent_def_t a[] = {agent(0, "a0", LANG(0), 1, 0), agent(1, "a1", LANG(0), 1, 0),
                           agent(2, "a2", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 3);
    for (uint32_t i = 0; i < 3; i++)
        rh_online(&h, i);
    char got[64] = "";
    for (int i = 0; i < 7; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        uint32_t c = arrive(&h, id, 0, SB_CHAN_CHAT, 0);
        uint32_t who = holder(&h, c);
        assert_int_not_equal(who, SB_ROUTE_NONE);
        char d[4];
        snprintf(d, sizeof d, "%u", who);
        strcat(got, d);
        assert_int_equal(accept(&h, who), SB_ROUTE_OK);
        if (i == 3) /* finishing work does not change the turn */
            finish(&h, who, c);
        h.now += 100;
    }
    /* 7 > 3 x 2: the third lap waits for a free slot, so stop before it would be needed */
    assert_string_equal(got, "0120120");
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Offers
 * ---------------------------------------------------------------------------------------------- */

static void two_agents(rh_t *h, sb_rqueue_def_t *q, sb_ragent_def_t *a)
{
    q[0] = queue("q", CH(SB_CHAN_CHAT), LANG(0));
    a[0] = agent(0, "ana", LANG(0), 1, 0);
    a[1] = agent(1, "ben", LANG(0), 1, 0);
    init(h, q, 1, a, 2);
    rh_online(h, 0);
    rh_online(h, 1);
}

static void test_offer_accept_before_deadline(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    two_agents(&h, q, a);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 0);
    h.now += TIMEOUT - 1;
    size_t mark = h.n_log;
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_int_equal(cstate(&h, c), SB_CSTATE_ASSIGNED);
    assert_int_equal(rh_contact(&h, c).assigned_ms, h.now);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_ACCEPT, "c");
    assert_non_null(d);
    assert_string_equal(d->commit.agent_id, "ana");
    assert_int_equal(rh_agent(&h, 0).load[SB_CLASS_CHAT], 1);
    assert_int_equal(rh_agent(&h, 0).pending[SB_CLASS_CHAT], 0);
    /* a second accept of the same offer finds nothing */
    assert_int_equal(sb_route_offer_accept(h.r, 0, d->commit.offer_id, h.now), SB_ROUTE_NOT_FOUND);
    rh_free(&h);
}

static void test_offer_accept_at_deadline_expires(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    two_agents(&h, q, a);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c), 0);
    h.now += TIMEOUT; /* the timer has not run yet */
    size_t mark = h.n_log;
    assert_int_equal(accept(&h, 0), SB_ROUTE_EXPIRED);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_RETURN, "c");
    assert_non_null(d);
    assert_int_equal(d->commit.return_reason, 1);
    /* the contact goes to the next agent */
    assert_string_equal(offers_to(&h, mark, "ben"), "c");
    assert_string_equal(offers_to(&h, mark, "ana"), "");
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 1);
    /* the timer does not time it out a second time */
    run(&h, h.now + 1);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_RETURN, "c"), 1);
    rh_free(&h);
}

static void test_offer_times_out(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    two_agents(&h, q, a);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(sb_route_next_deadline(h.r) <= T0 + TIMEOUT, true);
    size_t mark = h.n_log;
    run(&h, T0 + TIMEOUT - 1);
    assert_int_equal(holder(&h, c), 0);
    run(&h, T0 + TIMEOUT);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_RETURN, "c");
    assert_non_null(d);
    assert_int_equal(d->commit.return_reason, 1);
    assert_int_equal(d->commit.now_ms, T0 + TIMEOUT);
    assert_int_equal(holder(&h, c), 1);
    assert_int_equal(rh_contact(&h, c).offer_deadline_ms, T0 + 2 * TIMEOUT);
    /* ben misses it too: back to ana */
    run(&h, T0 + 2 * TIMEOUT);
    assert_int_equal(holder(&h, c), 0);
    assert_int_equal(rh_agent(&h, 1).missed_in_a_row, 1);
    rh_free(&h);
}

static void test_decline_cooldown(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    two_agents(&h, q, a);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    h.now = T0 + 1000;
    assert_int_equal(decline(&h, 0), SB_ROUTE_OK);
    assert_int_equal(holder(&h, c), 1); /* next agent */
    h.now = T0 + 2000;
    assert_int_equal(decline(&h, 1), SB_ROUTE_OK);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    assert_false(sb_route_eligible(h.r, 0, c, h.now));
    assert_false(sb_route_eligible(h.r, 1, c, h.now));
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 0); /* declines are not misses */
    /* both go away: ana's cool-down ends with nobody to take the contact (the timer must not
     * spin on a cool-down that already ended) */
    set_status(&h, 0, SB_AGENT_AWAY);
    set_status(&h, 1, SB_AGENT_AWAY);
    run(&h, T0 + 1000 + COOLDOWN + 500);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    set_status(&h, 0, SB_AGENT_AVAILABLE);
    assert_int_equal(holder(&h, c), 0); /* ana's cool-down is over */
    assert_int_equal(decline(&h, 0), SB_ROUTE_OK);
    uint64_t t_ana2 = h.now;
    set_status(&h, 1, SB_AGENT_AVAILABLE);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED); /* ben's is not */
    run(&h, T0 + 2000 + COOLDOWN - 1);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    /* exactly when ben's cool-down ends, the timer offers it to him */
    run(&h, T0 + 2000 + COOLDOWN);
    assert_int_equal(cstate(&h, c), SB_CSTATE_OFFERED);
    assert_int_equal(holder(&h, c), 1);
    assert_int_equal(decline(&h, 1), SB_ROUTE_OK);
    run(&h, t_ana2 + COOLDOWN - 1);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    run(&h, t_ana2 + COOLDOWN);
    assert_int_equal(holder(&h, c), 0);
    rh_free(&h);
}

static void test_missed_offers_set_away(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    run(&h, h.now + TIMEOUT); /* miss 1 */
    run(&h, h.now + TIMEOUT); /* miss 2 */
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 2);
    assert_int_equal(holder(&h, c1), 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK); /* an accept resets the count */
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 0);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    run(&h, h.now + TIMEOUT);
    run(&h, h.now + TIMEOUT);
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 2);
    assert_int_equal(holder(&h, c2), 0);
    assert_int_equal(decline(&h, 0), SB_ROUTE_OK); /* a decline is not a miss */
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 2);
    assert_int_equal(rh_agent(&h, 0).status, SB_AGENT_AVAILABLE);
    uint32_t c3 = arrive(&h, "c3", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c3), 0);
    size_t mark = h.n_log;
    run(&h, h.now + TIMEOUT); /* miss 3: away */
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_RETURN, "c3");
    assert_non_null(d);
    assert_true(d->commit.agent_to_away);
    sb_ragent_view_t v = rh_agent(&h, 0);
    assert_int_equal(v.status, SB_AGENT_AWAY);
    assert_int_equal(v.reason, MISSED_REASON);
    assert_int_equal(h.m.a[0].status, SB_AGENT_AWAY);
    assert_int_equal(h.m.a[0].reason, MISSED_REASON);
    assert_int_equal(cstate(&h, c3), SB_CSTATE_QUEUED);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_ASSIGNED); /* held work continues */
    rh_free(&h);
}

static void test_withdraw_queued_and_offered(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    size_t mark = h.n_log;
    assert_int_equal(sb_route_contact_withdraw(h.r, c1, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    OK(&h);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CANCEL, "c1");
    assert_non_null(d);
    assert_int_equal(d->commit.cancel, SB_CANCEL_ABANDONED);
    assert_int_equal(rh_find_contact(&h, "c1"), SB_ROUTE_NONE);
    assert_int_equal(rm_find(&h.m, "c1")->state, SB_CSTATE_CANCELED);
    assert_int_equal(sb_route_waiting_in_queue(h.r, 0), 0);

    rh_online(&h, 0);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c2), 0);
    mark = h.n_log;
    assert_int_equal(sb_route_contact_withdraw(h.r, c2, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    OK(&h);
    d = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_CANCEL, "c2");
    assert_non_null(d);
    assert_string_equal(d->commit.agent_id, "ana");
    assert_int_equal(offer_of(&h, 0), SB_ROUTE_NONE);
    assert_int_equal(rh_agent(&h, 0).pending[SB_CLASS_CHAT], 0);
    uint32_t c3 = arrive(&h, "c3", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(&h, c3), 0);
    /* an assigned contact is not withdrawn: the customer leaving is the conversation's business */
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_int_equal(sb_route_contact_withdraw(h.r, c3, SB_CANCEL_ABANDONED, h.now),
                     SB_ROUTE_WRONG_STATE);
    rh_free(&h);
}

static void test_auto_accept_per_class(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("chat", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("task", CH(SB_CHAN_TASK), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 2, 0, 1)};
    a[0].auto_accept = 1u << SB_CLASS_CHAT;
    rh_t h;
    init(&h, q, 2, a, 1);
    rh_online(&h, 0);
    size_t mark = h.n_log;
    uint32_t t = arrive(&h, "t", 1, SB_CHAN_TASK, 0);
    assert_int_equal(cstate(&h, t), SB_CSTATE_OFFERED); /* tasks are not auto-accepted */
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(cstate(&h, c), SB_CSTATE_ASSIGNED);
    assert_non_null(rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CREATE, "c"));
    assert_non_null(rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_ACCEPT, "c"));
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Skill relaxation, maximum wait, overflow, hours
 * ---------------------------------------------------------------------------------------------- */

static void test_relax_steps(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0) | LANG(1))};
    require(&q[0], 0, 0, 4);
    require(&q[0], 1, 0, 2);
    q[0].steps[1].after_ms = 30000;
    q[0].steps[2].after_ms = 90000; /* no requirement left */
    q[0].n_steps = 3;
    sb_ragent_def_t a[] = {agent(0, "some", LANG(0), 1, 0), agent(1, "none", LANG(0), 1, 0),
                           agent(2, "expert-es", LANG(1), 1, 0)};
    skill(&a[0], 0, 2);
    skill(&a[2], 0, 5);
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 3);
    for (uint32_t i = 0; i < 3; i++)
        rh_online(&h, i);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(rh_contact(&h, c1).step, 0);
    run(&h, T0 + 29999);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_QUEUED);
    assert_int_equal(rh_count(&h, 0, SB_RD_POSITION, -1, NULL), 1);
    run(&h, T0 + 30000);
    /* moving to the next step changes no place in line: no second POSITION */
    assert_int_equal(rh_count(&h, 0, SB_RD_POSITION, -1, NULL), 1);
    assert_int_equal(rh_contact(&h, c1).step, 1);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_OFFERED);
    assert_int_equal(holder(&h, c1), 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0); /* enqueued at T0 + 30000 */
    run(&h, T0 + 30000 + 89999);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_QUEUED);
    assert_int_equal(rh_contact(&h, c2).step, 1);
    run(&h, T0 + 30000 + 90000);
    assert_int_equal(rh_contact(&h, c2).step, 2);
    assert_int_equal(holder(&h, c2), 1);
    /* language never relaxes: the Spanish-speaking expert got nothing */
    assert_string_equal(offers_to(&h, 0, "expert-es"), "");
    rh_free(&h);
}

static void test_max_wait_overflow_to_queue(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("first", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("second", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("third", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].max_wait_ms = 60000;
    q[0].overflow = SB_OVERFLOW_QUEUE;
    q[0].overflow_queue = 1;
    q[1].max_wait_ms = 60000;
    q[1].overflow = SB_OVERFLOW_QUEUE;
    q[1].overflow_queue = 2;
    sb_ragent_def_t a[] = {agent(0, "third-only", LANG(0), 1, 2)};
    rh_t h;
    init(&h, q, 3, a, 1);
    rh_online(&h, 0);
    arrive_spec(&h, "c", 0, SB_CHAN_CHAT, 2, 0);
    size_t mark = h.n_log;
    run(&h, T0 + 59999);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_CANCEL, NULL), 0);
    run(&h, T0 + 60000);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CANCEL, "c");
    assert_non_null(d);
    assert_int_equal(d->commit.cancel, SB_CANCEL_OVERFLOW);
    assert_int_equal(rh_find_contact(&h, "c"), SB_ROUTE_NONE);
    uint32_t c2 = rh_find_contact(&h, "c.2");
    assert_int_not_equal(c2, SB_ROUTE_NONE);
    sb_rcontact_view_t v = rh_contact(&h, c2);
    assert_string_equal(v.prev_id, "c");
    assert_int_equal(v.queue, 1);
    assert_int_equal(v.enqueued_ms, T0); /* the original wait */
    assert_int_equal(v.priority, 2);
    assert_int_equal(v.state, SB_CSTATE_QUEUED);
    assert_non_null(rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CREATE, "c.2"));
    assert_int_equal(rm_find(&h.m, "c.2")->enqueued_ms, T0);
    /* the maximum wait of the new segment counts from its start */
    run(&h, T0 + 119999);
    assert_int_equal(rh_find_contact(&h, "c.3"), SB_ROUTE_NONE);
    run(&h, T0 + 120000);
    uint32_t c3 = rh_find_contact(&h, "c.3");
    assert_int_not_equal(c3, SB_ROUTE_NONE);
    assert_string_equal(rh_contact(&h, c3).prev_id, "c.2");
    assert_int_equal(holder(&h, c3), 0);
    rh_free(&h);
}

static void test_max_wait_message_callback_none(void **state)
{
    (void)state;
    static const struct {
        sb_overflow_kind_t kind;
        sb_cancel_t want;
    } rows[] = {
        {SB_OVERFLOW_MESSAGE, SB_CANCEL_MESSAGE},
        {SB_OVERFLOW_CALLBACK, SB_CANCEL_CALLBACK},
        {SB_OVERFLOW_NONE, SB_CANCEL_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
        q[0].max_wait_ms = 60000;
        q[0].overflow = rows[i].kind;
        sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 0)};
        rh_t h;
        init(&h, q, 1, a, 1);
        uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
        size_t mark = h.n_log;
        run(&h, T0 + 600000);
        const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_CANCEL, "c");
        if (rows[i].want == SB_CANCEL_NONE) {
            assert_null(d);
            assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
        } else {
            assert_non_null(d);
            assert_int_equal(d->commit.cancel, rows[i].want);
            assert_int_equal(d->commit.now_ms, T0 + 60000);
            assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_CREATE, NULL), 0);
            assert_int_equal(rh_find_contact(&h, "c"), SB_ROUTE_NONE);
        }
        rh_free(&h);
    }
}

/* An overflow queue that cannot take the contact (here a chat-only queue for a voice call) is no
 * overflow: the call keeps waiting rather than being canceled with nothing to replace it. */
static void test_overflow_target_must_take_the_contact(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("mixed", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE), LANG(0) | LANG(1)),
                           queue("chat-es", CH(SB_CHAN_CHAT), LANG(1))};
    q[0].max_wait_ms = 60000;
    q[0].overflow = SB_OVERFLOW_QUEUE;
    q[0].overflow_queue = 1;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 0)};
    rh_t h;
    init(&h, q, 2, a, 1);
    uint32_t v = arrive(&h, "voice", 0, SB_CHAN_VOICE, 1);
    uint32_t en = arrive(&h, "chat-en", 0, SB_CHAN_CHAT, 0);
    arrive(&h, "chat-es", 0, SB_CHAN_CHAT, 1);
    run(&h, T0 + 600000);
    assert_int_equal(cstate(&h, v), SB_CSTATE_QUEUED);  /* the target takes no calls */
    assert_int_equal(cstate(&h, en), SB_CSTATE_QUEUED); /* nor English */
    assert_int_equal(rh_count(&h, 0, SB_RD_COMMIT, SB_COMMIT_CANCEL, "voice"), 0);
    assert_int_not_equal(rh_find_contact(&h, "chat-es.2"), SB_ROUTE_NONE);
    rh_free(&h);
}

static void test_hours_closed_queue(void **state)
{
    (void)state;
    static const sb_rinterval_t hours[] = {{T0 + 3600000, T0 + 7200000},
                                           {T0 + 86400000, T0 + 90000000}};
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].always_open = false;
    q[0].hours = hours;
    q[0].n_hours = 2;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    sb_rcontact_t early = {.id = "early", .queue = 0, .channel = SB_CHAN_CHAT, .agent = 0};
    uint32_t ix = 0;
    uint64_t next_open = 0;
    assert_int_equal(sb_route_contact_arrive(h.r, &early, h.now, &ix, &next_open),
                     SB_ARRIVE_CLOSED);
    assert_int_equal(next_open, T0 + 3600000);
    rh_pump(&h);
    assert_int_equal(h.n_log, 0);
    assert_int_equal(rh_find_contact(&h, "early"), SB_ROUTE_NONE);
    next_open = 0;
    assert_false(sb_route_queue_open(h.r, 0, T0, &next_open));
    assert_int_equal(next_open, T0 + 3600000);
    assert_false(sb_route_queue_open(h.r, 0, T0 + 7200000, &next_open));
    assert_int_equal(next_open, T0 + 86400000);
    assert_true(sb_route_queue_open(h.r, 0, T0 + 3600000, NULL));
    h.now = T0 + 7200000 - 1;
    uint32_t c = arrive(&h, "late", 0, SB_CHAN_CHAT, 0);
    run(&h, T0 + 8000000); /* closed now */
    assert_int_equal(rh_arrive(&h, "after", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_CLOSED);
    rh_online(&h, 0);
    assert_int_equal(holder(&h, c), 0); /* waiting contacts are still served */
    rh_free(&h);
}

/* A closed queue whose overflow is another queue sends new arrivals there, along the chain of
 * targets, to the first that is open; with none open it refuses them with its own next opening. */
static void test_closed_queue_overflows_new_arrivals(void **state)
{
    (void)state;
    static const sb_rinterval_t later[] = {{T0 + 3600000, T0 + 7200000}};
    sb_rqueue_def_t q[] = {queue("closed", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("also-closed", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("open", CH(SB_CHAN_CHAT), LANG(0))};
    for (int i = 0; i < 2; i++) {
        q[i].always_open = false;
        q[i].hours = later;
        q[i].n_hours = 1;
        q[i].overflow = SB_OVERFLOW_QUEUE;
        q[i].overflow_queue = (uint32_t)i + 1;
    }
    q[2].priority = 7;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 2)};
    rh_t h;
    init(&h, q, 3, a, 1);
    uint64_t next = 0;
    assert_int_equal(sb_route_entry_queue(h.r, 0, SB_CHAN_CHAT, 0, h.now, &next), 2);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    sb_rcontact_view_t v = rh_contact(&h, c);
    assert_int_equal(v.queue, 2);
    assert_int_equal(v.priority, 7); /* the queue it waits in */
    const sb_rdecision_t *cr = rh_find(&h, 0, SB_RD_COMMIT, SB_COMMIT_CREATE, "c");
    assert_non_null(cr);
    assert_int_equal(cr->commit.queue, 2);
    rh_online(&h, 0);
    assert_int_equal(holder(&h, c), 0);
    /* the last target removed: nothing open along the chain, the first queue's next opening */
    q[2].removed = true;
    sb_rparams_t p = params();
    assert_int_equal(sb_route_setup(h.r, q, 3, a, 1, &p, h.now), 0);
    rh_pump(&h);
    uint32_t ix;
    next = 0;
    sb_rcontact_t d = {.id = "d", .queue = 0, .channel = SB_CHAN_CHAT, .agent = SB_ROUTE_NONE};
    assert_int_equal(sb_route_contact_arrive(h.r, &d, h.now, &ix, &next), SB_ARRIVE_CLOSED);
    assert_int_equal(next, T0 + 3600000);
    /* once the first queue is open, it keeps its arrivals */
    h.now = T0 + 3600000;
    uint32_t e = arrive(&h, "e", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(rh_contact(&h, e).queue, 0);
    OK(&h);
    rh_free(&h);
}

static void test_arrive_refusals(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0)),
                           queue("gone", CH(SB_CHAN_CHAT), LANG(0))};
    q[1].removed = true;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 2, a, 1);
    uint32_t ix;
    assert_int_equal(rh_arrive(&h, "x", 0, SB_CHAN_VOICE, 0, 0, &ix), SB_ARRIVE_NO_CHANNEL);
    assert_int_equal(rh_arrive(&h, "x", 0, SB_CHAN_CHAT, 3, 0, &ix), SB_ARRIVE_NO_LANGUAGE);
    assert_int_equal(rh_arrive(&h, "x", 1, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_REMOVED);
    assert_int_equal(rh_arrive(&h, "x", 7, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_REMOVED);
    assert_int_equal(rh_arrive(&h, "x", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_OK);
    assert_int_equal(rh_arrive(&h, "x", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_EXISTS);
    assert_int_equal(h.n_in, 0);
    assert_int_equal(rh_count(&h, 0, SB_RD_COMMIT, SB_COMMIT_CREATE, NULL), 1);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Wrap-up
 * ---------------------------------------------------------------------------------------------- */

static void test_wrapup_slot_and_limit(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    /* wrong agent, wrong state */
    assert_int_equal(sb_route_contact_end(h.r, 1, c1, h.now), SB_ROUTE_NOT_YOURS);
    assert_int_equal(sb_route_wrapup_done(h.r, 0, c1, h.now), SB_ROUTE_WRONG_STATE);
    h.now += 5000;
    end(&h, 0, c1);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_WRAPPING);
    assert_int_equal(rh_contact(&h, c1).wrap_started_ms, h.now);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_QUEUED);
    size_t mark = h.n_log;
    wrapup(&h, 0, c1);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_COMPLETE, "c1");
    assert_non_null(d);
    assert_false(d->commit.flagged);
    assert_int_equal(rm_find(&h.m, "c1")->state, SB_CSTATE_COMPLETED);
    assert_int_equal(holder(&h, c2), 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    end(&h, 0, c2);
    uint64_t t_end = h.now;
    mark = h.n_log;
    run(&h, t_end + WRAPUP - 1);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_WRAPPING);
    run(&h, t_end + WRAPUP);
    d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_COMPLETE, "c2");
    assert_non_null(d);
    assert_true(d->commit.flagged);
    assert_int_equal(rh_agent(&h, 0).load[SB_CLASS_CHAT], 0);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Positions
 * ---------------------------------------------------------------------------------------------- */

static const sb_rdecision_t *position_of(rh_t *h, size_t from, uint32_t contact)
{
    const sb_rdecision_t *last = NULL;
    for (size_t i = from; i < h->n_log; i++)
        if (h->log[i].kind == SB_RD_POSITION && h->log[i].contact == contact)
            last = &h->log[i];
    return last;
}

static void test_positions(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE), LANG(0) | LANG(1))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 1);
    run(&h, T0 + 5000);
    size_t mark = h.n_log;
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    uint32_t c3 = arrive(&h, "c3", 0, SB_CHAN_CHAT, 0);
    uint32_t es = arrive(&h, "es", 0, SB_CHAN_CHAT, 1);
    uint32_t v = arrive(&h, "v", 0, SB_CHAN_VOICE, 0);
    run(&h, h.now); /* computed at T0 + 5000 */
    uint32_t want[][2] = {{c1, 1}, {c2, 2}, {c3, 3}, {es, 1}, {v, 1}};
    for (size_t i = 0; i < 5; i++) {
        const sb_rdecision_t *d = position_of(&h, mark, want[i][0]);
        assert_non_null(d);
        assert_int_equal(d->position, want[i][1]);
        assert_int_equal(d->wait_s, 60 * want[i][1]); /* no history: a minute per place */
        assert_int_equal(rh_contact(&h, want[i][0]).position, want[i][1]);
    }
    assert_int_equal(rh_count(&h, mark, SB_RD_POSITION, -1, NULL), 5);
    /* the first leaves and another comes: recomputed at most once a second per queue, and only
     * the changes are sent */
    mark = h.n_log;
    h.now = T0 + 5200;
    assert_int_equal(sb_route_contact_withdraw(h.r, c1, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    h.now = T0 + 5300;
    uint32_t c4 = arrive(&h, "c4", 0, SB_CHAN_CHAT, 0);
    run(&h, T0 + 5999);
    assert_int_equal(rh_count(&h, mark, SB_RD_POSITION, -1, NULL), 0);
    run(&h, T0 + 6000);
    assert_int_equal(position_of(&h, mark, c2)->position, 1);
    assert_int_equal(position_of(&h, mark, c3)->position, 2);
    assert_int_equal(position_of(&h, mark, c4)->position, 3);
    assert_null(position_of(&h, mark, es));
    assert_null(position_of(&h, mark, v));
    assert_int_equal(rh_count(&h, mark, SB_RD_POSITION, -1, NULL), 3);
    /* nothing changes: nothing is sent */
    mark = h.n_log;
    run(&h, T0 + 20000);
    assert_int_equal(rh_count(&h, mark, SB_RD_POSITION, -1, NULL), 0);
    /* offered: no longer waiting; back in line: its position is sent again */
    rh_online(&h, 0);
    assert_int_equal(holder(&h, c2), 0);
    assert_int_equal(rh_contact(&h, c2).position, 0);
    run(&h, h.now + 1000);
    assert_int_equal(position_of(&h, mark, c3)->position, 1);
    mark = h.n_log;
    assert_int_equal(decline(&h, 0), SB_ROUTE_OK);
    assert_int_equal(holder(&h, c3), 0); /* c2 is cooling down for ana */
    run(&h, h.now + 1000);
    assert_int_equal(position_of(&h, mark, c2)->position, 1);
    assert_int_equal(rh_contact(&h, c3).position, 0);
    assert_int_equal(rh_contact(&h, c4).position, 2);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Agent disconnect
 * ---------------------------------------------------------------------------------------------- */

static void hold_three(rh_t *h, uint32_t *assigned, uint32_t *wrapping, uint32_t *offered)
{
    *assigned = arrive(h, "assigned", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(h, 0), SB_ROUTE_OK);
    h->now += 100;
    *wrapping = arrive(h, "wrapping", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(h, 0), SB_ROUTE_OK);
    end(h, 0, *wrapping);
    h->now += 100;
    *offered = arrive(h, "offered", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(holder(h, *offered), 0);
}

static void test_disconnect_grace_returns_work(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].offer_timeout_ms = 10 * GRACE; /* the grace ends before the offer would time out */
    q[0].wrapup_limit_ms = 10 * GRACE;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 3;
    a[1].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    uint32_t as, wr, of;
    hold_three(&h, &as, &wr, &of);
    uint64_t key = rh_contact(&h, as).key;
    h.now += 100;
    uint32_t later = arrive(&h, "later", 0, SB_CHAN_CHAT, 0); /* ana is full */
    assert_int_equal(cstate(&h, later), SB_CSTATE_QUEUED);
    uint64_t t = h.now;
    sb_route_agent_disconnected(h.r, 0, t);
    rh_pump(&h);
    assert_int_equal(rh_agent(&h, 0).grace_deadline_ms, t + GRACE);
    size_t mark = h.n_log;
    run(&h, t + GRACE - 1);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, -1, NULL), 0);
    run(&h, t + GRACE);
    const sb_rdecision_t *d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_REQUEUE, "assigned");
    assert_non_null(d);
    d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_RETURN, "offered");
    assert_non_null(d);
    assert_int_equal(d->commit.return_reason, 2);
    d = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_COMPLETE, "wrapping");
    assert_non_null(d);
    assert_true(d->commit.flagged);
    sb_ragent_view_t av = rh_agent(&h, 0);
    assert_int_equal(av.load[SB_CLASS_CHAT] + av.pending[SB_CLASS_CHAT], 0);
    assert_int_equal(av.missed_in_a_row, 0); /* a vanished agent did not miss the offer */
    /* re-queued at its original place, ahead of the one that came later */
    assert_int_equal(cstate(&h, as), SB_CSTATE_QUEUED);
    assert_int_equal(rh_contact(&h, as).key, key);
    rh_online(&h, 1);
    assert_int_equal(holder(&h, as), 1);
    assert_int_equal(cstate(&h, later), SB_CSTATE_QUEUED);
    rh_free(&h);
}

static void test_reconnect_within_grace_keeps_work(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    q[0].offer_timeout_ms = 10 * GRACE;
    q[0].wrapup_limit_ms = 10 * GRACE;
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t as, wr, of;
    hold_three(&h, &as, &wr, &of);
    uint64_t t = h.now;
    sb_route_agent_disconnected(h.r, 0, t);
    rh_pump(&h);
    run(&h, t + GRACE - 1);
    sb_route_agent_connected(h.r, 0, h.now);
    rh_pump(&h);
    size_t mark = h.n_log;
    run(&h, t + 3 * GRACE);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, -1, NULL), 0);
    assert_int_equal(cstate(&h, as), SB_CSTATE_ASSIGNED);
    assert_int_equal(cstate(&h, wr), SB_CSTATE_WRAPPING);
    assert_int_equal(cstate(&h, of), SB_CSTATE_OFFERED);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Commits: refused, unknown, one at a time
 * ---------------------------------------------------------------------------------------------- */

/* ana away, c queued, then ana available: the OFFER commit is left in flight. */
static uint32_t offer_in_flight(rh_t *h, sb_rqueue_def_t *q, sb_ragent_def_t *a)
{
    q[0] = queue("q", CH(SB_CHAN_CHAT), LANG(0));
    a[0] = agent(0, "ana", LANG(0), 1, 0);
    a[1] = agent(1, "ben", LANG(0), 1, 0);
    init(h, q, 1, a, 2);
    sb_route_agent_connected(h->r, 0, h->now);
    sb_route_agent_connected(h->r, 1, h->now);
    rh_pump(h);
    uint32_t c = arrive(h, "c", 0, SB_CHAN_CHAT, 0);
    h->manual = true;
    sb_route_agent_set_status(h->r, 0, SB_AGENT_AVAILABLE, 0, h->now);
    rh_pump(h);
    rh_answer(h, (size_t)rh_inflight_find(h, SB_COMMIT_AGENT, NULL), SB_COMMIT_OK, false);
    assert_int_equal(h->n_in, 1);
    assert_int_equal(h->inflight[0].kind, SB_COMMIT_OFFER);
    sb_rcontact_view_t v = rh_contact(h, c);
    assert_int_equal(v.state, SB_CSTATE_OFFERED);
    assert_true(v.committing);
    assert_int_equal(rh_agent(h, 0).pending[SB_CLASS_CHAT], 1); /* reserved */
    return c;
}

static void test_commit_refused_undoes_and_doubts(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    /* an offer not yet committed cannot be accepted */
    assert_int_equal(sb_route_offer_accept(h.r, 0, h.inflight[0].offer_id, h.now),
                     SB_ROUTE_NOT_FOUND);
    rh_answer(&h, 0, SB_COMMIT_REFUSED, false);
    sb_rcontact_view_t v = rh_contact(&h, c);
    assert_int_equal(v.state, SB_CSTATE_QUEUED);
    assert_true(v.in_doubt);
    assert_false(v.committing);
    sb_ragent_view_t av = rh_agent(&h, 0);
    assert_int_equal(av.pending[SB_CLASS_CHAT], 0);
    assert_int_equal(av.offer_contact, SB_ROUTE_NONE);
    assert_true(av.in_doubt);
    /* nothing routes it until it is reloaded, not even to another agent */
    sb_route_agent_set_status(h.r, 1, SB_AGENT_AVAILABLE, 0, h.now);
    rh_pump(&h);
    rh_answer(&h, (size_t)rh_inflight_find(&h, SB_COMMIT_AGENT, NULL), SB_COMMIT_OK, false);
    assert_int_equal(h.n_in, 0);
    assert_false(sb_route_eligible(h.r, 1, c, h.now));
    assert_int_equal(sb_route_agent_set_status(h.r, 0, SB_AGENT_AWAY, 1, h.now), SB_E_BUSY);
    assert_int_equal(rh_reload_contact(&h, "c"), 0);
    assert_int_equal(h.n_in, 1); /* routed again: ben is free */
    assert_string_equal(h.inflight[0].agent_id, "ben");
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    rh_reload_agent(&h, 0);
    assert_false(rh_agent(&h, 0).in_doubt);
    OK(&h);
    rh_free(&h);
}

/* A reloaded agent is routed to at once, without waiting for another event. */
static void test_reload_agent_routes_at_once(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    rh_answer(&h, 0, SB_COMMIT_REFUSED, false);
    assert_int_equal(rh_reload_contact(&h, "c"), 0);
    assert_int_equal(h.n_in, 0); /* ana is still in doubt, ben is not available */
    rh_reload_agent(&h, 0);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_OFFER);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(holder(&h, c), 0);
    OK(&h);
    rh_free(&h);
}

static void test_commit_unknown_reload_settles(void **state)
{
    (void)state;
    for (int applied = 0; applied < 2; applied++) {
        sb_rqueue_def_t q[1];
        sb_ragent_def_t a[2];
        rh_t h;
        uint32_t c = offer_in_flight(&h, q, a);
        rh_answer(&h, 0, SB_COMMIT_UNKNOWN, applied);
        sb_rcontact_view_t v = rh_contact(&h, c);
        assert_true(v.in_doubt);
        assert_true(rh_agent(&h, 0).in_doubt);
        /* actions on an object in doubt wait */
        assert_int_not_equal(sb_route_offer_accept(h.r, 0, v.offer_id, h.now), SB_ROUTE_OK);
        assert_int_equal(rh_reload_contact(&h, "c"), 0);
        rh_reload_agent(&h, 0);
        v = rh_contact(&h, c);
        assert_false(v.in_doubt);
        assert_false(rh_agent(&h, 0).in_doubt);
        if (applied) {
            assert_int_equal(v.state, SB_CSTATE_OFFERED);
            assert_int_equal(v.version, 2);
            assert_int_equal(h.n_in, 0);
            h.manual = false;
            assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
        } else {
            /* queued in Redis: offered again */
            assert_int_equal(h.n_in, 1);
            assert_int_equal(h.inflight[0].kind, SB_COMMIT_OFFER);
            assert_int_equal(h.inflight[0].expect_version, 1);
            rh_answer(&h, 0, SB_COMMIT_OK, false);
            h.manual = false;
            assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
        }
        assert_int_equal(cstate(&h, c), SB_CSTATE_ASSIGNED);
        assert_int_equal(rm_find(&h.m, "c")->state, SB_CSTATE_ASSIGNED);
        OK(&h);
        rh_free(&h);
    }
}

static void test_create_refused_and_unknown(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    h.manual = true;
    uint32_t ix;
    assert_int_equal(rh_arrive(&h, "c", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_OK);
    assert_true(h.inflight[0].offer_with_create);
    rh_answer(&h, 0, SB_COMMIT_REFUSED, false);
    assert_int_equal(rh_find_contact(&h, "c"), SB_ROUTE_NONE); /* never existed */
    sb_ragent_view_t av = rh_agent(&h, 0);
    assert_int_equal(av.pending[SB_CLASS_CHAT], 0);
    rh_reload_agent(&h, 0);
    /* unknown and not applied: reading it back finds nothing, the engine forgets it */
    assert_int_equal(rh_arrive(&h, "d", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_OK);
    rh_answer(&h, 0, SB_COMMIT_UNKNOWN, false);
    assert_true(rh_contact(&h, ix).in_doubt);
    assert_int_equal(rh_reload_contact(&h, "d"), 0);
    assert_int_equal(rh_find_contact(&h, "d"), SB_ROUTE_NONE);
    rh_reload_agent(&h, 0);
    av = rh_agent(&h, 0);
    assert_int_equal(av.pending[SB_CLASS_CHAT], 0);
    /* unknown and applied: the offer stands */
    assert_int_equal(rh_arrive(&h, "e", 0, SB_CHAN_CHAT, 0, 0, &ix), SB_ARRIVE_OK);
    rh_answer(&h, 0, SB_COMMIT_UNKNOWN, true);
    assert_int_equal(rh_reload_contact(&h, "e"), 0);
    rh_reload_agent(&h, 0);
    assert_int_equal(cstate(&h, ix), SB_CSTATE_OFFERED);
    assert_int_equal(offer_of(&h, 0), ix);
    assert_int_equal(h.n_in, 0);
    OK(&h);
    rh_free(&h);
}

static void test_one_commit_per_contact(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    uint64_t offer_id = rh_contact(&h, c).offer_id;
    /* a decline in flight: an accept or a second decline meanwhile hears it was declined */
    assert_int_equal(sb_route_offer_decline(h.r, 0, offer_id, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(sb_route_offer_accept(h.r, 0, offer_id, h.now), SB_ROUTE_DECLINED);
    assert_int_equal(sb_route_offer_decline(h.r, 0, offer_id, h.now), SB_ROUTE_DECLINED);
    /* the customer leaves meanwhile: applied after the commit returns */
    assert_int_equal(sb_route_contact_withdraw(h.r, c, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_RETURN);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_CANCEL);
    assert_int_equal(h.inflight[0].cancel, SB_CANCEL_ABANDONED);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(rh_find_contact(&h, "c"), SB_ROUTE_NONE);
    OK(&h);
    rh_free(&h);
}

static void test_withdraw_while_offer_commits(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    assert_int_equal(sb_route_contact_withdraw(h.r, c, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(h.n_in, 1); /* nothing yet */
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_CANCEL);
    assert_string_equal(h.inflight[0].agent_id, "ana");
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(rh_agent(&h, 0).pending[SB_CLASS_CHAT], 0);
    OK(&h);
    rh_free(&h);
}

/* The customer leaves while the agent's accept is being committed: the contact was answered, so
 * it ends (wrap-up) instead of being dropped. */
static void test_withdraw_while_accept_commits(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    uint64_t offer_id = rh_contact(&h, c).offer_id;
    assert_int_equal(sb_route_offer_accept(h.r, 0, offer_id, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(sb_route_contact_withdraw(h.r, c, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_ACCEPT);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_END);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(rh_contact(&h, c).state, SB_CSTATE_WRAPPING);
    OK(&h);
    rh_free(&h);
}

/* An agent's status change and a missed-offer "away" cross in flight: the last one written in
 * Redis is the one the engine keeps. */
static void test_missed_away_crossing_status_change(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    sb_rparams_t p = params();
    p.max_missed_offers = 1;
    assert_int_equal(rh_init(&h, q, 1, a, 1, &p, T0), 0);
    rh_online(&h, 0);
    arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    h.manual = true;
    rh_run_until(&h, T0 + TIMEOUT);
    assert_int_equal(h.n_in, 1);
    assert_true(h.inflight[0].agent_to_away);
    assert_int_equal(sb_route_agent_set_status(h.r, 0, SB_AGENT_OFFLINE, 0, h.now), 0);
    rh_pump(&h);
    assert_int_equal(h.n_in, 2);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    /* Redis ran both already: the newer status shows, not the missed-offers away */
    assert_int_equal(rh_agent(&h, 0).status, SB_AGENT_OFFLINE);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(h.m.a[0].status, SB_AGENT_OFFLINE);
    assert_int_equal(rh_agent(&h, 0).status, SB_AGENT_OFFLINE);
    OK(&h);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Recovery
 * ---------------------------------------------------------------------------------------------- */

static void put(rh_t *h, const char *id, sb_cstate_t st, uint32_t agent, uint64_t enq,
                uint64_t deadline)
{
    rm_store_t *s = &h->m;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->c = realloc(s->c, s->cap * sizeof *s->c);
    }
    sb_rcontact_t *c = &s->c[s->n];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    c->channel = SB_CHAN_CHAT;
    c->enqueued_ms = enq;
    c->state = st;
    c->version = 3;
    c->agent = st == SB_CSTATE_QUEUED ? SB_ROUTE_NONE : agent;
    if (st == SB_CSTATE_OFFERED) {
        c->offer_id = 1000 + s->n;
        c->offer_deadline_ms = deadline;
    }
    if (st == SB_CSTATE_ASSIGNED || st == SB_CSTATE_WRAPPING)
        c->assigned_ms = enq + 1000;
    if (st == SB_CSTATE_WRAPPING)
        c->wrap_started_ms = deadline;
    sb_strmap_put(&s->by_id, c->id, (uint32_t)s->n);
    s->n++;
    if (c->agent != SB_ROUTE_NONE) {
        if (st == SB_CSTATE_OFFERED)
            s->a[agent].offered[SB_CLASS_CHAT]++;
        else
            s->a[agent].load[SB_CLASS_CHAT]++;
    }
}

static void test_recovery(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0),
                           agent(2, "cy", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 3);
    put(&h, "wait-b", SB_CSTATE_QUEUED, 0, T0 - 5000, 0);
    put(&h, "wait-a", SB_CSTATE_QUEUED, 0, T0 - 9000, 0);
    put(&h, "wait-c", SB_CSTATE_QUEUED, 0, T0 - 1000, 0);
    put(&h, "offer-live", SB_CSTATE_OFFERED, 0, T0 - 30000, T0 + 10000);
    put(&h, "offer-expired", SB_CSTATE_OFFERED, 1, T0 - 20000, T0 - 1000);
    put(&h, "held-ana", SB_CSTATE_ASSIGNED, 0, T0 - 90000, 0);
    put(&h, "held-ben", SB_CSTATE_ASSIGNED, 1, T0 - 80000, 0);
    put(&h, "wrap-ben", SB_CSTATE_WRAPPING, 1, T0 - 70000, T0 - 1000);
    for (uint32_t i = 0; i < 3; i++)
        h.m.a[i].status = SB_AGENT_AVAILABLE;
    /* read back in no particular order */
    const char *order[] = {"wrap-ben", "wait-c",        "offer-live", "wait-a",
                           "held-ben", "offer-expired", "wait-b",     "held-ana"};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(rh_reload_contact(&h, order[i]), 0);
    for (uint32_t i = 0; i < 3; i++)
        rh_reload_agent(&h, i);
    size_t mark = h.n_log;
    sb_route_reload_done(h.r, h.now);
    rh_pump(&h);
    OK(&h);
    for (uint32_t i = 0; i < 3; i++) {
        sb_ragent_view_t v = rh_agent(&h, i);
        assert_false(v.connected);
        assert_int_equal(v.grace_deadline_ms, T0 + GRACE);
    }
    assert_int_equal(rh_agent(&h, 0).load[SB_CLASS_CHAT], 1);
    assert_int_equal(rh_agent(&h, 0).pending[SB_CLASS_CHAT], 1);
    assert_int_equal(rh_agent(&h, 1).load[SB_CLASS_CHAT], 2);
    /* the expired offer times out at the first tick, once */
    run(&h, T0);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_RETURN, "offer-expired"), 1);
    assert_int_equal(cstate(&h, rh_find_contact(&h, "offer-expired")), SB_CSTATE_QUEUED);
    run(&h, T0 + 100);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_RETURN, "offer-expired"), 1);
    /* cy comes back: waiting contacts keep their order */
    size_t m2 = h.n_log;
    rh_online(&h, 2);
    /* new offers never reuse an offer id read back from Redis */
    assert_true(rh_contact(&h, rh_find_contact(&h, "offer-expired")).offer_id > 1004);
    uint32_t cy_held[3];
    for (int i = 0; i < 3; i++) {
        cy_held[i] = offer_of(&h, 2);
        assert_int_equal(accept(&h, 2), SB_ROUTE_OK);
    }
    assert_string_equal(offers_to(&h, m2, "cy"), "offer-expired,wait-a,wait-b");
    /* ana comes back in time and finds her work */
    h.now = T0 + 5000;
    rh_online(&h, 0);
    uint32_t ol = rh_find_contact(&h, "offer-live");
    assert_int_equal(offer_of(&h, 0), ol);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    assert_int_equal(cstate(&h, ol), SB_CSTATE_ASSIGNED);
    assert_int_equal(cstate(&h, rh_find_contact(&h, "held-ana")), SB_CSTATE_ASSIGNED);
    assert_int_equal(offer_of(&h, 0), rh_find_contact(&h, "wait-c"));
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK); /* ana is full now, and so is cy */
    /* ben does not: at the end of the grace (from the restart) his work goes back */
    m2 = h.n_log;
    run(&h, T0 + GRACE - 1);
    assert_int_equal(rh_count(&h, m2, SB_RD_COMMIT, SB_COMMIT_REQUEUE, NULL), 0);
    run(&h, T0 + GRACE);
    assert_non_null(rh_find(&h, m2, SB_RD_ANNOUNCE, SB_COMMIT_REQUEUE, "held-ben"));
    const sb_rdecision_t *d = rh_find(&h, m2, SB_RD_ANNOUNCE, SB_COMMIT_COMPLETE, "wrap-ben");
    assert_non_null(d);
    assert_true(d->commit.flagged);
    uint32_t hb = rh_find_contact(&h, "held-ben");
    assert_int_equal(cstate(&h, hb), SB_CSTATE_QUEUED);
    assert_int_equal(rh_contact(&h, hb).key, T0 - 80000);
    finish(&h, 2, cy_held[1]);
    assert_int_equal(holder(&h, hb), 2);
    OK(&h);
    rh_free(&h);
}

/* Work held by an agent that recovery did not read back still waits only for the grace. */
static void test_recovery_grace_without_agent_reload(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 2);
    put(&h, "held", SB_CSTATE_ASSIGNED, 0, T0 - 5000, 0);
    assert_int_equal(rh_reload_contact(&h, "held"), 0);
    sb_route_reload_done(h.r, h.now);
    rh_pump(&h);
    assert_int_equal(rh_agent(&h, 0).grace_deadline_ms, T0 + GRACE);
    run(&h, T0 + GRACE);
    uint32_t c = rh_find_contact(&h, "held");
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    rh_online(&h, 1);
    assert_int_equal(holder(&h, c), 1);
    OK(&h);
    rh_free(&h);
}

/* Reading back a contact that Redis says is finished frees its agent at once. */
static void test_reload_completed_frees_agent(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    accept(&h, 0);
    end(&h, 0, c1);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    h.manual = true;
    assert_int_equal(sb_route_wrapup_done(h.r, 0, c1, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    rh_answer(&h, 0, SB_COMMIT_UNKNOWN, true);
    /* in doubt: nothing more is done to it until it is read back */
    assert_int_equal(sb_route_wrapup_done(h.r, 0, c1, h.now), SB_ROUTE_BUSY);
    rh_reload_agent(&h, 0); /* still holds c1 (in doubt) */
    assert_int_equal(h.n_in, 0);
    assert_int_equal(rh_reload_contact(&h, "c1"), 0);
    assert_int_equal(rh_find_contact(&h, "c1"), SB_ROUTE_NONE);
    assert_int_equal(h.n_in, 1); /* c2 offered without waiting for another event */
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_OFFER);
    assert_int_equal(h.inflight[0].contact, c2);
    OK(&h);
    rh_free(&h);
}

/* A status change still in flight when the agent is read back (to settle another doubt) is
 * applied in Redis after what was read: no offers until it returns. */
static void test_reload_agent_keeps_status_in_flight(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    h.manual = true;
    assert_int_equal(sb_route_offer_accept(h.r, 0, rh_contact(&h, c1).offer_id, h.now),
                     SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(sb_route_agent_set_status(h.r, 0, SB_AGENT_AWAY, 2, h.now), 0);
    rh_pump(&h);
    assert_int_equal(h.n_in, 2);
    rh_answer(&h, 0, SB_COMMIT_UNKNOWN, true); /* the accept: ana in doubt */
    assert_int_equal(rh_reload_contact(&h, "c1"), 0);
    rh_reload_agent(&h, 0); /* Redis still says available: the away is in flight */
    assert_true(rh_agent(&h, 0).status_committing);
    arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(h.n_in, 2); /* the AGENT commit and the CREATE: no offer to ana */
    assert_false(h.inflight[1].offer_with_create);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(rh_agent(&h, 0).status, SB_AGENT_AWAY);
    assert_int_equal(h.m.a[0].status, SB_AGENT_AWAY);
    OK(&h);
    rh_free(&h);
}

/* A contact read back while its agent's grace has already run out goes back at once. */
static void test_reload_after_grace(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    h.manual = true;
    sb_route_offer_accept(h.r, 0, rh_contact(&h, c).offer_id, h.now);
    rh_pump(&h);
    rh_answer(&h, 0, SB_COMMIT_UNKNOWN, true);
    sb_route_agent_disconnected(h.r, 0, h.now);
    rh_pump(&h);
    run(&h, h.now + 2 * GRACE); /* the grace ends while the contact is in doubt */
    assert_int_equal(h.n_in, 0);
    h.manual = false;
    assert_int_equal(rh_reload_contact(&h, "c"), 0);
    run(&h, h.now);
    assert_int_equal(cstate(&h, c), SB_CSTATE_QUEUED);
    rh_reload_agent(&h, 0);
    rh_online(&h, 1);
    assert_int_equal(holder(&h, c), 1);
    OK(&h);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Determinism and reconfiguration
 * ---------------------------------------------------------------------------------------------- */

static char *scripted_run(void)
{
    sb_rqueue_def_t q[] = {queue("q0", CH(SB_CHAN_CHAT) | CH(SB_CHAN_VOICE), LANG(0) | LANG(1)),
                           queue("q1", CH(SB_CHAN_CHAT), LANG(0))};
    q[1].strategy = SB_STRATEGY_ROUND_ROBIN;
    q[0].max_wait_ms = 100000;
    q[0].overflow = SB_OVERFLOW_QUEUE;
    q[0].overflow_queue = 1;
    sb_ragent_def_t a[] = {agent(0, "a0", LANG(0), 2, 0, 1),
                           agent(1, "a1", LANG(0) | LANG(1), 1, 0), agent(2, "a2", LANG(0), 1, 1)};
    rh_t h;
    init(&h, q, 2, a, 3);
    for (uint32_t i = 0; i < 3; i++)
        rh_online(&h, i);
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "k%d", i);
        bool q1 = i % 3 == 0;
        arrive(&h, id, q1, !q1 && i % 4 == 1 ? SB_CHAN_VOICE : SB_CHAN_CHAT,
               (uint16_t)(i % 5 == 0 && !q1));
        if (i % 5 == 0)
            run(&h, h.now + 40000);
        for (uint32_t ag = 0; ag < 3; ag++) {
            uint32_t o = offer_of(&h, ag);
            if (o != SB_ROUTE_NONE && (i + ag) % 3)
                accept(&h, ag);
            else if (o != SB_ROUTE_NONE)
                decline(&h, ag);
            uint32_t held[8];
            uint32_t n = sb_route_agent_contacts(h.r, ag, held, 8);
            for (uint32_t k = 0; k < n && k < 8; k++)
                if (cstate(&h, held[k]) == SB_CSTATE_ASSIGNED && (i + k) % 2)
                    finish(&h, ag, held[k]);
        }
        run(&h, h.now + 7000);
    }
    char *text = rh_log_text(&h);
    rh_free(&h);
    return text;
}

static void test_determinism(void **state)
{
    (void)state;
    char *x = scripted_run();
    char *y = scripted_run();
    assert_non_null(x);
    assert_true(strlen(x) > 1000);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* Setting the same configuration up again changes nothing that was decided. */
static void test_setup_again_keeps_state(void **state)
{
    (void)state;
    sb_rqueue_def_t q[] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    a[0].capacity[SB_CLASS_CHAT] = 1;
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    assert_int_equal(accept(&h, 0), SB_ROUTE_OK);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    sb_rparams_t p = params();
    assert_int_equal(sb_route_setup(h.r, q, 1, a, 2, &p, h.now), 0);
    rh_pump(&h);
    assert_int_equal(cstate(&h, c1), SB_CSTATE_ASSIGNED);
    assert_int_equal(cstate(&h, c2), SB_CSTATE_QUEUED);
    /* a new agent added by the new configuration */
    sb_ragent_def_t a3[] = {a[0], a[1], agent(2, "cy", LANG(0), 1, 0)};
    assert_int_equal(sb_route_setup(h.r, q, 1, a3, 3, &p, h.now), 0);
    rh_pump(&h);
    h.a = a3;
    h.na = 3;
    rm_store_t *s = &h.m;
    s->a = realloc(s->a, 3 * sizeof *s->a);
    memset(&s->a[2], 0, sizeof s->a[2]);
    s->defs = a3;
    s->na = 3;
    rh_online(&h, 2);
    assert_int_equal(holder(&h, c2), 2);
    OK(&h);
    rh_free(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Offers that ended, and customers who left
 * ---------------------------------------------------------------------------------------------- */

static void test_late_accept_says_expired(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[2] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    uint64_t offer_id = rh_contact(&h, c).offer_id;
    assert_true(offer_id != 0);
    /* the timer runs first: the offer is returned (and made again, as a new offer), and the
     * accept of the old one comes after */
    rh_run_until(&h, h.now + TIMEOUT + 1);
    assert_true(rh_contact(&h, c).offer_id != offer_id);
    assert_int_equal(sb_route_offer_accept(h.r, 0, offer_id, h.now), SB_ROUTE_EXPIRED);
    assert_int_equal(sb_route_offer_decline(h.r, 0, offer_id, h.now), SB_ROUTE_EXPIRED);
    /* another agent naming that offer learns nothing about it */
    assert_int_equal(sb_route_offer_accept(h.r, 1, offer_id, h.now), SB_ROUTE_NOT_FOUND);
    /* remembered for a bounded time only */
    rh_run_until(&h, h.now + 10 * 60 * 1000);
    assert_int_equal(sb_route_offer_accept(h.r, 0, offer_id, h.now), SB_ROUTE_NOT_FOUND);
    OK(&h);
    rh_free(&h);
}

static void test_customer_away_is_not_offered(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[1] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    uint32_t c1 = arrive(&h, "c1", 0, SB_CHAN_CHAT, 0);
    uint32_t c2 = arrive(&h, "c2", 0, SB_CHAN_CHAT, 0);
    /* the first in line closes the widget: it keeps its place, but out of line */
    assert_int_equal(sb_route_customer_presence(h.r, c1, SB_PRESENCE_LEFT, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_true(rh_contact(&h, c1).customer_away);
    assert_int_equal(sb_route_waiting_in_queue(h.r, 0), 1);
    /* an agent comes: the one behind is offered, not the one who is gone */
    rh_online(&h, 0);
    assert_int_equal(rh_contact(&h, c1).state, SB_CSTATE_QUEUED);
    assert_int_equal(rh_contact(&h, c2).state, SB_CSTATE_OFFERED);
    assert_int_equal(sb_route_offer_decline(h.r, 0, rh_contact(&h, c2).offer_id, h.now),
                     SB_ROUTE_OK);
    rh_pump(&h);
    /* back within the window: offered at once, ahead of the one who was behind */
    rh_run_until(&h, h.now + COOLDOWN / 2);
    assert_int_equal(sb_route_customer_presence(h.r, c1, SB_PRESENCE_BACK, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(rh_contact(&h, c1).state, SB_CSTATE_OFFERED);
    OK(&h);
    rh_free(&h);
}

static void test_offer_withdrawn_when_customer_leaves(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[2] = {agent(0, "ana", LANG(0), 1, 0), agent(1, "ben", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 2);
    rh_online(&h, 0);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    uint64_t offer_id = rh_contact(&h, c).offer_id;
    size_t mark = h.n_log;
    assert_int_equal(sb_route_customer_presence(h.r, c, SB_PRESENCE_LEFT, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    /* withdrawn at once, not counted as a missed offer, and not offered to Ben either */
    const sb_rdecision_t *ret = rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_RETURN, "c");
    assert_non_null(ret);
    assert_int_equal(ret->commit.return_reason, 2);
    assert_int_equal(rh_agent(&h, 0).missed_in_a_row, 0);
    rh_online(&h, 1);
    assert_int_equal(rh_contact(&h, c).state, SB_CSTATE_QUEUED);
    assert_int_equal(rh_count(&h, mark, SB_RD_COMMIT, SB_COMMIT_OFFER, "c"), 0);
    /* an accept in that moment is told why */
    assert_int_equal(sb_route_offer_accept(h.r, 0, offer_id, h.now), SB_ROUTE_WITHDRAWN);
    /* the customer's contact ends with the resume window (the shell withdraws it) */
    assert_int_equal(sb_route_contact_withdraw(h.r, c, SB_CANCEL_ABANDONED, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(rh_find_contact(&h, "c"), SB_ROUTE_NONE);
    OK(&h);
    rh_free(&h);
}

static void test_customer_leaves_while_offer_commits(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1];
    sb_ragent_def_t a[2];
    rh_t h;
    uint32_t c = offer_in_flight(&h, q, a);
    /* the offer is being committed when the customer leaves: it goes back once committed */
    assert_int_equal(sb_route_customer_presence(h.r, c, SB_PRESENCE_LEFT, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(h.n_in, 1);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(h.n_in, 1);
    assert_int_equal(h.inflight[0].kind, SB_COMMIT_RETURN);
    assert_int_equal(h.inflight[0].return_reason, 2);
    rh_answer(&h, 0, SB_COMMIT_OK, false);
    assert_int_equal(rh_contact(&h, c).state, SB_CSTATE_QUEUED);
    assert_int_equal(h.n_in, 0);
    /* after a restart, a customer not yet back keeps an offer made before it */
    h.manual = false;
    assert_int_equal(sb_route_customer_presence(h.r, c, SB_PRESENCE_BACK, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(rh_contact(&h, c).state, SB_CSTATE_OFFERED);
    assert_int_equal(sb_route_customer_presence(h.r, c, SB_PRESENCE_NOT_BACK, h.now), SB_ROUTE_OK);
    rh_pump(&h);
    assert_int_equal(rh_contact(&h, c).state, SB_CSTATE_OFFERED);
    assert_true(rh_contact(&h, c).customer_away);
    OK(&h);
    rh_free(&h);
}

/* A tagged call's first commit carries the tag, to its announcement; nothing else does. */
static void test_caller_tag(void **state)
{
    (void)state;
    sb_rqueue_def_t q[1] = {queue("q", CH(SB_CHAN_CHAT), LANG(0))};
    sb_ragent_def_t a[1] = {agent(0, "ana", LANG(0), 1, 0)};
    rh_t h;
    init(&h, q, 1, a, 1);
    sb_route_agent_connected(h.r, 0, h.now);
    rh_pump(&h);
    uint32_t c = arrive(&h, "c", 0, SB_CHAN_CHAT, 0);
    size_t mark = h.n_log;
    /* going available commits the status and then offers the waiting contact: two commits */
    sb_route_tag(h.r, 77);
    assert_int_equal(sb_route_agent_set_status(h.r, 0, SB_AGENT_AVAILABLE, 0, h.now), 0);
    assert_int_equal(sb_route_tag(h.r, 0), 0); /* used */
    rh_pump(&h);
    const sb_rdecision_t *st = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_AGENT, NULL);
    const sb_rdecision_t *of = rh_find(&h, mark, SB_RD_COMMIT, SB_COMMIT_OFFER, "c");
    assert_non_null(st);
    assert_non_null(of);
    assert_int_equal(st->commit.tag, 77);
    assert_int_equal(of->commit.tag, 0);
    assert_int_equal(rh_find(&h, mark, SB_RD_ANNOUNCE, SB_COMMIT_AGENT, NULL)->commit.tag, 77);
    /* a refused call asks for nothing: the tag comes back unused */
    sb_route_tag(h.r, 78);
    assert_int_equal(sb_route_contact_end(h.r, 0, c, h.now), SB_ROUTE_WRONG_STATE);
    assert_int_equal(sb_route_tag(h.r, 0), 78);
    OK(&h);
    rh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_comes_with_create),
        cmocka_unit_test(test_eligibility_table),
        cmocka_unit_test(test_away_keeps_work),
        cmocka_unit_test(test_capacity_three_chats),
        cmocka_unit_test(test_call_slot_shared_and_exclusive),
        cmocka_unit_test(test_chats_continue_during_call),
        cmocka_unit_test(test_task_only_without_live_work),
        cmocka_unit_test(test_order_fifo_with_priority),
        cmocka_unit_test(test_order_by_due_time),
        cmocka_unit_test(test_order_across_queues_and_eligibility),
        cmocka_unit_test(test_order_within_one_event),
        cmocka_unit_test(test_strategy_longest_idle),
        cmocka_unit_test(test_strategy_longest_idle_per_class),
        cmocka_unit_test(test_strategy_least_occupied),
        cmocka_unit_test(test_strategy_highest_proficiency),
        cmocka_unit_test(test_strategy_round_robin),
        cmocka_unit_test(test_offer_accept_before_deadline),
        cmocka_unit_test(test_offer_accept_at_deadline_expires),
        cmocka_unit_test(test_offer_times_out),
        cmocka_unit_test(test_decline_cooldown),
        cmocka_unit_test(test_missed_offers_set_away),
        cmocka_unit_test(test_withdraw_queued_and_offered),
        cmocka_unit_test(test_withdraw_while_accept_commits),
        cmocka_unit_test(test_auto_accept_per_class),
        cmocka_unit_test(test_relax_steps),
        cmocka_unit_test(test_max_wait_overflow_to_queue),
        cmocka_unit_test(test_max_wait_message_callback_none),
        cmocka_unit_test(test_overflow_target_must_take_the_contact),
        cmocka_unit_test(test_hours_closed_queue),
        cmocka_unit_test(test_closed_queue_overflows_new_arrivals),
        cmocka_unit_test(test_arrive_refusals),
        cmocka_unit_test(test_wrapup_slot_and_limit),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_disconnect_grace_returns_work),
        cmocka_unit_test(test_reconnect_within_grace_keeps_work),
        cmocka_unit_test(test_commit_refused_undoes_and_doubts),
        cmocka_unit_test(test_reload_agent_routes_at_once),
        cmocka_unit_test(test_commit_unknown_reload_settles),
        cmocka_unit_test(test_create_refused_and_unknown),
        cmocka_unit_test(test_one_commit_per_contact),
        cmocka_unit_test(test_late_accept_says_expired),
        cmocka_unit_test(test_caller_tag),
        cmocka_unit_test(test_customer_away_is_not_offered),
        cmocka_unit_test(test_offer_withdrawn_when_customer_leaves),
        cmocka_unit_test(test_customer_leaves_while_offer_commits),
        cmocka_unit_test(test_withdraw_while_offer_commits),
        cmocka_unit_test(test_missed_away_crossing_status_change),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_recovery_grace_without_agent_reload),
        cmocka_unit_test(test_reload_completed_frees_agent),
        cmocka_unit_test(test_reload_agent_keeps_status_in_flight),
        cmocka_unit_test(test_reload_after_grace),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_setup_again_keeps_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
