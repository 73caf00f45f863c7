/* The key schema: docs/redis-keys.md and server/store/keys.h agree (every documented key has a
 * function, every function's key is documented), each function writes its documented pattern,
 * and parts that could not be ids or hashes never reach a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/keys.h"
#include "test_util.h"

#define PREFIX  "sb:{dep}:"
#define ID      "Id_1.a:b-c"
#define HASH    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define BUCKET  1700000100000ull
#define MAX_DOC 64

/* ------------------------------------------------------------------------------------------------
 * docs/redis-keys.md: the first column of every table whose header starts "| key |"
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    char *keys[MAX_DOC];
    size_t n;
} doc_t;

static void doc_add(doc_t *d, const char *s, size_t n)
{
    assert_true(d->n < MAX_DOC);
    d->keys[d->n] = strndup(s, n);
    assert_non_null(d->keys[d->n]);
    d->n++;
}

/* Every `...` in the row's first cell ("| `epoch`, `runid` | strings | ..."). */
static void doc_row(doc_t *d, const char *line, size_t len)
{
    const char *end = memchr(line + 1, '|', len - 1);
    assert_non_null(end);
    for (const char *p = line + 1; p < end;) {
        const char *a = memchr(p, '`', (size_t)(end - p));
        if (!a)
            break;
        const char *b = memchr(a + 1, '`', (size_t)(end - a - 1));
        assert_non_null(b);
        doc_add(d, a + 1, (size_t)(b - a - 1));
        p = b + 1;
    }
}

static void doc_read(doc_t *d)
{
    size_t len;
    char *text = sb_test_read_file(sb_test_source_path("docs/redis-keys.md"), &len);
    assert_non_null(text);
    bool in_table = false;
    for (char *line = text; line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
        if (n >= 7 && strncmp(line, "| key |", 7) == 0)
            in_table = true;
        else if (n == 0 || line[0] != '|')
            in_table = false;
        else if (in_table && strncmp(line, "|---", 4) != 0)
            doc_row(d, line, n);
        line += n + 1;
    }
    free(text);
}

static void doc_free(doc_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->keys[i]);
}

static void test_every_documented_key_has_a_function(void **state)
{
    (void)state;
    doc_t d = {0};
    doc_read(&d);
    /* the parser found the tables (keys, and statistics): an empty list would agree with nothing */
    assert_true(d.n >= 20);
    for (size_t i = 0; i < d.n; i++) {
        bool found = false;
        for (int k = 0; k < SB_KEY__COUNT; k++)
            found |= strcmp(d.keys[i], sb_key_pattern((sb_key_id_t)k)) == 0;
        if (!found)
            fail_msg("docs/redis-keys.md documents the key `%s`, but server/store/keys.h "
                     "(SB_KEY_LIST) has no function for it",
                     d.keys[i]);
    }
    doc_free(&d);
}

static void test_every_function_key_is_documented(void **state)
{
    (void)state;
    doc_t d = {0};
    doc_read(&d);
    for (int k = 0; k < SB_KEY__COUNT; k++) {
        const char *pattern = sb_key_pattern((sb_key_id_t)k);
        size_t seen = 0;
        for (size_t i = 0; i < d.n; i++)
            seen += strcmp(d.keys[i], pattern) == 0;
        if (seen != 1)
            fail_msg("server/store/keys.h has the key `%s`, documented %zu times in the key "
                     "tables of docs/redis-keys.md (once expected)",
                     pattern, seen);
    }
    doc_free(&d);
}

/* ------------------------------------------------------------------------------------------------
 * Every function writes its pattern
 * ---------------------------------------------------------------------------------------------- */

typedef int (*thunk_t)(const char *prefix, const char *part, uint64_t n, char *out, size_t len);

#define THUNK_0(fn)                                                                                \
    static int t_##fn(const char *prefix, const char *part, uint64_t n, char *out, size_t len)     \
    {                                                                                              \
        (void)part;                                                                                \
        (void)n;                                                                                   \
        return sb_key_##fn(prefix, out, len);                                                      \
    }
#define THUNK_1(fn)                                                                                \
    static int t_##fn(const char *prefix, const char *part, uint64_t n, char *out, size_t len)     \
    {                                                                                              \
        (void)n;                                                                                   \
        return sb_key_##fn(prefix, part, out, len);                                                \
    }
#define THUNK_2(fn)                                                                                \
    static int t_##fn(const char *prefix, const char *part, uint64_t n, char *out, size_t len)     \
    {                                                                                              \
        return sb_key_##fn(prefix, part, n, out, len);                                             \
    }
#define THUNK(E, fn, pattern, parts) THUNK_##parts(fn)
SB_KEY_LIST(THUNK)

static const struct {
    sb_key_id_t k;
    const char *name;
    thunk_t fn;
} g_fns[] = {
#define FN_ROW(E, fn, pattern, parts) {SB_KEY_##E, "sb_key_" #fn, t_##fn},
    SB_KEY_LIST(FN_ROW)
#undef FN_ROW
};

static bool is_hash_key(sb_key_id_t k)
{
    return strstr(sb_key_pattern(k), "<hash>") != NULL;
}

/* prefix + pattern with <bucket_ms> replaced by `bucket` and any other placeholder by `part` */
static void expand(sb_key_id_t k, const char *prefix, const char *part, const char *bucket,
                   char *out, size_t len)
{
    size_t o = (size_t)snprintf(out, len, "%s", prefix);
    for (const char *p = sb_key_pattern(k); *p;) {
        if (*p == '<') {
            const char *e = strchr(p, '>');
            bool b = strncmp(p, "<bucket_ms>", 11) == 0;
            o += (size_t)snprintf(out + o, len - o, "%s", b ? bucket : part);
            p = e + 1;
        } else {
            out[o++] = *p++;
            out[o] = 0;
        }
    }
}

