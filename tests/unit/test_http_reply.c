/* The HTTP/1.1 core of servers/httpd, beyond the parser (test_http.c):
 * ranges of every form (overflowing numbers too), dates, conditional
 * requests, header building that never overflows a small buffer, error
 * answers, content types, the log line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "suites.h"

/* Parses s (all of it available) with a fresh parser. */
static long parse(const char *s, struct http_request *req)
{
    struct http_parser p;
    http_parser_init(&p);
    return http_parse(&p, (const uint8_t *)s, strlen(s), req);
}

#define GET11(path, extra) "GET " path " HTTP/1.1\r\nHost: x\r\n" extra "\r\n"

/* Evaluates Range value v against size: the status, and first/count. */
static int range_of(const char *v, uint64_t size, uint64_t *first, uint64_t *count)
{
    struct http_range r;
    http_range_parse(v, strlen(v), &r);
    return http_range_eval(&r, size, first, count);
}

START_TEST(ranges)
{
    uint64_t f, c;
    ck_assert_int_eq(range_of("bytes=0-99", 1000, &f, &c), 206);
    ck_assert(f == 0 && c == 100);
    ck_assert_int_eq(range_of("bytes=10-", 1000, &f, &c), 206);
    ck_assert(f == 10 && c == 990);
    ck_assert_int_eq(range_of("bytes=-100", 1000, &f, &c), 206);
    ck_assert(f == 900 && c == 100);
    ck_assert_int_eq(range_of("bytes=-5000", 1000, &f, &c), 206);
    ck_assert(f == 0 && c == 1000);
    ck_assert_int_eq(range_of("bytes=990-5000", 1000, &f, &c), 206);
    ck_assert(f == 990 && c == 10);
    ck_assert_int_eq(range_of("BYTES= 5-5 ", 1000, &f, &c), 206);
    ck_assert(f == 5 && c == 1);
    ck_assert_int_eq(range_of("bytes=999-999", 1000, &f, &c), 206);
    ck_assert(f == 999 && c == 1);
    /* Unsatisfiable. */
    ck_assert_int_eq(range_of("bytes=1000-", 1000, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=1000-2000", 1000, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=-0", 1000, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=0-", 0, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=-1", 0, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=99999999999999999999-", 1000, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=99999999999999999999-99999999999999999999", 1000, &f, &c), 416);
    ck_assert_int_eq(range_of("bytes=18446744073709551615-", 1000, &f, &c), 416);
    /* Huge ends and suffixes mean "to the end" / "all". */
    ck_assert_int_eq(range_of("bytes=5-99999999999999999999", 1000, &f, &c), 206);
    ck_assert(f == 5 && c == 995);
    ck_assert_int_eq(range_of("bytes=-99999999999999999999", 1000, &f, &c), 206);
    ck_assert(f == 0 && c == 1000);
    ck_assert_int_eq(range_of("bytes=0-18446744073709551615", UINT64_MAX, &f, &c), 206);
    ck_assert(f == 0 && c == UINT64_MAX);
    /* Ignored: the whole file. */
    static const char *ignored[] = {"bytes=5-1", "bytes=-", "bytes=", "bytes=a-b", "bytes=0-1,3-4",
                                    "items=0-1", "bytes 0-1", "bytes=1-2-3", "bytes=0x1-2", "",
                                    "bytes=99999999999999999999-5"};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        ck_assert_msg(range_of(ignored[i], 1000, &f, &c) == 200, "case %s", ignored[i]);
        ck_assert(f == 0 && c == 1000);
    }
    /* Through the parser: two Range fields, or If-Range, ignore it. */
    struct http_request req;
    ck_assert_int_gt(parse(GET11("/", "Range: bytes=-5\r\n"), &req), 0);
    ck_assert_int_eq(req.range.kind, HTTP_RANGE_SUFFIX);
    ck_assert_int_gt(parse(GET11("/", "Range: bytes=1-2\r\nRange: bytes=1-2\r\n"), &req), 0);
    ck_assert_int_eq(req.range.kind, HTTP_RANGE_IGNORED);
    ck_assert_int_gt(parse(GET11("/", "Range: bytes=1-2\r\nIf-Range: \"x\"\r\n"), &req), 0);
    ck_assert_int_eq(req.range.kind, HTTP_RANGE_IGNORED);
}
END_TEST

