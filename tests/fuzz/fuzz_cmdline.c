/* libFuzzer harness for kernel/lib/cmdline.c.
 *
 * Input: the command line, optionally followed by a NUL, a key to look up,
 * another NUL and a list item. Keys looked up: the kernel's and init's
 * (selftest, run, loglevel, console, poweroff), the input's key, and the
 * key of every option on the line.
 *
 * Each lookup is compared with a reference implementation of the grammar in
 * cmdline.h (last occurrence wins, quoted values, flags give ""), with
 * value buffers of several sizes, each an exact-size heap block: the getter
 * must never write past the size, must NUL-terminate and must give the
 * value truncated to size - 1 bytes; with size 0 it must write nothing.
 * cmdline_get_u64 against a reference number parser, cmdline_list_has
 * against a reference split at commas. */
#define _POSIX_C_SOURCE 200809L   /* strndup */
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "fuzz.h"

static bool sep(char c)
{
    return c == ' ' || c == '\t';
}

/* The option starting at or after s[*i] (n = strlen(s)), per the grammar:
 * its key at s[*ks], *kl bytes, and its value (*vl bytes at *vs). Returns
 * false at the end of the line. */
static bool ref_next(const char *s, size_t n, size_t *i, size_t *ks, size_t *kl, const char **vs,
                     size_t *vl)
{
    while (*i < n && sep(s[*i]))
        (*i)++;
    if (*i == n)
        return false;
    *ks = *i;
    while (*i < n && s[*i] != '=' && !sep(s[*i]))
        (*i)++;
    *kl = *i - *ks;
    *vs = s + *i;
    *vl = 0;
    if (*i < n && s[*i] == '=') {
        (*i)++;
        if (*i < n && s[*i] == '"') {
            (*i)++;
            const char *q = memchr(s + *i, '"', n - *i);
            size_t e = q != NULL ? (size_t)(q - s) : n;
            *vs = s + *i;
            *vl = e - *i;
            *i = e < n ? e + 1 : n;
            while (*i < n && !sep(s[*i]))
                (*i)++;     /* bytes after the closing quote */
        } else {
            *vs = s + *i;
            while (*i < n && !sep(s[*i]))
                (*i)++;
            *vl = (size_t)(s + *i - *vs);
        }
    }
    return true;
}

/* The value of the last occurrence of key. */
static bool ref_find(const char *s, const char *key, const char **vs, size_t *vl)
{
    size_t n = strlen(s), klen = strlen(key), i = 0, ks, kl, l;
    const char *v;
    bool found = false;
    if (klen == 0)
        return false;
    while (ref_next(s, n, &i, &ks, &kl, &v, &l)) {
        if (kl == klen && memcmp(s + ks, key, kl) == 0) {
            found = true;
            *vs = v;
            *vl = l;
        }
    }
    return found;
}

static bool ref_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    unsigned __int128 v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = v * base + d;
        if (v > UINT64_MAX)
            return false;
    }
    *out = (uint64_t)v;
    return true;
}

static bool ref_list_has(const char *list, const char *item)
{
    size_t il = strlen(item);
    if (il == 0)
        return false;
    for (const char *p = list;;) {
        const char *c = strchr(p, ',');
        size_t l = c != NULL ? (size_t)(c - p) : strlen(p);
        if (l == il && memcmp(p, item, l) == 0)
            return true;
        if (c == NULL)
            return false;
        p = c + 1;
    }
}

static void check_key(const char *line, const char *key)
{
    const char *vs = NULL;
    size_t vl = 0;
    bool want = ref_find(line, key, &vs, &vl);
    FUZZ_ASSERT(cmdline_has(line, key) == want);
    FUZZ_ASSERT(cmdline_get(line, key, NULL, 0) == want);

    static const size_t sizes[] = { 0, 1, 2, 8, 64, 1100 };
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t sz = sizes[k];
        char *buf = malloc(sz != 0 ? sz : 1);
        FUZZ_ASSERT(buf != NULL);
        memset(buf, 0x5a, sz != 0 ? sz : 1);
        FUZZ_ASSERT(cmdline_get(line, key, buf, sz) == want);
        if (sz == 0) {
            FUZZ_ASSERT(buf[0] == 0x5a);
        } else if (want) {
            size_t n = vl < sz - 1 ? vl : sz - 1;
            FUZZ_ASSERT(memcmp(buf, vs, n) == 0 && buf[n] == '\0');
        } else {
            for (size_t i = 0; i < sz; i++)
                FUZZ_ASSERT(buf[i] == 0x5a);
        }
        free(buf);
    }

    uint64_t got = 0, ref = 0;
    bool ok = cmdline_get_u64(line, key, &got);
    FUZZ_ASSERT(ok == (want && ref_u64(vs, vl, &ref)));
    if (ok)
        FUZZ_ASSERT(got == ref);
    FUZZ_ASSERT(cmdline_get_u64(line, key, NULL) == ok);

    if (want) {
        /* The value as a list (what the kernel does with console=): each
         * element is in it, and the reference agrees on the key itself. */
        char *list = strndup(vs, vl);
        FUZZ_ASSERT(list != NULL);
        FUZZ_ASSERT(cmdline_list_has(list, key) == ref_list_has(list, key));
        for (const char *p = list;;) {
            const char *c = strchr(p, ',');
            char *elem = strndup(p, c != NULL ? (size_t)(c - p) : strlen(p));
            FUZZ_ASSERT(elem != NULL);
            FUZZ_ASSERT(cmdline_list_has(list, elem) == (elem[0] != '\0'));
            free(elem);
            if (c == NULL)
                break;
            p = c + 1;
        }
        free(list);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* line \0 key \0 item, each an exact-size NUL-terminated heap copy. */
    char *all = malloc(size + 1);
    FUZZ_ASSERT(all != NULL);
    memcpy(all, data, size);
    all[size] = '\0';
    const char *key = NULL, *item = NULL;
    size_t line_len = strlen(all);
    if (line_len < size) {
        key = all + line_len + 1;
        size_t key_len = strlen(key);
        if (line_len + 1 + key_len < size)
            item = key + key_len + 1;
    }
    char *line = strndup(all, line_len);
    FUZZ_ASSERT(line != NULL);

    static const char *const keys[] = { "selftest", "run", "loglevel", "console", "poweroff", "" };
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
        check_key(line, keys[i]);
    if (key != NULL)
        check_key(line, key);

    /* Every option's own key. */
    size_t i = 0, ks, kl, vl;
    const char *vs;
    for (unsigned options = 0; options < 16 && ref_next(line, line_len, &i, &ks, &kl, &vs, &vl);) {
        if (kl == 0)
            continue;   /* "=value": no key */
        char *k = strndup(line + ks, kl);
        FUZZ_ASSERT(k != NULL);
        FUZZ_ASSERT(cmdline_has(line, k));
        check_key(line, k);
        free(k);
        options++;
    }

    /* Lists: the line itself as a list, and each of its comma elements. */
    if (item != NULL)
        FUZZ_ASSERT(cmdline_list_has(line, item) == ref_list_has(line, item));
    for (const char *p = line;;) {
        const char *c = strchr(p, ',');
        char *elem = strndup(p, c != NULL ? (size_t)(c - p) : strlen(p));
        FUZZ_ASSERT(elem != NULL);
        FUZZ_ASSERT(cmdline_list_has(line, elem) == (elem[0] != '\0'));
        free(elem);
        if (c == NULL)
            break;
        p = c + 1;
    }
    FUZZ_ASSERT(!cmdline_list_has(line, ""));
    free(line);
    free(all);
    return 0;
}
