/* Threads and scheduling: thread_create/thread_ctl checks, priorities,
 * preemption, time slices, yield, suspend/resume. No test depends on how
 * long anything takes: they check orders and progress, with generous
 * deadlines only to stop waiting if the kernel is broken. */
#include "ktest.h"

static volatile unsigned order[16];
static volatile unsigned norder;
static volatile bool stop, flag;
static volatile uint64_t counter;
static uint64_t done_ntfn;

static void record_fn(uint64_t id)
{
    order[norder++] = (unsigned)id;
    sys_signal(done_ntfn, 1ull << id);
}

static bool wait_bits(uint64_t n, uint64_t want, uint64_t ms)
{
    uint64_t got = 0, end = kt_in(ms * MS);
    while ((got & want) != want) {
        struct sys_result r = sys_wait(n, end);
        if (r.ret != 0)
            return false;
        got |= r.r[0];
    }
    return true;
}

static bool t_thread_create_checks(void)
{
    uint64_t dst = kt_slot();
    const uint64_t entry = 0x400000, stack = 0x500000;
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, 0, stack, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, 0xfff, stack, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, KT_KADDR_IMAGE, stack, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, 0x0000800000000000ull, stack, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, 0, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, 0x1000, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, KT_KADDR_DIRECT, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, stack, 0, KT_PRIO + 1), SYS_ERIGHTS);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, stack, 0, 256), SYS_ERIGHTS);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, stack, 0, ~0ull), SYS_ERIGHTS);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, RT_SLOT_SELF_THREAD, entry, stack, 0, 1), SYS_EEXIST);
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, 0, entry, stack, 0, 1), SYS_ERANGE);
    CHECK_RC(sys_cap_info(dst), SYS_ENOCAP);
    /* Equal priority is allowed; the thread is created suspended. */
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, dst, entry, stack, 0, KT_PRIO), SYS_OK);
    CHECK_EQ(sys_cap_info(dst).ret, CAP_THREAD);
    /* thread_ctl checks. */
    CHECK_RC(sys_thread_ctl(dst, 0, 0), SYS_EINVAL);
    CHECK_RC(sys_thread_ctl(dst, 99, 0), SYS_EINVAL);
    CHECK_RC(sys_thread_ctl(dst, ~0ull, 0), SYS_EINVAL);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_PRIORITY, KT_PRIO + 1), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_PRIORITY, 1000), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_PRIORITY, 3), SYS_OK);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_FAULT_EP, 0), SYS_OK);
    /* Killed (never started): every op says SYS_EDEAD. */
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_START, 0), SYS_EDEAD);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_KILL, 0), SYS_EDEAD);
    CHECK_RC(sys_thread_ctl(dst, SYS_THREAD_SUSPEND, 0), SYS_EDEAD);
    CHECK_RC(sys_thread_ctl(dst, 77, 0), SYS_EDEAD);
    CHECK_EQ(sys_cap_info(dst).ret, CAP_THREAD);
    /* Our own priority cannot go up. */
    CHECK_RC(sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_PRIORITY, KT_PRIO + 1), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_PRIORITY, KT_PRIO), SYS_OK);
    return true;
}

static bool t_priority_order(void)
{
    done_ntfn = kt_notification();
    norder = 0;
    /* Started lowest first; when ktest blocks, the highest runs first. */
    CHECK(kt_thread_run(record_fn, 1, 10, 0) != 0);
    CHECK(kt_thread_run(record_fn, 2, 30, 0) != 0);
    CHECK(kt_thread_run(record_fn, 3, 20, 0) != 0);
    CHECK(kt_thread_run(record_fn, 4, 40, 0) != 0);
    CHECK_EQ(norder, 0);        /* all below ktest: none ran yet */
    CHECK(wait_bits(done_ntfn, 0x1e, 2000));
    CHECK_EQ(norder, 4);
    CHECK_EQ(order[0], 4);
    CHECK_EQ(order[1], 2);
    CHECK_EQ(order[2], 3);
    CHECK_EQ(order[3], 1);
    return true;
}

/* Equal priorities run in FIFO order. */
static bool t_fifo_equal(void)
{
    for (int attempt = 0; attempt < 3; attempt++) {     /* see t_yield */
        done_ntfn = kt_notification();
        norder = 0;
        for (unsigned i = 1; i <= 4; i++)
            CHECK(kt_thread_run(record_fn, i, 30, 0) != 0);
        CHECK(wait_bits(done_ntfn, 0x1e, 2000));
        if (order[0] == 1 && order[1] == 2 && order[2] == 3 && order[3] == 4)
            return true;
    }
    return kt_fail("order %u %u %u %u, expected 1 2 3 4 (3 attempts)", order[0], order[1], order[2], order[3]);
}

