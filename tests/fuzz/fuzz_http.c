/* libFuzzer harness for the HTTP core of servers/httpd: the input is a
 * connection's byte stream (any number of pipelined requests). Checked
 * besides crashes and sanitizer reports:
 *   - parsing the stream whole and byte by byte gives the same requests
 *     and the same verdict (the scanner's state is exact);
 *   - a complete request's length is within the stream and the limits,
 *     its path is normalized (starts with '/', no "//", "." or "..", no
 *     backslash or control characters), errors are the documented ones;
 *   - range evaluation against several sizes stays inside the file;
 *   - answers and log lines built into exact-size heap buffers (ASan sees
 *     a byte past them) fit exactly, or fail cleanly one byte short. */
#define _DEFAULT_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

static void check_path(const char *p)
{
    size_t n = strnlen(p, HTTP_PATH_MAX);
    FUZZ_ASSERT(n < HTTP_PATH_MAX && n >= 1 && p[0] == '/');
    size_t seg = 1;
    for (size_t i = 1; i <= n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (i < n)
            FUZZ_ASSERT(c >= 0x20 && c != 0x7f && c != '\\');
        if (i == n || c == '/') {
            size_t len = i - seg;
            FUZZ_ASSERT(len > 0 || i == n);                 /* no "//" */
            FUZZ_ASSERT(!(len == 1 && p[seg] == '.'));
            FUZZ_ASSERT(!(len == 2 && p[seg] == '.' && p[seg + 1] == '.'));
            seg = i + 1;
        }
    }
}

static bool same_request(const struct http_request *a, const struct http_request *b)
{
    return a->method == b->method && a->version_minor == b->version_minor &&
           a->line_ok == b->line_ok && a->keep_alive == b->keep_alive &&
           strcmp(a->method_name, b->method_name) == 0 && strcmp(a->path, b->path) == 0 &&
           a->range.kind == b->range.kind && a->range.first == b->range.first &&
           a->range.last == b->range.last && a->range.first_overflow == b->range.first_overflow &&
           a->has_inm == b->has_inm && strcmp(a->inm, b->inm) == 0 && a->has_ims == b->has_ims &&
           a->ims == b->ims;
}

/* Builds with build(buf, cap) into exact-size heap blocks: the size it
 * reports fits in n + 1 bytes and not in n. */
static void check_reply(const struct http_reply *r)
{
    char big[1024];
    long n = http_reply_header(big, sizeof big, r);
    FUZZ_ASSERT(n > 0 && (size_t)n == strlen(big));
    char *exact = malloc((size_t)n + 1);
    FUZZ_ASSERT(http_reply_header(exact, (size_t)n + 1, r) == n);
    FUZZ_ASSERT(memcmp(exact, big, (size_t)n) == 0);
    free(exact);
    char *small = malloc((size_t)n);
    FUZZ_ASSERT(http_reply_header(small, (size_t)n, r) == -1);
    free(small);
}

static void check_error_reply(int status, bool head)
{
    char buf[HTTP_REPLY_MIN];
    long n = http_error_reply(buf, sizeof buf, status, head, false, 1700000000, 12345);
    FUZZ_ASSERT(n > 0 && (size_t)n == strlen(buf));
    char *small = malloc((size_t)n);
    FUZZ_ASSERT(http_error_reply(small, (size_t)n, status, head, false, 1700000000, 12345) == -1);
    free(small);
}

/* What main.c would do with a complete request: ranges against a few
 * sizes, the answer's header, the conditional check, the log line. */
static void answer(const struct http_request *req, size_t seed)
{
    static const uint64_t sizes[] = {0, 1, 2, 1000, (uint64_t)1 << 40, UINT64_MAX};
    char etag[64];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t size = sizes[i], first, count;
        int st = http_range_eval(&req->range, size, &first, &count);
        FUZZ_ASSERT(st == 200 || st == 206 || st == 416);
        if (st == 200)
            FUZZ_ASSERT(first == 0 && count == size);
        if (st == 206)
            FUZZ_ASSERT(count >= 1 && count <= size && first <= size - count);
        FUZZ_ASSERT(http_etag(etag, sizeof etag, (uint32_t)seed, size, size / 3) > 0);
        (void)http_not_modified(req, etag, size / 3);
        struct http_reply r = {
            .status = st, .keep_alive = req->keep_alive, .content_type = http_mime_type(req->path),
            .content_length = st == 416 ? 0 : count, .range_first = first, .total_size = size,
            .date = size, .last_modified = size / 3, .etag = etag, .allow = (seed & 1) != 0,
        };
        check_reply(&r);
    }
    size_t cap = 1 + seed % 200;
    char *line = malloc(cap);
    size_t n = http_log_line(line, cap, (uint32_t)seed * 2654435761u, (uint16_t)seed, req, 200,
                             seed, seed * 1000003u);
    FUZZ_ASSERT(n < cap && strlen(line) == n);
    free(line);
}

/* Parses s[0, n) growing one byte at a time. */
static long parse_bytewise(const uint8_t *s, size_t n, struct http_request *req)
{
    struct http_parser p;
    http_parser_init(&p);
    long r = 0;
    for (size_t i = 1; i <= n && r == 0; i++)
        r = http_parse(&p, s, i, req);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request whole, bytewise;
    size_t off = 0;
    for (unsigned k = 0; off < size; k++) {
        struct http_parser p;
        http_parser_init(&p);
        long r = http_parse(&p, data + off, size - off, &whole);
        long rb = parse_bytewise(data + off, size - off, &bytewise);
        FUZZ_ASSERT(r == rb);
        if (r == 0)
            break;
        FUZZ_ASSERT(!whole.keep_alive || r > 0);
        if (whole.line_ok || r > 0)
            check_path(whole.path);
        FUZZ_ASSERT(same_request(&whole, &bytewise));
        if (r < 0) {
            long st = -r;
            FUZZ_ASSERT(st == 400 || st == 413 || st == 414 || st == 431 || st == 501 || st == 505);
            check_error_reply((int)st, (k & 1) != 0);
            break;
        }
        FUZZ_ASSERT((size_t)r <= size - off && (size_t)r <= HTTP_HEADERS_MAX);
        FUZZ_ASSERT(whole.method == HTTP_M_GET || whole.method == HTTP_M_HEAD);
        answer(&whole, off + k);
        off += (size_t)r;
    }

    /* The pieces alone, on the raw bytes. */
    char path[64];
    size_t tn = size < 4096 ? size : 4096;
    if (http_target_to_path((const char *)data, tn, path, sizeof path) == 0)
        check_path(path);
    struct http_range range;
    http_range_parse((const char *)data, tn, &range);
    uint64_t t;
    if (http_date_parse((const char *)data, tn, &t)) {
        char d[32];
        FUZZ_ASSERT(http_date_format(d, sizeof d, t) == 29 && memcmp(d + 5, data + 5, 24) == 0);
    }
    return 0;
}
