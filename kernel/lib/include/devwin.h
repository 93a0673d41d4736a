/* Device-memory windows (kernel/lib/devwin.c). Pure code.
 * The physical ranges init may hand to drivers as device memory: the
 * address space between lo and hi that the memory map does not name (so
 * not RAM, firmware, ACPI tables or anything reserved), plus the allowed
 * ranges (PCI ECAM, which firmware marks reserved) where they are not RAM
 * or ACPI data, minus the excluded ranges (the kernel's own local APIC and
 * I/O APIC pages). Everything is widened or narrowed to whole pages
 * toward the safe side. */
#ifndef DEVWIN_H
#define DEVWIN_H

#include <stdint.h>
#include "phys.h"

struct devwin {
    uint64_t base, size;
};

#define DEVWIN_WORK_MAX 64      /* intervals handled at once; more are dropped (smallest first) */

/* Fills out[0..cap) with the windows, sorted by address; returns how many. */
unsigned devwin_compute(const struct phys_region *map, unsigned n, const struct devwin *allow,
                        unsigned nallow, const struct devwin *exclude, unsigned nexclude,
                        uint64_t lo, uint64_t hi, struct devwin *out, unsigned cap);

#endif
