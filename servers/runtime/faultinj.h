/* Fault injection (servers/runtime/faultinj.c): a service makes itself
 * fail, from its own code paths, at a moment drawn from a seed, so a
 * restart happens in the middle of real requests and a campaign can be
 * replayed exactly.
 *
 * A service sprinkles fi_point() over its request and interrupt paths.
 * fi_arm(kind, seed, window) draws k in 1..window from the seed; the k-th
 * fi_point() after arming performs the fault. Unarmed, fi_point() is one
 * load and one predicted branch.
 *
 * Kinds: FI_WILD_WRITE (a store to an unmapped address in the user range:
 * page fault), FI_NULL_DEREF (a load from address 0), FI_INVALID_OPCODE
 * (ud2), FI_DIVIDE_BY_ZERO (a real div by a register that is zero),
 * FI_SPIN (loops forever without a system call), FI_BLOCK (waits forever
 * on a notification nobody signals), FI_CORRUPT (overwrites a word of the
 * state the service registered with fi_set_state with random bits; the
 * service's own invariant checks, which must cover that state, catch it
 * the next time they run and the service exits with a failure status:
 * corruption ends in a detected failure, never in wrong data).
 *
 * Before faulting, the fire hook (fi_set_fire_hook) runs: a driver writes
 * sys_time() into its clients' ring headers (pvk_ring_hdr.fault_ns), the
 * "last words" the recovery benchmark measures from. */
#ifndef RT_FAULTINJ_H
#define RT_FAULTINJ_H

#include <stddef.h>
#include <stdint.h>

enum fi_kind {
    FI_NONE = 0,
    FI_WILD_WRITE = 1,
    FI_NULL_DEREF = 2,
    FI_INVALID_OPCODE = 3,
    FI_DIVIDE_BY_ZERO = 4,
    FI_SPIN = 5,
    FI_BLOCK = 6,
    FI_CORRUPT = 7,
    FI_KIND_COUNT
};

/* The countdown to the armed fault (0: none armed). */
extern uint32_t fi_countdown;

/* Arms a fault: kind fires at the k-th fault point from now, k in
 * 1..window drawn from seed (window 0 counts as 1). Returns k, or 0 for
 * an unknown kind (nothing armed). */
uint32_t fi_arm(enum fi_kind kind, uint64_t seed, uint32_t window);
/* Disarms. */
void fi_disarm(void);
/* A fault point: where an armed fault may fire. */
void fi_fire(void);
static inline void fi_point(void)
{
    if (__builtin_expect(fi_countdown != 0, 0) && --fi_countdown == 0)
        fi_fire();
}
/* Called just before the fault is performed (may be NULL). */
void fi_set_fire_hook(void (*hook)(enum fi_kind kind));
/* The state FI_CORRUPT damages: bytes the service's invariant checks cover. */
void fi_set_state(void *state, size_t bytes);
/* The name of a kind ("wild-write", ...), and the kind for a name (FI_NONE
 * if unknown). */
const char *fi_kind_name(enum fi_kind kind);
enum fi_kind fi_kind_from_name(const char *name);
/* The seeded draw fi_arm uses (splitmix64), exposed for tests. */
uint64_t fi_rand(uint64_t *state);

#endif
