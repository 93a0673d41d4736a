/* Notifications: signal, poll, wait (with deadlines), badged signals,
 * binding to a thread (signals through recv), timers; the fast paths;
 * signal_wait. */
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


/* --- the fast path (kernel/arch/x86_64/syscall.S: fast_signal, fast_wait) --- */

/* Who ran first: a waiter woken by a signal, or the signaller going on. */
static volatile unsigned order_log[4], order_n;
static uint64_t order_ntfn;

static void order_log_add(unsigned who)
{
    order_log[order_n++ & 3] = who;
}

static void order_waiter_fn(uint64_t arg)
{
    (void)arg;
    struct sys_result r = sys_wait(order_ntfn, 0);
    order_log_add(r.ret == SYS_OK && r.r[0] == 0x11 ? 1 : 100);
}

static void order_signaller_fn(uint64_t arg)
{
    (void)arg;
    long rc = sys_signal(order_ntfn, 0x11).ret;
    order_log_add(rc == SYS_OK ? 2 : 200);
}

/* A waiter at wprio is signalled by a helper at sprio (both below ktest);
 * the log must say expect_first ran first. */
static bool order_case(unsigned wprio, unsigned sprio, unsigned expect_first)
{
    order_ntfn = kt_notification();
    order_n = 0;
    uint64_t wt = kt_thread_run(order_waiter_fn, 0, wprio, 0);
    CHECK(wt != 0);
    CHECK(kt_settle());                     /* the waiter is blocked in wait */
    CHECK_EQ(order_n, 0);
    uint64_t st = kt_thread_run(order_signaller_fn, 0, sprio, 0);
    CHECK(st != 0);
    CHECK(kt_wait_dead(st, 2000));
    CHECK(kt_wait_dead(wt, 2000));
    CHECK_EQ(order_n, 2);
    CHECK_EQ(order_log[0], expect_first);
    CHECK_EQ(order_log[1], 3 - expect_first);
    CHECK_EQ(sys_poll(order_ntfn).r[0], 0);
    return true;
}

static bool t_fast_priorities(void)
{
    CHECK(order_case(KT_HELPER_PRIO + 5, KT_HELPER_PRIO, 1));      /* higher waiter: runs at once */
    CHECK(order_case(KT_HELPER_PRIO, KT_HELPER_PRIO + 5, 2));      /* lower: the signaller goes on */
    CHECK(order_case(KT_HELPER_PRIO, KT_HELPER_PRIO, 2));          /* equal: the signaller goes on */
    /* Signalling a lower-priority waiter from ktest: ktest goes on, the
     * waiter has its bits when ktest blocks. */
    memset(&w, 0, sizeof w);
    w.ntfn = kt_notification();
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_signal(w.ntfn, 0x3), SYS_OK);
    CHECK(!w.done);
    CHECK_RC(sys_signal(w.ntfn, 0x4), SYS_OK);  /* no waiter any more: pending */
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_OK);
    CHECK_EQ(w.bits, 0x3);
    CHECK_EQ(sys_poll(w.ntfn).r[0], 0x4);
    return true;
}

/* A waiter killed, or suspended and started again, while blocked. */
static bool t_fast_waiter_killed(void)
{
    uint64_t n = kt_notification();
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(kt_thread_dead(t));
    CHECK(!w.done);
    /* Nobody waits now: the bits stay; a new waiter takes them at once. */
    CHECK_RC(sys_signal(n, 0x8), SYS_OK);
    struct sys_result r = sys_wait(n, 0);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x8);
    CHECK_EQ(kt_kcheck(), 0);
    /* Suspended while waiting: started again, its wait says SYS_EBUSY. */
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_RC(sys_signal(n, 0x10), SYS_OK);      /* no waiter: pending */
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_START, 0), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_EBUSY);
    CHECK_EQ(sys_poll(n).r[0], 0x10);
    return true;
}

