/* Fault injection: see faultinj.h. Everything here runs in the service's
 * own process; the faults are real (a page fault, #UD, #DE, a hang), raised
 * by user code with inline assembly where C would call it undefined. */
#include "faultinj.h"
#include "runtime.h"

/* An address in the user range nothing maps in any program of this
 * runtime: images load at 0x400000 (user.ld), the heap is RT_HEAP_BASE +
 * 1 GiB, drivers map devices and DMA below 0x0000007000000000, spawn()'s
 * scratch window is 0x0000700000000000 (the spawner's only), and stacks
 * end at 0x00007ffffff00000 (16 pages below). */
#define FI_WILD_ADDR 0x00007ff000000000ull

uint32_t fi_countdown;

static enum fi_kind fi_kind_armed;
static uint64_t fi_seed_state;
static void (*fi_hook)(enum fi_kind kind);
static void *fi_state;
static size_t fi_state_bytes;

static const char *const fi_names[FI_KIND_COUNT] = {
    [FI_NONE] = "none",
    [FI_WILD_WRITE] = "wild-write",
    [FI_NULL_DEREF] = "null-deref",
    [FI_INVALID_OPCODE] = "invalid-opcode",
    [FI_DIVIDE_BY_ZERO] = "divide-by-zero",
    [FI_SPIN] = "spin",
    [FI_BLOCK] = "block",
    [FI_CORRUPT] = "corrupt",
};

uint64_t fi_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t fi_arm(enum fi_kind kind, uint64_t seed, uint32_t window)
{
    if ((unsigned)kind <= FI_NONE || (unsigned)kind >= FI_KIND_COUNT)
        return 0;
    fi_seed_state = seed;
    uint32_t w = window ? window : 1;
    uint32_t k = 1 + (uint32_t)(fi_rand(&fi_seed_state) % w);
    fi_kind_armed = kind;
    fi_countdown = k;
    return k;
}

void fi_disarm(void)
{
    fi_countdown = 0;
    fi_kind_armed = FI_NONE;
}

void fi_set_fire_hook(void (*hook)(enum fi_kind kind))
{
    fi_hook = hook;
}

void fi_set_state(void *state, size_t bytes)
{
    fi_state = state;
    fi_state_bytes = bytes;
}

const char *fi_kind_name(enum fi_kind kind)
{
    return (unsigned)kind < FI_KIND_COUNT ? fi_names[kind] : "unknown";
}

enum fi_kind fi_kind_from_name(const char *name)
{
    if (!name)
        return FI_NONE;
    for (unsigned k = FI_NONE + 1; k < FI_KIND_COUNT; k++)
        if (strcmp(name, fi_names[k]) == 0)
            return (enum fi_kind)k;
    return FI_NONE;
}

/* Overwrites one 64-bit word of the registered state (index drawn from the
 * seed) with random bits that differ from what was there. */
static void corrupt(void)
{
    size_t words = fi_state_bytes / 8;
    if (!fi_state || !words)
        return;
    uint8_t *base = fi_state;
    uint8_t *p = base + (fi_rand(&fi_seed_state) % words) * 8;
    uint64_t old, v;
    memcpy(&old, p, 8);
    do
        v = fi_rand(&fi_seed_state);
    while (v == old);
    memcpy(p, &v, 8);
    __asm__ volatile("" ::: "memory");
}

void fi_fire(void)
{
    enum fi_kind kind = fi_kind_armed;
    fi_disarm();
    if (fi_hook)
        fi_hook(kind);
    switch (kind) {
    case FI_WILD_WRITE: {
        volatile uint64_t *p = (volatile uint64_t *)FI_WILD_ADDR;
        __asm__ volatile("" : "+r"(p));
        *p = 0xdeadbeefdeadbeefull;
        break;
    }
    case FI_NULL_DEREF: {
        volatile uint64_t *p = (volatile uint64_t *)0;
        __asm__ volatile("" : "+r"(p));     /* opaque: gcc cannot see a null pointer (no trap) */
        uint64_t v = *p;
        __asm__ volatile("" ::"r"(v));
        break;
    }
    case FI_INVALID_OPCODE:
        __asm__ volatile("ud2" ::: "memory");
        break;
    case FI_DIVIDE_BY_ZERO: {
        uint64_t lo = 1, hi = 0, zero = 0;
        __asm__ volatile("" : "+r"(zero));
        __asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(zero) : "cc");
        break;
    }
    case FI_SPIN:
        for (;;)
            __asm__ volatile("" ::: "memory");
    case FI_BLOCK: {
        int slot = rt_slot_alloc();
        if (slot > 0 && sys_create(CAP_NOTIFICATION, (uint64_t)slot, 0).ret == 0)
            for (;;)
                sys_wait((uint64_t)slot, IPC_FOREVER);
        for (;;)        /* no slot or no memory for a notification: hang anyway */
            sys_sleep(UINT64_MAX);
    }
    case FI_CORRUPT:
        corrupt();
        break;
    default:
        break;
    }
}
