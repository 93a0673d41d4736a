/* Memory-map sanitising (see memmap.h). Pure code: no libc, no allocation.
 *
 * The map is untrusted. memmap_sanitize works in place in the caller's
 * array: zero-size entries are dropped, entries reaching the top of the
 * address space are clipped, the entries are sorted, overlaps are resolved
 * by splitting (the more restrictive type keeps the overlap), and adjacent
 * entries of one type are merged. The result never calls RAM anything that
 * some input entry described as non-RAM. */
#include <stdbool.h>
#include <stdint.h>
#include "memmap.h"

/* Highest end address an entry may have: 2^64 minus one 4 KiB page, so that
 * base + size never overflows and a page-rounded end stays representable. */
#define MEMMAP_TOP 0xfffffffffffff000ull

typedef unsigned long long ull;

/* One past the last byte of r; only valid once r is clipped to MEMMAP_TOP. */
static uint64_t region_end(const struct phys_region *r)
{
    return r->base + r->size;
}

/* The type that keeps a range claimed by both a and b: anything other than
 * RAM beats RAM, otherwise the higher type number wins. */
static uint32_t stronger_type(uint32_t a, uint32_t b)
{
    if (a == PHYS_RAM)
        return b;
    if (b == PHYS_RAM)
        return a;
    return a > b ? a : b;
}

/* Sort order: by base, then by size. */
static bool region_before(const struct phys_region *a, const struct phys_region *b)
{
    if (a->base != b->base)
        return a->base < b->base;
    return a->size < b->size;
}

static void sort_regions(struct phys_region *map, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        struct phys_region r = map[i];
        unsigned j = i;
        while (j > 0 && region_before(&r, &map[j - 1])) {
            map[j] = map[j - 1];
            j--;
        }
        map[j] = r;
    }
}

/* Inserts r into map[from..*n), which is sorted, keeping it sorted.
 * The caller guarantees there is room for one more entry. */
static void insert_sorted(struct phys_region *map, unsigned *n, unsigned from,
                          struct phys_region r)
{
    unsigned j = *n;
    while (j > from && region_before(&r, &map[j - 1])) {
        map[j] = map[j - 1];
        j--;
    }
    map[j] = r;
    (*n)++;
}

static void remove_at(struct phys_region *map, unsigned *n, unsigned i)
{
    for (unsigned j = i + 1; j < *n; j++)
        map[j - 1] = map[j];
    (*n)--;
}

/* Drops zero-size entries and clips entries that run past MEMMAP_TOP.
 * Returns the number of entries kept (compacted to the front). */
static unsigned drop_empty_and_clip(struct phys_region *map, unsigned n, const struct diag *d)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        struct phys_region r = map[i];
        if (r.size == 0) {
            diag_report(d, "memory map: entry %u at 0x%llx has size 0: dropped", i, (ull)r.base);
            continue;
        }
        if (r.base >= MEMMAP_TOP) {
            diag_report(d, "memory map: entry %u at 0x%llx starts above 0x%llx: dropped", i,
                        (ull)r.base, MEMMAP_TOP);
            continue;
        }
        if (r.size > MEMMAP_TOP - r.base) {
            diag_report(d, "memory map: entry %u [0x%llx, size 0x%llx) runs past the end of the "
                        "address space: clipped to end at 0x%llx",
                        i, (ull)r.base, (ull)r.size, MEMMAP_TOP);
            r.size = MEMMAP_TOP - r.base;
        }
        map[kept++] = r;
    }
    return kept;
}

/* True if a range claimed by both a and b would go to b, and a != b. */
static bool weaker_type(uint32_t a, uint32_t b)
{
    return a != b && stronger_type(a, b) == b;
}

/* Makes room for a tail piece when the array is full (*n == cap) by giving
 * up the weakest claim among the tail and map[from..*n): a RAM tail is
 * dropped, else the last RAM entry at or after index from, else the entry
 * (or the tail) of the weakest type. Entries before from end before the
 * tail and the later entries start, so wherever the range given up is still
 * claimed, the claim is of a type at least as strong: nothing becomes RAM
 * or a weaker type than the input gave it, ranges are only lost.
 * Returns true if the tail should still be inserted. */
static bool make_room_for_tail(struct phys_region *map, unsigned *n, unsigned from,
                               const struct phys_region *tail, const struct diag *d)
{
    unsigned victim = *n;   /* *n stands for the tail */
    uint32_t victim_type = tail->type;
    for (unsigned j = *n; j > from; j--) {
        if (weaker_type(map[j - 1].type, victim_type)) {
            victim = j - 1;
            victim_type = map[j - 1].type;
        }
    }
    if (victim == *n) {
        diag_report(d, "memory map: no room left after splitting entries, dropping type %u "
                    "[0x%llx-0x%llx)", tail->type, (ull)tail->base, (ull)region_end(tail));
        return false;
    }
    diag_report(d, "memory map: no room left after splitting entries, dropping type %u "
                "[0x%llx-0x%llx)", victim_type, (ull)map[victim].base, (ull)region_end(&map[victim]));
    remove_at(map, n, victim);
    return true;
}

