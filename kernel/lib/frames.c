/* Physical frame allocator (see frames.h).
 *
 * Each region owns a bitmap slice, one bit per frame, 1 = in use. Bits past
 * the end of a region in its last word are kept set, so a word that is all
 * ones means "nothing free here" and the single-frame search can skip it.
 * Frame 0 (physical address 0) is never managed: spans are clipped to start
 * at FRAME_SIZE, so FRAME_NONE can never be a valid result. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frames.h"

#define WORD_BITS 64u

static uint64_t words_for(uint64_t frames)
{
    return (frames + WORD_BITS - 1) / WORD_BITS;
}

/* Rounds a span inwards to whole frames, clipping out frame 0 and saturating
 * an end that overflows. Returns the number of frames; *first_out gets the
 * first frame's address when the result is nonzero. */
static uint64_t span_frames(const struct frame_span *span, uint64_t *first_out)
{
    if (span->size == 0)
        return 0;
    uint64_t end = span->base + span->size;
    if (end < span->base)
        end = UINT64_MAX;
    end &= ~(uint64_t)(FRAME_SIZE - 1);
    uint64_t first = span->base < FRAME_SIZE ? FRAME_SIZE : span->base;
    if (first > UINT64_MAX - (FRAME_SIZE - 1))
        return 0;
    first = (first + FRAME_SIZE - 1) & ~(uint64_t)(FRAME_SIZE - 1);
    if (end <= first)
        return 0;
    *first_out = first;
    return (end - first) / FRAME_SIZE;
}

size_t frame_alloc_metadata_size(const struct frame_span *spans, unsigned n)
{
    size_t bytes = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t first;
        bytes += (size_t)words_for(span_frames(&spans[i], &first)) * sizeof(uint64_t);
    }
    return bytes;
}

static uint64_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

/* Mask of the bits [first % 64, first % 64 + n) within one word; n <= 64 and
 * the range must not cross the word. */
static uint64_t word_mask(uint64_t first, uint64_t n)
{
    uint64_t shift = first % WORD_BITS;
    uint64_t bits = n == WORD_BITS ? ~0ull : (1ull << n) - 1;
    return bits << shift;
}

/* How many bits of [index, index + remaining) lie in index's word; the range
 * helpers below walk their range one word at a time with it. */
static uint64_t bits_in_word(uint64_t index, uint64_t remaining)
{
    uint64_t room = WORD_BITS - index % WORD_BITS;
    return remaining < room ? remaining : room;
}

/* Number of set bits in [first, first + n). */
static uint64_t count_set(const uint64_t *bitmap, uint64_t first, uint64_t n)
{
    uint64_t total = 0;
    while (n > 0) {
        uint64_t k = bits_in_word(first, n);
        total += popcount64(bitmap[first / WORD_BITS] & word_mask(first, k));
        first += k;
        n -= k;
    }
    return total;
}

/* Sets (value true) or clears the bits [first, first + n). */
static void assign_range(uint64_t *bitmap, uint64_t first, uint64_t n, bool value)
{
    while (n > 0) {
        uint64_t k = bits_in_word(first, n);
        uint64_t mask = word_mask(first, k);
        if (value)
            bitmap[first / WORD_BITS] |= mask;
        else
            bitmap[first / WORD_BITS] &= ~mask;
        first += k;
        n -= k;
    }
}

/* Index of the first set bit in [first, first + n), or first + n if none. */
static uint64_t find_set(const uint64_t *bitmap, uint64_t first, uint64_t n)
{
    uint64_t end = first + n;
    while (first < end) {
        uint64_t k = bits_in_word(first, end - first);
        uint64_t hits = bitmap[first / WORD_BITS] & word_mask(first, k);
        if (hits != 0)
            return first - first % WORD_BITS + (uint64_t)__builtin_ctzll(hits);
        first += k;
    }
    return end;
}

/* Index of the first clear bit in [first, first + n), or first + n; whole
 * words of set bits are skipped at once. */
