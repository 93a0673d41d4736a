/* The fuzzer (tests/guest/kfuzz): runs of random system calls until the
 * total reaches FUZZ_TARGET. A run that dies of a fault (ktest is its
 * fault handler) or stops making progress is ended and the next seed
 * starts. Afterwards basic checks show the kernel still works. */
#include "ktest.h"
#include "../kfuzz/kfuzz.h"

#define FUZZ_SEED      1u             /* first seed; run i uses FUZZ_SEED + i */
#define FUZZ_TARGET    30000u      /* calls in total */
#define FUZZ_PER_RUN   5000u
#define FUZZ_MAX_RUNS  40u
#define FUZZ_QUOTA     (4u << 20)
#define FUZZ_TRACE_SEED 0u         /* a seed to run with every call logged (0: none) */
#define FUZZ_PRIO      40
#define STALL_MS       3000        /* no progress this long: the run is stuck */

#define BADGE_FAULT 1
#define BADGE_DONE  2

static const bool getenv_debug = false;   /* per-call statistics after each run */
static uint64_t fuzz_calls, fuzz_runs, fuzz_died, fuzz_stalled;

static bool t_fuzz(void)
{
    uint64_t ep = kt_endpoint(), done = kt_slot(), frame = 0;
    CHECK(ep != 0);
    CHECK_RC(sys_cap_copy(ep, done, CAP_R_WRITE, BADGE_DONE), SYS_OK);
    uint64_t va = kt_map_new(1, &frame);
    CHECK(va != 0);
    /* The device calls get the first 4 pages of device-memory window 0 (a
     * hole above RAM: nothing answers there) and MSI control. */
    uint64_t devmem = kt_slot();
    if (sys_cap_info(7).ret != CAP_DEVMEM || sys_device(7, SYS_DEV_DEVMEM_DERIVE, devmem, 0, 4).ret != 0 ||
        sys_cap_info(6).ret != CAP_IRQ)
        devmem = 0;
    volatile struct kf_progress *prog = (volatile struct kf_progress *)(uintptr_t)va;
    uint64_t t0 = kt_now();
    fuzz_calls = fuzz_runs = fuzz_died = fuzz_stalled = 0;
    printf("ktest: fuzz: seeds from %u, target %u calls, %u per run", FUZZ_SEED, FUZZ_TARGET, FUZZ_PER_RUN);
    while (fuzz_calls < FUZZ_TARGET && fuzz_runs < FUZZ_MAX_RUNS) {
        uint32_t seed = FUZZ_SEED + (uint32_t)fuzz_runs;
        memset((void *)prog, 0, RT_PAGE_SIZE);
        struct spawn_caps caps[] = {
            { frame, KF_SLOT_PROGRESS, CAP_R_READ | CAP_R_WRITE },
            { done, KF_SLOT_DONE, CAP_R_WRITE },
            { devmem, KF_SLOT_DEVMEM, CAP_R_READ | CAP_R_WRITE },
            { 6, KF_SLOT_MSI, CAP_R_ALL },        /* init's MSI control (t_dev.c) */
        };
        unsigned ncaps = devmem ? 4 : 2;
        struct kt_partner p;
        long rc = kt_spawn_untracked("kfuzz", KF_ARG(seed, FUZZ_PER_RUN) | (seed == FUZZ_TRACE_SEED ? KF_TRACE : 0), caps, ncaps, FUZZ_QUOTA, FUZZ_PRIO, ep,
                                     BADGE_FAULT, &p);
        if (rc != 0)
            return kt_fail("cannot spawn kfuzz (seed %u): %ld", seed, rc);
        fuzz_runs++;
        uint64_t last = 0, last_change = kt_now(), calls = 0;
        const char *how = NULL;
        for (;;) {
            struct msg m;
            rc = kt_recv(ep, 200, &m);
            if (rc == SYS_OK && m.badge == BADGE_DONE) {
                calls = m.mr[0];
                break;
            }
            if (rc == SYS_OK && m.badge == BADGE_FAULT && TAG_LABEL(m.tag) == LABEL_FAULT) {
                calls = prog->calls;
                printf("ktest: fuzz: seed %u died after %llu calls: vector %llu, error %#llx, address %#llx, "
                       "rip %#llx; last call %llu(%#llx, %#llx, %#llx, %#llx) = %lld",
                       seed, (unsigned long long)calls, (unsigned long long)m.mr[0], (unsigned long long)m.mr[1],
                       (unsigned long long)m.mr[2], (unsigned long long)m.mr[3],
                       (unsigned long long)prog->last_nr, (unsigned long long)prog->last_args[0],
                       (unsigned long long)prog->last_args[1], (unsigned long long)prog->last_args[2],
                       (unsigned long long)prog->last_args[3], (long long)prog->last_ret);
                m.tag = TAG(1, 0, 0);   /* kill it */
                ipc_reply(&m);
                how = "died";
                fuzz_died++;
                break;
            }
            if (rc == SYS_OK) {
                /* Not for us (the fuzzer sent on our endpoint somehow): refuse. */
                m.tag = TAG(1, 0, 0);
                ipc_reply(&m);
                continue;
            }
            if (prog->calls != last) {
                last = prog->calls;
                last_change = kt_now();
            } else if (kt_now() - last_change > STALL_MS * MS) {
                calls = prog->calls;
                printf("ktest: fuzz: seed %u made no progress for %u ms after %llu calls; last call "
                       "%llu(%#llx, %#llx, %#llx, %#llx)",
                       seed, STALL_MS, (unsigned long long)calls, (unsigned long long)prog->last_nr,
                       (unsigned long long)prog->last_args[0], (unsigned long long)prog->last_args[1],
                       (unsigned long long)prog->last_args[2], (unsigned long long)prog->last_args[3]);
                how = "stalled";
                fuzz_stalled++;
                break;
            }
        }
        if (!how)
            printf("ktest: fuzz: seed %u: %llu calls, %llu succeeded, %llu failed", seed, (unsigned long long)calls,
                   (unsigned long long)prog->ok, (unsigned long long)prog->errors);
        fuzz_calls += calls;
        if (getenv_debug) {
            char line[400];
            int o = 0;
            for (int i = 0; i < 48; i++)
                if (prog->per_nr[i])
                    o += snprintf(line + o, sizeof line - (size_t)o, " %d:%llu/%llu", i,
                                  (unsigned long long)prog->ok_per_nr[i], (unsigned long long)prog->per_nr[i]);
            printf("ktest: fuzz: per call ok/made:%s", line);
            for (int i = 0; i < 48; i++) {
                if (!prog->per_nr[i])
                    continue;
                o = 0;
                line[0] = '\0';
                for (int e = 0; e < 16; e++)
                    if (prog->err_per_nr[i][e])
                        o += snprintf(line + o, sizeof line - (size_t)o, " E%d:%u", e, prog->err_per_nr[i][e]);
                printf("ktest: fuzz: nr %d errors%s", i, line);
            }
        }
        sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0);
        sys_cap_delete(p.thread);
        rt_slot_free((int)p.thread);
        sys_cap_delete(p.process);
        rt_slot_free((int)p.process);
        /* The kernel must still answer after every run. */
        CHECK_RC(sys_null(), SYS_OK);
        CHECK_RC(sys_nbsend(ep, 0, 0, 0, 0, 0), SYS_EBUSY);
    }
    printf("ktest: fuzz: %llu calls in %llu runs (seeds %u..%u), %llu died of faults, %llu stalled, %llu ms",
           (unsigned long long)fuzz_calls, (unsigned long long)fuzz_runs, FUZZ_SEED,
           FUZZ_SEED + (unsigned)fuzz_runs - 1, (unsigned long long)fuzz_died, (unsigned long long)fuzz_stalled,
           (unsigned long long)((kt_now() - t0) / MS));
    CHECK(fuzz_calls >= FUZZ_TARGET);
    return true;
}

