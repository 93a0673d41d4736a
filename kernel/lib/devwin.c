/* Device-memory windows: see devwin.h. Interval arithmetic over a small
 * array of half-open page ranges. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "devwin.h"

#define PAGE 4096ull

struct set {
    struct devwin r[DEVWIN_WORK_MAX];
    unsigned n;
};

static uint64_t down(uint64_t a) { return a & ~(PAGE - 1); }
static uint64_t up(uint64_t a) { return a > UINT64_MAX - (PAGE - 1) ? down(UINT64_MAX) : down(a + PAGE - 1); }

/* Drops the smallest interval to make room (never the one being added). */
static void make_room(struct set *s)
{
    unsigned smallest = 0;
    for (unsigned i = 1; i < s->n; i++)
        if (s->r[i].size < s->r[smallest].size)
            smallest = i;
    s->r[smallest] = s->r[--s->n];
}

static void add(struct set *s, uint64_t base, uint64_t end)
{
    if (end <= base)
        return;
    if (s->n == DEVWIN_WORK_MAX)
        make_room(s);
    s->r[s->n++] = (struct devwin){ base, end - base };
}

/* Removes [base, end) from every interval (split where needed). */
static void subtract(struct set *s, uint64_t base, uint64_t end)
{
    if (end <= base)
        return;
    unsigned n = s->n;
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = s->r[i].base, e = b + s->r[i].size;
        if (end <= b || base >= e)
            continue;
        /* Keep the left part in place, add the right part. */
        if (base > b) {
            s->r[i].size = base - b;
            if (end < e)
                add(s, end, e);
        } else if (end < e) {
            s->r[i] = (struct devwin){ end, e - end };
        } else {
            s->r[i].size = 0;
        }
    }
    unsigned k = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (s->r[i].size)
            s->r[k++] = s->r[i];
    s->n = k;
}

static void sort_and_merge(struct set *s)
{
    for (unsigned i = 1; i < s->n; i++) {
        struct devwin v = s->r[i];
        unsigned j = i;
        while (j > 0 && s->r[j - 1].base > v.base) {
            s->r[j] = s->r[j - 1];
            j--;
        }
        s->r[j] = v;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (k && s->r[k - 1].base + s->r[k - 1].size >= s->r[i].base) {
            uint64_t e = s->r[i].base + s->r[i].size;
            if (e > s->r[k - 1].base + s->r[k - 1].size)
                s->r[k - 1].size = e - s->r[k - 1].base;
        } else {
            s->r[k++] = s->r[i];
        }
    }
    s->n = k;
}

static bool is_memory(uint32_t type)
{
    return type == PHYS_RAM || type == PHYS_ACPI || type == PHYS_NVS || type == PHYS_PMEM;
}

unsigned devwin_compute(const struct phys_region *map, unsigned n, const struct devwin *allow,
                        unsigned nallow, const struct devwin *exclude, unsigned nexclude,
                        uint64_t lo, uint64_t hi, struct devwin *out, unsigned cap)
{
    struct set s = { .n = 0 };
    lo = up(lo);
    hi = down(hi);
    add(&s, lo, hi);
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = map[i].base + map[i].size < map[i].base ? UINT64_MAX : map[i].base + map[i].size;
        subtract(&s, down(map[i].base), up(e));
    }
    struct set allowed = { .n = 0 };
    for (unsigned i = 0; i < nallow; i++) {
        uint64_t b = up(allow[i].base), e = allow[i].base + allow[i].size;
        if (e < allow[i].base)
            continue;
        add(&allowed, b < lo ? lo : b, down(e) > hi ? hi : down(e));
    }
    for (unsigned i = 0; i < n; i++) {
        if (!is_memory(map[i].type))
            continue;
        uint64_t e = map[i].base + map[i].size < map[i].base ? UINT64_MAX : map[i].base + map[i].size;
        subtract(&allowed, down(map[i].base), up(e));
    }
    for (unsigned i = 0; i < allowed.n; i++)
        add(&s, allowed.r[i].base, allowed.r[i].base + allowed.r[i].size);
    for (unsigned i = 0; i < nexclude; i++) {
        uint64_t e = exclude[i].base + exclude[i].size;
        subtract(&s, down(exclude[i].base), e < exclude[i].base ? UINT64_MAX : up(e));
    }
    sort_and_merge(&s);
    while (s.n > cap)
        make_room(&s);          /* the smallest windows go */
    sort_and_merge(&s);
    unsigned k = 0;
    for (unsigned i = 0; i < s.n && k < cap; i++)
        out[k++] = s.r[i];
    return k;
}
