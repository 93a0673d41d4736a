/* objfuzz: the object-graph fuzzer ktest's t_objfuzz.c runs (several
 * instances at once, with different seeds). Shared by tests/guest/objfuzz
 * and tests/guest/ktest.
 *
 * ktest spawns objfuzz with arg = OF_ARG(seed, ops, instance) and
 *   OF_SLOT_CTL          ktest's coordinator endpoint (WRITE|GRANT, badged
 *                        OF_BADGE_CTL + instance): OF_MSG_THREAD calls
 *                        hand ktest a cap to every thread objfuzz starts
 *                        (ktest kills them all at the end of the round),
 *                        one OF_MSG_DONE call when the budget is spent
 *   OF_SLOT_PROGRESS     a one-page frame (READ|WRITE): struct of_progress,
 *                        mapped by objfuzz at OF_PROGRESS_VA and by ktest
 *   OF_SLOT_SHARED_EP    an endpoint and a notification every instance of the
 *   OF_SLOT_SHARED_NTFN  round gets (ALL): caps and messages cross instances
 *   OF_SLOT_FAULT        ktest's coordinator endpoint (WRITE, badged
 *                        OF_BADGE_FAULT + instance): the fault endpoint of
 *                        the threads objfuzz makes
 * and ktest's coordinator endpoint (badged the same) as the fault endpoint
 * of its first thread. objfuzz builds and tears down random object graphs
 * (see main.c), reports, revokes the caps to its child processes (so no
 * unreachable cycle outlives the round) and suspends itself; ktest then
 * kills every thread it was handed and deletes its caps. */
#ifndef OBJFUZZ_H
#define OBJFUZZ_H

#include <stdint.h>

#define OF_ARG(seed, ops, inst)                                                                  \
    ((uint64_t)(uint32_t)(seed) | ((uint64_t)((ops) & 0xffffffu) << 32) | ((uint64_t)((inst) & 0xfu) << 56))
#define OF_SEED(arg) ((uint32_t)(arg))
#define OF_OPS(arg)  ((uint32_t)(((arg) >> 32) & 0xffffffu))
#define OF_INST(arg) ((unsigned)(((arg) >> 56) & 0xfu))
#define OF_TRACE     (1ull << 63)       /* or-ed into arg: log every operation */
#define OF_WARMUP    OF_ARG(0, 0, 15)   /* exits at once (the coordinator's first spawn) */

#define OF_SLOT_CTL         3
#define OF_SLOT_PROGRESS    4
#define OF_SLOT_SHARED_EP   5
#define OF_SLOT_SHARED_NTFN 6
#define OF_SLOT_FAULT       7

#define OF_PRIO 30               /* ktest starts objfuzz at this priority */

#define OF_BADGE_CTL   0x100    /* + instance */
#define OF_BADGE_FAULT 0x200    /* + instance */

#define OF_MSG_THREAD 1         /* call, one cap attached: MR0 = the thread's slot in objfuzz;
                                   the reply carries a copy of ktest's copy back */
#define OF_MSG_DONE   2         /* call: MR0 = operations made, MR1 = problems found */

#define OF_PROGRESS_VA 0x0000600000000000ull
#define OF_MAGIC 0x6f626a66757a7a01ull

#define OF_NOPS 48              /* operation kinds (per_op counters) */

struct of_progress {
    uint64_t magic;
    uint64_t seed;
    volatile uint64_t ops;          /* operations made so far */
    volatile uint64_t last_op;      /* the operation in progress (or last made) */
    volatile uint64_t last_args[4];
    volatile int64_t last_ret;
    volatile uint64_t phase;        /* 0 running, 1 cleaning up, 2 done */
    uint64_t per_op[OF_NOPS], ok_per_op[OF_NOPS];
    uint64_t threads_made, children_made, child_threads_made, frames_made;
    uint64_t kills, suspends, resumes, destroys, detaches, revoked, watchdog;
    volatile uint64_t wd_wakes, wd_last;    /* the watchdog: wake-ups, time of the last */
    volatile uint64_t guard_since;  /* the main thread is in a guarded call since (0: not) */
    uint64_t problems;              /* inconsistencies objfuzz saw itself */
    char problem[200];              /* the first one */
};

#endif
