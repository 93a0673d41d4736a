/* Tests for kernel/lib/cpio.c: archives built in memory, malformed variants,
 * truncations, random mutations, and one archive written by the system's
 * cpio(1) when it is installed. */
#define _DEFAULT_SOURCE   /* mkdtemp */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpio.h"
#include "suites.h"

static uint8_t ar[1 << 16];
static size_t ar_len;

/* Appends one entry; namesize is normally strlen(name) + 1 (the name's
 * bytes, NUL included, are copied as given). */
static void add_entry_raw(const char *name, size_t namesize, uint32_t mode,
                          const void *data, size_t size, bool upper)
{
    char h[CPIO_HEADER_SIZE + 1];
    const char *f = upper ? "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
                          : "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x";
    snprintf(h, sizeof h, f, 7u, mode, 0u, 0u, 1u, 0xabcdefu, (unsigned)size, 0u, 0u, 0u, 0u,
             (unsigned)namesize, 0u);
    memcpy(ar + ar_len, h, CPIO_HEADER_SIZE);
    ar_len += CPIO_HEADER_SIZE;
    memcpy(ar + ar_len, name, namesize);
    ar_len += namesize;
    while (ar_len % 4)
        ar[ar_len++] = 0;
    if (size > 0)
        memcpy(ar + ar_len, data, size);
    ar_len += size;
    while (ar_len % 4)
        ar[ar_len++] = 0;
}

static void add_file(const char *name, const char *text)
{
    add_entry_raw(name, strlen(name) + 1, 0100644, text, strlen(text), false);
}

static void add_trailer(void)
{
    add_entry_raw("TRAILER!!!", 11, 0, NULL, 0, false);
}

/* Offset of entry k's header in the archive built by build_sample. */
static size_t sample_off[8];

/* ".", a directory, files with names of every length mod 4, an empty file,
 * a file with upper-case hex, the trailer, then block padding. */
static void build_sample(void)
{
    memset(ar, 0, sizeof ar);
    ar_len = 0;
    sample_off[0] = ar_len;
    add_entry_raw(".", 2, 040755, NULL, 0, false);
    sample_off[1] = ar_len;
    add_entry_raw("./bin", 6, 040755, NULL, 0, false);
    sample_off[2] = ar_len;
    add_file("./bin/init", "init program");
    sample_off[3] = ar_len;
    add_file("a", "x");
    sample_off[4] = ar_len;
    add_file("bb", "yy");
    sample_off[5] = ar_len;
    add_file("ccc", "");
    sample_off[6] = ar_len;
    add_entry_raw("dddd", 5, 0100755, "four", 4, true);
    sample_off[7] = ar_len;
    add_trailer();
    ar_len = (ar_len + 511) & ~(size_t)511;
}

START_TEST(test_iterate)
{
    build_sample();
    static const struct { const char *name; const char *data; uint32_t mode; } want[] = {
        { ".", "", 040755 }, { "./bin", "", 040755 }, { "./bin/init", "init program", 0100644 },
        { "a", "x", 0100644 }, { "bb", "yy", 0100644 }, { "ccc", "", 0100644 },
        { "dddd", "four", 0100755 },
    };
    struct cpio_iter it;
    struct cpio_entry e;
    cpio_iter_init(&it, ar, ar_len);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_int_eq(cpio_next(&it, &e), 1);
        ck_assert_str_eq(e.name, want[i].name);
        ck_assert_uint_eq(e.name_len, strlen(want[i].name));
        ck_assert_uint_eq(e.size, strlen(want[i].data));
        ck_assert(memcmp(e.data, want[i].data, e.size) == 0);
        ck_assert_uint_eq(e.mode, want[i].mode);
        ck_assert(cpio_is_file(&e) == ((want[i].mode & CPIO_MODE_TYPE) == CPIO_MODE_FILE));
    }
    ck_assert_int_eq(cpio_next(&it, &e), 0);
    ck_assert_int_eq(cpio_next(&it, &e), 0);    /* stays at the end */
    ck_assert_int_eq(cpio_next(NULL, &e), CPIO_E_ARG);
    ck_assert_int_eq(cpio_next(&it, NULL), CPIO_E_ARG);

    /* Nothing after the trailer is read, even garbage. */
    memset(ar + sample_off[7] + 124, 'Z', 64);
    cpio_iter_init(&it, ar, ar_len);
    int r, n = 0;
    while ((r = cpio_next(&it, &e)) > 0)
        n++;
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(n, 7);
}
END_TEST

