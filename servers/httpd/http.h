/* The HTTP/1.1 core of the web server (servers/httpd): pure code, no I/O,
 * no allocation (every result goes into caller memory), no recursion,
 * builds freestanding (user flags) and on the host (unit tests, fuzzers).
 * The program's main loop (main.c) owns the sockets and files; it feeds
 * each connection's input buffer to http_parse, answers with the header
 * from http_reply_header (and the file) or http_error_reply, and logs
 * with http_log_line. See README.md for the limits and the status codes.
 *
 *   struct http_parser p; struct http_request req;
 *   http_parser_init(&p);
 *   long r = http_parse(&p, in, in_len, &req);
 *   r == 0: need more bytes (call again with the same bytes and more)
 *   r > 0:  a complete request of r bytes at in; take it, then parse the
 *           next one (pipelining) at in + r (the parser was reset)
 *   r < 0:  -r is the status to answer (400, 414, 431, 413, 501, 505);
 *           answer it and close the connection */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX   2048u  /* request-target bytes; longer: 414 */
#define HTTP_HEADERS_MAX  8192u  /* request line + headers + empty line; longer: 431 */
#define HTTP_METHOD_MAX   16u    /* longer method tokens: 501 */
#define HTTP_PATH_MAX     (HTTP_TARGET_MAX + 1u)
#define HTTP_ETAG_MAX     96u    /* If-None-Match kept up to this many bytes */
#define HTTP_REPLY_MIN    512u   /* a header buffer this large always fits http_error_reply */

enum http_method {
    HTTP_M_OTHER = 0,   /* a valid method token other than these (answer 501) */
    HTTP_M_GET,
    HTTP_M_HEAD,
};

enum http_range_kind {
    HTTP_RANGE_NONE = 0, /* no Range header */
    HTTP_RANGE_SPAN,     /* bytes=a-b */
    HTTP_RANGE_FROM,     /* bytes=a- */
    HTTP_RANGE_SUFFIX,   /* bytes=-n */
    HTTP_RANGE_IGNORED,  /* malformed, several ranges, another unit, If-Range: full 200 */
};

struct http_range {
    enum http_range_kind kind;
    uint64_t first;      /* SPAN, FROM: first byte; SUFFIX: n */
    uint64_t last;       /* SPAN: last byte (UINT64_MAX if it overflowed) */
    bool first_overflow; /* first (or n) had more digits than 64 bits hold */
};

/* The parser's progress through one request (so a request arriving byte by
 * byte is scanned once, not again on every call). */
struct http_parser {
    size_t start;        /* where the request line starts (empty lines skipped) */
    size_t scanned;      /* bytes already looked at */
    size_t line_start;   /* start of the line being scanned */
    size_t target_start; /* start of the request-target (after the first space) */
    unsigned spaces;     /* spaces seen in the request line */
    bool in_first_line;
};

struct http_request {
    enum http_method method;
    char method_name[HTTP_METHOD_MAX + 1]; /* the token as sent (for the log) */
    unsigned version_minor;  /* 0 or 1 (HTTP/1.x with x > 1 counts as 1) */
    bool line_ok;            /* the request line was parsed (method, path, version valid) */
    bool keep_alive;         /* the connection may carry another request after this one */
    char path[HTTP_PATH_MAX]; /* percent-decoded, query stripped, normalized: starts
                               * with '/', no "." or ".." segments, no "//", no NUL,
                               * no backslash, no control characters */
    struct http_range range;
    bool has_inm;            /* If-None-Match was sent (and fit in inm) */
    char inm[HTTP_ETAG_MAX + 1];
    bool has_ims;            /* If-Modified-Since was sent and is a valid date */
    uint64_t ims;            /* its seconds since 1970 */
};

/* --- parsing (http_parse.c, http_target.c, http_range.c) -------------------- */

void http_parser_init(struct http_parser *p);

/* Parses the request at buf[0, len): see the top of this file for what it
 * returns. Between calls for one request buf must start with the same
 * bytes (more may follow); p carries the progress. req is written on a
 * complete request and, as far as it got, on an error (req->line_ok says
 * whether method, path and version are there; keep_alive is false after
 * any error). Errors are found as soon as the bytes show them: a target
 * over HTTP_TARGET_MAX or a header block over HTTP_HEADERS_MAX before the
 * line or block ends, a bare CR or LF or a NUL at once. */
long http_parse(struct http_parser *p, const uint8_t *buf, size_t len, struct http_request *req);

