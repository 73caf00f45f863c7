/* Masking of Social Security numbers in every form people type them in (server/util/redact.h):
 * full-width digits, the dash characters word processors and phone keyboards substitute for a
 * hyphen, and mixes of them; the masked text gets shorter, stays terminated and stays valid UTF-8.
 * The ASCII forms are covered in test_util.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/redact.h"
#include "util/utf8.h"

/* Full-width digits U+FF10..U+FF19 and the separators, spelled as UTF-8 bytes. */
#define FW0        "\xEF\xBC\x90"
#define FW1        "\xEF\xBC\x91"
#define FW2        "\xEF\xBC\x92"
#define FW3        "\xEF\xBC\x93"
#define FW4        "\xEF\xBC\x94"
#define FW5        "\xEF\xBC\x95"
#define FW6        "\xEF\xBC\x96"
#define FW7        "\xEF\xBC\x97"
#define FW8        "\xEF\xBC\x98"
#define FW9        "\xEF\xBC\x99"
#define HYPHEN     "\xE2\x80\x90" /* U+2010 */
#define NB_HYPHEN  "\xE2\x80\x91" /* U+2011 */
#define FIG_DASH   "\xE2\x80\x92" /* U+2012 */
#define EN_DASH    "\xE2\x80\x93" /* U+2013 */
#define EM_DASH    "\xE2\x80\x94" /* U+2014 */
#define BAR        "\xE2\x80\x95" /* U+2015 */
#define MINUS      "\xE2\x88\x92" /* U+2212 */
#define FW_HYPHEN  "\xEF\xBC\x8D" /* U+FF0D */
#define FW_STOP    "\xEF\xBC\x8E" /* U+FF0E */
#define IDEO_SPACE "\xE3\x80\x80" /* U+3000 */
#define NBSP       "\xC2\xA0"

/* 123-45-6789 in full-width digits, with separator `sep` */
#define FW_SSN(sep) FW1 FW2 FW3 sep FW4 FW5 sep FW6 FW7 FW8 FW9

static void check(const char *in, const char *want, size_t n_masked)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    size_t masked = 99;
    size_t len = sb_redact_ssn(buf, strlen(buf), &masked);
    assert_int_equal(masked, n_masked);
    assert_int_equal(len, strlen(want));
    assert_string_equal(buf, want); /* terminated at the new length */
    if (sb_utf8_valid(in, strlen(in)))
        assert_true(sb_utf8_valid(buf, len)); /* valid UTF-8 stays valid */
}

static void test_full_width_digits(void **state)
{
    (void)state;
    check("ssn " FW_SSN("-") " thanks", "ssn XXX-XX-6789 thanks", 1);
    check(FW_SSN(FW_HYPHEN), "XXX-XX-6789", 1);
    check(FW_SSN(IDEO_SPACE), "XXX-XX-6789", 1);
    check(FW_SSN(FW_STOP), "XXX-XX-6789", 1);
    check(FW_SSN(" "), "XXX-XX-6789", 1);
    /* nine in a row */
    check("n:" FW1 FW2 FW3 FW4 FW5 FW6 FW7 FW8 FW9 ".", "n:XXXXX6789.", 1);
    /* mixed with ASCII digits, which nobody types by accident but anyone may to get past a
     * filter */
    check("1" FW2 "3-4" FW5 "-67" FW8 "9", "XXX-XX-6789", 1);
    check(FW1 "23456789", "XXXXX6789", 1);
    /* the last four stay visible, written in ASCII */
    check(FW2 FW3 FW4 "-" FW5 FW6 "-" FW7 FW8 FW9 FW1, "XXX-XX-7891", 1);
}

static void test_dashes(void **state)
{
    (void)state;
    const char *dashes[] = {HYPHEN, NB_HYPHEN, FIG_DASH, EN_DASH, EM_DASH, BAR, MINUS, NBSP};
    for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
        char in[64];
        snprintf(in, sizeof in, "is 123%s45%s6789.", dashes[i], dashes[i]);
        check(in, "is XXX-XX-6789.", 1);
        snprintf(in, sizeof in, FW_SSN("%s"), dashes[i], dashes[i]);
        check(in, "XXX-XX-6789", 1);
    }
}

static void test_what_stays(void **state)
{
    (void)state;
    /* two different separators are not one number */
    check("123" EN_DASH "45-6789", "123" EN_DASH "45-6789", 0);
    check("123" EN_DASH "45" EM_DASH "6789", "123" EN_DASH "45" EM_DASH "6789", 0);
    /* adjacent full-width digits make it a longer number */
    check(FW9 FW_SSN("-"), FW9 FW_SSN("-"), 0);
    check(FW_SSN("-") FW0, FW_SSN("-") FW0, 0);
    check(FW1 FW2 FW3 FW4 FW5 FW6 FW7 FW8 FW9 FW0, FW1 FW2 FW3 FW4 FW5 FW6 FW7 FW8 FW9 FW0, 0);
    /* impossible numbers stay, in any form */
    check(FW0 FW0 FW0 "-" FW1 FW2 "-" FW3 FW4 FW5 FW6, FW0 FW0 FW0 "-" FW1 FW2 "-" FW3 FW4 FW5 FW6,
          0);
    check("666" MINUS "12" MINUS "3456", "666" MINUS "12" MINUS "3456", 0);
    /* a phone number with dashes */
    check("503" EN_DASH "555" EN_DASH "1234", "503" EN_DASH "555" EN_DASH "1234", 0);
    /* other text around them is kept byte for byte, multi-byte characters included */
    check("Señora Müller, 日本 " FW_SSN(FW_HYPHEN) " — ok", "Señora Müller, 日本 XXX-XX-6789 — ok",
          1);
    /* an incomplete full-width digit at the end is not a digit, and not read past */
    check("123-45-678\xEF\xBC", "123-45-678\xEF\xBC", 0);
}

static void test_several_and_lengths(void **state)
{
    (void)state;
    check(FW_SSN(EN_DASH) " and " FW_SSN(MINUS) " and 234567891",
          "XXX-XX-6789 and XXX-XX-6789 and XXXXX7891", 3);
    /* the length is an argument, not the terminator: only the first n bytes are looked at */
    char buf[64];
    snprintf(buf, sizeof buf, "%s", FW_SSN("-") "tail");
    size_t masked;
    size_t n = strlen(FW_SSN("-"));
    assert_int_equal(sb_redact_ssn(buf, n, &masked), 11);
    assert_int_equal(masked, 1);
    assert_memory_equal(buf, "XXX-XX-6789", 11);
    assert_int_equal(buf[11], 0);
    /* nothing masked: the same length, nothing written past it */
    char exact[4] = {'a', 'b', 'c', 'd'};
    assert_int_equal(sb_redact_ssn(exact, 4, NULL), 4);
    assert_memory_equal(exact, "abcd", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_width_digits),
        cmocka_unit_test(test_dashes),
        cmocka_unit_test(test_what_stays),
        cmocka_unit_test(test_several_and_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
