/* Tests for kernel/lib/cmdline.c. */
#include <stdint.h>
#include <string.h>

#include "cmdline.h"
#include "suites.h"

START_TEST(test_flags_and_values)
{
    const char *line = "selftest loglevel=3 console=com1,xen";
    char value[32];
    ck_assert(cmdline_get(line, "selftest", value, sizeof value));
    ck_assert_str_eq(value, "");
    ck_assert(cmdline_get(line, "loglevel", value, sizeof value));
    ck_assert_str_eq(value, "3");
    ck_assert(cmdline_get(line, "console", value, sizeof value));
    ck_assert_str_eq(value, "com1,xen");
    ck_assert(cmdline_has(line, "selftest"));
    ck_assert(cmdline_has(line, "loglevel"));
    ck_assert(!cmdline_has(line, "missing"));
    ck_assert(!cmdline_get(line, "missing", value, sizeof value));
}
END_TEST

START_TEST(test_whole_key_matching)
{
    const char *line = "selftest=fault loglevel=3 log";
    ck_assert(!cmdline_has(line, "self"));
    ck_assert(!cmdline_has(line, "selftest=fault"));
    ck_assert(!cmdline_has(line, "selftestx"));
    ck_assert(!cmdline_has(line, "fault"));          /* values are not keys */
    ck_assert(!cmdline_has(line, "level"));
    ck_assert(cmdline_has(line, "log"));
    char value[8];
    ck_assert(cmdline_get(line, "log", value, sizeof value));
    ck_assert_str_eq(value, "");                   /* the flag, not loglevel's value */
    ck_assert(!cmdline_has(line, "Log"));             /* case-sensitive */
    ck_assert(!cmdline_has(line, ""));
}
END_TEST

START_TEST(test_last_occurrence_wins)
{
    char value[16];
    ck_assert(cmdline_get("a=1 b=2 a=3", "a", value, sizeof value));
    ck_assert_str_eq(value, "3");
    ck_assert(cmdline_get("a=1 a", "a", value, sizeof value));
    ck_assert_str_eq(value, "");
    ck_assert(cmdline_get("a a=7", "a", value, sizeof value));
    ck_assert_str_eq(value, "7");
    uint64_t n = 0;
    ck_assert(cmdline_get_u64("n=5 n=0x10", "n", &n));
    ck_assert_uint_eq(n, 16);
    /* The last occurrence decides even when it is not a number. */
    n = 99;
    ck_assert(!cmdline_get_u64("n=5 n=abc", "n", &n));
    ck_assert_uint_eq(n, 99);
}
END_TEST

START_TEST(test_quoted_values)
{
    char value[32];
    const char *line = "a=1 console=\"com1 xen\" b=\"\" c=\"x\"tail d";
    ck_assert(cmdline_get(line, "console", value, sizeof value));
    ck_assert_str_eq(value, "com1 xen");
    ck_assert(cmdline_get(line, "b", value, sizeof value));
    ck_assert_str_eq(value, "");
    ck_assert(cmdline_get(line, "c", value, sizeof value));
    ck_assert_str_eq(value, "x");                   /* bytes after the quote are ignored */
    ck_assert(!cmdline_has(line, "tail"));
    ck_assert(cmdline_has(line, "d"));
    /* Text inside quotes is not parsed as options. */
    ck_assert(!cmdline_has(line, "xen\""));
    ck_assert(!cmdline_has("k=\"x=1 y\"", "y"));
    ck_assert(!cmdline_has("k=\"x=1 y\"", "x"));
}
END_TEST

START_TEST(test_unterminated_quote)
{
    char value[32];
    const char *line = "a=1 msg=\"hello world b=2";
    ck_assert(cmdline_get(line, "msg", value, sizeof value));
    ck_assert_str_eq(value, "hello world b=2");
    ck_assert(!cmdline_has(line, "b"));
    ck_assert(cmdline_get(line, "a", value, sizeof value));
    ck_assert_str_eq(value, "1");
    ck_assert(cmdline_get("q=\"", "q", value, sizeof value));
    ck_assert_str_eq(value, "");
}
END_TEST

START_TEST(test_separators)
{
    char value[16];
    const char *line = "\t a=1\t\tb=2  \t c \t";
    ck_assert(cmdline_get(line, "a", value, sizeof value));
    ck_assert_str_eq(value, "1");
    ck_assert(cmdline_get(line, "b", value, sizeof value));
    ck_assert_str_eq(value, "2");
    ck_assert(cmdline_get(line, "c", value, sizeof value));
    ck_assert_str_eq(value, "");
    ck_assert(!cmdline_has(line, " c"));
    ck_assert(cmdline_get("t=\"x\ty\"", "t", value, sizeof value));
    ck_assert_str_eq(value, "x\ty");
}
END_TEST