static uint64_t high_thread;
static volatile bool after_start, high_saw_after;

static void high_fn(uint64_t arg)
{
    (void)arg;
    high_saw_after = after_start;
    sys_signal(done_ntfn, 2);
}

static void low_fn(uint64_t arg)
{
    (void)arg;
    /* Starting a higher-priority thread switches to it at once. */
    kt_start(high_thread);
    after_start = true;
    sys_signal(done_ntfn, 1);
}

static bool t_preempt_on_start(void)
{
    done_ntfn = kt_notification();
    after_start = high_saw_after = false;
    high_thread = kt_thread(high_fn, 0, 30, true);
    CHECK(high_thread != 0);
    CHECK(kt_thread_run(low_fn, 0, 20, 0) != 0);
    CHECK(wait_bits(done_ntfn, 3, 2000));
    CHECK(after_start);
    CHECK(!high_saw_after);
    return true;
}

/* Lowering one's own priority below a ready thread switches to it at once. */
static uint64_t lowerer;
static volatile bool target_ran;

static void target_fn(uint64_t arg)
{
    (void)arg;
    target_ran = true;
}

static void lowerer_fn(uint64_t arg)
{
    (void)arg;
    sys_thread_ctl(lowerer, SYS_THREAD_PRIORITY, 10);     /* 30 -> 10, below the target (20) */
    flag = target_ran;
    sys_signal(done_ntfn, 1);
}

static bool t_preempt_on_priority(void)
{
    done_ntfn = kt_notification();
    target_ran = flag = false;
    CHECK(kt_thread_run(target_fn, 0, 20, 0) != 0);
    lowerer = kt_thread(lowerer_fn, 0, 30, true);
    CHECK(lowerer != 0);
    CHECK(kt_start(lowerer) == 0);
    CHECK(wait_bits(done_ntfn, 1, 2000));
    CHECK(target_ran);
    CHECK(flag);
    return true;
}

static void spin_fn(uint64_t arg)
{
    (void)arg;
    while (!stop)
        counter++;
}

/* Waits (sleeping, so the spinner runs) until counter differs from c. */
static bool wait_counter_change(uint64_t c)
{
    uint64_t end = kt_in(5000 * MS);
    while (counter == c && kt_now() < end)
        kt_sleep_ms(1);
    return counter != c;
}

static void sleeper_fn(uint64_t arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        sys_sleep(kt_in(2 * MS));
    sys_signal(done_ntfn, 1);
}

/* A busy lower-priority thread does not keep a higher one from running. */
static bool t_no_starvation(void)
{
    done_ntfn = kt_notification();
    stop = false;
    counter = 0;
    CHECK(kt_thread_run(spin_fn, 0, 20, 0) != 0);
    CHECK(kt_thread_run(sleeper_fn, 0, 30, 0) != 0);
    bool ok = wait_bits(done_ntfn, 1, 5000);
    stop = true;
    CHECK(ok);
    CHECK(counter > 0);             /* the spinner did run meanwhile */
    return true;
}

static void slice_a_fn(uint64_t arg)
{
    (void)arg;
    /* Never blocks or yields: only the time slice lets B run. */
    uint64_t end = kt_in(5000 * MS);
    while (!flag && kt_now() < end)
        ;
    sys_signal(done_ntfn, flag ? 1 : 4);
}

static void slice_b_fn(uint64_t arg)
{
    (void)arg;
    flag = true;
    sys_signal(done_ntfn, 2);
}

static bool t_time_slice(void)
{
    done_ntfn = kt_notification();
    flag = false;
    CHECK(kt_thread_run(slice_a_fn, 0, 30, 0) != 0);
    CHECK(kt_thread_run(slice_b_fn, 0, 30, 0) != 0);
    uint64_t got = 0, end = kt_in(8000 * MS);
    while ((got & 3) != 3 && !(got & 4)) {
        struct sys_result r = sys_wait(done_ntfn, end);
        if (r.ret != 0)
            break;
        got |= r.r[0];
    }
    CHECK(!(got & 4));
    CHECK_EQ(got & 3, 3);
    return true;
}

static volatile char trace[32];
static volatile unsigned ntrace;

static void yield_fn(uint64_t c)
{
    for (int i = 0; i < 3; i++) {
        trace[ntrace++] = (char)c;
        sys_yield();
    }
    sys_signal(done_ntfn, c == 'A' ? 1 : 2);
}

/* A time-slice preemption between a thread's append and its yield (a host
 * hiccup of 10 ms) would reorder the trace; a broken yield reorders it
 * every time. So: three attempts. */
