/* kfuzz: the system-call fuzzer ktest runs as its last tests. Shared by
 * tests/guest/kfuzz and tests/guest/ktest.
 *
 * ktest spawns kfuzz with arg = KF_ARG(seed, calls) and
 *   KF_SLOT_PROGRESS  a one-page frame (READ|WRITE): struct kf_progress,
 *                     mapped by kfuzz at KF_PROGRESS_VA and by ktest
 *   KF_SLOT_DONE      an endpoint (WRITE, badged): kfuzz sends one message
 *                     (MR0 = calls made) when it has made its calls
 * optionally KF_SLOT_DEVMEM and KF_SLOT_MSI (copied to low slots at the
 * start, so the device calls reach past the type checks),
 * and a fault endpoint of ktest's. kfuzz makes that many random system
 * calls from an xorshift generator seeded with seed, cleans up, reports,
 * and exits. If it dies of a fault, ktest reads the progress page. */
#ifndef KFUZZ_H
#define KFUZZ_H

#include <stdint.h>

#define KF_ARG(seed, calls) (((uint64_t)(calls) << 32) | (uint32_t)(seed))
#define KF_SEED(arg)  ((uint32_t)(arg))
#define KF_CALLS(arg) ((uint32_t)((arg) >> 32) & 0x7fffffffu)
#define KF_TRACE      (1ull << 63)      /* or-ed into arg: log every call */

/* Slots ktest places; kfuzz keeps its own fixed caps next to them. The
 * whole range KF_RESERVED_LO..KF_RESERVED_HI is never a random target. */
#define KF_RESERVED_LO   230
#define KF_RESERVED_HI   245
#define KF_SLOT_PROGRESS 240
#define KF_SLOT_DONE     241
#define KF_SLOT_DEVMEM   242    /* optional: a few pages of device memory (READ|WRITE), a hole */
#define KF_SLOT_MSI      243    /* optional: MSI control */

#define KF_PROGRESS_VA 0x0000600000000000ull
#define KF_MAGIC 0x6b66757a7a000001ull

struct kf_progress {
    uint64_t magic;
    uint64_t seed;
    volatile uint64_t calls;        /* system calls made so far */
    volatile uint64_t last_nr;      /* the call in progress (or last made) */
    volatile uint64_t last_args[6];
    volatile int64_t last_ret;
    uint64_t ok, errors;            /* results >= 0 and < 0 */
    uint64_t per_nr[48];            /* calls per number (47: out of the table) */
    uint64_t ok_per_nr[48];         /* of which succeeded */
    uint16_t err_per_nr[48][16];    /* failures by -SYS_E* (0: anything else) */
};

#endif
