/* Physical memory and the kernel address space (kernel/core/memory.c). */
#ifndef MEMORY_H
#define MEMORY_H

#include <stdint.h>
#include "bootinfo.h"
#include "frames.h"
#include "arch/layout.h"
#include "pagetable.h"
#include "phys.h"

extern struct frame_allocator frame_allocator;
/* Reads physical memory through the direct map; refuses ranges that are not
 * mapped (before memory_init: the first 4 GiB the boot tables map). */
extern const struct phys_access phys_access_kernel;
/* Page-table callbacks for the kernel's tables (tables via the direct map). */
extern const struct pt_ops kernel_pt_ops;
/* Physical address of the kernel's top-level page table (0 until memory_init). */
extern uint64_t kernel_root;

static inline void *phys_to_virt(uint64_t paddr)
{
    return (void *)(PHYS_MAP_BASE + paddr);
}

/* Physical address of a direct-map address. */
static inline uint64_t virt_to_phys(const void *p)
{
    return (uint64_t)p - PHYS_MAP_BASE;
}

/* Physical address of something in the kernel image (text, data, bss). */
static inline uint64_t kernel_image_phys(const void *p)
{
    return (uint64_t)p - KERNEL_VIRT_BASE;
}

/* Builds the frame allocator over the RAM in map (keeping the kernel image,
 * boot data and modules), then the final kernel page tables (direct map of
 * RAM, kernel sections with their own permissions) and switches to them. */
void memory_init(const struct boot_info *bi, const struct phys_region *map, unsigned n);

/* Creates the top-level entries of the kernel half every address space
 * shares, before user spaces exist. */
void memory_prepare_user_spaces(void);

/* Allocates one zeroed frame; returns its physical address or FRAME_NONE. */
uint64_t frame_alloc_zeroed(void);

#endif