/* Resolves all overlaps in map[0..*n), sorted by base. Walks the entries in
 * order; when entry i overlaps entry i+1 the two are replaced by up to three
 * disjoint pieces: the part of i before i+1 starts, the shared part (given to
 * the stronger type) and the remainder of whichever ends later, which is
 * re-inserted in sorted order. Terminates because each split either removes
 * an overlapping successor of entry i or shortens entry i. */
static void resolve_overlaps(struct phys_region *map, unsigned *n, unsigned cap,
                             const struct diag *d)
{
    unsigned i = 0;
    while (i + 1 < *n) {
        struct phys_region a = map[i], b = map[i + 1];
        uint64_t a_end = region_end(&a), b_end = region_end(&b);
        if (b.base >= a_end) {
            i++;
            continue;
        }
        uint64_t shared_end = a_end < b_end ? a_end : b_end;
        uint32_t winner = stronger_type(a.type, b.type);
        diag_report(d, "memory map: [0x%llx-0x%llx) type %u overlaps [0x%llx-0x%llx) type %u, "
                    "giving [0x%llx-0x%llx) to type %u",
                    (ull)b.base, (ull)b_end, b.type, (ull)a.base, (ull)a_end, a.type,
                    (ull)b.base, (ull)shared_end, winner);

        struct phys_region head = { a.base, b.base - a.base, a.type };
        struct phys_region shared = { b.base, shared_end - b.base, winner };
        struct phys_region tail;
        if (a_end > b_end)
            tail = (struct phys_region){ b_end, a_end - b_end, a.type };
        else
            tail = (struct phys_region){ a_end, b_end - a_end, b.type };

        unsigned next;
        if (head.size != 0) {
            map[i] = head;
            map[i + 1] = shared;
            next = i + 2;
        } else {
            map[i] = shared;
            remove_at(map, n, i + 1);
            next = i + 1;
        }
        if (tail.size != 0) {
            if (*n < cap || make_room_for_tail(map, n, next, &tail, d))
                insert_sorted(map, n, next, tail);
        }
    }
}

/* Merges entries of the same type that touch. Returns the new count. */
static unsigned merge_adjacent(struct phys_region *map, unsigned n)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        if (kept > 0 && map[kept - 1].type == map[i].type &&
            region_end(&map[kept - 1]) == map[i].base) {
            map[kept - 1].size += map[i].size;
            continue;
        }
        map[kept++] = map[i];
    }
    return kept;
}

unsigned memmap_sanitize(struct phys_region *map, unsigned n, unsigned cap, const struct diag *d)
{
    if (map == NULL || cap == 0)
        return 0;
    if (n > cap) {
        diag_report(d, "memory map: %u entries but room for %u: using the first %u", n, cap, cap);
        n = cap;
    }
    n = drop_empty_and_clip(map, n, d);
    sort_regions(map, n);
    resolve_overlaps(map, &n, cap, d);
    return merge_adjacent(map, n);
}

uint64_t memmap_ram_bytes(const struct phys_region *map, unsigned n)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (map[i].type != PHYS_RAM)
            continue;
        if (map[i].size > UINT64_MAX - total)
            return UINT64_MAX;
        total += map[i].size;
    }
    return total;
}

uint64_t memmap_ram_end(const struct phys_region *map, unsigned n)
{
    uint64_t top = 0;
    for (unsigned i = 0; i < n; i++) {
        if (map[i].type != PHYS_RAM || map[i].size == 0)
            continue;
        uint64_t end = map[i].size > UINT64_MAX - map[i].base ? UINT64_MAX
                                                               : map[i].base + map[i].size;
        if (end > top)
            top = end;
    }
    return top;
}

/* Advances a cursor from base through RAM entries that contain it until it
 * reaches base + size. Does not rely on the map's order; entries that wrap
 * are ignored. */
bool memmap_range_is_ram(const struct phys_region *map, unsigned n, uint64_t base, uint64_t size)
{
    if (size == 0 || size > UINT64_MAX - base)
        return false;
    uint64_t end = base + size;
    uint64_t cursor = base;
    bool advanced = true;
    while (cursor < end && advanced) {
        advanced = false;
        for (unsigned i = 0; i < n; i++) {
            const struct phys_region *r = &map[i];
            if (r->type != PHYS_RAM || r->size == 0 || r->size > UINT64_MAX - r->base)
                continue;
            if (r->base <= cursor && cursor < r->base + r->size) {
                cursor = r->base + r->size;
                advanced = true;
            }
        }
    }
    return cursor >= end;
}