static uint64_t find_clear(const uint64_t *bitmap, uint64_t first, uint64_t n)
{
    uint64_t end = first + n;
    while (first < end) {
        uint64_t k = bits_in_word(first, end - first);
        uint64_t holes = ~bitmap[first / WORD_BITS] & word_mask(first, k);
        if (holes != 0)
            return first - first % WORD_BITS + (uint64_t)__builtin_ctzll(holes);
        first += k;
    }
    return end;
}

static void reset(struct frame_allocator *fa)
{
    fa->nregions = 0;
    fa->total_frames = 0;
    fa->free_frames = 0;
}

/* Validates everything first (order, overlap, region count, metadata size
 * and alignment) so that a failure leaves fa empty and metadata untouched;
 * then carves one bitmap slice per non-empty region, all frames free. */
int frame_alloc_init(struct frame_allocator *fa, const struct frame_span *spans, unsigned n,
                     void *metadata, size_t metadata_size)
{
    reset(fa);

    unsigned regions = 0;
    uint64_t previous_end = 0;
    bool have_previous = false;
    for (unsigned i = 0; i < n; i++) {
        if (spans[i].size == 0)
            continue;
        if (have_previous && spans[i].base < previous_end)
            return -1;
        uint64_t end = spans[i].base + spans[i].size;
        previous_end = end < spans[i].base ? UINT64_MAX : end;
        have_previous = true;
        uint64_t first;
        if (span_frames(&spans[i], &first) != 0)
            regions++;
    }
    if (regions > FRAMES_MAX_REGIONS)
        return -1;
    size_t needed = frame_alloc_metadata_size(spans, n);
    if (metadata_size < needed || (needed > 0 && (metadata == NULL ||
                                                  (uintptr_t)metadata % sizeof(uint64_t) != 0)))
        return -1;

    uint64_t *words = metadata;
    for (unsigned i = 0; i < n; i++) {
        uint64_t first;
        uint64_t frames = span_frames(&spans[i], &first);
        if (frames == 0)
            continue;
        struct frame_region *r = &fa->region[fa->nregions++];
        uint64_t nwords = words_for(frames);
        r->base = first;
        r->frames = frames;
        r->free = frames;
        r->next = 0;
        r->bitmap = words;
        for (uint64_t w = 0; w < nwords; w++)
            words[w] = 0;
        if (frames % WORD_BITS != 0)
            words[nwords - 1] = ~0ull << (frames % WORD_BITS);   /* padding: never free */
        words += nwords;
        fa->total_frames += frames;
        fa->free_frames += frames;
    }
    return 0;
}

/* Index of the region containing paddr, or -1. */
static int region_index(const struct frame_allocator *fa, uint64_t paddr)
{
    for (unsigned i = 0; i < fa->nregions; i++) {
        const struct frame_region *r = &fa->region[i];
        if (paddr >= r->base && (paddr - r->base) / FRAME_SIZE < r->frames)
            return (int)i;
    }
    return -1;
}

uint64_t frame_alloc_reserve(struct frame_allocator *fa, uint64_t base, uint64_t size)
{
    if (size == 0)
        return 0;
    uint64_t last = base + size - 1 < base ? UINT64_MAX : base + size - 1;   /* inclusive */
    uint64_t marked = 0;
    for (unsigned i = 0; i < fa->nregions; i++) {
        struct frame_region *r = &fa->region[i];
        uint64_t region_last = r->base + (r->frames * FRAME_SIZE - 1);
        if (last < r->base || base > region_last)
            continue;
        uint64_t first_index = base > r->base ? (base - r->base) / FRAME_SIZE : 0;
        uint64_t last_index = last < region_last ? (last - r->base) / FRAME_SIZE : r->frames - 1;
        uint64_t n = last_index - first_index + 1;
        uint64_t newly = n - count_set(r->bitmap, first_index, n);
        assign_range(r->bitmap, first_index, n, true);
        r->free -= newly;
        fa->free_frames -= newly;
        marked += newly;
    }
    return marked;
}

/* Next-fit within a region: scans whole words from the hint's word, wrapping
 * once, skipping words that are all ones. */
