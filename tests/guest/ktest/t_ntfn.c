/* Notifications: signal, poll, wait (with deadlines), badged signals,
 * binding to a thread (signals through recv), timers. */
#include "ktest.h"

struct waiter {
    uint64_t ntfn, ep;
    uint64_t deadline_ms;
    long rc;
    uint64_t bits;
    struct msg m;
    volatile bool done;
};
static struct waiter w;

static void wait_fn(uint64_t arg)
{
    struct waiter *x = (struct waiter *)(uintptr_t)arg;
    struct sys_result r = sys_wait(x->ntfn, x->deadline_ms ? kt_in(x->deadline_ms * MS) : 0);
    x->rc = r.ret;
    x->bits = r.r[0];
    x->done = true;
}

/* Binds x->ntfn to itself, then receives on x->ep. */
static void bound_recv_fn(uint64_t arg)
{
    struct waiter *x = (struct waiter *)(uintptr_t)arg;
    long rc = sys_ntfn_bind(x->ntfn).ret;
    if (rc != 0) {
        x->rc = 1000 + rc;
        x->done = true;
        return;
    }
    x->rc = ipc_recv_until(x->ep, kt_in(x->deadline_ms * MS), &x->m);
    x->done = true;
}

static bool wait_done(uint64_t ms)
{
    uint64_t end = kt_in(ms * MS);
    while (!w.done) {
        if (kt_now() > end)
            return false;
        sys_sleep(kt_in(MS / 2));
    }
    return true;
}

static bool t_accumulate(void)
{
    uint64_t n = kt_notification();
    struct sys_result r = sys_poll(n);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0);
    CHECK_RC(sys_signal(n, 1), SYS_OK);
    CHECK_RC(sys_signal(n, 4), SYS_OK);
    CHECK_RC(sys_signal(n, 1), SYS_OK);
    CHECK_RC(sys_signal(n, 0), SYS_OK);
    CHECK_RC(sys_signal(n, 0x8000000000000000ull), SYS_OK);
    r = sys_poll(n);
    CHECK_EQ(r.r[0], 0x8000000000000005ull);
    CHECK_EQ(sys_poll(n).r[0], 0);          /* poll takes the bits */
    /* wait with bits pending returns at once and takes them. */
    CHECK_RC(sys_signal(n, 0x30), SYS_OK);
    r = sys_wait(n, 0);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x30);
    CHECK_EQ(sys_poll(n).r[0], 0);
    return true;
}

static bool t_wait_deadline(void)
{
    uint64_t n = kt_notification();
    CHECK_RC(sys_wait(n, 1), SYS_ETIMEOUT);
    uint64_t deadline = kt_in(3 * MS);
    CHECK_RC(sys_wait(n, deadline), SYS_ETIMEOUT);
    CHECK(kt_now() >= deadline);
    /* A zero-bit signal does not wake a waiter. */
    CHECK_RC(sys_signal(n, 0), SYS_OK);
    CHECK_RC(sys_wait(n, kt_in(MS)), SYS_ETIMEOUT);
    return true;
}

static bool t_wait_wakeup(void)
{
    uint64_t n = kt_notification();
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    w.deadline_ms = 3000;
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!w.done);
    /* Only one waiter at a time. */
    CHECK_RC(sys_wait(n, kt_in(MS)), SYS_EBUSY);
    CHECK_RC(sys_signal(n, 0x600), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_OK);
    CHECK_EQ(w.bits, 0x600);
    CHECK_EQ(sys_poll(n).r[0], 0);
    /* A waiter without deadline, woken by deleting the notification: SYS_EDEAD. */
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    uint64_t t2 = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t2 != 0);
    CHECK(kt_settle());
    CHECK(!w.done);
    CHECK_RC(sys_cap_delete(n), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_EDEAD);
    return true;
}

static bool t_badged_signal(void)
{
    uint64_t n = kt_notification(), b1 = kt_slot(), b2 = kt_slot();
    CHECK_RC(sys_cap_copy(n, b1, CAP_R_WRITE, 0x10), SYS_OK);
    CHECK_RC(sys_cap_copy(n, b2, CAP_R_WRITE, 0x200), SYS_OK);
    CHECK_RC(sys_signal(b1, 1), SYS_OK);        /* signals its badge, not 1 */
    CHECK_RC(sys_signal(b2, 0), SYS_OK);
    struct sys_result r = sys_poll(n);
    CHECK_EQ(r.r[0], 0x210);
    return true;
}

