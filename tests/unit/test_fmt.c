/* Tests for kernel/lib/fmt.c: output is compared with the host's snprintf
 * wherever C99 defines the result. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "suites.h"

/* Formats with both implementations and requires identical text and return
 * values. Used with literal formats so gcc checks them against printf. */
#define EXPECT_LIKE_HOST(...)                                                  \
    do {                                                                       \
        char ours[512], host[512];                                             \
        int ours_n = fmt_snprintf(ours, sizeof ours, __VA_ARGS__);             \
        int host_n = snprintf(host, sizeof host, __VA_ARGS__);                 \
        ck_assert_str_eq(ours, host);                                          \
        ck_assert_int_eq(ours_n, host_n);                                      \
    } while (0)

/* Calls fmt_vsnprintf without compile-time format checking, for formats that
 * printf does not define (unknown conversions). */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Same comparison through va_list, without compile-time checking: for
 * combinations C99 defines but gcc warns about ("'0' flag ignored..."). */
static void expect_like_host_unchecked(const char *fmt, ...)
{
    char ours[512], host[512];
    va_list ap, ap_host;
    va_start(ap, fmt);
    va_copy(ap_host, ap);
    int ours_n = fmt_vsnprintf(ours, sizeof ours, fmt, ap);
    int host_n = vsnprintf(host, sizeof host, fmt, ap_host);
    va_end(ap_host);
    va_end(ap);
    ck_assert_msg(strcmp(ours, host) == 0 && ours_n == host_n,
                  "format \"%s\": got \"%s\" (%d), want \"%s\" (%d)", fmt, ours, ours_n, host,
                  host_n);
}

START_TEST(test_plain_text_and_percent)
{
    EXPECT_LIKE_HOST("hello");
    EXPECT_LIKE_HOST("%s", "");
    EXPECT_LIKE_HOST("100%% sure %%%%");
    EXPECT_LIKE_HOST("a%cb", 'x');
    EXPECT_LIKE_HOST("[%5c][%-5c]", 'q', 'r');
}
END_TEST

START_TEST(test_signed_decimal)
{
    EXPECT_LIKE_HOST("%d %i %d %d", 0, 42, -42, INT32_MAX);
    EXPECT_LIKE_HOST("%d", INT32_MIN);
    EXPECT_LIKE_HOST("%lld %lld", (long long)INT64_MIN, (long long)INT64_MAX);
    EXPECT_LIKE_HOST("%ld", (long)INT64_MIN);
    EXPECT_LIKE_HOST("%jd", (intmax_t)INT64_MIN);
    expect_like_host_unchecked("[%+d][%+d][% d][% d][%+ d]", 5, -5, 5, -5, 5);
    EXPECT_LIKE_HOST("[%.0d][%+.0d][% .0d][%5.0d][%-3.0d]", 0, 0, 0, 0, 0);
    EXPECT_LIKE_HOST("[%.0d][%.1d]", 7, 0);
    expect_like_host_unchecked("[%08d][%-8d][%8d][%08.3d][%+08d][% 08d]", -123, -123, -123, -123, 123, 123);
    expect_like_host_unchecked("[%.5d][%8.5d][%-8.5d][%08.5d]", -42, -42, -42, -42);
    expect_like_host_unchecked("[%-08d]", 9);
    EXPECT_LIKE_HOST("[%025lld]", (long long)INT64_MIN);
}
END_TEST