static void test_functions_write_their_pattern(void **state)
{
    (void)state;
    assert_int_equal(sizeof g_fns / sizeof g_fns[0], SB_KEY__COUNT);
    char bucket[24];
    snprintf(bucket, sizeof bucket, "%llu", (unsigned long long)BUCKET);
    for (size_t i = 0; i < SB_KEY__COUNT; i++) {
        sb_key_id_t k = g_fns[i].k;
        const char *part = is_hash_key(k) ? HASH : ID;
        char got[SB_KEY_MAX], want[SB_KEY_MAX];
        int n = g_fns[i].fn(PREFIX, part, BUCKET, got, sizeof got);
        expand(k, PREFIX, part, bucket, want, sizeof want);
        if (n < 0 || strcmp(got, want) != 0 || (size_t)n != strlen(want))
            fail_msg("%s wrote \"%s\" (%d), its pattern says \"%s\"", g_fns[i].name,
                     n < 0 ? "" : got, n, want);
        /* the placeholder for a key a script does not concern */
        if (sb_key_parts(k) > 0) {
            n = g_fns[i].fn(PREFIX, SB_KEY_UNUSED, BUCKET, got, sizeof got);
            expand(k, PREFIX, "-", bucket, want, sizeof want);
            assert_true(n > 0);
            assert_string_equal(got, want);
        }
    }
}

static void test_patterns_have_the_parts_their_functions_take(void **state)
{
    (void)state;
    for (int k = 0; k < SB_KEY__COUNT; k++) {
        const char *p = sb_key_pattern((sb_key_id_t)k);
        int strings = 0, buckets = 0;
        for (const char *q = strchr(p, '<'); q; q = strchr(q + 1, '<'))
            strncmp(q, "<bucket_ms>", 11) == 0 ? buckets++ : strings++;
        int parts = sb_key_parts((sb_key_id_t)k);
        if (strings != (parts > 0) || buckets != (parts == 2))
            fail_msg("key `%s`: %d string and %d bucket placeholders for a function of %d parts", p,
                     strings, buckets, parts);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Parts that must never reach a key
 * ---------------------------------------------------------------------------------------------- */

static void test_bad_ids_are_refused(void **state)
{
    (void)state;
    char out[SB_KEY_MAX];
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = 0;
    const char *bad[] = {"", "a b", "a{b}", "a*", "a\nb", "é", "a/b", long_id};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sb_key_contact(PREFIX, bad[i], out, sizeof out), -1);
        assert_int_equal(sb_key_conv_log(PREFIX, bad[i], out, sizeof out), -1);
        assert_int_equal(sb_key_stats_agent(PREFIX, bad[i], BUCKET, out, sizeof out), -1);
        assert_int_equal(sb_key_login_address(PREFIX, bad[i], out, sizeof out), -1);
    }
    /* 64 bytes is the limit, and an IPv6 address is an id */
    long_id[64] = 0;
    assert_true(sb_key_contact(PREFIX, long_id, out, sizeof out) > 0);
    assert_true(sb_key_rate_conv(PREFIX, "2001:db8::1", out, sizeof out) > 0);
    assert_string_equal(out, PREFIX "rl:conv:2001:db8::1");
}

static void test_hash_parts_are_hashes(void **state)
{
    (void)state;
    char out[SB_KEY_MAX];
    char upper[] = HASH, short_hash[] = HASH,
         token[] = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
    upper[3] = 'A';
    short_hash[63] = 0;
    const char *bad[] = {upper, short_hash, token, HASH "0", ID};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sb_key_session(PREFIX, bad[i], out, sizeof out), -1);
        assert_int_equal(sb_key_resume_token(PREFIX, bad[i], out, sizeof out), -1);
    }
    assert_true(sb_key_session(PREFIX, HASH, out, sizeof out) > 0);
}

static void test_room(void **state)
{
    (void)state;
    /* the longest prefix and parts fit in SB_KEY_MAX; one byte less than needed is refused */
    char prefix[SB_KEY_PREFIX_MAX];
    char deployment[SB_KEY_PREFIX_MAX - 6];
    memset(deployment, 'd', sizeof deployment - 1);
    deployment[sizeof deployment - 1] = 0;
    assert_int_equal(sb_key_prefix(deployment, prefix, sizeof prefix), SB_KEY_PREFIX_MAX - 1);
    char id[65];
    memset(id, 'i', 64);
    id[64] = 0;
    char out[SB_KEY_MAX];
    for (size_t i = 0; i < SB_KEY__COUNT; i++) {
        const char *part = is_hash_key(g_fns[i].k) ? HASH : id;
        int n = g_fns[i].fn(prefix, part, UINT64_MAX, out, sizeof out);
        if (n < 0)
            fail_msg("%s does not fit in SB_KEY_MAX with the longest prefix", g_fns[i].name);
        assert_int_equal(g_fns[i].fn(prefix, part, UINT64_MAX, out, (size_t)n), -1);
        assert_int_equal(g_fns[i].fn(prefix, part, UINT64_MAX, out, (size_t)n + 1), n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_documented_key_has_a_function),
        cmocka_unit_test(test_every_function_key_is_documented),
        cmocka_unit_test(test_functions_write_their_pattern),
        cmocka_unit_test(test_patterns_have_the_parts_their_functions_take),
        cmocka_unit_test(test_bad_ids_are_refused),
        cmocka_unit_test(test_hash_parts_are_hashes),
        cmocka_unit_test(test_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