START_TEST(dates)
{
    char d[32];
    uint64_t t;
    ck_assert_int_eq(http_date_format(d, sizeof d, 784111777), 29);
    ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    ck_assert(http_date_parse(d, 29, &t) && t == 784111777);
    http_date_format(d, sizeof d, 0);
    ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
    http_date_format(d, sizeof d, 951782400); /* a leap day */
    ck_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 GMT");
    ck_assert(http_date_parse(d, 29, &t) && t == 951782400);
    http_date_format(d, sizeof d, UINT64_MAX);
    ck_assert_str_eq(d, "Fri, 31 Dec 9999 23:59:59 GMT");
    ck_assert_int_eq(http_date_format(d, 29, 0), 0);
    ck_assert(!http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", 29, &t));
    ck_assert(!http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t));
    ck_assert(!http_date_parse("Sun, 06 Nox 1994 08:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 06 Nov 1994 24:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 06 Nov 1969 08:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 29 Feb 2001 08:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 31 Apr 2001 08:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 00 Apr 2001 08:49:37 GMT", 29, &t));
    ck_assert(!http_date_parse("Sun, 01 Apr 2001 08:49:60 GMT", 29, &t));
    ck_assert(http_date_parse("Sun, 29 Feb 2004 08:49:37 GMT", 29, &t));
}
END_TEST

START_TEST(conditional)
{
    struct http_request req;
    char etag[64];
    size_t n = http_etag(etag, sizeof etag, 12, 1000, 784111777);
    ck_assert_int_eq(n, strlen(etag));
    ck_assert_str_eq(etag, "\"c-3e8-2ebc98a1\"");
    ck_assert_int_eq(http_etag(etag, 8, 12, 1000, 784111777), 0);
    http_etag(etag, sizeof etag, 12, 1000, 784111777);
    ck_assert_int_gt(parse(GET11("/", "If-None-Match: \"a\", W/\"c-3e8-2ebc98a1\"\r\n"), &req), 0);
    ck_assert(http_not_modified(&req, etag, 784111777));
    ck_assert(!http_not_modified(&req, "\"other\"", 784111777));
    ck_assert_int_gt(parse(GET11("/", "If-None-Match: *\r\n"), &req), 0);
    ck_assert(http_not_modified(&req, etag, 0));
    ck_assert_int_gt(parse(GET11("/", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), &req), 0);
    ck_assert(req.has_ims);
    ck_assert(http_not_modified(&req, etag, 784111777));
    ck_assert(!http_not_modified(&req, etag, 784111778));
    ck_assert_int_gt(parse(GET11("/", "If-Modified-Since: yesterday\r\n"), &req), 0);
    ck_assert(!req.has_ims);
    ck_assert(!http_not_modified(&req, etag, 0));
}
END_TEST

