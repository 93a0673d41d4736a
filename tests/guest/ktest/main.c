/* ktest: the in-guest test suite of the kernel's system calls (run by init
 * with run=ktest: slot 3 = platform, slot 4 = the bundle, read-only; 6-9
 * device capabilities for t_dev.c).
 *
 * Runs every registered test in order and reports each as a TAP line
 * (runtime/tap.h), the reason for a failure as a TAP diagnostic:
 *   ok 12 - name - description
 *   not ok 13 - name - description
 *   # why
 * then the plan "1..N", "ktest: N passed, M failed", and powers off with
 * status 0 or 1.
 * The shared helpers (resources released after each test, helper threads,
 * partner processes) are here too; the tests are in t_*.c. */
#include "ktest.h"

#define BUNDLE_VA 0x0000000100000000ull
#define VA_POOL   0x0000000200000000ull

const void *kt_bundle;
size_t kt_bundle_size;

/* --- failure reasons ------------------------------------------------------ */

static char why[400];
static bool failed_now;

bool kt_fail(const char *fmt, ...)
{
    if (failed_now)
        return false;
    failed_now = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return false;
}

void kt_sleep_ms(uint64_t ms)
{
    sys_sleep(kt_in(ms * MS));
}

/* --- tracked resources ------------------------------------------------------ */

#define MAX_TRACKED 128
static uint64_t tracked_slots[MAX_TRACKED];
static unsigned ntracked_slots;
static uint64_t tracked_maps[MAX_TRACKED];
static unsigned ntracked_maps;
static uint64_t next_va = VA_POOL;

static void track_slot(uint64_t slot)
{
    if (ntracked_slots < MAX_TRACKED)
        tracked_slots[ntracked_slots++] = slot;
}

uint64_t kt_slot(void)
{
    int s = rt_slot_alloc();
    if (s < 0)
        return 0;
    track_slot((uint64_t)s);
    return (uint64_t)s;
}

uint64_t kt_va(uint64_t npages)
{
    uint64_t va = next_va;
    next_va += (npages + 1) * RT_PAGE_SIZE;     /* a guard page between ranges */
    return va;
}

void kt_track_mapping(uint64_t vaddr)
{
    if (ntracked_maps < MAX_TRACKED)
        tracked_maps[ntracked_maps++] = vaddr;
}

uint64_t kt_frame(uint64_t npages)
{
    uint64_t s = kt_slot();
    if (!s || sys_create(CAP_FRAME, s, npages).ret != 0)
        return 0;
    return s;
}

uint64_t kt_map_new(uint64_t npages, uint64_t *slot_out)
{
    uint64_t f = kt_frame(npages);
    if (!f)
        return 0;
    uint64_t va = kt_va(npages);
    if (sys_map(f, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret != 0)
        return 0;
    kt_track_mapping(va);
    if (slot_out)
        *slot_out = f;
    return va;
}

uint64_t kt_endpoint(void)
{
    uint64_t s = kt_slot();
    if (!s || sys_create(CAP_ENDPOINT, s, 0).ret != 0)
        return 0;
    return s;
}

uint64_t kt_notification(void)
{
    uint64_t s = kt_slot();
    if (!s || sys_create(CAP_NOTIFICATION, s, 0).ret != 0)
        return 0;
    return s;
}

/* --- helper threads ----------------------------------------------------------- */

#define MAX_THREADS 8
#define STACK_SIZE (16 * 1024)

static uint8_t stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));
static uint8_t ipc_pages[MAX_THREADS][RT_PAGE_SIZE] __attribute__((aligned(RT_PAGE_SIZE)));
static struct {
    bool used;
    bool ipcbuf;
    uint64_t slot;
    kt_thread_fn fn;
    uint64_t arg;
} threads[MAX_THREADS];

static _Noreturn void thread_entry(uint64_t idx)
{
    if (threads[idx].ipcbuf)
        sys_set_ipc_buffer((uint64_t)(uintptr_t)ipc_pages[idx]);
    threads[idx].fn(threads[idx].arg);
    for (;;)
        sys_exit(0);
}

uint64_t kt_thread(kt_thread_fn fn, uint64_t arg, unsigned prio, bool with_ipcbuf)
{
    unsigned i = 0;
    /* A pool entry whose thread is dead can be used again (its slot stays
     * tracked until the clean-up). */
    while (i < MAX_THREADS && threads[i].used && !kt_thread_dead(threads[i].slot))
        i++;
    if (i == MAX_THREADS)
        return 0;
    uint64_t slot = kt_slot();
    if (!slot)
        return 0;
    memset(ipc_pages[i], 0, RT_PAGE_SIZE);
    threads[i].ipcbuf = with_ipcbuf;
    threads[i].fn = fn;
    threads[i].arg = arg;
    /* rsp % 16 == 8 at function entry, as after a call. */
    uint64_t top = (uint64_t)(uintptr_t)(stacks[i] + STACK_SIZE) - 8;
    long rc = sys_thread_create(RT_SLOT_SELF_PROCESS, slot, (uint64_t)(uintptr_t)thread_entry, top, i, prio).ret;
    if (rc != 0)
        return 0;
    threads[i].used = true;
    threads[i].slot = slot;
    return slot;
}

