/* The small building blocks: timers on the test clock, the id and count maps under churn, JSON
 * escaping of hostile bytes, UTF-8 validation, tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/token.h"
#include "util/clock.h"
#include "util/countmap.h"
#include "util/idmap.h"
#include "util/json.h"
#include "util/timer.h"
#include "util/redact.h"
#include "util/utf8.h"

/* ---------------------------------------------------------------------------------------------- */

typedef struct {
    sb_timer_t t;
    int fired;
    int order;
} probe_t;

static int g_seq;

static void probe_cb(sb_timer_t *t)
{
    probe_t *p = (probe_t *)t;
    p->fired++;
    p->order = ++g_seq;
}

static void test_timers_fire_in_deadline_order(void **state)
{
    (void)state;
    sb_clock_enable_test();
    uv_loop_t loop;
    uv_loop_init(&loop);
    sb_timers_t ts;
    sb_timers_init(&ts, &loop);
    uint64_t now = sb_clock_now_ms();
    probe_t p[50];
    /* deadlines in a scrambled order, one disarmed, one re-armed later */
    for (int i = 0; i < 50; i++) {
        sb_timer_init(&p[i].t, probe_cb, &p[i]);
        p[i].fired = p[i].order = 0;
        sb_timer_arm(&ts, &p[i].t, now + 100000 + (uint64_t)((i * 37) % 50) * 1000);
    }
    sb_timer_disarm(&ts, &p[10].t);
    sb_timer_arm(&ts, &p[20].t, now + 500000); /* last */
    g_seq = 0;
    sb_timers_run(&ts); /* nothing due yet */
    for (int i = 0; i < 50; i++)
        assert_int_equal(p[i].fired, 0);
    sb_clock_advance(160000);
    sb_timers_run(&ts);
    int last = 0;
    for (int k = 0; k < 50; k++) {
        /* walk in deadline order and check the firing order follows it */
        for (int i = 0; i < 50; i++) {
            if (i == 10 || i == 20 || (i * 37) % 50 != k)
                continue;
            assert_int_equal(p[i].fired, 1);
            assert_true(p[i].order > last);
            last = p[i].order;
        }
    }
    assert_int_equal(p[10].fired, 0);
    assert_int_equal(p[20].fired, 0);
    sb_clock_advance(400000);
    sb_timers_run(&ts);
    assert_int_equal(p[20].fired, 1);
    sb_timers_dispose(&ts);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_clock_never_goes_back(void **state)
{
    (void)state;
    uint64_t a = sb_clock_now_ms();
    uint64_t b = sb_clock_now_ms();
    assert_true(b >= a);
    sb_clock_enable_test();
    assert_true(sb_clock_advance(5000));
    assert_true(sb_clock_now_ms() >= b + 5000);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_idmap_churn(void **state)
{
    (void)state;
    sb_idmap_t m;
    sb_idmap_init(&m);
    enum { N = 5000 };
    static char present[N + 1];
    memset(present, 0, sizeof present);
    unsigned x = 12345;
    for (int step = 0; step < 100000; step++) {
        x = x * 1103515245u + 12345u;
        uint64_t k = 1 + (x >> 8) % N;
        if ((x >> 4) & 1) {
            assert_int_equal(sb_idmap_put(&m, k, (void *)(uintptr_t)(k * 3)), 0);
            present[k] = 1;
        } else {
            void *v = sb_idmap_del(&m, k);
            assert_ptr_equal(v, present[k] ? (void *)(uintptr_t)(k * 3) : NULL);
            present[k] = 0;
        }
    }
    size_t n = 0;
    for (uint64_t k = 1; k <= N; k++) {
        assert_ptr_equal(sb_idmap_get(&m, k), present[k] ? (void *)(uintptr_t)(k * 3) : NULL);
        n += present[k];
    }
    assert_int_equal(m.n, n);
    sb_idmap_dispose(&m);
}

static void test_countmap_limits_and_removal(void **state)
{
    (void)state;
    sb_countmap_t m;
    sb_countmap_init(&m);
    assert_int_equal(sb_countmap_incr(&m, "10.0.0.1", 2), 1);
    assert_int_equal(sb_countmap_incr(&m, "10.0.0.1", 2), 2);
    assert_int_equal(sb_countmap_incr(&m, "10.0.0.1", 2), 0); /* refused */
    assert_int_equal(sb_countmap_get(&m, "10.0.0.1"), 2);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "192.168.%d.%d", i / 250, i % 250);
        assert_int_equal(sb_countmap_incr(&m, key, 0), 1);
    }
    for (int i = 0; i < 1000; i += 2) {
        snprintf(key, sizeof key, "192.168.%d.%d", i / 250, i % 250);
        sb_countmap_decr(&m, key);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "192.168.%d.%d", i / 250, i % 250);
        assert_int_equal(sb_countmap_get(&m, key), i % 2 ? 1 : 0);
    }
    sb_countmap_decr(&m, "10.0.0.1");
    sb_countmap_decr(&m, "10.0.0.1");
    assert_int_equal(sb_countmap_get(&m, "10.0.0.1"), 0);
    assert_int_equal(m.n, 500);
    sb_countmap_dispose(&m);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_json_escapes_hostile_bytes(void **state)
{
    (void)state;
    sb_buf_t b;
    sb_buf_init(&b, 0);
    const char in[] = "a\"b\\c\n\x01\xff\xc3\xa9</script>";
    assert_int_equal(sb_json_str(&b, in, sizeof in - 1), 0);
    sb_buf_append(&b, "", 1);
    assert_string_equal((char *)sb_buf_data(&b),
                        "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9</script>\"");
    sb_buf_dispose(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(sb_utf8_valid("héllo ☃ 😀", strlen("héllo ☃ 😀")));
    assert_false(sb_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(sb_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(sb_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(sb_utf8_valid("\xe2\x98", 2));         /* truncated */
}

static void test_tokens(void **state)
{
    (void)state;
    assert_int_equal(sb_token_init(), 0);
    char a[SB_TOKEN_LEN + 1], b[SB_TOKEN_LEN + 1];
    sb_token_new(a);
    sb_token_new(b);
    assert_int_equal(strlen(a), SB_TOKEN_LEN);
    assert_true(sb_token_well_formed(a, strlen(a)));
    assert_string_not_equal(a, b);
    assert_false(sb_token_well_formed("short", 5));
    char bad[SB_TOKEN_LEN + 1];
    memcpy(bad, a, sizeof bad);
    bad[3] = '/';
    assert_false(sb_token_well_formed(bad, SB_TOKEN_LEN));
    char h1[SB_TOKEN_HASH_LEN + 1], h2[SB_TOKEN_HASH_LEN + 1], h3[SB_TOKEN_HASH_LEN + 1];
    sb_token_hash(a, SB_TOKEN_LEN, h1);
    sb_token_hash(a, SB_TOKEN_LEN, h2);
    sb_token_hash(b, SB_TOKEN_LEN, h3);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    assert_null(strstr(h1, a)); /* the hash does not contain the token */
    char id[40];
    sb_random_id("c-", id, sizeof id);
    assert_int_equal(strlen(id), 26);
    assert_memory_equal(id, "c-", 2);
}

static void check_redact(const char *in, const char *want, size_t n_masked)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    size_t masked;
    assert_int_equal(sb_redact_ssn(buf, strlen(buf), &masked), strlen(want));
    assert_int_equal(masked, n_masked);
    assert_string_equal(buf, want);
}

static void test_ssn_masking(void **state)
{
    (void)state;
    check_redact("my ssn is 123-45-6789 ok", "my ssn is XXX-XX-6789 ok", 1);
    check_redact("123 45 6789", "XXX-XX-6789", 1);
    check_redact("123.45.6789.", "XXX-XX-6789.", 1);
    check_redact("ssn:123456789", "ssn:XXXXX6789", 1);
    check_redact("two: 123-45-6789 and 234567891", "two: XXX-XX-6789 and XXXXX7891", 2);
    /* impossible areas, groups and serials stay */
    check_redact("000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000",
                 "000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000", 0);
    /* phone numbers, dates, claim numbers of other lengths, mixed separators */
    check_redact("call 503-555-1234 or (503) 555-1234", "call 503-555-1234 or (503) 555-1234", 0);
    check_redact("on 2026-11-25 claim 12345678 or 1234567890",
                 "on 2026-11-25 claim 12345678 or 1234567890", 0);
    check_redact("123-45 6789", "123-45 6789", 0);
    /* adjacent digits: part of a longer number */
    check_redact("1123-45-6789", "1123-45-6789", 0);
    check_redact("123-45-67890", "123-45-67890", 0);
    check_redact("a123456789b", "aXXXXX6789b", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_deadline_order),
        cmocka_unit_test(test_clock_never_goes_back),
        cmocka_unit_test(test_idmap_churn),
        cmocka_unit_test(test_countmap_limits_and_removal),
        cmocka_unit_test(test_json_escapes_hostile_bytes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_ssn_masking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
