/* Content types by file-name extension (the common web ones). */
#include "http_internal.h"

static const struct {
    const char *ext; /* lowercase, without the dot */
    const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"webp", "image/webp"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"zip", "application/zip"},
    {"mp4", "video/mp4"},
};

const char *http_mime_type(const char *path)
{
    size_t n = http_strlen(path), dot = n;
    /* The extension: after the last '.' of the last segment. */
    for (size_t i = n; i > 0 && path[i - 1] != '/'; i--) {
        if (path[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    }
    if (dot == n)
        return "application/octet-stream";
    const char *ext = path + dot + 1;
    size_t en = n - dot - 1;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (http_ieq(ext, en, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}