START_TEST(reply_header)
{
    char buf[512];
    struct http_reply r = {.status = 206, .keep_alive = true, .content_type = "text/plain",
                           .content_length = 100, .range_first = 900, .total_size = 1000,
                           .date = 784111777, .last_modified = 784111777, .etag = "\"e\""};
    long n = http_reply_header(buf, sizeof buf, &r);
    ck_assert_int_eq(n, (long)strlen(buf));
    ck_assert_str_eq(buf, "HTTP/1.1 206 Partial Content\r\n"
                          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                          "Server: pvk-httpd\r\n"
                          "Content-Type: text/plain\r\n"
                          "Content-Length: 100\r\n"
                          "Content-Range: bytes 900-999/1000\r\n"
                          "Accept-Ranges: bytes\r\n"
                          "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                          "ETag: \"e\"\r\n"
                          "Connection: keep-alive\r\n\r\n");
    /* Every smaller buffer: -1, and not a byte written past it (ASan:
     * an exact-size heap block). */
    for (size_t cap = 0; cap <= (size_t)n; cap++) {
        char *small = malloc(cap ? cap : 1);
        CHECK_EQ(http_reply_header(small, cap, &r), -1);
        free(small);
    }
    char *exact = malloc((size_t)n + 1);
    ck_assert_int_eq(http_reply_header(exact, (size_t)n + 1, &r), n);
    free(exact);
    struct http_reply plain = {.status = 200, .content_length = 5};
    http_reply_header(buf, sizeof buf, &plain);
    ck_assert_str_eq(buf, "HTTP/1.1 200 OK\r\nServer: pvk-httpd\r\nContent-Length: 5\r\n"
                          "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n");
    struct http_reply nm = {.status = 304, .keep_alive = true, .etag = "\"e\""};
    http_reply_header(buf, sizeof buf, &nm);
    ck_assert_str_eq(buf, "HTTP/1.1 304 Not Modified\r\nServer: pvk-httpd\r\nETag: \"e\"\r\n"
                          "Connection: keep-alive\r\n\r\n");
}
END_TEST

START_TEST(error_replies)
{
    static const int statuses[] = {400, 404, 405, 413, 414, 416, 431, 500, 501, 503, 505};
    char buf[HTTP_REPLY_MIN];
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        int st = statuses[i];
        long n = http_error_reply(buf, sizeof buf, st, false, false, 784111777, 1000);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(n, (long)strlen(buf));
        char line[64];
        snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", st, http_reason(st));
        ck_assert(strncmp(buf, line, strlen(line)) == 0);
        /* Content-Length matches the body. */
        const char *cl = strstr(buf, "Content-Length: ");
        const char *body = strstr(buf, "\r\n\r\n");
        ck_assert(cl && body);
        ck_assert_int_eq(strtol(cl + 16, NULL, 10), (long)strlen(body + 4));
        char h1[64];
        snprintf(h1, sizeof h1, "<h1>%d %s</h1>", st, http_reason(st));
        ck_assert(strstr(body, h1) != NULL);
        ck_assert((strstr(buf, "Allow: GET, HEAD\r\n") != NULL) == (st == 405 || st == 501));
        ck_assert((strstr(buf, "Content-Range: bytes */1000\r\n") != NULL) == (st == 416));
        /* HEAD: the same header, no body. */
        long h = http_error_reply(buf, sizeof buf, st, true, true, 0, 1000);
        ck_assert_int_eq(h, (long)strlen(buf));
        ck_assert(strcmp(buf + h - 4, "\r\n\r\n") == 0);
        ck_assert(strstr(buf, "Connection: keep-alive") != NULL);
        ck_assert(strstr(buf, "Content-Length: ") != NULL);
        for (size_t cap = 0; cap < (size_t)n; cap += 7) {
            char *small = malloc(cap ? cap : 1);
            CHECK_EQ(http_error_reply(small, cap, st, false, false, 784111777, 1000), -1);
            free(small);
        }
    }
    ck_assert_str_eq(http_reason(599), "Unknown");
    /* The largest: every status with the longest optional fields fits HTTP_REPLY_MIN. */
    for (int st = 100; st < 600; st++)
        CHECK(http_error_reply(buf, sizeof buf, st, false, true, UINT64_MAX, UINT64_MAX) > 0);
}
END_TEST

