/* Kernel virtual-address layout, shared by assembly, the linker script and C. */
#ifndef LAYOUT_H
#define LAYOUT_H

#ifdef __ASSEMBLER__
#define ULL(x) x
#else
#define ULL(x) x##ULL
#endif

/* Physical address the image is loaded at (PVH loaders honour p_paddr). */
#define KERNEL_PHYS_BASE    ULL(0x100000)
/* The kernel window: the image runs at KERNEL_VIRT_BASE + physical. */
#define KERNEL_VIRT_BASE    ULL(0xffffffff80000000)
/* Direct map of all physical memory: virtual = PHYS_MAP_BASE + physical. */
#define PHYS_MAP_BASE       ULL(0xffff800000000000)
#define PML4_INDEX_PHYS_MAP 256
/* Device MMIO windows are mapped here, 4 KiB pages, uncached. */
#define MMIO_MAP_BASE       ULL(0xffffc00000000000)
#define MMIO_MAP_SIZE       ULL(0x40000000)
/* Firmware data outside the direct map (ACPI tables), 4 KiB pages, read-only. */
#define FIRMWARE_MAP_BASE   ULL(0xffffc00040000000)
#define FIRMWARE_MAP_SIZE   ULL(0x01000000)
/* Kernel stacks, each KERNEL_STACK_SIZE with an unmapped guard of the same
 * size below it (core/kstack.c): KSTACK_AREA_SLOTS slots, PML4 slot 392. */
#define KSTACK_AREA_BASE    ULL(0xffffc40000000000)
#define KSTACK_AREA_SIZE    ULL(0x8000000000)
#define KSTACK_AREA_SLOTS   262144
#define PML4_INDEX_KSTACKS  392
/* Largest physical address the direct map covers: 1 TiB (PML4 slots 256-257). */
#define PHYS_MAP_LIMIT      ULL(0x10000000000)

#define PAGE_SIZE           4096
#define KERNEL_STACK_SIZE   16384
#define IST_STACK_SIZE      8192

#endif