/* A notification with both a waiter and a thread bound to it: the waiter
 * gets the signal; with the waiter gone, the bound thread in recv does. */
static bool t_fast_bound_and_waiter(void)
{
    uint64_t n = kt_notification(), ep = kt_endpoint();
    CHECK_RC(sys_ntfn_bind(n), SYS_OK);
    memset(&w, 0, sizeof w);
    w.ntfn = n;
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_signal(n, 0x2), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.bits, 0x2);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 2, &m), SYS_ETIMEOUT);  /* nothing left for recv */
    CHECK_RC(sys_signal(n, 0x5), SYS_OK);        /* pending for the bound thread */
    CHECK_EQ(kt_recv(ep, 1000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_NOTIFY);
    CHECK_EQ(m.mr[0], 0x5);
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);
    /* wait on a bound notification works as on any other. */
    CHECK_RC(sys_signal(n, 0x7), SYS_OK);
    CHECK_EQ(sys_wait(n, 0).r[0], 0x7);
    return true;
}

/* Many signallers, each in ping-pong with one waiter (its bit, then an
 * acknowledgement on its own notification), at priorities around the
 * waiter's, so wakes go both ways; every signal is seen exactly once. */
#define MANY_N 4
#define MANY_ROUNDS 300
static uint64_t many_ntfn, many_ack[MANY_N];
static volatile unsigned many_seen[MANY_N], many_sent[MANY_N];
static volatile bool many_bad;

static void many_signaller_fn(uint64_t i)
{
    for (unsigned k = 0; k < MANY_ROUNDS; k++) {
        if (sys_signal(many_ntfn, 1ull << i).ret != SYS_OK)
            many_bad = true;
        many_sent[i]++;
        struct sys_result r = sys_wait(many_ack[i], 0);
        if (r.ret != SYS_OK || r.r[0] != 1)
            many_bad = true;
    }
}

static void many_waiter_fn(uint64_t arg)
{
    (void)arg;
    unsigned total = 0;
    while (total < MANY_N * MANY_ROUNDS) {
        struct sys_result r = sys_wait(many_ntfn, 0);
        if (r.ret != SYS_OK || !r.r[0] || (r.r[0] >> MANY_N)) {
            many_bad = true;
            return;
        }
        for (unsigned i = 0; i < MANY_N; i++)
            if (r.r[0] & (1ull << i)) {
                many_seen[i]++;
                total++;
                sys_signal(many_ack[i], 1);
            }
    }
}

static bool t_fast_many(void)
{
    many_ntfn = kt_notification();
    many_bad = false;
    for (unsigned i = 0; i < MANY_N; i++) {
        many_ack[i] = kt_notification();
        many_seen[i] = many_sent[i] = 0;
    }
    static const unsigned prio[MANY_N] = { KT_HELPER_PRIO - 1, KT_HELPER_PRIO, KT_HELPER_PRIO + 1,
                                           KT_HELPER_PRIO };
    uint64_t wt = kt_thread_run(many_waiter_fn, 0, KT_HELPER_PRIO, 0);
    CHECK(wt != 0);
    uint64_t st[MANY_N];
    for (unsigned i = 0; i < MANY_N; i++) {
        st[i] = kt_thread_run(many_signaller_fn, i, prio[i], 0);
        CHECK(st[i] != 0);
    }
    CHECK(kt_wait_dead(wt, 20000));
    for (unsigned i = 0; i < MANY_N; i++)
        CHECK(kt_wait_dead(st[i], 2000));
    CHECK(!many_bad);
    for (unsigned i = 0; i < MANY_N; i++) {
        CHECK_EQ(many_seen[i], MANY_ROUNDS);
        CHECK_EQ(many_sent[i], MANY_ROUNDS);
    }
    CHECK_EQ(sys_poll(many_ntfn).r[0], 0);
    return true;
}

/* Round robin holds: a ping-pong pair blocking and waking each other
 * (the fast path's switches) does not starve a spinner of their priority,
 * nor the spinner them. */