START_TEST(test_unsigned_hex_octal)
{
    EXPECT_LIKE_HOST("%u %u", 0u, UINT32_MAX);
    EXPECT_LIKE_HOST("%llu %llx %llX %llo", (unsigned long long)UINT64_MAX,
                     (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
                     (unsigned long long)UINT64_MAX);
    EXPECT_LIKE_HOST("[%x][%X][%#x][%#X][%#x]", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu, 0u);
    expect_like_host_unchecked("[%#010x][%#-10x][%#10x][%#.6x][%#012.6x]", 0xabu, 0xabu, 0xabu, 0xabu,
                     0xabu);
    EXPECT_LIKE_HOST("[%o][%#o][%#o][%#.0o][%.0o][%#5o][%#.4o][%#.1o]", 8u, 8u, 0u, 0u, 0u, 8u,
                     8u, 8u);
    EXPECT_LIKE_HOST("[%.0x][%#.0x][%5.0x][%.0u]", 0u, 0u, 0u, 0u);
    EXPECT_LIKE_HOST("[%08x][%-8X][%8.3o]", 0x1fu, 0x1fu, 9u);
}
END_TEST

START_TEST(test_length_modifiers)
{
    EXPECT_LIKE_HOST("%hhd %hhd %hhu %hhx", 300, -129, -1, 0x1ff);
    EXPECT_LIKE_HOST("%hd %hd %hu %hx", 70000, -32769, -1, 0x1ffff);
    EXPECT_LIKE_HOST("%ld %lu %lx", -1L, (unsigned long)UINT64_MAX, 0x123456789abcdefUL);
    EXPECT_LIKE_HOST("%zu %zx %zd", SIZE_MAX, (size_t)0xdead, (ptrdiff_t)-3);
    EXPECT_LIKE_HOST("%td %tu", (ptrdiff_t)INT64_MIN, (size_t)77);
    EXPECT_LIKE_HOST("%ju %jx", (uintmax_t)UINT64_MAX, (uintmax_t)0xabcdef);
    EXPECT_LIKE_HOST("%lli %llo", -99LL, 0777ULL);
}
END_TEST

START_TEST(test_strings)
{
    EXPECT_LIKE_HOST("[%s][%10s][%-10s][%.2s][%5.3s][%-5.3s][%.0s][%.10s]", "abc", "abc",
                     "abc", "abc", "abcdef", "abcdef", "abc", "abc");
    /* Precision bounds the read: the array need not be NUL-terminated. */
    static const char unterminated[3] = { 'x', 'y', 'z' };
    EXPECT_LIKE_HOST("[%.3s][%.2s]", unterminated, unterminated);

    char buf[64];
    const char *null_string = NULL;
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "[%s]", null_string), 8);
    ck_assert_str_eq(buf, "[(null)]");
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "[%8s]", null_string), 10);
    ck_assert_str_eq(buf, "[  (null)]");
}
END_TEST

START_TEST(test_star_width_and_precision)
{
    EXPECT_LIKE_HOST("[%*d][%-*d][%*d]", 6, 42, 6, 42, -6, 42);
    EXPECT_LIKE_HOST("[%.*d][%.*d][%*.*x]", 4, 7, -1, 7, 8, 3, 0xau);
    EXPECT_LIKE_HOST("[%.*s][%.*s][%*s]", 2, "hello", -2, "hello", -7, "hi");
    EXPECT_LIKE_HOST("[%0*d][%0*d]", 5, -1, -5, -1);
    EXPECT_LIKE_HOST("[%.*d]", 0, 0);
}
END_TEST

START_TEST(test_pointer)
{
    char ours[64], host[64];
    void *pointers[] = { NULL, (void *)0x1234, (void *)UINTPTR_MAX, (void *)&ours };
    for (size_t i = 0; i < sizeof pointers / sizeof pointers[0]; i++) {
        fmt_snprintf(ours, sizeof ours, "%p|%20p|%-20p|", pointers[i], pointers[i], pointers[i]);
        uintptr_t v = (uintptr_t)pointers[i];
        snprintf(host, sizeof host, "0x%016" PRIxPTR "|  0x%016" PRIxPTR "|0x%016" PRIxPTR "  |", v,
                 v, v);
        ck_assert_str_eq(ours, host);
    }
}
END_TEST

