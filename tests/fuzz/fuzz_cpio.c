/* libFuzzer harness for kernel/lib/cpio.c.
 *
 * Input: the archive (an exact-size heap copy, so ASan sees any read past
 * it). Walks it with cpio_next and checks every entry: name and data inside
 * the archive, the name NUL-terminated at name_len with no NUL before and
 * not empty, not the trailer; the final result sticky on later calls. Then
 * cpio_find for each name seen (it must return the first entry of that
 * name, "./" ignored) and for a few fixed names, and cpio_strerror on every
 * result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpio.h"
#include "fuzz.h"

#define MAX_ENTRIES 64

static const char *skip_dot_slash(const char *name)
{
    return name[0] == '.' && name[1] == '/' && name[2] != '\0' ? name + 2 : name;
}

static void check_find(const uint8_t *ar, size_t size, const char *name,
                       const struct cpio_entry *seen, unsigned nseen, int end)
{
    struct cpio_entry e;
    int rc = cpio_find(ar, size, name, &e);
    FUZZ_ASSERT(cpio_strerror(rc) != NULL);
    for (unsigned i = 0; i < nseen; i++) {
        if (strcmp(skip_dot_slash(seen[i].name), skip_dot_slash(name)) == 0) {
            FUZZ_ASSERT(rc == CPIO_OK);
            FUZZ_ASSERT(e.name == seen[i].name && e.data == seen[i].data);
            FUZZ_ASSERT(e.size == seen[i].size && e.mode == seen[i].mode);
            return;
        }
    }
    if (nseen < MAX_ENTRIES)   /* the walk below saw the whole archive */
        FUZZ_ASSERT(rc == (end == 0 ? CPIO_E_NOENT : end));
    else
        FUZZ_ASSERT(rc != CPIO_E_ARG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *ar = malloc(size != 0 ? size : 1);
    FUZZ_ASSERT(ar != NULL);
    memcpy(ar, data, size);

    struct cpio_iter it;
    struct cpio_entry seen[MAX_ENTRIES];
    unsigned n = 0;
    int r;
    cpio_iter_init(&it, ar, size);
    while (n < MAX_ENTRIES && (r = cpio_next(&it, &seen[n])) > 0) {
        const struct cpio_entry *e = &seen[n];
        FUZZ_ASSERT(r == 1);
        const uint8_t *name = (const uint8_t *)e->name, *d = e->data;
        FUZZ_ASSERT(name >= ar && e->name_len < size && (size_t)(name - ar) <= size - e->name_len - 1);
        FUZZ_ASSERT(e->name_len >= 1 && name[e->name_len] == '\0');
        FUZZ_ASSERT(memchr(name, '\0', e->name_len) == NULL);
        FUZZ_ASSERT(strcmp(e->name, "TRAILER!!!") != 0);
        FUZZ_ASSERT(d >= ar && (size_t)(d - ar) <= size && e->size <= size - (size_t)(d - ar));
        FUZZ_ASSERT(d >= name + e->name_len + 1);   /* data follows the name */
        if (n > 0)
            FUZZ_ASSERT(name >= (const uint8_t *)seen[n - 1].data + seen[n - 1].size);
        volatile uint8_t sink = 0;
        if (e->size != 0)
            sink ^= d[0] ^ d[e->size - 1];
        (void)sink;
        n++;
    }
    int end = 0;
    if (fuzz_verbose())
        fprintf(stderr, "cpio: %u entries, then %s\n", n, n < MAX_ENTRIES ? cpio_strerror(r) : "-");
    if (n < MAX_ENTRIES) {
        end = r;
        FUZZ_ASSERT(end <= 0 && end >= CPIO_E_ARG && end != CPIO_E_NOENT && end != CPIO_E_ARG);
        struct cpio_entry again;
        FUZZ_ASSERT(cpio_next(&it, &again) == end);   /* sticky */
        FUZZ_ASSERT(cpio_strerror(end) != NULL);
        FUZZ_ASSERT(cpio_strerror(end - 1) != NULL && cpio_strerror(1 - end) != NULL);
    }

    for (unsigned i = 0; i < n; i++)
        check_find(ar, size, seen[i].name, seen, n, end);
    static const char *const names[] = { "init", "./init", "demo", "TRAILER!!!", ".", "./", "" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        check_find(ar, size, names[i], seen, n, end);
    free(ar);
    return 0;
}