static volatile uint64_t rr_spins, rr_rounds, rr_stop;
static uint64_t rr_a, rr_b;

static void rr_spin_fn(uint64_t arg)
{
    (void)arg;
    while (!rr_stop)
        rr_spins++;
}

static void rr_ping_fn(uint64_t first)
{
    uint64_t mine = first ? rr_a : rr_b, other = first ? rr_b : rr_a;
    if (first)
        sys_signal(other, 1);
    for (;;) {
        sys_wait(mine, 0);
        if (rr_stop)
            return;
        rr_rounds++;
        sys_signal(other, 1);
    }
}

static bool t_fast_round_robin(void)
{
    rr_a = kt_notification();
    rr_b = kt_notification();
    rr_spins = rr_rounds = rr_stop = 0;
    uint64_t b = kt_thread_run(rr_ping_fn, 0, KT_HELPER_PRIO, 0);
    uint64_t a = kt_thread_run(rr_ping_fn, 1, KT_HELPER_PRIO, 0);
    uint64_t s = kt_thread_run(rr_spin_fn, 0, KT_HELPER_PRIO, 0);
    CHECK(a && b && s);
    uint64_t end = kt_in(2000 * MS);
    while ((rr_spins < 1000 || rr_rounds < 20) && kt_now() < end)
        kt_sleep_ms(5);
    uint64_t spins = rr_spins, rounds = rr_rounds;
    uint64_t again = kt_in(3000 * MS);
    while ((rr_spins == spins || rr_rounds == rounds) && kt_now() < again)
        kt_sleep_ms(5);              /* both still make progress */
    rr_stop = 1;
    sys_signal(rr_a, 1);            /* whichever waits leaves */
    sys_signal(rr_b, 1);
    CHECK(kt_wait_dead(s, 2000));
    CHECK(kt_wait_dead(a, 2000));
    CHECK(kt_wait_dead(b, 2000));
    CHECK(spins >= 1000);
    CHECK(rounds >= 20);
    CHECK(rr_spins > spins);
    CHECK(rr_rounds > rounds);
    return true;
}

/* --- signal_wait: signal one notification, wait on another, one call
 * (kernel/core/syscall.c: sys_signal_wait; syscall.S: fast_signal_wait) --- */

/* The arguments come back in rsi, rdx, r10 (the wait changes only rdi). */
#define CHECK_SW_ARGS(r, bits, wslot, deadline)                                 \
    do {                                                                       \
        CHECK_EQ((r).r[SYS_R_RSI], (bits));                                    \
        CHECK_EQ((r).r[SYS_R_RDX], (wslot));                                   \
        CHECK_EQ((r).r[SYS_R_R10], (deadline));                                \
    } while (0)

/* Either capability bad: its error (the signal's first), nothing done:
 * no bits signalled, a waiter on the first one not woken. */