START_TEST(mime)
{
    ck_assert_str_eq(http_mime_type("/index.html"), "text/html; charset=utf-8");
    ck_assert_str_eq(http_mime_type("/a/B.HTM"), "text/html; charset=utf-8");
    ck_assert_str_eq(http_mime_type("/s.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(http_mime_type("/app.js"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(http_mime_type("/d.json"), "application/json");
    ck_assert_str_eq(http_mime_type("/r.txt"), "text/plain; charset=utf-8");
    ck_assert_str_eq(http_mime_type("/p.png"), "image/png");
    ck_assert_str_eq(http_mime_type("/p.jpg"), "image/jpeg");
    ck_assert_str_eq(http_mime_type("/p.JPEG"), "image/jpeg");
    ck_assert_str_eq(http_mime_type("/p.gif"), "image/gif");
    ck_assert_str_eq(http_mime_type("/p.svg"), "image/svg+xml");
    ck_assert_str_eq(http_mime_type("/favicon.ico"), "image/x-icon");
    ck_assert_str_eq(http_mime_type("/m.wasm"), "application/wasm");
    ck_assert_str_eq(http_mime_type("/d.pdf"), "application/pdf");
    ck_assert_str_eq(http_mime_type("/d.xml"), "application/xml");
    ck_assert_str_eq(http_mime_type("/f.woff2"), "font/woff2");
    ck_assert_str_eq(http_mime_type("/noext"), "application/octet-stream");
    ck_assert_str_eq(http_mime_type("/dir.html/noext"), "application/octet-stream");
    ck_assert_str_eq(http_mime_type("/x.unknown"), "application/octet-stream");
    ck_assert_str_eq(http_mime_type("/x."), "application/octet-stream");
    ck_assert_str_eq(http_mime_type(""), "application/octet-stream");
    ck_assert_str_eq(http_mime_type("/a.tar.gz"), "application/gzip");
}
END_TEST

START_TEST(log_line)
{
    char buf[160];
    struct http_request req;
    ck_assert_int_gt(parse("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n", &req), 0);
    size_t n = http_log_line(buf, sizeof buf, 0x0a000202, 51234, &req, 200, 1234, 420000);
    ck_assert_str_eq(buf, "httpd: 10.0.2.2:51234 \"GET /index.html HTTP/1.1\" 200 1234 0.42ms\n");
    ck_assert_int_eq(n, strlen(buf));
    http_log_line(buf, sizeof buf, 0x0a000202, 1, NULL, 400, 0, 12345678901ull);
    ck_assert_str_eq(buf, "httpd: 10.0.2.2:1 \"-\" 400 0 12345.67ms\n");
    ck_assert_int_eq(parse("HEAD /a%22b%0a HTTP/1.0\r\n\r\n", &req), -400);
    const char *odd = "HEAD /a%22b%c3%a9 HTTP/1.0\r\n\r\n";
    ck_assert_int_eq(parse(odd, &req), (long)strlen(odd));
    http_log_line(buf, sizeof buf, 0, 0, &req, 404, 0, 0);
    ck_assert_str_eq(buf, "httpd: 0.0.0.0:0 \"HEAD /a\\x22b\\xc3\\xa9 HTTP/1.0\" 404 0 0.00ms\n");
    /* Cut to fit, still one line. */
    n = http_log_line(buf, 20, 0x0a000202, 51234, &req, 200, 1234, 420000);
    ck_assert_int_eq(n, 19);
    ck_assert_int_eq(strlen(buf), 19);
    ck_assert_int_eq(buf[18], '\n');
    ck_assert_int_eq(http_log_line(buf, 1, 0, 0, NULL, 200, 0, 0), 0);
    ck_assert_int_eq(buf[0], '\0');
}
END_TEST

Suite *http_reply_suite(void)
{
    Suite *s = suite_create("http_reply");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ranges);
    tcase_add_test(tc, dates);
    tcase_add_test(tc, conditional);
    tcase_add_test(tc, reply_header);
    tcase_add_test(tc, error_replies);
    tcase_add_test(tc, mime);
    tcase_add_test(tc, log_line);
    suite_add_tcase(s, tc);
    return s;
}