struct ipc_buffer *kt_thread_ipcbuf(uint64_t slot)
{
    for (unsigned i = 0; i < MAX_THREADS; i++)
        if (threads[i].used && threads[i].slot == slot)
            return threads[i].ipcbuf ? (struct ipc_buffer *)ipc_pages[i] : NULL;
    return NULL;
}

uint64_t kt_thread_run(kt_thread_fn fn, uint64_t arg, unsigned prio, uint64_t fault_ep)
{
    uint64_t t = kt_thread(fn, arg, prio, true);
    if (!t)
        return 0;
    if (fault_ep && sys_thread_ctl(t, SYS_THREAD_FAULT_EP, fault_ep).ret != 0)
        return 0;
    if (kt_start(t) != 0)
        return 0;
    return t;
}

bool kt_wait_dead(uint64_t thread, uint64_t ms)
{
    uint64_t end = kt_in(ms * MS);
    while (!kt_thread_dead(thread)) {
        if (kt_now() > end)
            return false;
        sys_sleep(kt_in(MS));
    }
    return true;
}

static _Noreturn void settle_fn(uint64_t n)
{
    sys_signal(n, 1);
    for (;;)
        sys_exit(0);
}

bool kt_settle(void)
{
    /* Its own slot and stack (not the pool), deleted again at once, so no
     * quota stays charged for it. */
    static uint64_t n, slot;
    static uint8_t stack[4096] __attribute__((aligned(16)));
    if (!n) {
        int a = rt_slot_alloc(), b = rt_slot_alloc();     /* kept for the whole run */
        if (a < 0 || b < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)a, 0).ret != 0)
            return false;
        n = (uint64_t)a;
        slot = (uint64_t)b;
    }
    sys_poll(n);
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, slot, (uint64_t)(uintptr_t)settle_fn,
                          (uint64_t)(uintptr_t)(stack + sizeof stack) - 8, n, KT_SETTLE_PRIO).ret != 0)
        return false;
    bool ok = kt_start(slot) == 0 && sys_wait(n, kt_in(10000 * MS)).ret == SYS_OK;
    /* settle_fn has signalled; it may still be on its way out: deleting its
     * last cap ends it either way. */
    sys_cap_delete(slot);
    return ok;
}

/* --- partners ------------------------------------------------------------------ */

long kt_spawn_untracked(const char *name, uint64_t arg, const struct spawn_caps *caps, unsigned ncaps,
                        uint64_t quota, unsigned prio, uint64_t fault_ep, uint64_t fault_badge,
                        struct kt_partner *out)
{
    struct spawn_args a = {
        .bundle = kt_bundle, .bundle_size = kt_bundle_size, .name = name, .quota = quota,
        .priority = prio, .arg = arg, .fault_ep = fault_ep, .fault_badge = fault_badge,
        .caps = caps, .ncaps = ncaps,
    };
    struct spawned s;
    long rc = spawn(&a, &s);
    if (rc != 0)
        return rc;
    out->process = s.process_slot;
    out->thread = s.thread_slot;
    return 0;
}

long kt_spawn(const char *name, uint64_t arg, const struct spawn_caps *caps, unsigned ncaps, uint64_t quota,
              unsigned prio, uint64_t fault_ep, uint64_t fault_badge, struct kt_partner *out)
{
    long rc = kt_spawn_untracked(name, arg, caps, ncaps, quota, prio, fault_ep, fault_badge, out);
    if (rc == 0) {
        track_slot(out->process);
        track_slot(out->thread);
    }
    return rc;
}

bool kt_process_dead(uint64_t process)
{
    /* Giving a capability into a dead process fails with SYS_EDEAD; into a
     * live one it succeeds (slot 255 of the partner: deleted with it). */
    uint64_t probe = 255;
    long rc = sys_cap_give(process, RT_SLOT_SELF_PROCESS, probe, 0).ret;
    return rc == SYS_EDEAD;
}

long kt_recv(uint64_t ep, uint64_t ms, struct msg *m)
{
    return ipc_recv_until(ep, kt_in(ms * MS), m);
}

/* Releases everything the test left: threads and partners are killed,
 * mappings removed, slots deleted and freed. */
static void cleanup(void)
{
    for (unsigned i = 0; i < ntracked_slots; i++)
        if (sys_cap_info(tracked_slots[i]).ret == CAP_THREAD)
            sys_thread_ctl(tracked_slots[i], SYS_THREAD_KILL, 0);
    for (unsigned i = 0; i < ntracked_maps; i++)
        sys_unmap(RT_SLOT_SELF_PROCESS, tracked_maps[i]);
    ntracked_maps = 0;
    sys_ntfn_bind(0);
    sys_set_ipc_buffer((uint64_t)(uintptr_t)rt_ipc_buffer());
    rt_ipc_buffer()->recv_slot = 0;
    rt_ipc_buffer()->send_cap = 0;
    for (unsigned i = ntracked_slots; i-- > 0;) {
        sys_cap_delete(tracked_slots[i]);
        rt_slot_free((int)tracked_slots[i]);
    }
    ntracked_slots = 0;
    for (unsigned i = 0; i < MAX_THREADS; i++)
        threads[i].used = false;
}