static bool t_sw_bad_caps(void)
{
    uint64_t a = kt_notification(), b = kt_notification(), ep = kt_endpoint(), empty = kt_slot();
    uint64_t a_ro = kt_slot(), b_wo = kt_slot();
    CHECK(a && b && ep && empty && a_ro && b_wo);
    CHECK_RC(sys_cap_copy(a, a_ro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(b, b_wo, CAP_R_WRITE, 0), SYS_OK);
    uint64_t soon = kt_in(2000 * MS);
    /* The first bad. */
    CHECK_RC(sys_signal_wait(0, 1, b, soon), SYS_ERANGE);
    CHECK_RC(sys_signal_wait(SYS_CAP_SLOTS, 1, b, soon), SYS_ERANGE);
    CHECK_RC(sys_signal_wait(empty, 1, b, soon), SYS_ENOCAP);
    CHECK_RC(sys_signal_wait(ep, 1, b, soon), SYS_ENOCAP);
    CHECK_RC(sys_signal_wait(a_ro, 1, b, soon), SYS_ERIGHTS);
    /* The second bad: the first is not signalled. */
    CHECK_RC(sys_signal_wait(a, 1, 0, soon), SYS_ERANGE);
    CHECK_RC(sys_signal_wait(a, 2, ~0ull, soon), SYS_ERANGE);
    CHECK_RC(sys_signal_wait(a, 4, empty, soon), SYS_ENOCAP);
    CHECK_RC(sys_signal_wait(a, 8, ep, soon), SYS_ENOCAP);
    CHECK_RC(sys_signal_wait(a, 16, b_wo, soon), SYS_ERIGHTS);
    CHECK_RC(sys_signal_wait(a, 32, b_wo, 0), SYS_ERIGHTS);
    /* Both bad: the signal's error. */
    CHECK_RC(sys_signal_wait(a_ro, 1, empty, soon), SYS_ERIGHTS);
    CHECK_RC(sys_signal_wait(empty, 1, b_wo, 0), SYS_ENOCAP);
    CHECK_EQ(sys_poll(a).r[0], 0);
    CHECK_EQ(sys_poll(b).r[0], 0);
    /* A waiter on the first: not woken when the second is bad (no
     * deadline: the fast path's case but for the capability). */
    memset(&w, 0, sizeof w);
    w.ntfn = a;
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_signal_wait(a, 0x40, b_wo, 0), SYS_ERIGHTS);
    CHECK_RC(sys_signal_wait(a, 0x40, empty, 0), SYS_ENOCAP);
    CHECK_RC(sys_signal_wait(a_ro, 0x40, b, 0), SYS_ERIGHTS);
    CHECK(kt_settle());
    CHECK(!w.done);
    CHECK_RC(sys_signal(a, 0x80), SYS_OK);
    CHECK(wait_done(2000));
    CHECK_EQ(w.bits, 0x80);
    return true;
}

/* The bits: pending on the waited one (returned at once), one notification
 * for both (its own signal comes back), badges, zero bits; deadlines. */
static bool t_sw_bits_deadline(void)
{
    uint64_t a = kt_notification(), b = kt_notification(), a_badged = kt_slot();
    CHECK(a && b && a_badged);
    CHECK_RC(sys_cap_copy(a, a_badged, CAP_R_WRITE, 0x700), SYS_OK);
    /* Bits already on the second: taken at once; the first keeps its own. */
    CHECK_RC(sys_signal(b, 0x30), SYS_OK);
    uint64_t far = kt_in(5000 * MS);
    struct sys_result r = sys_signal_wait(a, 0x1, b, far);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x30);
    CHECK_SW_ARGS(r, 0x1, b, far);
    CHECK_EQ(sys_poll(a).r[0], 0x1);
    CHECK_EQ(sys_poll(b).r[0], 0);
    /* The same notification for both: the signal, then the wait takes it. */
    r = sys_signal_wait(a, 0x5, a, 0);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x5);
    CHECK_SW_ARGS(r, 0x5, a, 0);
    CHECK_EQ(sys_poll(a).r[0], 0);
    CHECK_RC(sys_signal(a, 0x100), SYS_OK);      /* with bits already there: ORed in */
    CHECK_EQ(sys_signal_wait(a, 0x2, a, 0).r[0], 0x102);
    /* A badged capability signals its badge. */
    CHECK_EQ(sys_signal_wait(a_badged, 0x1, a, 0).r[0], 0x700);
    CHECK_RC(sys_signal(b, 0x8), SYS_OK);
    CHECK_EQ(sys_signal_wait(a_badged, 0x1, b, 0).r[0], 0x8);
    CHECK_EQ(sys_poll(a).r[0], 0x700);
    /* A deadline passed: the signal happened, the wait says SYS_ETIMEOUT. */
    r = sys_signal_wait(a, 0x2, b, 1);
    CHECK_EQ(r.ret, SYS_ETIMEOUT);
    CHECK_SW_ARGS(r, 0x2, b, 1);
    CHECK_EQ(sys_poll(a).r[0], 0x2);
    uint64_t deadline = kt_in(3 * MS);
    CHECK_RC(sys_signal_wait(a, 0x4, b, deadline), SYS_ETIMEOUT);
    CHECK(kt_now() >= deadline);
    CHECK_EQ(sys_poll(a).r[0], 0x4);
    /* Zero bits signal nothing (and wake nobody). */
    CHECK_RC(sys_signal_wait(a, 0, b, kt_in(MS)), SYS_ETIMEOUT);
    CHECK_EQ(sys_poll(a).r[0], 0);
    /* Another thread waits on the second: SYS_EBUSY, after the signal. */
    memset(&w, 0, sizeof w);
    w.ntfn = b;
    uint64_t t = kt_thread_run(wait_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK_RC(sys_signal_wait(a, 0x10, b, 0), SYS_EBUSY);
    CHECK_EQ(sys_poll(a).r[0], 0x10);
    CHECK(!w.done);
    /* The waiter on the first notification and the second the same: the
     * waiter is woken, then the caller waits there (and times out). */
    CHECK_RC(sys_signal_wait(b, 0x20, b, kt_in(2 * MS)), SYS_ETIMEOUT);
    CHECK(wait_done(2000));
    CHECK_EQ(w.rc, SYS_OK);
    CHECK_EQ(w.bits, 0x20);
    /* A timer on the waited notification ends the wait with its bits. */
    CHECK_RC(sys_timer_set(b, kt_in(2 * MS), 0x4000), SYS_OK);
    r = sys_signal_wait(a, 0x1, b, 0);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x4000);
    CHECK_EQ(sys_poll(a).r[0], 0x1);
    return true;
}