static bool t_yield(void)
{
    char s[7] = { 0 };
    for (int attempt = 0; attempt < 3; attempt++) {
        done_ntfn = kt_notification();
        ntrace = 0;
        CHECK(kt_thread_run(yield_fn, 'A', 30, 0) != 0);
        CHECK(kt_thread_run(yield_fn, 'B', 30, 0) != 0);
        CHECK(wait_bits(done_ntfn, 3, 2000));
        CHECK_EQ(ntrace, 6);
        for (unsigned i = 0; i < 6; i++)
            s[i] = trace[i];
        if (strcmp(s, "ABABAB") == 0)
            return true;
    }
    return kt_fail("yield order %s, expected ABABAB (3 attempts)", s);
}

static bool t_suspend_resume(void)
{
    stop = false;
    counter = 0;
    uint64_t t = kt_thread_run(spin_fn, 0, 20, 0);
    CHECK(t != 0);
    CHECK(wait_counter_change(0));
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);     /* twice is fine */
    uint64_t c = counter;
    kt_sleep_ms(15);
    CHECK_EQ(counter, c);           /* a suspended thread does not run */
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK(wait_counter_change(c));
    stop = true;
    CHECK(kt_wait_dead(t, 2000));
    return true;
}

/* A thread killed while blocked, while ready, while suspended. */
static void block_fn(uint64_t n)
{
    sys_wait(n, 0);
}