START_TEST(test_unknown_and_truncated_conversions)
{
    char buf[64];
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "a%qb"), 4);
    ck_assert_str_eq(buf, "a%qb");
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "[%-5.2lq]"), 9);
    ck_assert_str_eq(buf, "[%-5.2lq]");
    /* An unknown conversion does not consume an argument. */
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "%y%d", 12), 4);
    ck_assert_str_eq(buf, "%y12");
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "end%"), 4);
    ck_assert_str_eq(buf, "end%");
    ck_assert_int_eq(format_unchecked(buf, sizeof buf, "end%-08l"), 8);
    ck_assert_str_eq(buf, "end%-08l");
}
END_TEST

START_TEST(test_snprintf_truncation)
{
    char buf[16];
    memset(buf, '#', sizeof buf);
    ck_assert_int_eq(fmt_snprintf(buf, 0, "abc%d", 123), 6);
    ck_assert_int_eq(buf[0], '#');                 /* size 0 writes nothing */
    ck_assert_int_eq(fmt_snprintf(NULL, 0, "%s", "xyz"), 3);

    ck_assert_int_eq(fmt_snprintf(buf, 1, "abc"), 3);
    ck_assert_str_eq(buf, "");

    memset(buf, '#', sizeof buf);
    ck_assert_int_eq(fmt_snprintf(buf, 5, "%s-%d", "abcd", 99), 7);
    ck_assert_str_eq(buf, "abcd");
    ck_assert_int_eq(buf[5], '#');                 /* nothing past size */

    ck_assert_int_eq(fmt_snprintf(buf, 8, "%30d", 1), 30);
    ck_assert_str_eq(buf, "       ");

    ck_assert_int_eq(fmt_snprintf(buf, 4, "abc"), 3);
    ck_assert_str_eq(buf, "abc");
}
END_TEST

/* A sink that records each piece's length and the concatenated output. */
struct recording_sink {
    char text[256];
    size_t len;
    unsigned calls;
};

static void record(void *ctx, const char *s, size_t n)
{
    struct recording_sink *r = ctx;
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_le(r->len + n, sizeof r->text - 1);
    memcpy(r->text + r->len, s, n);
    r->len += n;
    r->text[r->len] = '\0';
    r->calls++;
}

static int format_to_sink(struct recording_sink *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vformat(record, r, fmt, ap);
    va_end(ap);
    return n;
}

START_TEST(test_vformat_sink)
{
    struct recording_sink r = { .len = 0 };
    ck_assert_int_eq(format_to_sink(&r, "x=%d, name=%-6s|%40x", -5, "ab", 1u), 58);
    ck_assert_uint_eq(r.len, 58);
    char host[128];
    snprintf(host, sizeof host, "x=%d, name=%-6s|%40x", -5, "ab", 1u);
    ck_assert_str_eq(r.text, host);
    ck_assert_uint_gt(r.calls, 1);

    struct recording_sink empty = { .len = 0 };
    ck_assert_int_eq(format_to_sink(&empty, ""), 0);
    ck_assert_uint_eq(empty.calls, 0);
}
END_TEST

/* Every combination of defined flags, widths and precisions for the integer
 * conversions, against the host, over edge values. */
