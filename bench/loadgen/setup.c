#include "setup.h"

#include "util.h"

static struct {
    bool active;
    lg_setup_done_fn done;
    uint32_t ready, failed, hello;
    uint64_t t0, t_agents;
} S;

bool lg_setup_active(void)
{
    return S.active;
}

static void finish(void)
{
    if (!S.active)
        return;
    S.active = false;
    uint64_t now = lg_now_ns();
    lg_log("setup: %u/%u chats answered in %.2f s (%u failed)", S.ready, W.ncusts,
           (double)(now - S.t_agents) / 1e9, S.failed);
    S.done(S.ready, W.ncusts - S.ready);
}

static void check_done(void)
{
    if (S.ready + S.failed >= W.ncusts)
        finish();
}

static void progress_cb(void *arg)
{
    (void)arg;
    if (!S.active)
        return;
    lg_log("setup: agents %u ready, %u failed; customers %u connected, %u answered, %u failed",
           W.agents_ready, W.agents_failed, S.hello, S.ready, S.failed);
    lg_tq_add(lg_now_ns() + 2 * LG_NS_PER_S, progress_cb, NULL);
}

static void timeout_cb(void *arg)
{
    (void)arg;
    if (!S.active)
        return;
    lg_err("setup: --setup-timeout passed with %u of %u chats answered; going on with those",
           S.ready, W.ncusts);
    finish();
}

void lg_setup_start(lg_setup_done_fn done)
{
    S.active = true;
    S.done = done;
    S.t0 = lg_now_ns();
    lg_log("setup: logging in %u agents (%s%u..%s%u)", W.nagents, W.o->agent_prefix,
           W.o->agent_first, W.o->agent_prefix, W.o->agent_first + W.nagents - 1);
    lg_tq_add(S.t0 + 2 * LG_NS_PER_S, progress_cb, NULL);
    lg_tq_add(S.t0 + (uint64_t)(W.o->setup_timeout * 1e9), timeout_cb, NULL);
    lg_fleet_start_agents();
}

void lg_setup_agents_ready(void)
{
    if (!S.active)
        return;
    S.t_agents = lg_now_ns();
    lg_log("setup: %u agents available (%u failed) in %.2f s; connecting %u customers",
           W.agents_ready, W.agents_failed, (double)(S.t_agents - S.t0) / 1e9, W.ncusts);
    if (!W.agents_ready && W.nagents) {
        lg_err("setup: no agent could log in and become available");
        S.failed = W.ncusts;
        finish();
        return;
    }
    for (uint32_t i = 0; i < W.ncusts; i++)
        lg_customer_connect(&W.custs[i], false);
    if (!W.ncusts)
        finish();
}

void lg_setup_customer_hello(lg_customer_t *c, const msgpack_object *b, uint64_t now)
{
    (void)b;
    (void)now;
    S.hello++;
    lg_customer_request_contact(c);
}

void lg_setup_customer_assigned(lg_customer_t *c, uint64_t now)
{
    (void)c;
    (void)now;
    S.ready++;
    check_done();
}

void lg_setup_customer_refused(lg_customer_t *c, const char *code)
{
    static uint32_t reported;
    if (reported++ < 5)
        lg_err("setup: customer %u refused: %s", c->idx, code);
    c->state = LG_C_FAILED;
    S.failed++;
    check_done();
}

void lg_setup_customer_closed(lg_customer_t *c, int code, const char *why)
{
    static uint32_t reported;
    if (c->state == LG_C_FAILED)
        return;
    if (reported++ < 5)
        lg_err("setup: customer %u connection %s (%d%s%s)", c->idx, code ? "closed" : "failed",
               code, why[0] ? ", " : "", why);
    bool was_ready = c->state == LG_C_ASSIGNED;
    c->state = LG_C_FAILED;
    if (was_ready)
        S.ready--;
    S.failed++;
    check_done();
}
