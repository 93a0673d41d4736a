/* From the request-target to a path under the document root. The path is
 * decoded first and normalized after, in one pass, so an encoded "/" or
 * "." (%2f, %2e) is judged like a plain one: nothing the client sends can
 * make the result climb above "/". ".." is refused rather than resolved:
 * clients remove dot segments before sending (RFC 3986 5.2.4), so one that
 * arrives is someone probing. */
#include "http_internal.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = http_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Ends the segment out[seg, *olen): "" (from "//") and "." are dropped,
 * ".." refused. Returns 0 or 400. */
static int end_segment(char *out, size_t *olen, size_t seg)
{
    size_t n = *olen - seg;
    if (n == 1 && out[seg] == '.')
        *olen = seg;
    else if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
        return 400;
    return 0;
}

int http_target_to_path(const char *t, size_t len, char *out, size_t cap)
{
    if (cap < 2)
        return 414;
    size_t i = 0;
    if (len >= 7 && (http_ieq(t, 7, "http://") || (len >= 8 && http_ieq(t, 8, "https://")))) {
        i = http_lower(t[4]) == 's' ? 8 : 7; /* absolute form: skip the authority */
        while (i < len && t[i] != '/' && t[i] != '?' && t[i] != '#')
            i++;
        if (i < len && t[i] != '/')
            return 400;
        if (i == len) {
            out[0] = '/';
            out[1] = '\0';
            return 0;
        }
    }
    if (i >= len || t[i] != '/')
        return 400; /* not origin form ("*", "a/b", empty) */

    /* Every byte of the target (query included) must be visible ASCII or
     * obs-text; no fragment, no backslash. */
    for (size_t k = 0; k < len; k++) {
        uint8_t c = (uint8_t)t[k];
        if (c <= 0x20 || c == 0x7f || c == '#' || c == '\\')
            return 400;
    }

    size_t olen = 1, seg = 1;
    out[0] = '/';
    for (i++; i < len && t[i] != '?'; i++) {
        uint8_t c = (uint8_t)t[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(t[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(t[i + 2]) : -1;
            if (lo < 0)
                return 400;
            c = (uint8_t)(hi << 4 | lo);
            i += 2;
            if (c < 0x20 || c == 0x7f || c == '\\')
                return 400; /* %00, control characters, an encoded backslash */
        }
        if (c == '/') {
            if (olen == seg)
                continue; /* "//" */
            if (end_segment(out, &olen, seg) != 0)
                return 400;
            if (olen == seg)
                continue; /* "/./" */
        }
        if (olen + 1 >= cap)
            return 414;
        out[olen++] = (char)c;
        if (c == '/')
            seg = olen;
    }
    if (end_segment(out, &olen, seg) != 0)
        return 400;
    out[olen] = '\0';
    return 0;
}

int http_join_path(char *out, size_t cap, const char *root, const char *path, const char *index)
{
    struct http_out o;
    out_init(&o, out, cap);
    size_t rn = http_strlen(root);
    if (rn > 0 && root[rn - 1] == '/')
        rn--;
    out_mem(&o, root, rn);
    out_str(&o, path);
    size_t pn = http_strlen(path);
    if (index && pn > 0 && path[pn - 1] == '/')
        out_str(&o, index);
    return o.overflow ? -1 : 0;
}