START_TEST(test_find)
{
    build_sample();
    struct cpio_entry e;
    ck_assert_int_eq(cpio_find(ar, ar_len, "bin/init", &e), CPIO_OK);
    ck_assert_str_eq(e.name, "./bin/init");
    ck_assert(memcmp(e.data, "init program", 12) == 0);
    ck_assert_int_eq(cpio_find(ar, ar_len, "./bin/init", &e), CPIO_OK);
    ck_assert_int_eq(cpio_find(ar, ar_len, "./a", &e), CPIO_OK);
    ck_assert_str_eq(e.name, "a");
    ck_assert_int_eq(cpio_find(ar, ar_len, "dddd", &e), CPIO_OK);
    ck_assert(cpio_is_file(&e));
    ck_assert_int_eq(cpio_find(ar, ar_len, "bin", &e), CPIO_OK);
    ck_assert(!cpio_is_file(&e));
    ck_assert_int_eq(cpio_find(ar, ar_len, ".", &e), CPIO_OK);
    ck_assert_int_eq(cpio_find(ar, ar_len, "ccc", &e), CPIO_OK);
    ck_assert_uint_eq(e.size, 0);

    static const char *const absent[] = {
        "bin/ini", "bin/init/", "/bin/init", "init", "", "b", "TRAILER!!!", "./", ".//a",
    };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        ck_assert_msg(cpio_find(ar, ar_len, absent[i], &e) == CPIO_E_NOENT, "found %s", absent[i]);
    ck_assert_int_eq(cpio_find(NULL, ar_len, "a", &e), CPIO_E_ARG);
    ck_assert_int_eq(cpio_find(ar, ar_len, NULL, &e), CPIO_E_ARG);
    ck_assert_int_eq(cpio_find(ar, ar_len, "a", NULL), CPIO_E_ARG);
    /* A malformed archive before the match reports the error. */
    ar[sample_off[3]] = 'X';
    ck_assert_int_eq(cpio_find(ar, ar_len, "dddd", &e), CPIO_E_MAGIC);
    ck_assert_int_eq(cpio_find(ar, ar_len, "bin/init", &e), CPIO_OK);
}
END_TEST

/* Runs the archive to its end: the final cpio_next result. */
static int walk(const void *a, size_t n, int *entries)
{
    struct cpio_iter it;
    struct cpio_entry e;
    int r;
    *entries = 0;
    cpio_iter_init(&it, a, n);
    while ((r = cpio_next(&it, &e)) > 0) {
        ck_assert((const uint8_t *)e.data >= (const uint8_t *)a);
        ck_assert((const uint8_t *)e.data + e.size <= (const uint8_t *)a + n);
        ck_assert(e.name >= (const char *)a && e.name + e.name_len < (const char *)a + n);
        ck_assert_uint_eq(strlen(e.name), e.name_len);
        (*entries)++;
    }
    /* The state is sticky. */
    ck_assert_int_eq(cpio_next(&it, &e), r);
    return r;
}

START_TEST(test_malformed_headers)
{
    int n;
    static const struct { unsigned entry; size_t off; const char *bytes; int err; } bad[] = {
        { 2, 0, "070702", CPIO_E_MAGIC },      { 2, 5, "0", CPIO_E_MAGIC },
        { 2, 6, "g", CPIO_E_HEX },             { 2, 13, " ", CPIO_E_HEX },
        { 2, 14, "+", CPIO_E_HEX },            { 2, 54, "-", CPIO_E_HEX },
        { 2, 54, "0x", CPIO_E_HEX },           { 2, 109, "\0", CPIO_E_HEX },
        { 2, 94, "00000000", CPIO_E_NAME },    /* namesize 0 */
        { 2, 94, "00000001", CPIO_E_NAME },    /* namesize 1: empty name */
        { 2, 94, "0000000A", CPIO_E_NAME },    /* NUL not at namesize - 1 */
        { 2, 94, "0000000C", CPIO_E_NAME },    /* name runs into the padding */
        { 2, 112, "\0", CPIO_E_NAME },         /* NUL inside the name */
        { 2, 94, "FFFFFFFF", CPIO_E_TRUNCATED },
        { 2, 54, "FFFFFFFF", CPIO_E_TRUNCATED },   /* filesize */
        { 2, 54, "00010000", CPIO_E_TRUNCATED },
        { 7, 94, "0000000A", CPIO_E_NAME },    /* trailer name without NUL */
        { 7, 110, "trailer!!!", CPIO_E_TRUNCATED }, /* not a trailer: then runs off */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build_sample();
        size_t len = strlen(bad[i].bytes) > 0 ? strlen(bad[i].bytes) : 1;
        memcpy(ar + sample_off[bad[i].entry] + bad[i].off, bad[i].bytes, len);
        int r = walk(ar, ar_len, &n);
        ck_assert_msg(r == bad[i].err, "case %zu: got %d (%s)", i, r, cpio_strerror(r));
    }
    /* A shorter, still consistent, filesize just changes where the next
     * header is expected. */
    build_sample();
    memcpy(ar + sample_off[2] + 54, "00000008", 8);
    ck_assert_int_eq(walk(ar, ar_len, &n), CPIO_E_MAGIC);
    /* An archive with no trailer, an empty one, a NULL one. */
    build_sample();
    ck_assert_int_eq(walk(ar, sample_off[7], &n), CPIO_E_TRUNCATED);
    ck_assert_int_eq(n, 7);
    ck_assert_int_eq(walk(ar, 0, &n), CPIO_E_TRUNCATED);
    ck_assert_int_eq(walk(NULL, 100, &n), CPIO_E_TRUNCATED);
}
END_TEST