START_TEST(test_integer_combinations)
{
    static const char *const flag_sets[] = { "", "-", "0", "+", " ", "-0", "+0", " 0", "-+", "- ",
                                             "+ ", "-+0 " };
    static const char *const alt_flag_sets[] = { "", "#", "#0", "#-", "-0", "0", "-" };
    static const char *const widths[] = { "", "1", "5", "24" };
    static const char *const precisions[] = { "", ".", ".0", ".1", ".5", ".22" };
    static const int64_t signed_values[] = { 0, 1, -1, 9, 10, -99, 123456, INT32_MIN, INT32_MAX,
                                             INT64_MIN, INT64_MAX };
    static const uint64_t unsigned_values[] = { 0, 1, 7, 8, 15, 16, 0xff, 0xdeadbeef,
                                                UINT32_MAX, UINT64_MAX, 1ull << 63 };
    char fmt[32], ours[128], host[128];
    unsigned compared = 0;

    for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
        for (size_t p = 0; p < sizeof precisions / sizeof *precisions; p++) {
            for (size_t f = 0; f < sizeof flag_sets / sizeof *flag_sets; f++)
                for (size_t v = 0; v < sizeof signed_values / sizeof *signed_values; v++) {
                    snprintf(fmt, sizeof fmt, "[%%%s%s%slld]", flag_sets[f], widths[w],
                             precisions[p]);
                    long long value = signed_values[v];
                    int ours_n = fmt_snprintf(ours, sizeof ours, fmt, value);
                    int host_n = snprintf(host, sizeof host, fmt, value);
                    ck_assert_msg(strcmp(ours, host) == 0 && ours_n == host_n,
                                  "format \"%s\" value %lld: got \"%s\", want \"%s\"", fmt, value,
                                  ours, host);
                    compared++;
                }
            for (size_t f = 0; f < sizeof alt_flag_sets / sizeof *alt_flag_sets; f++)
                for (const char *conv = "uxXo"; *conv != '\0'; conv++)
                    for (size_t v = 0; v < sizeof unsigned_values / sizeof *unsigned_values; v++) {
                        if (*conv == 'u' && strchr(alt_flag_sets[f], '#') != NULL)
                            continue;   /* '#' is undefined for %u */
                        snprintf(fmt, sizeof fmt, "[%%%s%s%sll%c]", alt_flag_sets[f], widths[w],
                                 precisions[p], *conv);
                        unsigned long long value = unsigned_values[v];
                        int ours_n = fmt_snprintf(ours, sizeof ours, fmt, value);
                        int host_n = snprintf(host, sizeof host, fmt, value);
                        ck_assert_msg(strcmp(ours, host) == 0 && ours_n == host_n,
                                      "format \"%s\" value %llu: got \"%s\", want \"%s\"", fmt,
                                      value, ours, host);
                        compared++;
                    }
        }
    ck_assert_uint_gt(compared, 5000);
}
END_TEST

/* %s and %c with every width/precision/'-' combination, against the host. */
START_TEST(test_string_combinations)
{
    static const char *const strings[] = { "", "a", "hello", "a longer string here" };
    static const char *const specs[] = { "%s", "%-s", "%3s", "%-3s", "%.0s", "%.3s", "%8.3s",
                                         "%-8.3s", "%25s", "%-25s", "%.30s", "%1.1s", "%c",
                                         "%-1c", "%4c", "%-4c" };
    char fmt[16], ours[64], host[64];
    for (size_t s = 0; s < sizeof specs / sizeof *specs; s++)
        for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
            snprintf(fmt, sizeof fmt, "<%s>", specs[s]);
            bool is_char = strchr(specs[s], 'c') != NULL;
            int ours_n = is_char ? fmt_snprintf(ours, sizeof ours, fmt, 'A' + (int)i)
                                 : fmt_snprintf(ours, sizeof ours, fmt, strings[i]);
            int host_n = is_char ? snprintf(host, sizeof host, fmt, 'A' + (int)i)
                                 : snprintf(host, sizeof host, fmt, strings[i]);
            ck_assert_msg(strcmp(ours, host) == 0 && ours_n == host_n,
                          "format \"%s\": got \"%s\", want \"%s\"", fmt, ours, host);
        }
}
END_TEST

Suite *fmt_suite(void)
{
    Suite *s = suite_create("fmt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_plain_text_and_percent);
    tcase_add_test(tc, test_signed_decimal);
    tcase_add_test(tc, test_unsigned_hex_octal);
    tcase_add_test(tc, test_length_modifiers);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_star_width_and_precision);
    tcase_add_test(tc, test_pointer);
    tcase_add_test(tc, test_unknown_and_truncated_conversions);
    tcase_add_test(tc, test_snprintf_truncation);
    tcase_add_test(tc, test_vformat_sink);
    tcase_add_test(tc, test_integer_combinations);
    tcase_add_test(tc, test_string_combinations);
    suite_add_tcase(s, tc);
    return s;
}
