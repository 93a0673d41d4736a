/* ktest: the in-guest test suite of the kernel's system calls.
 *
 * Each test is a function returning true (pass) or false (fail, after
 * kt_fail() recorded why). Tests live in the t_*.c files and are listed,
 * in the order they run, in the registry in main.c. Everything a test
 * allocates through the kt_* helpers (slots, threads, partner processes,
 * mappings) is released by the runner after the test, whatever its result,
 * so a failing test does not disturb the next one. */
#ifndef KTEST_H
#define KTEST_H

#include "runtime.h"
#include "tap.h"
#include "spawn.h"
#include "../kpartner/kpartner.h"

#define KT_SLOT_PLATFORM 3
#define KT_SLOT_BUNDLE   4
#define KT_PRIO          50     /* ktest's own priority (init's CHILD_PRIORITY) */
#define KT_HELPER_PRIO   40     /* default for helper threads: below ktest */

#define MS 1000000ull           /* nanoseconds */

/* --- results ------------------------------------------------------------- */

/* Records why the running test failed (first call wins); returns false. */
bool kt_fail(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond))                                                               \
            return kt_fail("line %d: %s", __LINE__, #cond);                        \
    } while (0)

/* Compares two integers (as long long); on mismatch fails with both values. */
#define CHECK_EQ(a, b)                                                             \
    do {                                                                           \
        long long kt_a_ = (long long)(a), kt_b_ = (long long)(b);                  \
        if (kt_a_ != kt_b_)                                                        \
            return kt_fail("line %d: %s == %lld (%#llx), expected %s == %lld (%#llx)", \
                           __LINE__, #a, kt_a_, (unsigned long long)kt_a_, #b,     \
                           kt_b_, (unsigned long long)kt_b_);                     \
    } while (0)

/* A system call's result (rax) must be the given value. */
#define CHECK_RC(call, expect) CHECK_EQ((call).ret, (expect))

/* --- time ---------------------------------------------------------------- */

static inline uint64_t kt_now(void) { return (uint64_t)sys_time().ret; }
static inline uint64_t kt_in(uint64_t ns) { return kt_now() + ns; }
void kt_sleep_ms(uint64_t ms);

/* --- resources released after each test ----------------------------------- */

/* A fresh slot, deleted and freed after the test (0 if none left). */
uint64_t kt_slot(void);
/* A fresh page-aligned user address range of npages (never reused). */
uint64_t kt_va(uint64_t npages);
/* Creates a frame of npages into a kt_slot; returns the slot (0 on error). */
uint64_t kt_frame(uint64_t npages);
/* Maps a new frame of npages read/write in ktest; returns its address (0 on
 * error); *slot_out (may be NULL) gets the frame's slot. Unmapped after the test. */
uint64_t kt_map_new(uint64_t npages, uint64_t *slot_out);
/* Remembers a mapping of ktest's to remove after the test. */
void kt_track_mapping(uint64_t vaddr);
/* Creates an endpoint / notification in a kt_slot (0 on error). */
uint64_t kt_endpoint(void);
uint64_t kt_notification(void);

/* --- helper threads in ktest's own process --------------------------------- */

typedef void (*kt_thread_fn)(uint64_t arg);

/* Creates a suspended thread running fn(arg) on its own stack at prio;
 * with_ipcbuf gives it its own registered IPC buffer page. When fn returns
 * the thread exits. Returns the thread's slot (0 on error); the thread is
 * killed and its cap deleted after the test. */
uint64_t kt_thread(kt_thread_fn fn, uint64_t arg, unsigned prio, bool with_ipcbuf);
/* The IPC buffer of the helper thread in slot (NULL if it has none). */
struct ipc_buffer *kt_thread_ipcbuf(uint64_t slot);
static inline long kt_start(uint64_t thread) { return sys_thread_ctl(thread, SYS_THREAD_START, 0).ret; }
/* kt_thread + fault endpoint + start. */
uint64_t kt_thread_run(kt_thread_fn fn, uint64_t arg, unsigned prio, uint64_t fault_ep);
/* True once the thread in slot is dead: thread_ctl with an invalid op (no
 * side effect) says SYS_EDEAD for a dead thread, SYS_EINVAL otherwise. */
static inline bool kt_thread_dead(uint64_t thread)
{
    return sys_thread_ctl(thread, 0, 0).ret == SYS_EDEAD;
}
/* Waits (blocking ktest, so lower priorities run) up to ms for thread to die. */
bool kt_wait_dead(uint64_t thread, uint64_t ms);

/* Waits until every thread above KT_SETTLE_PRIO (helpers, partners) is
 * blocked or gone: a thread at that priority signals ktest, and it can only
 * run then. No timing involved. False if that did not happen in 10 s (a
 * thread spinning above KT_SETTLE_PRIO). */