START_TEST(test_truncation)
{
    build_sample();
    size_t end = sample_off[7] + CPIO_HEADER_SIZE + 11;   /* trailer name's NUL */
    for (size_t len = 0; len <= ar_len; len++) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        memcpy(copy, ar, len);
        int n;
        int r = walk(copy, len, &n);
        if (len < end)
            ck_assert_msg(r == CPIO_E_TRUNCATED, "len %zu: got %d", len, r);
        else
            ck_assert_msg(r == 0 && n == 7, "len %zu: got %d, %d entries", len, r, n);
        free(copy);
    }
}
END_TEST

START_TEST(test_random_mutations)
{
    srand(4321);
    for (int round = 0; round < 20000; round++) {
        build_sample();
        int changes = 1 + rand() % 3;
        for (int k = 0; k < changes; k++) {
            size_t at = (size_t)rand() % (sample_off[7] + 124);
            ar[at] = rand() % 2 ? (uint8_t)rand() : (uint8_t)"0123456789abcdefF\0"[rand() % 18];
        }
        size_t len = (size_t)rand() % (ar_len + 1);
        uint8_t *copy = malloc(len > 0 ? len : 1);
        memcpy(copy, ar, len);
        int n;
        int r = walk(copy, len, &n);
        ck_assert(r <= 0 && r >= CPIO_E_NAME);
        free(copy);
    }
}
END_TEST

START_TEST(test_system_cpio)
{
    if (access("/usr/bin/cpio", X_OK) != 0 && access("/bin/cpio", X_OK) != 0)
        return;   /* optional: cpio(1) not installed */
    char dir[] = "/tmp/cpio-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p root/sub && printf 'hello' > root/hello.txt && "
             "head -c 1001 /dev/zero > root/sub/zeros && : > root/empty && "
             "cd root && find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../a.cpio", dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/a.cpio", dir);
    FILE *f = fopen(cmd, "rb");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(ar, 1, sizeof ar, f);
    fclose(f);
    ck_assert_uint_eq(len % 512, 0);

    struct cpio_entry e;
    ck_assert_int_eq(cpio_find(ar, len, "hello.txt", &e), CPIO_OK);
    ck_assert(cpio_is_file(&e));
    ck_assert_uint_eq(e.size, 5);
    ck_assert(memcmp(e.data, "hello", 5) == 0);
    ck_assert_int_eq(cpio_find(ar, len, "./sub/zeros", &e), CPIO_OK);
    ck_assert_uint_eq(e.size, 1001);
    for (size_t i = 0; i < e.size; i++)
        ck_assert_int_eq(((const uint8_t *)e.data)[i], 0);
    ck_assert_int_eq(cpio_find(ar, len, "empty", &e), CPIO_OK);
    ck_assert_uint_eq(e.size, 0);
    ck_assert_int_eq(cpio_find(ar, len, "sub", &e), CPIO_OK);
    ck_assert_uint_eq(e.mode & CPIO_MODE_TYPE, CPIO_MODE_DIR);
    int n;
    ck_assert_int_eq(walk(ar, len, &n), 0);
    ck_assert_int_eq(n, 5);   /* ".", empty, hello.txt, sub, sub/zeros */

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_strerror)
{
    for (int e = CPIO_OK; e >= CPIO_E_ARG; e--)
        ck_assert_str_ne(cpio_strerror(e), "unknown error");
    ck_assert_str_eq(cpio_strerror(CPIO_E_ARG - 1), "unknown error");
    ck_assert_str_eq(cpio_strerror(1), "unknown error");
    ck_assert_str_eq(cpio_strerror(INT_MIN), "unknown error");
}
END_TEST

Suite *cpio_suite(void)
{
    Suite *s = suite_create("cpio");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_iterate);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_malformed_headers);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_random_mutations);
    tcase_add_test(tc, test_system_cpio);
    tcase_add_test(tc, test_strerror);
    suite_add_tcase(s, tc);
    return s;
}
