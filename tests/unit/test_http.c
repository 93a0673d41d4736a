/* The HTTP/1.1 core of servers/httpd, its parser: the incremental parser
 * (pipelining, byte-by-byte arrival, every error status, early limits),
 * target normalization and traversal attempts, root + path joining.
 * test_http_reply.c has the rest. */
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

/* Feeds s one byte at a time: 0 until the last byte, which decides. */
static long parse_bytewise(const char *s, struct http_request *req)
{
    struct http_parser p;
    http_parser_init(&p);
    size_t n = strlen(s);
    for (size_t i = 1; i < n; i++) {
        long r = http_parse(&p, (const uint8_t *)s, i, req);
        if (r != 0)
            return r;
    }
    return http_parse(&p, (const uint8_t *)s, n, req);
}

static int status_of(const char *s)
{
    struct http_request req;
    long r = parse(s, &req);
    return r < 0 ? (int)-r : (r > 0 ? 0 : -1);
}

#define GET11(path, extra) "GET " path " HTTP/1.1\r\nHost: x\r\n" extra "\r\n"

START_TEST(simple_get)
{
    struct http_request req;
    const char *s = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
    ck_assert_int_eq(parse(s, &req), (long)strlen(s));
    ck_assert_int_eq(req.method, HTTP_M_GET);
    ck_assert_str_eq(req.method_name, "GET");
    ck_assert_str_eq(req.path, "/index.html");
    ck_assert_int_eq(req.version_minor, 1);
    ck_assert(req.line_ok);
    ck_assert(req.keep_alive);
    ck_assert_int_eq(req.range.kind, HTTP_RANGE_NONE);
    ck_assert(!req.has_inm && !req.has_ims);
}
END_TEST

START_TEST(head_and_http10)
{
    struct http_request req;
    const char *s = "HEAD /a?x=1 HTTP/1.0\r\n\r\n";
    ck_assert_int_eq(parse(s, &req), (long)strlen(s));
    ck_assert_int_eq(req.method, HTTP_M_HEAD);
    ck_assert_str_eq(req.path, "/a");
    ck_assert_int_eq(req.version_minor, 0);
    ck_assert(!req.keep_alive);
    /* HTTP/1.2 is served as 1.1; leading empty lines are skipped. */
    s = "\r\n\r\nGET / HTTP/1.2\r\nHost: h\r\n\r\n";
    ck_assert_int_eq(parse(s, &req), (long)strlen(s));
    ck_assert_int_eq(req.version_minor, 1);
    ck_assert_str_eq(req.path, "/");
}
END_TEST

START_TEST(keep_alive_rules)
{
    struct http_request req;
    ck_assert_int_gt(parse(GET11("/", ""), &req), 0);
    ck_assert(req.keep_alive);
    ck_assert_int_gt(parse(GET11("/", "Connection: close\r\n"), &req), 0);
    ck_assert(!req.keep_alive);
    ck_assert_int_gt(parse(GET11("/", "Connection: Upgrade, CLOSE\r\n"), &req), 0);
    ck_assert(!req.keep_alive);
    ck_assert_int_gt(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req), 0);
    ck_assert(req.keep_alive);
    ck_assert_int_gt(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &req), 0);
    ck_assert(!req.keep_alive);
    ck_assert_int_gt(parse("GET / HTTP/1.0\r\n\r\n", &req), 0);
    ck_assert(!req.keep_alive);
    /* After an error the connection closes. */
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: x\r\n\r\n", &req), -501);
    ck_assert(!req.keep_alive);
}
END_TEST

START_TEST(pipelined)
{
    const char *s = GET11("/a", "") GET11("/b", "Connection: keep-alive\r\n") "HEAD /c HTTP/1.1\r\nHost: y\r\n\r\n"
                    "GET /d HT";
    size_t n = strlen(s), off = 0;
    const char *want[] = {"/a", "/b", "/c"};
    struct http_parser p;
    struct http_request req;
    http_parser_init(&p);
    for (int i = 0; i < 3; i++) {
        long r = http_parse(&p, (const uint8_t *)s + off, n - off, &req);
        ck_assert_int_gt(r, 0);
        ck_assert_str_eq(req.path, want[i]);
        off += (size_t)r;
    }
    ck_assert_int_eq(req.method, HTTP_M_HEAD);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)s + off, n - off, &req), 0);
    /* Two in one buffer, the second split in the middle. */
    const char *two = GET11("/1", "") GET11("/2", "");
    size_t first = strlen(GET11("/1", ""));
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, first + 5, &req), (long)first);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two + first, 5, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two + first, strlen(two) - first, &req),
                     (long)(strlen(two) - first));
    ck_assert_str_eq(req.path, "/2");
    /* Handed fewer bytes than it already scanned (a misuse), it starts over. */
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, 10, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, first, &req), (long)first);
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, 10, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, 4, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)two, first, &req), (long)first);
}
END_TEST

