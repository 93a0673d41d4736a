/* Memory-map sanitising (kernel/lib/memmap.c). Pure code.
 * The map comes from the PVH start info or from Xen's XENMEM_memory_map and
 * is untrusted: entries may be unsorted, empty, overlapping or wrap around
 * the 64-bit address space. */
#ifndef MEMMAP_H
#define MEMMAP_H

#include <stdbool.h>
#include "phys.h"

#define MEMMAP_MAX 128

/* Sorts map[0..n) by base and makes it consistent, in place:
 *  - entries of size 0 are dropped;
 *  - an entry whose end wraps past 2^64 is clipped to end at 2^64 - 1 pages;
 *  - where two entries overlap, the overlapping part is given to the more
 *    restrictive type (anything other than RAM beats RAM; otherwise the
 *    higher type number wins), splitting entries where needed;
 *  - adjacent entries of the same type are merged.
 * Each dropped, clipped or overlapping entry is reported through d (may be
 * NULL). Returns the new number of entries (<= cap). When splitting needs
 * more than cap entries, the weakest claim is dropped with a report (RAM
 * first): a range may then be missing, but no byte is ever given a weaker
 * type than the input gave it. */
unsigned memmap_sanitize(struct phys_region *map, unsigned n, unsigned cap, const struct diag *d);

/* Total bytes of type PHYS_RAM. */
uint64_t memmap_ram_bytes(const struct phys_region *map, unsigned n);

/* One past the highest RAM byte (0 if there is no RAM). */
uint64_t memmap_ram_end(const struct phys_region *map, unsigned n);

/* True if [base, base + size) lies entirely within RAM entries of the map
 * (possibly spanning adjacent RAM entries). False for size 0 or overflow.
 * map must be sanitized. */
bool memmap_range_is_ram(const struct phys_region *map, unsigned n, uint64_t base, uint64_t size);

#endif