#define KT_SETTLE_PRIO 1
bool kt_settle(void);

/* --- partner processes (tests/guest/kpartner) ---------------------------------- */

struct kt_partner {
    uint64_t process, thread;   /* slots in ktest */
};

/* Spawns kpartner with KP_ARG(role, param), the caps given, quota bytes,
 * prio, and fault_ep (0: none; the copy carries badge fault_badge). The
 * partner is killed and its caps deleted after the test. Returns 0 or the
 * spawn error. */
long kt_spawn(const char *name, uint64_t arg, const struct spawn_caps *caps, unsigned ncaps, uint64_t quota,
              unsigned prio, uint64_t fault_ep, uint64_t fault_badge, struct kt_partner *out);
/* Same, not tracked: the caller owns the slots. */
long kt_spawn_untracked(const char *name, uint64_t arg, const struct spawn_caps *caps, unsigned ncaps,
                        uint64_t quota, unsigned prio, uint64_t fault_ep, uint64_t fault_badge,
                        struct kt_partner *out);
/* True if the process in slot is dead (cap_give into it says SYS_EDEAD). */
bool kt_process_dead(uint64_t process);

/* --- IPC helpers --------------------------------------------------------------- */

/* recv with a deadline ms from now. */
long kt_recv(uint64_t ep, uint64_t ms, struct msg *m);

/* --- graph tests (kgraph.c): the kernel's own checks and counters --------------- */

/* kdebug (needs the platform cap, KT_SLOT_PLATFORM). */
struct kt_kstats {
    long rc;
    uint64_t stack_max;     /* deepest kernel-stack use seen (bytes) */
    uint64_t irqoff_max;    /* longest interrupts-off stretch (TSC ticks; 0 if not traced) */
    uint64_t free_frames;
    uint64_t threads;       /* live threads */
    uint64_t objects;       /* live kernel objects */
};
#define KT_KSTACK_SIZE 16384    /* a kernel stack: its deepest use must stay below */
long kt_kcheck(void);                   /* SYS_KDEBUG_CHECK: violations (0 = fine) */
struct kt_kstats kt_kstats(void);       /* SYS_KDEBUG_STATS */
void kt_kstats_reset(void);             /* SYS_KDEBUG_RESET */
/* Waits up to ms for ktest's quota use to come back to used0 (lower
 * priorities run meanwhile); true if it did. */
bool kt_quota_back(uint64_t used0, uint64_t ms);
static inline uint64_t kt_quota_used(void) { return sys_quota(RT_SLOT_SELF_PROCESS).r[0]; }
/* After a graph was torn down: ktest's quota is back to used0 exactly, the
 * kernel's invariant checks find nothing, its deepest kernel stack stayed
 * below KT_KSTACK_SIZE, and the kernel still creates, calls, maps and
 * times (kt_kernel_works). Logs the counters as "ktest: name: ...". */
bool kt_graph_after(const char *name, uint64_t used0);
/* create, call a partner, map, a timer: the kernel still works. */
bool kt_kernel_works(void);

/* --- the tests -------------------------------------------------------------------- */

struct kt_test {
    const char *name;
    const char *desc;
    bool (*fn)(void);
};

/* Every t_*.c file exports its table; main.c runs them in order. */
extern const struct kt_test kt_basic_tests[], kt_cap_tests[], kt_ipc_tests[], kt_ntfn_tests[],
    kt_sched_tests[], kt_fault_tests[], kt_vm_tests[], kt_proc_tests[], kt_regs_tests[], kt_fuzz_tests[],
    kt_bug_tests[], kt_deep_tests[], kt_revoke_tests[], kt_objfuzz_tests[], kt_deep_crash_tests[], kt_dev_tests[];
extern const unsigned kt_basic_tests_count, kt_cap_tests_count, kt_ipc_tests_count, kt_ntfn_tests_count,
    kt_sched_tests_count, kt_fault_tests_count, kt_vm_tests_count, kt_proc_tests_count, kt_regs_tests_count,
    kt_fuzz_tests_count, kt_bug_tests_count, kt_deep_tests_count, kt_revoke_tests_count,
    kt_objfuzz_tests_count, kt_deep_crash_tests_count, kt_dev_tests_count;

#define KT_COUNT(table) const unsigned table##_count = sizeof table / sizeof table[0]

/* The bundle (mapped by main), for spawn. */
extern const void *kt_bundle;
extern size_t kt_bundle_size;

/* Kernel addresses no user pointer may reach. */
#define KT_KADDR_DIRECT 0xffff800000000000ull
#define KT_KADDR_IMAGE  0xffffffff80000000ull

#endif