/* A waiter at wprio on sw_a is signalled by signal_wait(sw_a, 0x11, sw_b)
 * from a helper at sprio; the waiter logs, signals sw_b back with 0x22,
 * logs again. Nothing else ready: the signaller blocks, the waiter runs at
 * once whatever its priority; its signal back then wakes the signaller,
 * which runs first only if it outranks the waiter. With pend, sw_b already
 * has bits: a waiter that outranks the signaller preempts it between the
 * signal and the wait (which then takes both signals); otherwise the
 * signaller goes on. */
static uint64_t sw_a, sw_b;
static volatile uint64_t sw_got;

static void sw_waiter_fn(uint64_t arg)
{
    (void)arg;
    struct sys_result r = sys_wait(sw_a, 0);
    order_log_add(r.ret == SYS_OK && r.r[0] == 0x11 ? 1 : 100);
    sys_signal(sw_b, 0x22);
    order_log_add(3);
}

static void sw_signaller_fn(uint64_t arg)
{
    (void)arg;
    struct sys_result r = sys_signal_wait(sw_a, 0x11, sw_b, 0);
    sw_got = r.ret == SYS_OK ? r.r[0] : 0xdead;
    order_log_add(2);
}

static bool sw_order_case(unsigned wprio, unsigned sprio, bool pend, const unsigned expect[3])
{
    sw_a = kt_notification();
    sw_b = kt_notification();
    CHECK(sw_a && sw_b);
    order_n = 0;
    sw_got = 0;
    if (pend)
        CHECK_RC(sys_signal(sw_b, 0x8), SYS_OK);
    uint64_t wt = kt_thread_run(sw_waiter_fn, 0, wprio, 0);
    CHECK(wt != 0);
    CHECK(kt_settle());
    CHECK_EQ(order_n, 0);
    uint64_t st = kt_thread_run(sw_signaller_fn, 0, sprio, 0);
    CHECK(st != 0);
    CHECK(kt_wait_dead(st, 2000));
    CHECK(kt_wait_dead(wt, 2000));
    CHECK_EQ(order_n, 3);
    for (unsigned i = 0; i < 3; i++)
        if (order_log[i] != expect[i])
            return kt_fail("wprio %u sprio %u pend %d: log %u %u %u, expected %u %u %u", wprio, sprio,
                           (int)pend, order_log[0], order_log[1], order_log[2], expect[0], expect[1],
                           expect[2]);
    /* With bits pending and a waiter that outranks the signaller, the waiter
     * runs between the signal and the wait (as between two calls): its
     * signal back is taken by the wait too. */
    bool between = pend && wprio > sprio;
    CHECK_EQ(sw_got, between ? 0x2a : pend ? 0x8 : 0x22);
    CHECK_EQ(sys_poll(sw_a).r[0], 0);
    CHECK_EQ(sys_poll(sw_b).r[0], pend && !between ? 0x22 : 0);
    return true;
}

