/* The request parser (RFC 9112 request line and header fields, RFC 9110
 * semantics for the fields it reads). Two stages: a scanner that looks at
 * each byte once as it arrives (line endings, NUL, the size limits) and
 * finds the end of the header block; then, on the complete block, the
 * request line and every header line are checked and read. Strict: bare
 * CR or LF, obs-fold, whitespace before the colon, control characters and
 * duplicate Host or Content-Length are 400. */
#include "http_internal.h"

/* How far past HTTP_TARGET_MAX a request line may run (method, spaces,
 * version) before the target alone must be too long. */
#define LINE_SLACK (HTTP_METHOD_MAX + 16u)

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

/* field-vchar / SP / HTAB: visible ASCII, obs-text (>= 0x80), blanks. */
static bool is_value_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

void http_parser_init(struct http_parser *p)
{
    http_memset(p, 0, sizeof *p);
    p->in_first_line = true;
}

static void request_init(struct http_request *req)
{
    http_memset(req, 0, sizeof *req);
}

/* Host: uri-host [":" port]: reg-name, IPv4 or IP-literal characters. */
static bool host_valid(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)v[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!ok) {
            switch (c) {
            case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'':
            case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':':
            case '[': case ']': case '%':
                ok = true;
                break;
            default:
                break;
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Content-Length: 1*DIGIT. Sets *big when it has more than 18 digits
 * (beyond any body we would take). False if not a number. */
static bool content_length(const char *v, size_t n, uint64_t *val, bool *big)
{
    if (n == 0)
        return false;
    *val = 0;
    *big = false;
    for (size_t i = 0; i < n; i++) {
        if (!http_is_digit(v[i]))
            return false;
        if (i >= 18)
            *big = true;
        else
            *val = *val * 10 + (uint64_t)(v[i] - '0');
    }
    return true;
}

/* Connection: a comma list of tokens; close and keep-alive matter. */
static void connection_tokens(const char *v, size_t n, bool *close, bool *keep)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (http_ieq(v + s, i - s, "close"))
            *close = true;
        else if (http_ieq(v + s, i - s, "keep-alive"))
            *keep = true;
    }
}

/* What the header lines said, before the request-wide checks. */
struct fields {
    unsigned hosts, lengths, ranges;
    bool chunked_or_te, body, body_big, close, keep, if_range;
};

/* Reads one header line b[0, n) (no CRLF). 0, or the status to answer. */
static int header_line(const char *b, size_t n, struct fields *f, struct http_request *req)
{
    if (n > 0 && (b[0] == ' ' || b[0] == '\t'))
        return 400; /* obs-fold */
    size_t colon = 0;
    while (colon < n && b[colon] != ':') {
        if (!is_tchar((uint8_t)b[colon]))
            return 400; /* not a token (also whitespace before the colon) */
        colon++;
    }
    if (colon == 0 || colon == n)
        return 400;
    size_t vs = colon + 1, ve = n;
    for (size_t i = vs; i < n; i++)
        if (!is_value_char((uint8_t)b[i]))
            return 400;
    while (vs < ve && (b[vs] == ' ' || b[vs] == '\t'))
        vs++;
    while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
        ve--;
    const char *name = b, *v = b + vs;
    size_t vn = ve - vs;

    if (http_ieq(name, colon, "host")) {
        f->hosts++;
        if (!host_valid(v, vn))
            return 400;
    } else if (http_ieq(name, colon, "content-length")) {
        uint64_t len;
        bool big;
        f->lengths++;
        if (f->lengths > 1 || !content_length(v, vn, &len, &big))
            return 400;
        if (len > 0 || big)
            f->body = true;
    } else if (http_ieq(name, colon, "transfer-encoding")) {
        f->chunked_or_te = true;
    } else if (http_ieq(name, colon, "connection")) {
        connection_tokens(v, vn, &f->close, &f->keep);
    } else if (http_ieq(name, colon, "range")) {
        f->ranges++;
        http_range_parse(v, vn, &req->range);
    } else if (http_ieq(name, colon, "if-range")) {
        f->if_range = true;
    } else if (http_ieq(name, colon, "if-none-match")) {
        if (vn <= HTTP_ETAG_MAX && !req->has_inm) {
            http_memcpy(req->inm, v, vn);
            req->inm[vn] = '\0';
            req->has_inm = true;
        }
    } else if (http_ieq(name, colon, "if-modified-since")) {
        req->has_ims = http_date_parse(v, vn, &req->ims);
    }
    return 0;
}

