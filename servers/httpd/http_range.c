/* Range requests (RFC 9110 14) and conditional requests (13). One byte
 * range is served; a request for several is answered with the whole file
 * (200), which RFC 9110 14.2 allows (a server may ignore Range), and so is
 * a malformed Range or another unit. Numbers past 64 bits are kept as
 * "huge": a first byte that large is past any file (416), a last byte or a
 * suffix that large means "to the end" / "all of it". */
#include "http_internal.h"

/* Reads 1*DIGIT at v[*i, n); false if there is none. *over: more than 64 bits. */
static bool read_number(const char *v, size_t n, size_t *i, uint64_t *val, bool *over)
{
    size_t s = *i;
    *val = 0;
    *over = false;
    while (*i < n && http_is_digit(v[*i])) {
        uint64_t d = (uint64_t)(v[*i] - '0');
        if (*val > (UINT64_MAX - d) / 10)
            *over = true;
        else
            *val = *val * 10 + d;
        (*i)++;
    }
    if (*over)
        *val = UINT64_MAX;
    return *i > s;
}

void http_range_parse(const char *v, size_t n, struct http_range *r)
{
    http_memset(r, 0, sizeof *r);
    r->kind = HTTP_RANGE_IGNORED;
    if (n < 6 || !http_ieq(v, 6, "bytes="))
        return;
    size_t i = 6;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    uint64_t a = 0, b = 0;
    bool a_over = false, b_over = false;
    bool has_a = read_number(v, n, &i, &a, &a_over);
    if (i >= n || v[i] != '-')
        return;
    i++;
    bool has_b = read_number(v, n, &i, &b, &b_over);
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i != n || (!has_a && !has_b))
        return; /* trailing bytes (another range: ","), or a lone "-" */
    if (!has_a) {
        r->kind = HTTP_RANGE_SUFFIX;
        r->first = b; /* UINT64_MAX when huge: all of it */
        return;
    }
    if (has_b && !a_over && !b_over && b < a)
        return; /* last before first: invalid, ignored */
    if (has_b && a_over && !b_over)
        return; /* a huge first byte past a normal last one: invalid too */
    r->first = a;
    r->first_overflow = a_over;
    if (has_b) {
        r->kind = HTTP_RANGE_SPAN;
        r->last = b;
    } else {
        r->kind = HTTP_RANGE_FROM;
    }
}

int http_range_eval(const struct http_range *r, uint64_t size, uint64_t *first, uint64_t *count)
{
    *first = 0;
    *count = size;
    switch (r->kind) {
    case HTTP_RANGE_SPAN:
    case HTTP_RANGE_FROM:
        if (r->first_overflow || r->first >= size)
            return 416;
        *first = r->first;
        uint64_t last = size - 1;
        if (r->kind == HTTP_RANGE_SPAN && r->last < last)
            last = r->last;
        *count = last - r->first + 1;
        return 206;
    case HTTP_RANGE_SUFFIX:
        if (r->first == 0 || size == 0)
            return 416;
        if (r->first < size) {
            *first = size - r->first;
            *count = r->first;
        }
        return 206;
    default:
        return 200;
    }
}

size_t http_etag(char *out, size_t cap, uint32_t ino, uint64_t size, uint64_t mtime)
{
    struct http_out o;
    out_init(&o, out, cap);
    out_chr(&o, '"');
    out_hex(&o, ino);
    out_chr(&o, '-');
    out_hex(&o, size);
    out_chr(&o, '-');
    out_hex(&o, mtime);
    out_chr(&o, '"');
    return o.overflow ? 0 : o.len;
}

/* True if the comma list of entity tags in list (or "*") holds etag, by
 * the weak comparison (a "W/" prefix on either side is ignored). */
static bool etag_listed(const char *list, const char *etag)
{
    if (http_strlen(etag) > 2 && etag[0] == 'W' && etag[1] == '/')
        etag += 2;
    size_t en = http_strlen(etag);
    size_t n = http_strlen(list), i = 0;
    while (i < n) {
        while (i < n && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
            i++;
        if (i < n && list[i] == '*')
            return true;
        if (i + 1 < n && list[i] == 'W' && list[i + 1] == '/')
            i += 2;
        size_t s = i;
        if (i < n && list[i] == '"') {
            i++;
            while (i < n && list[i] != '"')
                i++;
            if (i < n)
                i++;
        } else {
            while (i < n && list[i] != ',')
                i++;
        }
        if (i - s == en && __builtin_memcmp(list + s, etag, en) == 0)
            return true;
    }
    return false;
}

bool http_not_modified(const struct http_request *req, const char *etag, uint64_t mtime)
{
    if (req->has_inm)
        return etag != NULL && etag_listed(req->inm, etag);
    return req->has_ims && mtime <= req->ims;
}