static bool t_sw_priorities(void)
{
    static const unsigned w_first[3] = { 1, 3, 2 }, s_between[3] = { 1, 2, 3 }, s_first[3] = { 2, 1, 3 };
    const unsigned p = KT_HELPER_PRIO;
    /* The signaller blocks: the waiter runs; its signal back preempts it
     * only for a higher signaller. */
    CHECK(sw_order_case(p + 5, p, false, w_first));
    CHECK(sw_order_case(p, p, false, w_first));
    CHECK(sw_order_case(p, p + 5, false, s_between));
    /* Bits pending: the waiter runs first only if it outranks the
     * signaller, and then before the signaller's wait. */
    CHECK(sw_order_case(p + 5, p, true, w_first));
    CHECK(sw_order_case(p, p, true, s_first));
    CHECK(sw_order_case(p, p + 5, true, s_first));
    /* ktest itself signals a lower-priority waiter that blocked with
     * nothing else ready (in C: its kernel context is resumed). */
    sw_a = kt_notification();
    sw_b = kt_notification();
    order_n = 0;
    uint64_t wt = kt_thread_run(sw_waiter_fn, 0, p, 0);
    CHECK(wt != 0);
    CHECK(kt_settle());
    struct sys_result r = sys_signal_wait(sw_a, 0x11, sw_b, 0);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x22);
    CHECK_SW_ARGS(r, 0x11, sw_b, 0);
    CHECK_EQ(order_n, 1);                       /* ktest outranks it: back at once */
    CHECK(kt_wait_dead(wt, 2000));
    CHECK_EQ(order_n, 2);
    CHECK_EQ(order_log[0], 1);
    CHECK_EQ(order_log[1], 3);
    return true;
}

/* Bound notifications: signal_wait's signal reaches a thread bound to the
 * first one blocked in recv; the wait on a notification bound to the caller
 * works as on any other. */
static void sw_bound_fn(uint64_t arg)
{
    struct waiter *x = (struct waiter *)(uintptr_t)arg;
    long rc = sys_ntfn_bind(x->ntfn).ret;
    if (rc == SYS_OK)
        rc = ipc_recv_until(x->ep, kt_in(x->deadline_ms * MS), &x->m);
    x->rc = rc;
    x->done = true;
    sys_signal(sw_b, 0x77);
}