static bool t_kill_states(void)
{
    uint64_t n = kt_notification();
    uint64_t blocked = kt_thread_run(block_fn, n, 20, 0);
    uint64_t ready = kt_thread_run(block_fn, n, 20, 0);     /* not run yet: ktest is higher */
    CHECK(blocked != 0 && ready != 0);
    CHECK_RC(sys_thread_ctl(ready, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(kt_thread_dead(ready));
    CHECK(kt_settle());             /* blocked is now waiting on n */
    CHECK_RC(sys_thread_ctl(blocked, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(kt_thread_dead(blocked));
    /* The notification has no waiter left: we can wait on it. */
    CHECK_RC(sys_wait(n, kt_in(MS)), SYS_ETIMEOUT);
    uint64_t susp = kt_thread(block_fn, n, 20, true);
    CHECK(susp != 0);
    CHECK_RC(sys_thread_ctl(susp, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_RC(sys_thread_ctl(susp, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK_EQ(kt_start(susp), SYS_EDEAD);
    /* Deleting the last cap of a running thread kills it too. */
    stop = false;
    uint64_t spinner = kt_thread_run(spin_fn, 0, 20, 0);
    CHECK(spinner != 0);
    CHECK(wait_counter_change(counter));
    uint64_t copy = kt_slot();
    CHECK_RC(sys_cap_copy(spinner, copy, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_delete(spinner), SYS_OK);
    /* copy still names it (read-only): it lives on... */
    CHECK_RC(sys_thread_ctl(copy, SYS_THREAD_START, 0), SYS_ERIGHTS);
    CHECK(wait_counter_change(counter));
    /* ...until the last cap goes. */
    CHECK_RC(sys_cap_delete(copy), SYS_OK);
    uint64_t c = counter;
    kt_sleep_ms(15);
    CHECK_EQ(counter, c);
    stop = true;
    return true;
}

/* A thread suspended while blocked in a system call (recv, wait, sleep,
 * send) and started again must not return "success" from that call (before
 * commit 92db728 it returned its own system-call number; now SYS_EBUSY). */
struct blocked {
    uint64_t ep, ntfn;
    int op;
    long rc;
    volatile bool done;
};
static struct blocked bl;

static void blocked_fn(uint64_t arg)
{
    (void)arg;
    switch (bl.op) {
    case 0: bl.rc = sys_recv(bl.ep, kt_in(3000 * MS)).ret; break;
    case 1: bl.rc = sys_wait(bl.ntfn, kt_in(3000 * MS)).ret; break;
    case 2: bl.rc = sys_sleep(kt_in(3000 * MS)).ret; break;
    case 3: bl.rc = sys_send(bl.ep, TAG(1, 0, 0), 0, 0, 0, 0).ret; break;
    }
    bl.done = true;
}

static bool t_suspend_blocked_call(void)
{
    static const char *const names[] = { "recv", "wait", "sleep", "send" };
    for (int op = 0; op < 4; op++) {
        memset(&bl, 0, sizeof bl);
        bl.ep = kt_endpoint();
        bl.ntfn = kt_notification();
        bl.op = op;
        uint64_t t = kt_thread_run(blocked_fn, 0, KT_HELPER_PRIO, 0);
        CHECK(t != 0);
        CHECK(kt_settle());
        CHECK(!bl.done);
        CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
        CHECK_EQ(kt_start(t), SYS_OK);
        CHECK(kt_settle());
        if (bl.done && bl.rc >= 0)
            return kt_fail("%s interrupted by suspend + start returned %ld (its syscall number?)", names[op],
                           bl.rc);
        sys_thread_ctl(t, SYS_THREAD_KILL, 0);
    }
    return true;
}

/* Each thread's SSE registers are its own (lazy FPU switching): two threads
 * fill xmm0-xmm15 with their own pattern, yield to each other, check. */
static volatile unsigned fpu_bad;

static void fpu_fn(uint64_t seed)
{
    for (int round = 0; round < 20; round++) {
        uint64_t v = seed * 0x0101010101010101ull + (uint64_t)round;
        uint64_t in[2] = { v, ~v }, out[32];
        __asm__ volatile("movdqu (%0), %%xmm0\n\t"
                         "movdqa %%xmm0, %%xmm1\n\t movdqa %%xmm0, %%xmm2\n\t movdqa %%xmm0, %%xmm3\n\t"
                         "movdqa %%xmm0, %%xmm4\n\t movdqa %%xmm0, %%xmm5\n\t movdqa %%xmm0, %%xmm6\n\t"
                         "movdqa %%xmm0, %%xmm7\n\t movdqa %%xmm0, %%xmm8\n\t movdqa %%xmm0, %%xmm9\n\t"
                         "movdqa %%xmm0, %%xmm10\n\t movdqa %%xmm0, %%xmm11\n\t movdqa %%xmm0, %%xmm12\n\t"
                         "movdqa %%xmm0, %%xmm13\n\t movdqa %%xmm0, %%xmm14\n\t movdqa %%xmm0, %%xmm15\n\t"
                         ::"r"(in) : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                         "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
        /* yield with the registers live: the syscall stub does not touch them */
        long nr = SYS_yield;
        __asm__ volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
        __asm__ volatile("movdqu %%xmm0, 0(%0)\n\t movdqu %%xmm1, 16(%0)\n\t movdqu %%xmm2, 32(%0)\n\t"
                         "movdqu %%xmm3, 48(%0)\n\t movdqu %%xmm4, 64(%0)\n\t movdqu %%xmm5, 80(%0)\n\t"
                         "movdqu %%xmm6, 96(%0)\n\t movdqu %%xmm7, 112(%0)\n\t movdqu %%xmm8, 128(%0)\n\t"
                         "movdqu %%xmm9, 144(%0)\n\t movdqu %%xmm10, 160(%0)\n\t movdqu %%xmm11, 176(%0)\n\t"
                         "movdqu %%xmm12, 192(%0)\n\t movdqu %%xmm13, 208(%0)\n\t movdqu %%xmm14, 224(%0)\n\t"
                         "movdqu %%xmm15, 240(%0)\n\t"
                         ::"r"(out) : "memory");
        for (int i = 0; i < 32; i++)
            if (out[i] != in[i & 1])
                fpu_bad++;
    }
    sys_signal(done_ntfn, seed == 1 ? 1 : 2);
}

static bool t_fpu_isolation(void)
{
    done_ntfn = kt_notification();
    fpu_bad = 0;
    CHECK(kt_thread_run(fpu_fn, 1, 30, 0) != 0);
    CHECK(kt_thread_run(fpu_fn, 2, 30, 0) != 0);
    CHECK(wait_bits(done_ntfn, 3, 3000));
    CHECK_EQ(fpu_bad, 0);
    return true;
}

const struct kt_test kt_sched_tests[] = {
    { "thread_create_checks", "thread_create/thread_ctl reject bad entry, stack, slot, priority, op",
      t_thread_create_checks },
    { "priority_order", "ready threads run highest priority first", t_priority_order },
    { "fifo_equal", "threads of equal priority run in the order they became ready", t_fifo_equal },
    { "preempt_on_start", "starting a higher-priority thread switches to it at once", t_preempt_on_start },
    { "preempt_on_priority", "lowering one's priority below a ready thread switches to it at once",
      t_preempt_on_priority },
    { "no_starvation", "a busy lower-priority thread does not keep a higher one from running",
      t_no_starvation },
    { "time_slice", "equal priorities share the CPU by time slices (a spinner never yields)", t_time_slice },
    { "yield", "yield hands the CPU to the next thread of equal priority", t_yield },
    { "suspend_resume", "a suspended thread stops running; start resumes it", t_suspend_resume },
    { "suspend_blocked_call", "a call interrupted by suspend + start does not return success",
      t_suspend_blocked_call },
    { "fpu_isolation", "two threads switching by yield keep their own SSE registers", t_fpu_isolation },
    { "kill_states", "kill works on blocked, ready, suspended threads; deleting the last cap kills",
      t_kill_states },
};
KT_COUNT(kt_sched_tests);
