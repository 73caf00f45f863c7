/* A store connected to a private Redis, for the typed stores' tests (tests/unit/store/): a loop,
 * the store on it, and a synchronous hiredis connection to arrange data and read it back. Each
 * test gets a fresh one (setup/teardown); teardown checks that the loop ends clean. */
#ifndef SB_TEST_STORE_FIXTURE_H
#define SB_TEST_STORE_FIXTURE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <uv.h>

#include "redis_fixture.h"
#include "store/store.h"
#include "util/timer.h"

#define SB_TEST_PREFIX "sb:{t}:"

typedef struct {
    uv_loop_t loop;
    sb_timers_t timers;
    sb_test_redis_t redis;
    sb_store_t *store;
    redisContext *rc;
    int ready;
    int calls; /* for the tests' callbacks: how many ran */
} sb_test_store_t;

/* cmocka setup and teardown: *state is the sb_test_store_t. */
int sb_test_store_setup(void **state);
int sb_test_store_teardown(void **state);

/* Runs the loop until f->calls reaches `want`, for at most ~5 s of real time. */
void sb_test_store_wait(sb_test_store_t *f, int want);
/* A synchronous command for arranging and checking (fails the test on a NULL reply); the caller
 * frees the reply. */
redisReply *sb_test_store_cmd(sb_test_store_t *f, const char *fmt, ...);
/* The same, for commands whose reply does not matter. */
void sb_test_store_do(sb_test_store_t *f, const char *fmt, ...);

#endif
