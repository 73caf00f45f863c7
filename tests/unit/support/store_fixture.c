#include "store_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

static void on_ready(sb_store_t *s, void *u)
{
    (void)s;
    ((sb_test_store_t *)u)->ready++;
}

int sb_test_store_setup(void **state)
{
    sb_test_store_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    uv_loop_init(&f->loop);
    sb_timers_init(&f->timers, &f->loop);
    if (sb_test_redis_start(&f->redis) != 0)
        return -1;
    sb_store_options_t o = {.address = f->redis.address, .max_in_flight = 100, .timeout_ms = 5000};
    sb_store_events_t ev = {on_ready, NULL, NULL, f};
    f->store = sb_store_create(&f->loop, &f->timers, &o, &ev);
    f->rc = redisConnectUnix(f->redis.sock);
    if (!f->store || !f->rc || f->rc->err)
        return -1;
    for (int i = 0; i < 5000 && !f->ready; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    if (!f->ready)
        return -1;
    *state = f;
    return 0;
}

int sb_test_store_teardown(void **state)
{
    sb_test_store_t *f = *state;
    sb_store_stop(f->store, true, NULL, NULL);
    sb_timers_dispose(&f->timers);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    sb_store_destroy(f->store);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    redisFree(f->rc);
    sb_test_redis_stop(&f->redis);
    free(f);
    return 0;
}

void sb_test_store_wait(sb_test_store_t *f, int want)
{
    for (int i = 0; i < 5000 && f->calls < want; i++) {
        uv_run(&f->loop, UV_RUN_NOWAIT);
        if (f->calls >= want)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(f->calls, want);
}

redisReply *sb_test_store_cmd(sb_test_store_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(f->rc, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}

void sb_test_store_do(sb_test_store_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(f->rc, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    freeReplyObject(r);
}
