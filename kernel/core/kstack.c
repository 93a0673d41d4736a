/* Kernel stacks in the guarded stack area (see kstack.h). Slot s covers
 * [KSTACK_AREA_BASE + s * 2 * KERNEL_STACK_SIZE, + 2 * KERNEL_STACK_SIZE):
 * the lower half is the guard (never mapped), the upper half the stack.
 * Slots come from a three-level bitmap (O(1)); page-table pages of the area
 * are allocated once, charged to the kernel, and kept. */
#include "kernel.h"
#include "idalloc.h"
#include "kstack.h"
#include "arch/layout.h"
#include "memory.h"
#include "object.h"
#include "arch/mmu.h"

#define SLOT_SPAN (2ull * KERNEL_STACK_SIZE)
#define STACK_PAGES (KERNEL_STACK_SIZE / PAGE_SIZE)

_Static_assert(KSTACK_AREA_SLOTS <= IDALLOC_MAX, "one id per stack slot");
_Static_assert(KSTACK_AREA_SLOTS * SLOT_SPAN <= KSTACK_AREA_SIZE, "the slots fit the area");

static struct idalloc slots;
static bool slots_ready;
static uint64_t deepest;
static uint64_t table_pages;

static uint64_t stack_base(uint32_t slot)
{
    return KSTACK_AREA_BASE + slot * SLOT_SPAN + KERNEL_STACK_SIZE;
}

/* Page tables of the area: the kernel's, never freed. */
static uint64_t area_table_alloc(void *ctx)
{
    (void)ctx;
    if (!quota_charge(NULL, PAGE_SIZE))
        return 0;
    uint64_t pa = frame_alloc_zeroed();
    if (pa == FRAME_NONE) {
        quota_release(NULL, PAGE_SIZE);
        return 0;
    }
    table_pages++;
    return pa;
}

uint64_t kstack_table_bytes(void)
{
    return table_pages * PAGE_SIZE;
}

static const struct mmu_alloc area_alloc = { .alloc_table = area_table_alloc };

/* Unmaps and frees the first n pages of the stack in slot. */
static void unmap_pages(struct quota *q, uint32_t slot, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t pa = arch_kernel_unmap(stack_base(slot) + i * PAGE_SIZE);
        BUG_ON(pa == 0, "a stack page was mapped");
        frame_free(&frame_allocator, pa, 1);
        quota_release(q, PAGE_SIZE);
    }
}

bool kstack_alloc(struct quota *q, uint8_t **base_out)
{
    if (!slots_ready) {
        idalloc_init(&slots, KSTACK_AREA_SLOTS);
        slots_ready = true;
    }
    int64_t slot = idalloc_get(&slots);
    if (slot < 0)
        return false;
    for (unsigned i = 0; i < STACK_PAGES; i++) {
        uint64_t pa = FRAME_NONE;
        if (quota_charge(q, PAGE_SIZE)) {
            pa = frame_alloc_zeroed();
            if (pa == FRAME_NONE)
                quota_release(q, PAGE_SIZE);
        }
        if (pa == FRAME_NONE || !arch_kernel_map(stack_base((uint32_t)slot) + i * PAGE_SIZE, pa, &area_alloc)) {
            if (pa != FRAME_NONE) {
                frame_free(&frame_allocator, pa, 1);
                quota_release(q, PAGE_SIZE);
            }
            unmap_pages(q, (uint32_t)slot, i);
            idalloc_put(&slots, (uint32_t)slot);
            return false;
        }
    }
    *base_out = (uint8_t *)stack_base((uint32_t)slot);
    return true;
}

uint64_t kstack_used(const uint8_t *base)
{
    const uint64_t *w = (const uint64_t *)base;
    unsigned i = 0;
    while (i < KERNEL_STACK_SIZE / 8 && w[i] == 0)
        i++;
    return KERNEL_STACK_SIZE - (uint64_t)i * 8;
}

void kstack_free(struct quota *q, uint8_t *base)
{
    uint32_t slot = (uint32_t)(((uint64_t)base - KERNEL_STACK_SIZE - KSTACK_AREA_BASE) / SLOT_SPAN);
    BUG_ON(stack_base(slot) != (uint64_t)base, "a stack's base");
    uint64_t used = kstack_used(base);
    if (used > deepest)
        deepest = used;
    unmap_pages(q, slot, STACK_PAGES);
    bool ok = idalloc_put(&slots, slot);
    BUG_ON(!ok, "free a stack slot in use");
}

bool kstack_guard_hit(uint64_t addr, uint32_t *slot)
{
    if (addr < KSTACK_AREA_BASE || addr >= KSTACK_AREA_BASE + KSTACK_AREA_SLOTS * SLOT_SPAN)
        return false;
    uint64_t off = addr - KSTACK_AREA_BASE;
    *slot = (uint32_t)(off / SLOT_SPAN);
    return off % SLOT_SPAN < KERNEL_STACK_SIZE;
}

uint64_t kstack_deepest(void)
{
    return deepest;
}

void kstack_deepest_reset(void)
{
    deepest = 0;
}