static bool t_sw_bound(void)
{
    uint64_t a = kt_notification(), ep = kt_endpoint();
    sw_b = kt_notification();
    CHECK(a && ep && sw_b);
    memset(&w, 0, sizeof w);
    w.ntfn = a;
    w.ep = ep;
    w.deadline_ms = 3000;
    uint64_t t = kt_thread_run(sw_bound_fn, (uintptr_t)&w, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_settle());
    CHECK(!w.done);
    struct sys_result r = sys_signal_wait(a, 0x900, sw_b, kt_in(2000 * MS));
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 0x77);
    CHECK(w.done);
    CHECK_EQ(w.rc, SYS_OK);
    CHECK_EQ(TAG_LABEL(w.m.tag), LABEL_NOTIFY);
    CHECK_EQ(w.m.mr[0], 0x900);
    CHECK(kt_wait_dead(t, 2000));
    /* Waiting on a notification bound to the caller: a waiter on the first
     * signals it back. */
    CHECK_RC(sys_ntfn_bind(sw_b), SYS_OK);
    sw_a = a;
    order_n = 0;
    uint64_t wt = kt_thread_run(sw_waiter_fn, 0, KT_HELPER_PRIO, 0);
    CHECK(wt != 0);
    CHECK(kt_settle());
    CHECK_EQ(sys_signal_wait(a, 0x11, sw_b, kt_in(2000 * MS)).r[0], 0x22);
    CHECK(kt_wait_dead(wt, 2000));
    /* Signalling the caller's own bound notification, then waiting on it. */
    CHECK_EQ(sys_signal_wait(sw_b, 0x3, sw_b, 0).r[0], 0x3);
    CHECK_RC(sys_ntfn_bind(0), SYS_OK);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 2, &m), SYS_ETIMEOUT);
    return true;
}

/* Two threads ping-pong with signal_wait only (the fast path's handoff),
 * at equal and at different priorities, with waits that sometimes carry a
 * deadline (the C path) and a badged capability on one side: every round's
 * bits arrive, exactly once. */
#define SW_ROUNDS 500
static uint64_t swp_a, swp_b, swp_a_badged;
static volatile unsigned swp_rounds[2];
static volatile bool swp_bad;

static void swp_fn(uint64_t side)
{
    uint64_t mine = side ? swp_b : swp_a, other = side ? swp_a_badged : swp_b;
    uint64_t expect = side ? 0x1 : 0x5a0;   /* side 1 signals through the badged cap */
    if (!side) {
        struct sys_result r = sys_wait(mine, 0);
        if (r.ret != SYS_OK || r.r[0] != expect)
            swp_bad = true;
    }
    for (unsigned k = 0; k < SW_ROUNDS; k++) {
        uint64_t deadline = (k % 7) == 3 ? kt_in(5000 * MS) : 0;
        if (side == 0 && k == SW_ROUNDS - 1) {
            sys_signal(other, 1);       /* the last round: the other side ends */
            swp_rounds[side]++;
            break;
        }
        struct sys_result r = sys_signal_wait(other, 1, mine, deadline);
        if (r.ret != SYS_OK || r.r[0] != expect || r.r[SYS_R_RDX] != mine || r.r[SYS_R_R10] != deadline)
            swp_bad = true;
        swp_rounds[side]++;
    }
}

static bool sw_pingpong(unsigned prio0, unsigned prio1)
{
    swp_a = kt_notification();
    swp_b = kt_notification();
    swp_a_badged = kt_slot();
    CHECK(swp_a && swp_b && swp_a_badged);
    CHECK_RC(sys_cap_copy(swp_a, swp_a_badged, CAP_R_WRITE, 0x5a0), SYS_OK);
    swp_bad = false;
    swp_rounds[0] = swp_rounds[1] = 0;
    /* side 0 waits on a (signalled through the badged copy), side 1 on b */
    uint64_t t0 = kt_thread_run(swp_fn, 0, prio0, 0);
    CHECK(t0 != 0);
    CHECK(kt_settle());
    uint64_t t1 = kt_thread_run(swp_fn, 1, prio1, 0);
    CHECK(t1 != 0);
    CHECK(kt_wait_dead(t0, 20000));
    CHECK(kt_wait_dead(t1, 20000));
    CHECK(!swp_bad);
    CHECK_EQ(swp_rounds[0], SW_ROUNDS);
    CHECK_EQ(swp_rounds[1], SW_ROUNDS);
    CHECK_EQ(sys_poll(swp_a).r[0], 0);
    CHECK_EQ(sys_poll(swp_b).r[0], 0);
    return true;
}