/* Turns a request-target (origin form "/a/b?q" or absolute form
 * "http://host/a/b") into a normalized path in out[cap]: the query is
 * dropped, %XX decoded, empty and "." segments dropped, a trailing '/'
 * kept. Returns 0, or the status to answer: 400 (not a path, bad %XX,
 * "..", NUL, backslash, control character, '#'), 414 (does not fit). */
int http_target_to_path(const char *target, size_t len, char *out, size_t cap);

/* root + path into out[cap] ("/www" + "/a.html" = "/www/a.html"; a path
 * ending in '/' gets index (e.g. "index.html") appended). 0, or -1 if it
 * does not fit. */
int http_join_path(char *out, size_t cap, const char *root, const char *path, const char *index);

/* Parses a Range header value into r (never fails: what is not a single
 * satisfiable-looking byte range is HTTP_RANGE_IGNORED). */
void http_range_parse(const char *value, size_t len, struct http_range *r);

/* Evaluates r against a file of size bytes: 200 (the whole file: *first =
 * 0, *count = size), 206 (bytes [*first, *first + *count)) or 416 (not
 * satisfiable: answer with "Content-Range: bytes * /size"). */
int http_range_eval(const struct http_range *r, uint64_t size, uint64_t *first, uint64_t *count);

/* The entity tag of a file: "\"<ino>-<size>-<mtime>\"" in hex into out[cap]
 * (cap >= 52 always fits). Returns its length, or 0 if it does not fit. */
size_t http_etag(char *out, size_t cap, uint32_t ino, uint64_t size, uint64_t mtime);

/* True if req's conditions say the client's copy is current (answer 304):
 * If-None-Match lists etag (weak comparison) or "*"; else, without
 * If-None-Match, If-Modified-Since is at or after mtime. */
bool http_not_modified(const struct http_request *req, const char *etag, uint64_t mtime);

/* --- dates (http_date.c) --------------------------------------------------- */

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes) of t seconds
 * since 1970 into out[cap] (cap >= 30), NUL-terminated. Returns 29, or 0
 * if cap is too small. */
size_t http_date_format(char *out, size_t cap, uint64_t t);

/* Parses an IMF-fixdate (exactly that form) into *t. True on success. */
bool http_date_parse(const char *s, size_t len, uint64_t *t);

/* --- answers (http_reply.c) ------------------------------------------------ */

struct http_reply {
    int status;               /* 200, 206, 304, 4xx, 5xx */
    bool keep_alive;          /* Connection: keep-alive, else close */
    const char *content_type; /* NULL: no Content-Type */
    uint64_t content_length;  /* the body's length (also for HEAD, which sends none) */
    uint64_t range_first;     /* 206: the range sent ... */
    uint64_t total_size;      /* 206, 416: the whole file's size */
    uint64_t date;            /* seconds since 1970; 0: no Date header */
    uint64_t last_modified;   /* 0: no Last-Modified header */
    const char *etag;         /* NULL: no ETag header */
    bool allow;               /* add "Allow: GET, HEAD" (405, 501) */
};

/* The reason phrase of status ("Not Found"); "Unknown" for others. */
const char *http_reason(int status);

/* Writes r's status line and headers (ending with the empty line) into
 * buf[cap]. Returns the length, or -1 if it does not fit (buf then holds
 * a truncated, unusable header; nothing is written past cap). */
long http_reply_header(char *buf, size_t cap, const struct http_reply *r);

/* A complete error answer (header and a small HTML body, no body for
 * HEAD) for status (400, 404, 405, 413, 414, 416, 431, 500, 501, 503,
 * 505, ...) into buf[cap]: Content-Type text/html, Allow for 405/501,
 * "Content-Range: bytes * /size" for 416 (size = total_size). Returns the
 * length, or -1 if it does not fit (cap >= HTTP_REPLY_MIN always fits). */
long http_error_reply(char *buf, size_t cap, int status, bool head, bool keep_alive,
                      uint64_t date, uint64_t total_size);

/* The log line of one request, NUL-terminated, with a newline:
 *   httpd: 10.0.2.2:51234 "GET /index.html HTTP/1.1" 200 1234 0.42ms
 * req NULL or without line_ok prints "-" for the request; bytes outside
 * printable ASCII, '"' and '\\' in the path are written as \xHH. addr is
 * IPv4 in host byte order. Returns the length (without the NUL), cut to
 * fit cap (cap > 0). */
size_t http_log_line(char *buf, size_t cap, uint32_t addr, uint16_t port,
                     const struct http_request *req, int status, uint64_t bytes,
                     uint64_t duration_ns);

/* --- content types (mime.c) ------------------------------------------------ */

/* The Content-Type for path by its extension (case-insensitive);
 * "application/octet-stream" when unknown. */
const char *http_mime_type(const char *path);

#endif
