/* Tests that brought the whole kernel down when they were written (the
 * bugs are fixed; the tests stay as regressions). They run last, after the
 * fuzzers, so a crash here would cost no other result; each prints
 * "ktest: RUN name" first so the log shows which one it was. */
#include "ktest.h"

/* Found and fixed: a dead running thread's stack was freed after the next
 * switch returned, but a thread running for the first time entered user
 * mode without doing it; if that new thread also ended with its last
 * reference, the kernel panicked. (Now every switch frees it, in
 * syscall.S's arch_switch.) Two partners that exit at once, after ktest
 * deleted its caps to them. */
static bool t_exit_back_to_back(void)
{
    struct sys_result q0 = sys_quota(RT_SLOT_SELF_PROCESS);
    struct kt_partner a, b;
    CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_EXIT, 0), NULL, 0, 512 * 1024, 45, 0, 0, &a), 0);
    CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_EXIT, 0), NULL, 0, 512 * 1024, 45, 0, 0, &b), 0);
    uint64_t slots[4] = { a.thread, a.process, b.thread, b.process };
    for (int i = 0; i < 4; i++) {
        CHECK_RC(sys_cap_delete(slots[i]), SYS_OK);
        rt_slot_free((int)slots[i]);
    }
    /* Both run and exit now; once both are gone ktest's quota is back. */
    uint64_t end = kt_in(10000 * MS);
    while (sys_quota(RT_SLOT_SELF_PROCESS).r[0] != q0.r[0] && kt_now() < end)
        kt_sleep_ms(5);
    CHECK_EQ(sys_quota(RT_SLOT_SELF_PROCESS).r[0], q0.r[0]);
    CHECK(kt_endpoint() != 0);
    return true;
}

const struct kt_test kt_bug_tests[] = {
    { "exit_back_to_back", "two short-lived processes (no caps left to them) exit one after the other",
      t_exit_back_to_back },
};
KT_COUNT(kt_bug_tests);