static bool t_bound(void)
{
    uint64_t n = kt_notification(), ep = kt_endpoint();
    /* Pending bits arrive through recv as LABEL_NOTIFY. */
    CHECK_RC(sys_ntfn_bind(n), SYS_OK);
    CHECK_RC(sys_signal(n, 0x41), SYS_OK);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 1000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_NOTIFY);
    CHECK_EQ(TAG_LEN(m.tag), 1);
    CHECK_EQ(m.badge, 0);
    CHECK_EQ(m.mr[0], 0x41);
    CHECK_EQ(sys_poll(n).r[0], 0);
    /* Nothing pending: recv times out as usual. */
    CHECK_EQ(kt_recv(ep, 2, &m), SYS_ETIMEOUT);
    /* Unbound: signals stay in the notification. */
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);
    CHECK_RC(sys_signal(n, 2), SYS_OK);
    CHECK_EQ(kt_recv(ep, 2, &m), SYS_ETIMEOUT);
    CHECK_EQ(sys_poll(n).r[0], 2);

    /* A thread blocked in recv is woken by a signal. */
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    w.ep = ep;
    w.deadline_ms = 3000;
    uint64_t t = kt_thread_run(bound_recv_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!w.done);
    /* Bound to another thread: we cannot bind it. */
    CHECK_RC(sys_ntfn_bind(n), SYS_EBUSY);
    CHECK_RC(sys_signal(n, 0x900), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_OK);
    CHECK_EQ(TAG_LABEL(w.m.tag), LABEL_NOTIFY);
    CHECK_EQ(w.m.mr[0], 0x900);
    /* The binding ends with the thread: we can bind it now. */
    CHECK(kt_wait_dead(t, 2000));
    CHECK_RC(sys_ntfn_bind(n), SYS_OK);
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);         /* unbinding twice is fine */
    return true;
}

static bool t_timer(void)
{
    uint64_t n = kt_notification();
    CHECK_RC(sys_timer_set(n, kt_in(3 * MS), 0), SYS_EINVAL);
    uint64_t deadline = kt_in(3 * MS);
    CHECK_RC(sys_timer_set(n, deadline, 8), SYS_OK);
    struct sys_result r = sys_wait(n, kt_in(2000 * MS));
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 8);
    CHECK(kt_now() >= deadline);
    /* A deadline already passed fires at once. */
    CHECK_RC(sys_timer_set(n, 1, 0x20), SYS_OK);
    r = sys_wait(n, kt_in(2000 * MS));
    CHECK_EQ(r.r[0], 0x20);
    /* Deadline 0 cancels (armed far enough ahead that a slow host, Xen
     * inside TCG, cannot let it fire before the cancel). */
    CHECK_RC(sys_timer_set(n, kt_in(200 * MS), 1), SYS_OK);
    CHECK_RC(sys_timer_set(n, 0, 0), SYS_OK);
    CHECK_RC(sys_wait(n, kt_in(10 * MS)), SYS_ETIMEOUT);
    /* A second timer replaces the first. */
    CHECK_RC(sys_timer_set(n, kt_in(2 * MS), 1), SYS_OK);
    CHECK_RC(sys_timer_set(n, kt_in(4 * MS), 2), SYS_OK);
    r = sys_wait(n, kt_in(2000 * MS));
    CHECK_EQ(r.r[0], 2);
    CHECK_RC(sys_wait(n, kt_in(10 * MS)), SYS_ETIMEOUT);
    /* A timer on a bound notification wakes recv. */
    uint64_t ep = kt_endpoint();
    CHECK_RC(sys_ntfn_bind(n), SYS_OK);
    CHECK_RC(sys_timer_set(n, kt_in(2 * MS), 0x4000), SYS_OK);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 2000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_NOTIFY);
    CHECK_EQ(m.mr[0], 0x4000);
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);
    /* A timer far away on a deleted notification does no harm. */
    uint64_t n2 = kt_notification();
    CHECK_RC(sys_timer_set(n2, kt_in(5 * MS), 1), SYS_OK);
    CHECK_RC(sys_cap_delete(n2), SYS_OK);
    CHECK_RC(sys_timer_set(n, ~0ull, 1), SYS_OK);
    CHECK_RC(sys_timer_set(n, 0, 0), SYS_OK);
    kt_sleep_ms(8);
    return true;
}

const struct kt_test kt_ntfn_tests[] = {
    { "ntfn_accumulate", "signals accumulate bits; poll and wait take them all", t_accumulate },
    { "ntfn_wait_deadline", "wait times out at its deadline; zero bits wake nobody", t_wait_deadline },
    { "ntfn_wait_wakeup", "a signal wakes the waiter; one waiter only (EBUSY); deletion gives EDEAD",
      t_wait_wakeup },
    { "ntfn_badged", "a badged notification cap signals its badge", t_badged_signal },
    { "ntfn_bound", "a bound notification arrives through recv as LABEL_NOTIFY; one binder at a time",
      t_bound },
    { "ntfn_timer", "timer_set signals at the deadline; 0 cancels; re-arming replaces; bits 0 is EINVAL",
      t_timer },
};
KT_COUNT(kt_ntfn_tests);