START_TEST(test_empty_and_blank_lines)
{
    char value[8] = "keep";
    ck_assert(!cmdline_has("", "a"));
    ck_assert(!cmdline_has("     ", "a"));
    ck_assert(!cmdline_has("\t \t", "a"));
    ck_assert(!cmdline_get("", "a", value, sizeof value));
    ck_assert_str_eq(value, "keep");                /* untouched when absent */
    ck_assert(!cmdline_has(NULL, "a"));
    ck_assert(!cmdline_has("a", NULL));
    uint64_t n = 5;
    ck_assert(!cmdline_get_u64("", "a", &n));
    ck_assert_uint_eq(n, 5);
    /* "=x" has an empty key, which nothing matches. */
    ck_assert(!cmdline_has("=x", ""));
    ck_assert(cmdline_has("=x y", "y"));
    /* An empty value is present. */
    ck_assert(cmdline_get("k= z", "k", value, sizeof value));
    ck_assert_str_eq(value, "");
}
END_TEST

START_TEST(test_value_truncation)
{
    char value[8];
    memset(value, 'X', sizeof value);
    ck_assert(cmdline_get("k=0123456789", "k", value, 5));
    ck_assert_str_eq(value, "0123");
    ck_assert_int_eq(value[5], 'X');                /* nothing past value_size */
    ck_assert(cmdline_get("k=0123456789", "k", value, 1));
    ck_assert_str_eq(value, "");
    memset(value, 'X', sizeof value);
    ck_assert(cmdline_get("k=abc", "k", value, 0));   /* value_size 0: not written */
    ck_assert_int_eq(value[0], 'X');
    ck_assert(cmdline_get("k=abc", "k", NULL, 10));
    ck_assert(cmdline_get("k=\"a b c d e f\"", "k", value, sizeof value));
    ck_assert_str_eq(value, "a b c d");
    ck_assert(cmdline_get("k=1234567", "k", value, sizeof value));
    ck_assert_str_eq(value, "1234567");              /* exactly fits */
}
END_TEST

START_TEST(test_get_u64)
{
    uint64_t n = 0;
    ck_assert(cmdline_get_u64("n=0", "n", &n));
    ck_assert_uint_eq(n, 0);
    ck_assert(cmdline_get_u64("x n=42 y", "n", &n));
    ck_assert_uint_eq(n, 42);
    ck_assert(cmdline_get_u64("n=0x1F", "n", &n));
    ck_assert_uint_eq(n, 0x1f);
    ck_assert(cmdline_get_u64("n=0XaBc", "n", &n));
    ck_assert_uint_eq(n, 0xabc);
    ck_assert(cmdline_get_u64("n=18446744073709551615", "n", &n));
    ck_assert_uint_eq(n, UINT64_MAX);
    ck_assert(cmdline_get_u64("n=0xffffffffffffffff", "n", &n));
    ck_assert_uint_eq(n, UINT64_MAX);
    ck_assert(cmdline_get_u64("n=000000000000000000000000000007", "n", &n));
    ck_assert_uint_eq(n, 7);
    ck_assert(cmdline_get_u64("n=\"12\"", "n", &n));
    ck_assert_uint_eq(n, 12);
    ck_assert(cmdline_get_u64("n=1", "n", NULL));

    n = 1234;
    static const char *const bad[] = {
        "n", "n=", "n=-1", "n=+1", "n=12a", "n=a12", "n=0x", "n=0xg", "n= 1",
        "n=\"1 \"", "n=18446744073709551616", "n=99999999999999999999", "n=0x10000000000000000",
        "n=1.5", "m=3", "n=0b1", "n=0x-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!cmdline_get_u64(bad[i], "n", &n), "accepted \"%s\"", bad[i]);
    ck_assert_uint_eq(n, 1234);
}
END_TEST

START_TEST(test_list_has)
{
    ck_assert(cmdline_list_has("com1,xen", "xen"));
    ck_assert(cmdline_list_has("com1,xen", "com1"));
    ck_assert(cmdline_list_has("xen", "xen"));
    ck_assert(!cmdline_list_has("com1,xen", "xe"));
    ck_assert(!cmdline_list_has("com1,xen", "com"));
    ck_assert(!cmdline_list_has("com1,xen", "com1,xen"));
    ck_assert(!cmdline_list_has("com1,xenx", "xen"));
    ck_assert(!cmdline_list_has("", "xen"));
    ck_assert(!cmdline_list_has("a,,b", ""));
    ck_assert(cmdline_list_has("a,,b", "b"));
    ck_assert(cmdline_list_has(",a,", "a"));
    ck_assert(!cmdline_list_has(NULL, "a"));
    ck_assert(!cmdline_list_has("a", NULL));
}
END_TEST

Suite *cmdline_suite(void)
{
    Suite *s = suite_create("cmdline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_flags_and_values);
    tcase_add_test(tc, test_whole_key_matching);
    tcase_add_test(tc, test_last_occurrence_wins);
    tcase_add_test(tc, test_quoted_values);
    tcase_add_test(tc, test_unterminated_quote);
    tcase_add_test(tc, test_separators);
    tcase_add_test(tc, test_empty_and_blank_lines);
    tcase_add_test(tc, test_value_truncation);
    tcase_add_test(tc, test_get_u64);
    tcase_add_test(tc, test_list_has);
    suite_add_tcase(s, tc);
    return s;
}