/* --- the runner -------------------------------------------------------------------- */

struct table {
    const struct kt_test *tests;
    const unsigned *count;
};

int main(uint64_t arg)
{
    uint64_t t0 = kt_now();
    kt_bundle_size = arg & 0xffffffffffffull;
    if (sys_map(KT_SLOT_BUNDLE, RT_SLOT_SELF_PROCESS, BUNDLE_VA, CAP_R_READ).ret != 0) {
        printf("ktest: cannot map the bundle (slot %d); was ktest started with run=ktest?", KT_SLOT_BUNDLE);
        sys_poweroff(KT_SLOT_PLATFORM, 1);
        return 1;
    }
    kt_bundle = (const void *)(uintptr_t)(BUNDLE_VA + (arg >> 48));
    kt_settle();        /* makes its notification now, outside any test's quota accounting */

    const struct table tables[] = {
        { kt_basic_tests, &kt_basic_tests_count }, { kt_cap_tests, &kt_cap_tests_count },
        { kt_ipc_tests, &kt_ipc_tests_count },     { kt_ntfn_tests, &kt_ntfn_tests_count },
        { kt_sched_tests, &kt_sched_tests_count }, { kt_fault_tests, &kt_fault_tests_count },
        { kt_vm_tests, &kt_vm_tests_count },       { kt_proc_tests, &kt_proc_tests_count },
        { kt_dev_tests, &kt_dev_tests_count },
        { kt_regs_tests, &kt_regs_tests_count },   { kt_fuzz_tests, &kt_fuzz_tests_count },
        { kt_deep_tests, &kt_deep_tests_count },   { kt_revoke_tests, &kt_revoke_tests_count },
        { kt_objfuzz_tests, &kt_objfuzz_tests_count },
        /* From here on, tests that may bring the kernel down. */
        { kt_bug_tests, &kt_bug_tests_count },     { kt_deep_crash_tests, &kt_deep_crash_tests_count },
    };
    unsigned passed = 0, failed = 0;
    bool crashers = false;
    for (unsigned t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (!crashers && tables[t].tests == kt_bug_tests) {
            crashers = true;
            printf("ktest: so far %u passed, %u failed; now the tests that may bring the kernel down", passed,
                   failed);
        }
        for (unsigned i = 0; i < *tables[t].count; i++) {
            const struct kt_test *k = &tables[t].tests[i];
            if (crashers)
                printf("ktest: RUN %s - %s", k->name, k->desc);
            struct sys_result q0 = sys_quota(RT_SLOT_SELF_PROCESS);
            failed_now = false;
            why[0] = '\0';
            bool ok = k->fn();
            if (!ok && !failed_now)
                kt_fail("failed without a reason");
            cleanup();
            /* The kernel's own invariant checks (quota conservation, the
             * derivation tree, queues, timers) after every test. */
            long violations = sys_kdebug(KT_SLOT_PLATFORM, SYS_KDEBUG_CHECK, 0).ret;
            if (violations != 0 && !failed_now)
                kt_fail("the kernel's invariant checks found %ld violations (kcheck lines above)", violations);
            if (tap_ok(ok && !failed_now, "%s - %s", k->name, k->desc)) {
                passed++;
            } else {
                failed++;
                tap_diag("%s: %s", k->name, why);
            }
            struct sys_result q1 = sys_quota(RT_SLOT_SELF_PROCESS);
            /* Page-table pages (4 KiB each) stay until the process ends; anything
             * else that stays charged after the clean-up is worth a look. */
            int64_t delta = (int64_t)(q1.r[0] - q0.r[0]);
            if (delta % RT_PAGE_SIZE != 0 || delta > 64 * 1024 || delta < 0)
                printf("ktest: note: after %s ktest's quota use changed by %lld bytes", k->name,
                       (long long)(q1.r[0] - q0.r[0]));
        }
    }
    printf("ktest: %u tests in %llu ms", passed + failed, (unsigned long long)((kt_now() - t0) / MS));
    struct sys_result st = sys_kdebug(KT_SLOT_PLATFORM, SYS_KDEBUG_STATS, 0);
    printf("ktest: kernel: deepest kernel-stack use %llu of %u bytes, longest interrupts-off stretch %llu "
           "cycles%s, %llu threads and %llu objects live",
           (unsigned long long)st.r[0], 16384u, (unsigned long long)st.r[1],
           st.r[1] ? "" : " (not traced in this build)", (unsigned long long)st.r[3],
           (unsigned long long)st.r[4]);
    tap_done();
    printf("ktest: %u passed, %u failed", passed, failed);
    sys_poweroff(KT_SLOT_PLATFORM, failed ? 1 : 0);
    return failed ? 1 : 0;
}
