/* Shared pieces of the libFuzzer harnesses (see fuzz.h). Host code. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "\n%s:%d: invariant violated: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

bool fuzz_verbose(void)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    return verbose;
}

uint32_t fuzz_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t fuzz_le64(const uint8_t *p)
{
    return (uint64_t)fuzz_le32(p) | (uint64_t)fuzz_le32(p + 4) << 32;
}

bool fake_phys_contains(const struct fake_phys *fp, uint64_t paddr, uint64_t len)
{
    return paddr >= fp->base && paddr - fp->base <= fp->size && len <= fp->size - (paddr - fp->base);
}

static const void *fake_phys_read(void *ctx, uint64_t paddr, size_t len)
{
    struct fake_phys *fp = ctx;
    fp->reads++;
    if (!fake_phys_contains(fp, paddr, len))
        return NULL;
    free(fp->window);     /* the parser must not use the previous pointer any more */
    fp->window = malloc(len != 0 ? len : 1);
    FUZZ_ASSERT(fp->window != NULL);
    memcpy(fp->window, fp->bytes + (paddr - fp->base), len);
    return fp->window;
}

void fake_phys_init(struct fake_phys *fp, uint64_t base, const uint8_t *bytes, size_t size,
                    struct phys_access *mem)
{
    fp->base = base;
    fp->bytes = bytes;
    fp->size = size;
    fp->window = NULL;
    fp->reads = 0;
    mem->read = fake_phys_read;
    mem->ctx = fp;
}

void fake_phys_done(struct fake_phys *fp)
{
    free(fp->window);
    fp->window = NULL;
}

uint64_t fuzz_pick_base(unsigned sel, size_t size)
{
    switch (sel & 3) {
    case 0: return 0x100000;
    case 1: return 0;
    case 2: return 0x100000000ull - size;
    default: return size == 0 ? 0xfffffffffffff000ull : 0 - (uint64_t)size;
    }
}

static void fuzz_report(void *ctx, const char *fmt, va_list ap)
{
    struct fuzz_diag *fd = ctx;
    char line[512];
    int n = fmt_vsnprintf(line, sizeof line, fmt, ap);
    FUZZ_ASSERT(n >= 0);
    FUZZ_ASSERT(memchr(line, '\0', sizeof line) != NULL);
    fd->reports++;
    if (fd->needle != NULL && strstr(line, fd->needle) != NULL)
        fd->needle_hits++;
    if (fuzz_verbose())
        fprintf(stderr, "diag: %s\n", line);
}

void fuzz_diag_init(struct fuzz_diag *fd, const char *needle, struct diag *d)
{
    fd->reports = 0;
    fd->needle = needle;
    fd->needle_hits = 0;
    d->report = fuzz_report;
    d->ctx = fd;
}

void fuzz_check_sanitized(const struct phys_region *map, unsigned n, unsigned cap)
{
    FUZZ_ASSERT(n <= cap);
    for (unsigned i = 0; i < n; i++) {
        FUZZ_ASSERT(map[i].size != 0);
        FUZZ_ASSERT(map[i].base < 0xfffffffffffff000ull);
        FUZZ_ASSERT(map[i].size <= 0xfffffffffffff000ull - map[i].base);
        if (i == 0)
            continue;
        uint64_t prev_end = map[i - 1].base + map[i - 1].size;
        FUZZ_ASSERT(prev_end <= map[i].base);                       /* sorted, disjoint */
        FUZZ_ASSERT(prev_end != map[i].base || map[i - 1].type != map[i].type);   /* merged */
    }
}