static bool t_sw_pingpong(void)
{
    CHECK(sw_pingpong(KT_HELPER_PRIO, KT_HELPER_PRIO));
    CHECK(sw_pingpong(KT_HELPER_PRIO + 3, KT_HELPER_PRIO));
    CHECK(sw_pingpong(KT_HELPER_PRIO, KT_HELPER_PRIO + 3));
    CHECK_EQ(kt_kcheck(), 0);
    return true;
}

/* Round robin with signal_wait: a ping-pong pair handing off to each other
 * and a spinner of their priority all make progress. */
static void rr_sw_fn(uint64_t first)
{
    uint64_t mine = first ? rr_a : rr_b, other = first ? rr_b : rr_a;
    if (!first)
        sys_wait(mine, 0);
    for (;;) {
        sys_signal_wait(other, 1, mine, 0);
        if (rr_stop)
            return;
        rr_rounds++;
    }
}

static bool t_sw_round_robin(void)
{
    rr_a = kt_notification();
    rr_b = kt_notification();
    rr_spins = rr_rounds = rr_stop = 0;
    uint64_t b = kt_thread_run(rr_sw_fn, 0, KT_HELPER_PRIO, 0);
    CHECK(b != 0);
    CHECK(kt_settle());
    uint64_t a = kt_thread_run(rr_sw_fn, 1, KT_HELPER_PRIO, 0);
    uint64_t s = kt_thread_run(rr_spin_fn, 0, KT_HELPER_PRIO, 0);
    CHECK(a && s);
    uint64_t end = kt_in(2000 * MS);
    while ((rr_spins < 1000 || rr_rounds < 20) && kt_now() < end)
        kt_sleep_ms(5);
    uint64_t spins = rr_spins, rounds = rr_rounds;
    uint64_t again = kt_in(3000 * MS);
    while ((rr_spins == spins || rr_rounds == rounds) && kt_now() < again)
        kt_sleep_ms(5);
    rr_stop = 1;
    sys_signal(rr_a, 1);
    sys_signal(rr_b, 1);
    CHECK(kt_wait_dead(s, 2000));
    CHECK(kt_wait_dead(a, 2000));
    CHECK(kt_wait_dead(b, 2000));
    CHECK(spins >= 1000);
    CHECK(rounds >= 20);
    CHECK(rr_spins > spins);
    CHECK(rr_rounds > rounds);
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
    { "ntfn_fast_priorities", "a signalled waiter runs first only if it outranks the signaller",
      t_fast_priorities },
    { "ntfn_fast_waiter_killed", "a waiter killed or suspended while blocked; bits stay pending",
      t_fast_waiter_killed },
    { "ntfn_fast_bound", "a waiter and a bound thread on one notification; wait on a bound one",
      t_fast_bound_and_waiter },
    { "ntfn_fast_many", "4 signallers at mixed priorities ping-pong with one waiter: every signal seen once",
      t_fast_many },
    { "ntfn_fast_round_robin", "a signal/wait ping-pong pair and a spinner of their priority all progress",
      t_fast_round_robin },
    { "ntfn_sw_bad_caps", "signal_wait: a bad capability (either, both) is its error with nothing done",
      t_sw_bad_caps },
    { "ntfn_sw_bits", "signal_wait: pending bits, one notification for both, badges, deadlines, EBUSY, timers",
      t_sw_bits_deadline },
    { "ntfn_sw_priorities", "signal_wait: the woken waiter runs when the caller blocks; priorities otherwise",
      t_sw_priorities },
    { "ntfn_sw_bound", "signal_wait: a bound thread in recv is signalled; waiting on a bound notification",
      t_sw_bound },
    { "ntfn_sw_pingpong", "signal_wait ping-pong at equal and mixed priorities, some deadlines, a badge",
      t_sw_pingpong },
    { "ntfn_sw_round_robin", "a signal_wait ping-pong pair and a spinner of their priority all progress",
      t_sw_round_robin },
};
KT_COUNT(kt_ntfn_tests);
