/* Helpers shared by the graph tests (t_deep.c, t_revoke.c, t_objfuzz.c):
 * the kernel's own invariant checks and counters (kdebug), waiting for
 * ktest's quota to come back, and the "kernel still works" check. */
#include "ktest.h"

long kt_kcheck(void)
{
    return sys_kdebug(KT_SLOT_PLATFORM, SYS_KDEBUG_CHECK, 0).ret;
}

struct kt_kstats kt_kstats(void)
{
    struct sys_result r = sys_kdebug(KT_SLOT_PLATFORM, SYS_KDEBUG_STATS, 0);
    return (struct kt_kstats){ .rc = r.ret, .stack_max = r.r[SYS_R_RDI], .irqoff_max = r.r[SYS_R_RSI],
                               .free_frames = r.r[SYS_R_RDX], .threads = r.r[SYS_R_R10],
                               .objects = r.r[SYS_R_R8] };
}

void kt_kstats_reset(void)
{
    sys_kdebug(KT_SLOT_PLATFORM, SYS_KDEBUG_RESET, 0);
}

bool kt_quota_back(uint64_t used0, uint64_t ms)
{
    uint64_t end = kt_in(ms * MS);
    while (kt_quota_used() != used0) {
        if (kt_now() > end)
            return false;
        kt_sleep_ms(2);
    }
    return true;
}

bool kt_kernel_works(void)
{
    uint64_t ep = kt_endpoint(), n = kt_notification();
    CHECK(ep != 0 && n != 0);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, 1 << 20, 45, 0, 0, &p), 0);
    for (uint64_t i = 0; i < 4; i++) {
        struct msg m = { .tag = TAG(KP_OP_ECHO, 1, 0), .mr = { i } };
        CHECK_EQ(ipc_call(ep, &m), SYS_OK);
        CHECK_EQ(m.mr[0], i + 1);
    }
    uint64_t va = kt_map_new(2, NULL);
    CHECK(va != 0);
    ((volatile uint64_t *)(uintptr_t)va)[600] = 77;
    CHECK_EQ(((volatile uint64_t *)(uintptr_t)va)[600], 77);
    CHECK_RC(sys_timer_set(n, kt_in(MS), 8), SYS_OK);
    struct sys_result r = sys_wait(n, kt_in(2000 * MS));
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 8);
    return true;
}

bool kt_graph_after(const char *name, uint64_t used0)
{
    bool back = kt_quota_back(used0, 3000);
    uint64_t used = kt_quota_used();
    long violations = kt_kcheck();
    struct kt_kstats st = kt_kstats();
    printf("ktest: %s: quota %s (%lld bytes off), kcheck %ld, deepest kernel stack %llu bytes, "
           "longest interrupts-off %llu ticks, %llu threads, %llu objects, %llu free frames",
           name, back ? "back" : "NOT back", (long long)(used - used0), violations,
           (unsigned long long)st.stack_max, (unsigned long long)st.irqoff_max, (unsigned long long)st.threads,
           (unsigned long long)st.objects, (unsigned long long)st.free_frames);
    if (!back)
        return kt_fail("%lld bytes of ktest's quota stay charged after the graph was deleted",
                       (long long)(used - used0));
    if (violations != 0)
        return kt_fail("kdebug CHECK found %ld violations (see the kcheck: lines)", violations);
    CHECK_EQ(st.rc, SYS_OK);
    if (st.stack_max >= KT_KSTACK_SIZE)
        return kt_fail("deepest kernel stack use %llu bytes, not below %u", (unsigned long long)st.stack_max,
                       KT_KSTACK_SIZE);
    return kt_kernel_works();
}