/* After the fuzzer: create, call (a partner), map, fault handling, timers. */
static bool t_after_fuzz(void)
{
    uint64_t ep = kt_endpoint(), n = kt_notification();
    CHECK(ep != 0 && n != 0);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, 1 << 20, 45, 0, 0, &p), 0);
    for (uint64_t i = 0; i < 10; i++) {
        struct msg m = { .tag = TAG(KP_OP_ECHO, 1, 0), .mr = { i } };
        CHECK_EQ(ipc_call(ep, &m), SYS_OK);
        CHECK_EQ(m.mr[0], i + 1);
    }
    uint64_t va = kt_map_new(4, NULL);
    CHECK(va != 0);
    ((volatile uint64_t *)(uintptr_t)va)[1000] = 5;
    CHECK_EQ(((volatile uint64_t *)(uintptr_t)va)[1000], 5);
    CHECK_RC(sys_timer_set(n, kt_in(MS), 4), SYS_OK);
    struct sys_result r = sys_wait(n, kt_in(2000 * MS));
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 4);
    struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
    CHECK(q.r[0] < q.r[1]);
    return true;
}

const struct kt_test kt_fuzz_tests[] = {
    { "fuzz", "kfuzz: >= 30000 random system calls (seeded runs); the kernel survives", t_fuzz },
    { "after_fuzz", "after the fuzzer: create, call a partner, map, timers still work", t_after_fuzz },
};
KT_COUNT(kt_fuzz_tests);
