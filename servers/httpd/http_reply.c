/* Answers: the status line and header fields, complete error answers with
 * a small HTML body, and the request log line. Everything is written
 * through a bounded struct http_out: a buffer too small gives -1 (or a
 * cut log line), never a write past its end. */
#include "http_internal.h"

#define SERVER_NAME "pvk-httpd"

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {200, "OK"},
    {206, "Partial Content"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {416, "Range Not Satisfiable"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

const char *http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

/* The status line: the version we speak is always HTTP/1.1 (RFC 9110
 * 6.2: a server sends its own highest version). */
static void status_line(struct http_out *o, int status)
{
    out_str(o, "HTTP/1.1 ");
    out_u64w(o, status >= 100 && status <= 999 ? (uint64_t)status : 500, 3);
    out_chr(o, ' ');
    out_str(o, http_reason(status));
    out_str(o, "\r\n");
}

static void date_field(struct http_out *o, const char *name, uint64_t t)
{
    char d[32];
    out_str(o, name);
    http_date_format(d, sizeof d, t);
    out_str(o, d);
    out_str(o, "\r\n");
}

long http_reply_header(char *buf, size_t cap, const struct http_reply *r)
{
    struct http_out o;
    out_init(&o, buf, cap);
    status_line(&o, r->status);
    if (r->date != 0)
        date_field(&o, "Date: ", r->date);
    out_str(&o, "Server: " SERVER_NAME "\r\n");
    if (r->content_type) {
        out_str(&o, "Content-Type: ");
        out_str(&o, r->content_type);
        out_str(&o, "\r\n");
    }
    if (r->status != 304) {
        out_str(&o, "Content-Length: ");
        out_u64(&o, r->content_length);
        out_str(&o, "\r\n");
    }
    if (r->status == 206) {
        uint64_t last = r->range_first + (r->content_length ? r->content_length - 1 : 0);
        out_str(&o, "Content-Range: bytes ");
        out_u64(&o, r->range_first);
        out_chr(&o, '-');
        out_u64(&o, last);
        out_chr(&o, '/');
        out_u64(&o, r->total_size);
        out_str(&o, "\r\n");
    } else if (r->status == 416) {
        out_str(&o, "Content-Range: bytes */");
        out_u64(&o, r->total_size);
        out_str(&o, "\r\n");
    }
    if (r->status == 200 || r->status == 206 || r->status == 416)
        out_str(&o, "Accept-Ranges: bytes\r\n");
    if (r->last_modified != 0)
        date_field(&o, "Last-Modified: ", r->last_modified);
    if (r->etag) {
        out_str(&o, "ETag: ");
        out_str(&o, r->etag);
        out_str(&o, "\r\n");
    }
    if (r->allow)
        out_str(&o, "Allow: GET, HEAD\r\n");
    out_str(&o, r->keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    return o.overflow ? -1 : (long)o.len;
}

long http_error_reply(char *buf, size_t cap, int status, bool head, bool keep_alive,
                      uint64_t date, uint64_t total_size)
{
    /* The body: "<html>...<h1>404 Not Found</h1>...</html>\n", its length
     * known before the header is written. */
    static const char pre[] = "<!DOCTYPE html>\n<html><head><title>";
    static const char mid[] = "</title></head>\n<body><h1>";
    static const char post[] = "</h1></body></html>\n";
    char title[48];
    struct http_out t;
    out_init(&t, title, sizeof title);
    out_u64w(&t, status >= 100 && status <= 999 ? (uint64_t)status : 500, 3);
    out_chr(&t, ' ');
    out_str(&t, http_reason(status));

    struct http_reply r = {
        .status = status,
        .keep_alive = keep_alive,
        .content_type = "text/html; charset=utf-8",
        .content_length = sizeof pre - 1 + t.len + sizeof mid - 1 + t.len + sizeof post - 1,
        .total_size = total_size,
        .date = date,
        .allow = status == 405 || status == 501,
    };
    long n = http_reply_header(buf, cap, &r);
    if (n < 0 || head)
        return n;
    struct http_out o = {.buf = buf, .cap = cap, .len = (size_t)n}; /* after the header */
    out_str(&o, pre);
    out_mem(&o, title, t.len);
    out_str(&o, mid);
    out_mem(&o, title, t.len);
    out_str(&o, post);
    return o.overflow ? -1 : (long)o.len;
}

/* s with '"', '\\' and bytes outside printable ASCII as \xHH. */
static void out_escaped(struct http_out *o, const char *s)
{
    for (size_t i = 0; s[i] != '\0' && !o->overflow; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            char e[4] = {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
            out_mem(o, e, sizeof e);
        } else {
            out_chr(o, (char)c);
        }
    }
}

size_t http_log_line(char *buf, size_t cap, uint32_t addr, uint16_t port,
                     const struct http_request *req, int status, uint64_t bytes,
                     uint64_t duration_ns)
{
    struct http_out o;
    out_init(&o, buf, cap);
    out_str(&o, "httpd: ");
    for (int shift = 24; shift >= 0; shift -= 8) {
        out_u64(&o, (addr >> shift) & 0xff);
        out_chr(&o, shift ? '.' : ':');
    }
    out_u64(&o, port);
    out_chr(&o, ' ');
    if (req && req->line_ok) {
        out_chr(&o, '"');
        out_escaped(&o, req->method_name);
        out_chr(&o, ' ');
        out_escaped(&o, req->path);
        out_str(&o, req->version_minor ? " HTTP/1.1\" " : " HTTP/1.0\" ");
    } else {
        out_str(&o, "\"-\" ");
    }
    out_u64(&o, status < 0 ? 0 : (uint64_t)status);
    out_chr(&o, ' ');
    out_u64(&o, bytes);
    out_chr(&o, ' ');
    uint64_t us = duration_ns / 1000;
    out_u64(&o, us / 1000);
    out_chr(&o, '.');
    out_u64w(&o, us % 1000 / 10, 2);
    out_str(&o, "ms\n");
    if (o.overflow && cap >= 2) { /* cut: still one line */
        o.buf[cap - 2] = '\n';
        o.buf[cap - 1] = '\0';
    }
    return o.overflow ? (cap ? cap - 1 : 0) : o.len;
}