static uint64_t alloc_in_region(struct frame_region *r)
{
    uint64_t nwords = words_for(r->frames);
    uint64_t start = r->next / WORD_BITS;
    for (uint64_t step = 0; step < nwords; step++) {
        uint64_t w = start + step < nwords ? start + step : start + step - nwords;
        uint64_t word = r->bitmap[w];
        if (word == ~0ull)
            continue;
        uint64_t index = w * WORD_BITS + (uint64_t)__builtin_ctzll(~word);
        r->bitmap[w] = word | (1ull << (index % WORD_BITS));
        r->free--;
        r->next = index + 1 < r->frames ? index + 1 : 0;
        return r->base + index * FRAME_SIZE;
    }
    return FRAME_NONE;   /* unreachable while r->free is accurate */
}

uint64_t frame_alloc(struct frame_allocator *fa)
{
    for (unsigned i = 0; i < fa->nregions; i++) {
        struct frame_region *r = &fa->region[i];
        if (r->free == 0)
            continue;
        uint64_t paddr = alloc_in_region(r);
        if (paddr != FRAME_NONE) {
            fa->free_frames--;
            return paddr;
        }
    }
    return FRAME_NONE;
}

/* Lowest aligned address >= value, or 0 on overflow. */
static uint64_t align_up(uint64_t value, uint64_t align)
{
    uint64_t rounded = (value + align - 1) & ~(align - 1);
    return rounded < value ? 0 : rounded;
}

/* Linear first-fit: tries aligned candidates in address order; on a used
 * frame inside the window, jumps to the next aligned address past it. */
uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align,
                            uint64_t limit)
{
    if (align == 0)
        align = FRAME_SIZE;
    if (count == 0 || align < FRAME_SIZE || (align & (align - 1)) != 0)
        return FRAME_NONE;

    for (unsigned i = 0; i < fa->nregions; i++) {
        struct frame_region *r = &fa->region[i];
        if (r->free < count)
            continue;
        uint64_t candidate = align_up(r->base, align);
        while (candidate != 0) {
            uint64_t index = (candidate - r->base) / FRAME_SIZE;
            if (index >= r->frames || r->frames - index < count)
                break;
            uint64_t last_byte = candidate + (count * FRAME_SIZE - 1);
            if (limit != 0 && last_byte >= limit)
                return FRAME_NONE;   /* later candidates are only higher */
            uint64_t used = find_set(r->bitmap, index, count);
            if (used == index + count) {
                assign_range(r->bitmap, index, count, true);
                r->free -= count;
                fa->free_frames -= count;
                return candidate;
            }
            /* Past the used frame, to the next free one (a word of used
             * frames at a time), then to the alignment. */
            uint64_t next_free = find_clear(r->bitmap, used + 1, r->frames - (used + 1));
            if (next_free >= r->frames)
                break;
            candidate = align_up(r->base + next_free * FRAME_SIZE, align);
        }
    }
    return FRAME_NONE;
}

/* Checks the whole range first (aligned, managed, in use), then clears it;
 * the range may run across adjacent regions. */
int frame_free(struct frame_allocator *fa, uint64_t paddr, uint64_t count)
{
    if (paddr % FRAME_SIZE != 0)
        return -1;
    if (count > (UINT64_MAX - paddr) / FRAME_SIZE)
        return -1;

    for (int apply = 0; apply < 2; apply++) {
        uint64_t addr = paddr;
        uint64_t remaining = count;
        while (remaining > 0) {
            int ri = region_index(fa, addr);
            if (ri < 0)
                return -1;
            struct frame_region *r = &fa->region[ri];
            uint64_t index = (addr - r->base) / FRAME_SIZE;
            uint64_t n = r->frames - index < remaining ? r->frames - index : remaining;
            if (!apply) {
                if (count_set(r->bitmap, index, n) != n)
                    return -1;
            } else {
                assign_range(r->bitmap, index, n, false);
                r->free += n;
                fa->free_frames += n;
            }
            addr += n * FRAME_SIZE;
            remaining -= n;
        }
    }
    return 0;
}

bool frame_in_use(const struct frame_allocator *fa, uint64_t paddr)
{
    int ri = region_index(fa, paddr);
    if (ri < 0)
        return false;
    const struct frame_region *r = &fa->region[ri];
    uint64_t index = (paddr - r->base) / FRAME_SIZE;
    return (r->bitmap[index / WORD_BITS] >> (index % WORD_BITS)) & 1;
}
