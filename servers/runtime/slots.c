/* The capability-slot allocator: a bitmap over the process's SYS_CAP_SLOTS
 * slots. Slots below `first` belong to the program's fixed layout (its
 * start-up caps and whatever its creator placed there) and are never
 * handed out. */
#include "runtime.h"

#define WORDS (SYS_CAP_SLOTS / 64)

static uint64_t in_use[WORDS];
static int first = RT_SLOT_DEFAULT_FIRST;

static bool slot_used(int slot)
{
    return (in_use[slot / 64] >> (slot % 64)) & 1;
}

int rt_slot_alloc(void)
{
    for (int slot = first; slot < SYS_CAP_SLOTS; slot++) {
        if (!slot_used(slot)) {
            in_use[slot / 64] |= 1ull << (slot % 64);
            return slot;
        }
    }
    return -1;
}

/* Panics on a slot that rt_slot_alloc did not hand out: a double free or
 * a stray number is a bug worth stopping at. */
void rt_slot_free(int slot)
{
    if (slot < 1 || slot >= SYS_CAP_SLOTS || !slot_used(slot))
        rt_panic("rt_slot_free: slot %d is not allocated", slot);
    in_use[slot / 64] &= ~(1ull << (slot % 64));
}

void rt_slot_set_first(int slot)
{
    if (slot < 1 || slot > SYS_CAP_SLOTS)
        rt_panic("rt_slot_set_first: bad slot %d", slot);
    first = slot;
}
