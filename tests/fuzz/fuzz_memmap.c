/* libFuzzer harness for kernel/lib/memmap.c.
 *
 * Input: byte 0 = mode, byte 1 = cap (0 means MEMMAP_MAX), then entries of
 * 20 bytes (base u64, size u64, type u32, little-endian).
 * Mode bit 0: small coordinates (base and size masked to 16 bits, so
 * entries overlap often); bit 1: type masked to 0..7; bit 2: no diag.
 *
 * Checks memmap_sanitize's output against its contract, and against a
 * reference computed point by point: at every address the output's type is
 * the strongest type any (clipped) input entry gives it, and every address
 * some input entry covers is still covered unless an entry was dropped for
 * lack of room. Then memmap_ram_bytes, memmap_ram_end and
 * memmap_range_is_ram against direct computations. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "memmap.h"

#define TOP 0xfffffffffffff000ull
#define MAX_ENTRIES 256
#define ENTRY_BYTES 20

/* Rank for "stronger type": RAM is the weakest, then by type number. */
static int64_t rank(uint32_t type)
{
    return type == PHYS_RAM ? -1 : (int64_t)type;
}

/* The entries memmap_sanitize must consider: the first cap, empty ones and
 * ones starting at or above TOP dropped, the others clipped to TOP. */
static unsigned clip_input(const struct phys_region *in, unsigned n, unsigned cap,
                           struct phys_region *out)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n && i < cap; i++) {
        struct phys_region r = in[i];
        if (r.size == 0 || r.base >= TOP)
            continue;
        if (r.size > TOP - r.base)
            r.size = TOP - r.base;
        out[k++] = r;
    }
    return k;
}

/* The strongest type of the entries covering x; false if none does. */
static bool expected_type(const struct phys_region *in, unsigned n, uint64_t x, uint32_t *type)
{
    bool found = false;
    for (unsigned i = 0; i < n; i++) {
        if (x < in[i].base || x - in[i].base >= in[i].size)
            continue;
        if (!found || rank(in[i].type) > rank(*type))
            *type = in[i].type;
        found = true;
    }
    return found;
}

static bool covering(const struct phys_region *map, unsigned n, uint64_t x, uint32_t *type)
{
    for (unsigned i = 0; i < n; i++) {
        if (x >= map[i].base && x - map[i].base < map[i].size) {
            *type = map[i].type;
            return true;
        }
    }
    return false;
}

/* [base, base + size) entirely in RAM entries of a sanitized map. */
static bool ref_range_is_ram(const struct phys_region *map, unsigned n, uint64_t base,
                             uint64_t size)
{
    if (size == 0 || size > UINT64_MAX - base)
        return false;
    uint64_t end = base + size, cursor = base;
    for (unsigned i = 0; i < n; i++)
        if (map[i].type == PHYS_RAM && map[i].base <= cursor && cursor < map[i].base + map[i].size)
            cursor = map[i].base + map[i].size;
    return cursor >= end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned mode = data[0];
    unsigned cap = data[1] == 0 ? MEMMAP_MAX : data[1];
    data += 2;
    size -= 2;
    unsigned n = (unsigned)(size / ENTRY_BYTES);
    if (n > MAX_ENTRIES)
        n = MAX_ENTRIES;

    static struct phys_region input[MAX_ENTRIES], clipped[MAX_ENTRIES];
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = data + (size_t)i * ENTRY_BYTES;
        input[i].base = fuzz_le64(e);
        input[i].size = fuzz_le64(e + 8);
        input[i].type = fuzz_le32(e + 16);
        if (mode & 1) {
            input[i].base &= 0xffff;
            input[i].size &= 0xffff;
        }
        if (mode & 2)
            input[i].type &= 7;
    }
    unsigned nclipped = clip_input(input, n, cap, clipped);

    /* The array is exactly as big as the function may use: ASan sees any
     * write past cap (or past n when n > cap). */
    unsigned slots = n > cap ? n : cap;
    struct phys_region *map = malloc(sizeof *map * (slots != 0 ? slots : 1));
    FUZZ_ASSERT(map != NULL);
    memcpy(map, input, sizeof *map * n);

    struct fuzz_diag fd;
    struct diag d;
    fuzz_diag_init(&fd, "no room", &d);
    unsigned out = memmap_sanitize(map, n, cap, (mode & 4) ? NULL : &d);
    fuzz_check_sanitized(map, out, cap);

    /* Point by point against the input. The types are constant between
     * consecutive starts and ends, so checking at every start and end of
     * an input or output entry checks every address. */
    bool dropped = (mode & 4) == 0 && fd.needle_hits > 0;
    for (unsigned pass = 0; pass < 2; pass++) {
        const struct phys_region *src = pass == 0 ? clipped : map;
        unsigned count = pass == 0 ? nclipped : out;
        for (unsigned i = 0; i < count; i++) {
            uint64_t points[2] = { src[i].base, src[i].base + src[i].size };
            for (unsigned k = 0; k < 2; k++) {
                uint32_t want = 0, got = 0;
                bool have_want = expected_type(clipped, nclipped, points[k], &want);
                bool have_got = covering(map, out, points[k], &got);
                if (have_got) {
                    FUZZ_ASSERT(have_want);     /* no invented ranges */
                    FUZZ_ASSERT(got == want);   /* the strongest type wins */
                } else if (have_want && !(mode & 4)) {
                    FUZZ_ASSERT(dropped);       /* lost only when out of room */
                }
            }
        }
    }

    /* The summaries. */
    uint64_t ram = 0, ram_end = 0;
    for (unsigned i = 0; i < out; i++) {
        if (map[i].type != PHYS_RAM)
            continue;
        ram += map[i].size;
        ram_end = map[i].base + map[i].size;
    }
    FUZZ_ASSERT(memmap_ram_bytes(map, out) == ram);
    FUZZ_ASSERT(memmap_ram_end(map, out) == ram_end);
    for (unsigned i = 0; i < n && i < 64; i++)
        FUZZ_ASSERT(memmap_range_is_ram(map, out, input[i].base, input[i].size) ==
                    ref_range_is_ram(map, out, input[i].base, input[i].size));
    for (unsigned i = 0; i < out && i < 32; i++) {
        for (unsigned j = i; j < out && j < i + 4; j++) {
            uint64_t b = map[i].base, s = map[j].base + map[j].size - b;
            FUZZ_ASSERT(memmap_range_is_ram(map, out, b, s) == ref_range_is_ram(map, out, b, s));
            FUZZ_ASSERT(memmap_range_is_ram(map, out, b + 1, s) ==
                        ref_range_is_ram(map, out, b + 1, s));
        }
    }

    /* The summaries also take unsanitized maps (wrapping entries included). */
    (void)memmap_ram_bytes(input, n);
    uint64_t raw_end = memmap_ram_end(input, n);
    for (unsigned i = 0; i < n; i++)
        if (input[i].type == PHYS_RAM && input[i].size != 0)
            FUZZ_ASSERT(raw_end >= input[i].base);
    if (n > 0)
        (void)memmap_range_is_ram(input, n, input[0].base, input[0].size);

    free(map);
    return 0;
}