START_TEST(bytewise)
{
    struct http_request req;
    const char *s = "GET /x%20y.txt?q HTTP/1.1\r\nHost: h:8080\r\nRange: bytes=1-2\r\n\r\n";
    ck_assert_int_eq(parse_bytewise(s, &req), (long)strlen(s));
    ck_assert_str_eq(req.path, "/x y.txt");
    ck_assert_int_eq(req.range.kind, HTTP_RANGE_SPAN);
    /* Errors show on the byte that proves them. */
    ck_assert_int_eq(parse_bytewise("GET / HTTP/1.1\r\nA: \x01\r\n\r\n", &req), -400);
    ck_assert_int_eq(parse_bytewise("GET / HTTP/1.1\rX", &req), -400);
}
END_TEST

START_TEST(errors_400)
{
    static const char *bad[] = {
        "GET / HTTP/1.1\r\n\r\n",                          /* no Host */
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",    /* two Hosts */
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",             /* bad Host */
        "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",                     /* bare LF */
        "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n",         /* bare CR */
        "GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",              /* space before colon */
        "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n",              /* not a token */
        "GET / HTTP/1.1\r\nHost a\r\n\r\n",                /* no colon */
        "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",        /* empty name */
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n",   /* DEL */
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",             /* two spaces */
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n",              /* bad version */
        "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        "GET / HTTP/11\r\nHost: a\r\n\r\n",
        "GET /\r\n\r\n",                                   /* HTTP/0.9 */
        "G@T / HTTP/1.1\r\nHost: a\r\n\r\n",               /* method not a token */
        "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n",      /* not origin form */
        "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(status_of(bad[i]) == 400, "case %zu: %d", i, status_of(bad[i]));
    /* NUL anywhere: at once. */
    struct http_parser p;
    struct http_request req;
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)"GET /\0", 6, &req), -400);
}
END_TEST

START_TEST(errors_other)
{
    ck_assert_int_eq(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"), 501);
    ck_assert_int_eq(status_of("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
    ck_assert_int_eq(status_of("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);  /* methods are case-sensitive */
    ck_assert_int_eq(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(status_of("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(status_of(GET11("/", "Content-Length: 1\r\n")), 413);
    ck_assert_int_eq(status_of(GET11("/", "Content-Length: 99999999999999999999999\r\n")), 413);
    ck_assert_int_eq(status_of(GET11("/", "Transfer-Encoding: chunked\r\n")), 413);
    ck_assert_int_eq(status_of(GET11("/", "Content-Length: 0\r\n")), 0);
    /* A method token longer than any we know: 501 as soon as it is seen. */
    struct http_parser p;
    struct http_request req;
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)"ABCDEFGHIJKLMNOPQRSTU", 21, &req), -501);
}
END_TEST

START_TEST(limits_early)
{
    static char buf[HTTP_HEADERS_MAX * 2];
    struct http_parser p;
    struct http_request req;
    /* A target over the limit: 414 before the line ends. */
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "GET /", 5);
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, 4 + HTTP_TARGET_MAX, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, 5 + HTTP_TARGET_MAX, &req), -414);
    /* Exactly the limit is fine. */
    int n = snprintf(buf, sizeof buf, "GET /%.*s HTTP/1.1\r\nHost: a\r\n\r\n", (int)HTTP_TARGET_MAX - 1,
                     buf + 4096);
    ck_assert_int_eq(parse(buf, &req), n);
    /* Headers over the limit: 431 once the byte past it arrives. */
    size_t len = (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(buf + len, 'b', sizeof buf - len);
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, HTTP_HEADERS_MAX, &req), 0);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, HTTP_HEADERS_MAX + 1, &req), -431);
    /* Many small header lines: the same. */
    len = 0;
    len += (size_t)snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\n");
    while (len < HTTP_HEADERS_MAX + 16)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "X: y\r\n");
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, len, &req), -431);
    /* Empty lines before the request count too. */
    for (size_t i = 0; i + 1 < sizeof buf; i += 2)
        memcpy(buf + i, "\r\n", 2);
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, sizeof buf, &req), -431);
    /* Spaces: a runaway version is 400. */
    memset(buf, 'v', sizeof buf);
    memcpy(buf, "GET / ", 6);
    http_parser_init(&p);
    ck_assert_int_eq(http_parse(&p, (const uint8_t *)buf, sizeof buf, &req), -400);
}
END_TEST

