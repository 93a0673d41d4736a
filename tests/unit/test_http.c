/* The HTTP/1.1 core of servers/httpd: the incremental parser (pipelining,
 * byte-by-byte arrival, every error status, early limits), target
 * normalization and traversal attempts, ranges, dates, conditional
 * requests, header building in small buffers, content types, log line. */
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
