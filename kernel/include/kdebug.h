/* The kernel's own checks and counters (kernel/core/kdebug.c), for the
 * kdebug system call (tests and benchmarks, with the platform capability). */
#ifndef KDEBUG_H
#define KDEBUG_H

#include <stdint.h>

struct kdebug_stats {
    uint64_t kstack_deepest;    /* bytes, deepest use of any kernel stack seen */
    uint64_t irqoff_longest;    /* cycles, longest interrupts-off stretch (0: not traced) */
    uint64_t free_frames;
    uint64_t live_threads;
    uint64_t live_objects;
};

/* Runs every invariant check; logs each violation ("kcheck: ...") and
 * returns how many there were. Visits every object: O(objects), for tests. */
long kdebug_check(void);
void kdebug_stats(struct kdebug_stats *st);
void kdebug_reset(void);
/* Records the frames in use before user space starts (boot's own), so the
 * checks can account for every later one. */
void kdebug_set_baseline(void);

#endif
