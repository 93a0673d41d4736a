/* Kernel command-line parsing (see cmdline.h).
 *
 * Grammar, as implemented:
 *   - options are separated by runs of spaces and tabs;
 *   - an option is KEY or KEY=VALUE; KEY ends at '=', a separator or the end;
 *   - a VALUE starting with '"' runs to the next '"' (or to the end of the
 *     line if the quote is never closed); anything after the closing quote up
 *     to the next separator is ignored. Quotes elsewhere are ordinary bytes.
 * Lookups never modify the command line and never read past its NUL. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"

/* A located value: len bytes at start (not NUL-terminated). */
struct cmdline_value {
    const char *start;
    size_t len;
};

static bool is_separator(char c)
{
    return c == ' ' || c == '\t';
}

/* True if the len bytes at s equal the NUL-terminated key exactly. */
static bool key_equals(const char *s, size_t len, const char *key)
{
    size_t i = 0;
    for (; i < len; i++)
        if (key[i] == '\0' || key[i] != s[i])
            return false;
    return key[i] == '\0';
}

/* Scans the whole command line for key; on a match, *found describes the
 * value of the last occurrence ("" for a flag). Returns whether key occurs.
 * An empty key never matches. */
static bool find_last(const char *cmdline, const char *key, struct cmdline_value *found)
{
    bool matched = false;
    const char *p = cmdline;

    if (cmdline == NULL || key == NULL || key[0] == '\0')
        return false;

    while (*p != '\0') {
        while (is_separator(*p))
            p++;
        if (*p == '\0')
            break;

        const char *key_start = p;
        while (*p != '\0' && *p != '=' && !is_separator(*p))
            p++;
        size_t key_len = (size_t)(p - key_start);

        struct cmdline_value value = { p, 0 };
        if (*p == '=') {
            p++;
            if (*p == '"') {
                p++;
                value.start = p;
                while (*p != '\0' && *p != '"')
                    p++;
                value.len = (size_t)(p - value.start);
                if (*p == '"')
                    p++;
                while (*p != '\0' && !is_separator(*p))
                    p++;      /* trailing bytes after the closing quote */
            } else {
                value.start = p;
                while (*p != '\0' && !is_separator(*p))
                    p++;
                value.len = (size_t)(p - value.start);
            }
        }

        if (key_equals(key_start, key_len, key)) {
            matched = true;
            *found = value;
        }
    }
    return matched;
}

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t value_size)
{
    struct cmdline_value found;
    if (!find_last(cmdline, key, &found))
        return false;
    if (value != NULL && value_size > 0) {
        size_t n = found.len < value_size - 1 ? found.len : value_size - 1;
        for (size_t i = 0; i < n; i++)
            value[i] = found.start[i];
        value[n] = '\0';
    }
    return true;
}

bool cmdline_has(const char *cmdline, const char *key)
{
    struct cmdline_value found;
    return find_last(cmdline, key, &found);
}

/* Value of a hex digit, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses len bytes at s as decimal, or hex after "0x"/"0X". Fails on an
 * empty number, any stray byte, or a value that does not fit in 64 bits. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;

    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        int d = hex_digit(s[i]);
        if (d < 0 || (unsigned)d >= base)
            return false;
        if (value > (UINT64_MAX - (uint64_t)d) / base)
            return false;
        value = value * base + (uint64_t)d;
    }
    *out = value;
    return true;
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
    struct cmdline_value found;
    uint64_t value;
    if (!find_last(cmdline, key, &found) || !parse_u64(found.start, found.len, &value))
        return false;
    if (out != NULL)
        *out = value;
    return true;
}

/* Splits list at commas and compares each element with item. An empty item
 * never matches. */
bool cmdline_list_has(const char *list, const char *item)
{
    if (list == NULL || item == NULL || item[0] == '\0')
        return false;
    const char *p = list;
    for (;;) {
        const char *start = p;
        while (*p != '\0' && *p != ',')
            p++;
        if (key_equals(start, (size_t)(p - start), item))
            return true;
        if (*p == '\0')
            return false;
        p++;
    }
}