static int path_of(const char *target, char *out, size_t cap)
{
    return http_target_to_path(target, strlen(target), out, cap);
}

START_TEST(targets)
{
    char out[64];
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"/", "/"},
        {"/a/b.html", "/a/b.html"},
        {"/a//b", "/a/b"},
        {"//a", "/a"},
        {"/./a/./b/.", "/a/b/"},
        {"/a/", "/a/"},
        {"/%41%62c", "/Abc"},
        {"/a%2fb", "/a/b"},
        {"/a%2F%2Fb", "/a/b"},
        {"/%2e/a", "/a"},
        {"/...", "/..."},
        {"/..a/b..", "/..a/b.."},
        {"/a?../../etc/passwd", "/a"},
        {"/caf%C3%A9", "/caf\xc3\xa9"},
        {"http://host:80/x/y?z", "/x/y"},
        {"HTTP://host", "/"},
        {"https://h/?q", "/"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_msg(path_of(ok[i].in, out, sizeof out) == 0, "case %s", ok[i].in);
        ck_assert_str_eq(out, ok[i].out);
    }
    static const char *bad[] = {
        "/../etc/passwd", "/a/../../b", "/a/..", "/..", "/%2e%2e/etc/passwd", "/%2E%2e",
        "/a/%2e%2e%2f%2e%2e%2fetc", "/a%2f..%2fb", "/a%00b", "/%00", "/a%5cb", "/a%0d%0a",
        "/a%", "/a%4", "/a%zz", "/a%%41", "", "a", "*", "http://h?x", "/a\\..\\b", "/a b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(path_of(bad[i], out, sizeof out) == 400, "case %s", bad[i]);
    /* Too long for the output: 414; exactly fitting is fine. */
    ck_assert_int_eq(path_of("/abcdefgh", out, 9), 414);
    ck_assert_int_eq(path_of("/abcdefgh", out, 10), 0);
    ck_assert_int_eq(path_of("/", out, 1), 414);
    /* Through the parser. */
    ck_assert_int_eq(status_of(GET11("/../etc/passwd", "")), 400);
    ck_assert_int_eq(status_of(GET11("/%2e%2e/%2e%2e/etc/passwd", "")), 400);
    ck_assert_int_eq(status_of(GET11("/a%00.html", "")), 400);
}
END_TEST

START_TEST(join)
{
    char out[32];
    ck_assert_int_eq(http_join_path(out, sizeof out, "/www", "/a.html", "index.html"), 0);
    ck_assert_str_eq(out, "/www/a.html");
    ck_assert_int_eq(http_join_path(out, sizeof out, "/www/", "/d/", "index.html"), 0);
    ck_assert_str_eq(out, "/www/d/index.html");
    ck_assert_int_eq(http_join_path(out, sizeof out, "", "/", "index.html"), 0);
    ck_assert_str_eq(out, "/index.html");
    ck_assert_int_eq(http_join_path(out, 12, "/www", "/d/", "index.html"), -1);
    ck_assert_int_eq(http_join_path(out, 12, "/www", "/abcdef", NULL), 0);
    ck_assert_int_eq(http_join_path(out, 12, "/www", "/abcdefg", NULL), -1);
}
END_TEST

Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, simple_get);
    tcase_add_test(tc, head_and_http10);
    tcase_add_test(tc, keep_alive_rules);
    tcase_add_test(tc, pipelined);
    tcase_add_test(tc, bytewise);
    tcase_add_test(tc, errors_400);
    tcase_add_test(tc, errors_other);
    tcase_add_test(tc, limits_early);
    tcase_add_test(tc, targets);
    tcase_add_test(tc, join);
    suite_add_tcase(s, tc);
    return s;
}