/* Reads the request line b[0, n) (no CRLF) into req. 0 or a status. */
static int request_line(const char *b, size_t n, struct http_request *req, size_t *t_off,
                        size_t *t_len)
{
    size_t sp1 = 0;
    while (sp1 < n && b[sp1] != ' ') {
        if (!is_tchar((uint8_t)b[sp1]))
            return 400;
        sp1++;
    }
    if (sp1 == 0 || sp1 == n)
        return 400;
    if (sp1 > HTTP_METHOD_MAX)
        return 501;
    size_t sp2 = sp1 + 1;
    while (sp2 < n && b[sp2] != ' ')
        sp2++;
    if (sp2 == sp1 + 1 || sp2 == n)
        return 400;
    const char *ver = b + sp2 + 1;
    size_t vn = n - sp2 - 1;
    if (vn != 8 || ver[0] != 'H' || ver[1] != 'T' || ver[2] != 'T' || ver[3] != 'P' ||
        ver[4] != '/' || !http_is_digit(ver[5]) || ver[6] != '.' || !http_is_digit(ver[7]))
        return 400;
    if (ver[5] != '1')
        return 505;
    req->version_minor = ver[7] == '0' ? 0 : 1;
    http_memcpy(req->method_name, b, sp1);
    req->method_name[sp1] = '\0';
    if (sp1 == 3 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T')
        req->method = HTTP_M_GET;
    else if (sp1 == 4 && b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D')
        req->method = HTTP_M_HEAD;
    else
        req->method = HTTP_M_OTHER;
    *t_off = sp1 + 1;
    *t_len = sp2 - sp1 - 1;
    return 0;
}

/* Checks and reads the complete header block b[0, n), which ends with the
 * empty line (CRLF CRLF; the scanner has checked the line endings, NUL
 * and the limits). 0 or the status to answer. */
static int parse_block(const char *b, size_t n, struct http_request *req)
{
    size_t eol = 0;
    while (b[eol] != '\r')
        eol++;
    size_t t_off, t_len;
    int st = request_line(b, eol, req, &t_off, &t_len);
    if (st != 0)
        return st;
    st = http_target_to_path(b + t_off, t_len, req->path, sizeof req->path);
    if (st != 0)
        return st;
    req->line_ok = true;

    struct fields f;
    http_memset(&f, 0, sizeof f);
    size_t pos = eol + 2;
    while (pos + 2 < n) { /* every line up to the final empty one */
        size_t e = pos;
        while (b[e] != '\r')
            e++;
        st = header_line(b + pos, e - pos, &f, req);
        if (st != 0)
            return st;
        pos = e + 2;
    }
    if (f.hosts > 1 || (req->version_minor == 1 && f.hosts == 0))
        return 400;
    if (f.chunked_or_te && (f.lengths > 0 || req->version_minor == 0))
        return 400; /* both framings, or TE in HTTP/1.0: a smuggling attempt */
    if ((f.ranges > 1 || f.if_range) && req->range.kind != HTTP_RANGE_NONE)
        req->range.kind = HTTP_RANGE_IGNORED; /* If-Range is not evaluated: send it all */
    if (req->method == HTTP_M_OTHER)
        return 501;
    if (f.body || f.chunked_or_te)
        return 413;
    req->keep_alive = req->version_minor == 1 ? !f.close : (f.keep && !f.close);
    return 0;
}

/* The scanner's verdict on byte i (p's state updated): 0 to go on, 1 at
 * the end of the header block, or minus the status to answer. */
static int scan_byte(struct http_parser *p, const uint8_t *buf, size_t i)
{
    uint8_t c = buf[i];
    if (c == '\0')
        return -400;
    if (i > 0 && buf[i - 1] == '\r' && c != '\n')
        return -400; /* bare CR */
    if (i + 1 > HTTP_HEADERS_MAX)
        return p->in_first_line && p->spaces == 1 ? -414 : -431;
    if (c == '\n') {
        if (i == 0 || buf[i - 1] != '\r')
            return -400; /* bare LF */
        size_t line_len = i - 1 - p->line_start;
        p->line_start = i + 1;
        if (p->in_first_line) {
            if (line_len == 0) {
                p->start = i + 1; /* an empty line before the request: skipped */
                return 0;
            }
            p->in_first_line = false;
            return 0;
        }
        return line_len == 0 ? 1 : 0;
    }
    if (!p->in_first_line || c == '\r')
        return 0;
    if (c == ' ') {
        p->spaces++;
        if (p->spaces == 1)
            p->target_start = i + 1;
        return 0;
    }
    if (p->spaces == 0 && i - p->start >= HTTP_METHOD_MAX)
        return is_tchar(c) ? -501 : -400;
    if (p->spaces == 1 && i - p->target_start >= HTTP_TARGET_MAX)
        return -414;
    if (i - p->start >= HTTP_TARGET_MAX + LINE_SLACK)
        return -400; /* spaces in the wrong places, or a runaway version */
    return 0;
}

long http_parse(struct http_parser *p, const uint8_t *buf, size_t len, struct http_request *req)
{
    if (len < p->scanned)
        http_parser_init(p); /* not the same bytes as before (a misuse): start over */
    for (size_t i = p->scanned; i < len; i++) {
        int v = scan_byte(p, buf, i);
        if (v == 0)
            continue;
        size_t start = p->start;
        http_parser_init(p);
        request_init(req);
        if (v < 0)
            return v;
        int st = parse_block((const char *)buf + start, i + 1 - start, req);
        if (st != 0) {
            req->keep_alive = false;
            return -st;
        }
        return (long)(i + 1);
    }
    p->scanned = len;
    return 0;
}
