/* Deep and wide object graphs: what the kernel must tear down without
 * recursion, whatever their depth, with every byte of quota coming back.
 *
 *   proc_chain           N processes, each holding the only cap to the next
 *                        (and the only caps to a few of ktest's own threads)
 *   thread_chain         N processes, each holding the caps to the next one
 *                        and to its never-started thread
 *   thread_chain_started N processes, each holding only the cap to the next
 *                        one's started thread (blocked on a fault endpoint)
 *   cap_chain_*          a derivation chain of thousands of capabilities,
 *                        copies of copies across ktest and KP_AGENT partners
 *                        (IPC transfers both ways), revoked at the root or
 *                        deleted root first; frame_chain_* the same for a
 *                        frame with mappings made at several depths
 *   cap_tree             one endpoint copied into every slot of many processes
 *   teardown_self        a teardown that deletes the last cap to the thread
 *                        running it must still finish
 *
 * After each: ktest's quota back exactly, kdebug CHECK == 0, the deepest
 * kernel stack below 16 KiB, and the kernel still works (kt_graph_after).
 *
 * The chains bring today's kernel down (one level of recursion per
 * process: cap_delete -> obj_put -> process_destroy -> process_teardown ->
 * cap_table_destroy -> cap_delete ...; about 80 levels overflow its 16 KiB
 * kernel stack), and teardown_self leaves it inconsistent, so they are in
 * kt_deep_crash_tests, which main.c runs last. Sizes are the DEEP_* defines
 * below. */
#include "ktest.h"

#ifndef DEEP_N
#define DEEP_N 3000             /* processes in proc_chain */
#endif
#ifndef DEEP_THREAD_N
#define DEEP_THREAD_N 3000      /* processes in the thread chains (fewer if the quota is short) */
#endif
#ifndef DEEP_CAP_N
#define DEEP_CAP_N 3000         /* capabilities derived from the root of a cap chain */
#endif
#ifndef DEEP_TREE_PROCS
#define DEEP_TREE_PROCS 48      /* processes of cap_tree, every slot 1..255 filled */
#endif
#define DEEP_RESERVE (8ull << 20)   /* quota ktest keeps for itself while a chain stands */
#define DEEP_HELPERS 4          /* ktest threads whose only caps sit in proc_chain */
#define DEEP_PRIO 2             /* started chain threads: above KT_SETTLE_PRIO */

#define CHAIN_KTEST_COPIES 60   /* copies of a chain kept in ktest's own table */
#define AGENT_LO 20             /* an agent's chain slots: AGENT_LO .. AGENT_HI - 1 */
#define AGENT_HI 250
#define MAX_AGENTS 24
#define AGENT_QUOTA (256 * 1024)
#define AGENT_PRIO 45
#define AGENT_VA 0x0000500000000000ull     /* where agents map a chain's frame */

/* --- smallest process quota ---------------------------------------------------- */

/* One chain node with quota q: the process, optionally a thread in it, and
 * two caps given into it. Nothing is left behind. */
static bool node_fits(uint64_t q, bool with_thread, uint64_t give_src, uint64_t p, uint64_t t)
{
    if (sys_create(CAP_PROCESS, p, q).ret != SYS_OK)
        return false;
    bool ok = true;
    if (with_thread)
        ok = sys_thread_create(p, t, 0x400000, 0x500000, 0, DEEP_PRIO).ret == SYS_OK;
    if (ok)
        ok = sys_cap_give(p, give_src, 5, CAP_R_ALL).ret == SYS_OK &&
             sys_cap_give(p, give_src, 6, CAP_R_ALL).ret == SYS_OK;
    sys_cap_delete(t);
    sys_cap_delete(p);
    return ok;
}

/* The smallest quota the kernel accepts for a chain node, found by trying
 * (a bit over 20 KiB today; a hardened kernel may need more). 0 if even
 * 1 MiB does not do. *cost gets what one node costs ktest. */
static uint64_t min_quota(bool with_thread, uint64_t give_src, uint64_t *cost)
{
    uint64_t p = kt_slot(), t = kt_slot();
    uint64_t lo = 0, hi = 1 << 20;
    if (!p || !t || !node_fits(hi, with_thread, give_src, p, t))
        return 0;
    while (hi - lo > 8) {
        uint64_t mid = (lo + hi) / 2;
        if (node_fits(mid, with_thread, give_src, p, t))
            hi = mid;
        else
            lo = mid;
    }
    uint64_t u0 = kt_quota_used();
    if (sys_create(CAP_PROCESS, p, hi).ret != SYS_OK)
        return 0;
    *cost = kt_quota_used() - u0;
    sys_cap_delete(p);
    return hi;
}

/* How many nodes of cost fit in ktest's quota (keeping DEEP_RESERVE). */
static uint64_t fit(uint64_t want, uint64_t cost, const char *name)
{
    struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
    uint64_t avail = q.r[1] - q.r[0];
    uint64_t can = avail > DEEP_RESERVE ? (avail - DEEP_RESERVE) / cost : 0;
    if (can < want) {
        printf("ktest: %s: note: ktest's quota (%llu KiB free) holds only %llu of %llu nodes of %llu bytes", name,
               (unsigned long long)(avail >> 10), (unsigned long long)can, (unsigned long long)want,
               (unsigned long long)cost);
        return can;
    }
    return want;
}

/* --- ktest threads blocked in recv, whose only caps go into a chain ------------- */

static uint8_t helper_stacks[DEEP_HELPERS][4096] __attribute__((aligned(16)));

static _Noreturn void recv_forever(uint64_t ep)
{
    for (;;)
        sys_recv(ep, 0);
}

/* A started ktest thread blocked in recv on ep (no IPC buffer: 4 words). */
static uint64_t blocked_helper(unsigned i, uint64_t ep)
{
    uint64_t s = kt_slot();
    if (!s || sys_thread_create(RT_SLOT_SELF_PROCESS, s, (uint64_t)(uintptr_t)recv_forever,
                                (uint64_t)(uintptr_t)(helper_stacks[i] + sizeof helper_stacks[i]) - 8, ep,
                                KT_HELPER_PRIO).ret != SYS_OK)
        return 0;
    if (kt_start(s) != SYS_OK)
        return 0;
    return s;
}

/* --- 1. a chain of processes ----------------------------------------------------- */

static bool t_proc_chain(void)
{
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    uint64_t ep = kt_endpoint(), hep = kt_endpoint(), cost = 0;
    CHECK(ep && hep);
    uint64_t q = min_quota(false, ep, &cost);
    CHECK(q != 0);
    uint64_t n = fit(DEEP_N, cost, "proc_chain");
    CHECK(n >= 2);
    uint64_t helpers[DEEP_HELPERS];
    for (unsigned i = 0; i < DEEP_HELPERS; i++) {
        helpers[i] = blocked_helper(i, hep);
        CHECK(helpers[i] != 0);
    }
    CHECK(kt_settle());
    uint64_t t0 = kt_now();
    uint64_t head = kt_slot(), alt[2] = { kt_slot(), kt_slot() };
    CHECK(head && alt[0] && alt[1]);
    CHECK_RC(sys_create(CAP_PROCESS, head, q), SYS_OK);
    uint64_t cur = head;
    unsigned next_helper = 0;
    for (uint64_t i = 1; i < n; i++) {
        uint64_t nx = alt[i & 1];
        long rc = sys_create(CAP_PROCESS, nx, q).ret;
        if (rc != SYS_OK)
            return kt_fail("creating process %llu of the chain: %ld", (unsigned long long)i, rc);
        CHECK_RC(sys_cap_give(cur, nx, 5, CAP_R_ALL), SYS_OK);
        CHECK_RC(sys_cap_give(cur, ep, 6, CAP_R_WRITE), SYS_OK);
        /* A few of ktest's blocked threads hang off the chain at depths spread over it. */
        if (next_helper < DEEP_HELPERS && i == (next_helper + 1) * n / (DEEP_HELPERS + 1)) {
            CHECK_RC(sys_cap_give(cur, helpers[next_helper], 7, CAP_R_ALL), SYS_OK);
            CHECK_RC(sys_cap_delete(helpers[next_helper]), SYS_OK);
            next_helper++;
        }
        if (cur != head)
            CHECK_RC(sys_cap_delete(cur), SYS_OK);      /* the previous node holds the only cap now */
        cur = nx;
    }
    CHECK_RC(sys_cap_give(cur, ep, 6, CAP_R_WRITE), SYS_OK);
    if (cur != head)
        CHECK_RC(sys_cap_delete(cur), SYS_OK);
    uint64_t t1 = kt_now();
    printf("ktest: proc_chain: %llu processes of %llu bytes built in %llu ms (%u of ktest's threads hang off it); "
           "deleting the head",
           (unsigned long long)n, (unsigned long long)q, (unsigned long long)((t1 - t0) / MS), next_helper);
    CHECK_RC(sys_cap_delete(head), SYS_OK);
    printf("ktest: proc_chain: head deleted, %llu ms", (unsigned long long)((kt_now() - t1) / MS));
    /* Every node is gone: no copy of ep is left, ktest's threads died with the caps. */
    CHECK_RC(sys_cap_revoke(ep), 0);
    CHECK_RC(sys_nbsend(hep, 0, 0, 0, 0, 0), SYS_EBUSY);
    for (unsigned i = next_helper; i < DEEP_HELPERS; i++)
        sys_cap_delete(helpers[i]);
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    CHECK_RC(sys_cap_delete(hep), SYS_OK);
    return kt_graph_after("proc_chain", used0);
}

/* --- 2. chains of threads ---------------------------------------------------------- */

/* started = false: node i holds the caps to process i+1 (slot 6) and to its
 * never-started thread (slot 5, deleted first by the teardown, so the
 * chain unwinds through thread_destroy -> process death). ktest deletes
 * the head's process cap.
 * started = true: node i holds only the cap to the started thread of
 * process i+1 (slot 5); the thread keeps its process alive and waits
 * forever on a fault endpoint nobody receives on (it faults at once: no
 * code is mapped). ktest deletes the head's thread cap. */
static bool thread_chain(bool started, const char *name, uint64_t want)
{
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    uint64_t ep = kt_endpoint(), fep = kt_endpoint(), cost = 0;
    CHECK(ep && fep);
    uint64_t q = min_quota(true, ep, &cost);
    CHECK(q != 0);
    /* A node costs its process and its thread (charged to the node's quota). */
    uint64_t n = fit(want, cost, name);
    CHECK(n >= 2);
    uint64_t t0 = kt_now();
    uint64_t hp = kt_slot(), ht = kt_slot(), ap[2] = { kt_slot(), kt_slot() }, at[2] = { kt_slot(), kt_slot() };
    CHECK(hp && ht && ap[0] && ap[1] && at[0] && at[1]);
    uint64_t cp = hp, ct = ht;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t np = i ? ap[i & 1] : hp, nt = i ? at[i & 1] : ht;
        long rc = sys_create(CAP_PROCESS, np, q).ret;
        if (rc == SYS_OK)
            rc = sys_thread_create(np, nt, 0x400000, 0x500000, 0, DEEP_PRIO).ret;
        if (rc == SYS_OK && started)
            rc = sys_thread_ctl(nt, SYS_THREAD_FAULT_EP, fep).ret;
        if (rc == SYS_OK && started)
            rc = kt_start(nt);
        if (rc != SYS_OK)
            return kt_fail("node %llu of the chain: %ld", (unsigned long long)i, rc);
        if (i == 0)
            continue;
        CHECK_RC(sys_cap_give(cp, nt, 5, CAP_R_ALL), SYS_OK);
        if (!started)
            CHECK_RC(sys_cap_give(cp, np, 6, CAP_R_ALL), SYS_OK);
        if (cp != hp) {
            /* The previous node holds node i's caps now (started: only the
             * thread's, and the thread holds its process). */
            CHECK_RC(sys_cap_delete(ct), SYS_OK);
            CHECK_RC(sys_cap_delete(cp), SYS_OK);
        }
        cp = np;
        ct = nt;
    }
    if (cp != hp) {
        CHECK_RC(sys_cap_delete(ct), SYS_OK);
        CHECK_RC(sys_cap_delete(cp), SYS_OK);
    }
    if (started)
        CHECK(kt_settle());     /* every chain thread has faulted and waits on fep */
    uint64_t t1 = kt_now();
    printf("ktest: %s: %llu processes of %llu bytes with %s threads built in %llu ms; deleting the head's %s cap",
           name, (unsigned long long)n, (unsigned long long)q, started ? "started" : "never-started",
           (unsigned long long)((t1 - t0) / MS), started ? "thread" : "process");
    if (started) {
        CHECK_RC(sys_cap_delete(ht), SYS_OK);
        CHECK(kt_process_dead(hp));
        CHECK_RC(sys_cap_delete(hp), SYS_OK);
    } else {
        CHECK_RC(sys_cap_delete(hp), SYS_OK);
        CHECK(kt_thread_dead(ht));
        CHECK_RC(sys_cap_delete(ht), SYS_OK);
    }
    printf("ktest: %s: head deleted, %llu ms", name, (unsigned long long)((kt_now() - t1) / MS));
    /* No chain thread is left waiting on the fault endpoint. */
    struct msg m;
    CHECK_EQ(kt_recv(fep, 1, &m), SYS_ETIMEOUT);
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    CHECK_RC(sys_cap_delete(fep), SYS_OK);
    return kt_graph_after(name, used0);
}

static bool t_thread_chain(void) { return thread_chain(false, "thread_chain", DEEP_THREAD_N); }
static bool t_thread_chain_started(void) { return thread_chain(true, "thread_chain_started", DEEP_THREAD_N); }

/* --- 3. derivation chains across processes ------------------------------------------ */

struct chain {
    uint64_t root;                          /* ktest's slot of the original */
    uint64_t kslots[CHAIN_KTEST_COPIES + MAX_AGENTS];   /* ktest's copies, in chain order */
    unsigned nk;
    unsigned total;                         /* caps derived from the root */
    unsigned nagents;
    struct kt_partner ag[MAX_AGENTS];
    uint64_t agep[MAX_AGENTS];              /* ktest's endpoint to each agent (WRITE|GRANT) */
    uint64_t aglast[MAX_AGENTS];            /* each agent's last chain slot */
};
static struct chain ch;

static long agent_call(unsigned j, unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t send_cap, uint64_t recv_slot, struct msg *out)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    b->send_cap = send_cap;
    b->recv_slot = recv_slot;
    struct msg m = { .tag = TAG(op, 4, send_cap ? 1 : 0), .mr = { a0, a1, a2, a3 } };
    long rc = ipc_call(ch.agep[j], &m);
    b->send_cap = 0;
    b->recv_slot = 0;
    if (out)
        *out = m;
    return rc < 0 ? rc : (long)m.mr[0];
}

static uint64_t chain_slot(void)
{
    int s = rt_slot_alloc();
    return s < 0 ? 0 : (uint64_t)s;
}

/* Spawns the agents a chain of want caps needs (kept for the whole test). */
static bool chain_agents(unsigned want)
{
    unsigned per = AGENT_HI - AGENT_LO + 1;       /* TAKE + CHAIN copies + GIVE back */
    unsigned n = want > CHAIN_KTEST_COPIES ? (want - CHAIN_KTEST_COPIES + per - 1) / per : 0;
    CHECK(n <= MAX_AGENTS);
    for (unsigned j = 0; j < n; j++) {
        uint64_t ep = kt_endpoint();
        CHECK(ep != 0);
        struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
        CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_AGENT, 0), caps, 1, AGENT_QUOTA, AGENT_PRIO, 0, 0, &ch.ag[j]), 0);
        ch.agep[j] = ep;
    }
    ch.nagents = n;
    return true;
}

/* Builds the chain from the cap in root: CHAIN_KTEST_COPIES copies in
 * ktest, then per agent: an IPC transfer into it, copies down its table,
 * an IPC transfer back into ktest; until want caps derive from the root. */
static bool chain_build(uint64_t root, unsigned rights, unsigned want)
{
    ch.root = root;
    ch.nk = 0;
    ch.total = 0;
    uint64_t prev = root;
    for (unsigned i = 0; i < CHAIN_KTEST_COPIES && ch.total < want; i++) {
        uint64_t s = chain_slot();
        CHECK(s != 0);
        CHECK_RC(sys_cap_copy(prev, s, rights, 0), SYS_OK);
        ch.kslots[ch.nk++] = s;
        ch.total++;
        prev = s;
    }
    for (unsigned j = 0; j < ch.nagents && ch.total < want; j++) {
        CHECK_EQ(agent_call(j, KP_OP_A_TAKE, AGENT_LO, 0, 0, 0, prev, 0, NULL), SYS_OK);
        ch.total++;
        unsigned copies = AGENT_HI - AGENT_LO - 1;
        if (ch.total + copies + 1 > want)
            copies = want - ch.total > 1 ? want - ch.total - 1 : 0;
        struct msg m;
        CHECK_EQ(agent_call(j, KP_OP_A_CHAIN, AGENT_LO, AGENT_LO + 1, copies, rights, 0, 0, &m), (long)copies);
        ch.total += copies;
        ch.aglast[j] = copies ? m.mr[1] : AGENT_LO;
        if (ch.total >= want)
            break;
        uint64_t s = chain_slot();
        CHECK(s != 0);
        CHECK_EQ(agent_call(j, KP_OP_A_GIVE, ch.aglast[j], 0, 0, 0, 0, s, &m), SYS_OK);
        CHECK_EQ(TAG_CAPS(m.tag), 1);
        CHECK_EQ(sys_cap_info(s).ret, (long)sys_cap_info(root).ret);
        ch.kslots[ch.nk++] = s;
        ch.total++;
        prev = s;
    }
    CHECK_EQ(ch.total, want);
    return true;
}

/* Nothing of the chain is left in ktest's or the agents' tables. */
static bool chain_gone(void)
{
    for (unsigned i = 0; i < ch.nk; i++)
        if (sys_cap_info(ch.kslots[i]).ret != SYS_ENOCAP)
            return kt_fail("ktest's chain slot %llu (copy %u) still holds a cap",
                           (unsigned long long)ch.kslots[i], i);
    for (unsigned j = 0; j < ch.nagents; j++)
        for (uint64_t lo = AGENT_LO; lo < AGENT_HI; lo += 64) {
            long bits = agent_call(j, KP_OP_A_SLOTS, lo, 0, 0, 0, 0, 0, NULL);
            if (bits != 0)
                return kt_fail("agent %u still holds chain caps: slots from %llu: bitmap %#lx", j,
                               (unsigned long long)lo, bits);
        }
    return true;
}

static void chain_free_slots(void)
{
    for (unsigned i = 0; i < ch.nk; i++) {
        sys_cap_delete(ch.kslots[i]);
        rt_slot_free((int)ch.kslots[i]);
    }
    ch.nk = 0;
}

/* Kills the agents and deletes ktest's caps to them and their endpoints. */
static void chain_agents_end(void)
{
    for (unsigned j = 0; j < ch.nagents; j++) {
        sys_thread_ctl(ch.ag[j].thread, SYS_THREAD_KILL, 0);
        sys_cap_delete(ch.ag[j].thread);
        sys_cap_delete(ch.ag[j].process);
        sys_cap_delete(ch.agep[j]);
    }
    ch.nagents = 0;
}

/* An endpoint chain of DEEP_CAP_N caps, deleted by one revoke at the root
 * (revoke_root) or by deleting the root, then every copy from the top. */
static bool cap_chain(bool revoke_root, const char *name)
{
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    memset(&ch, 0, sizeof ch);
    bool ok = chain_agents(DEEP_CAP_N);
    uint64_t ep = kt_endpoint();
    ok = ok && ep != 0 && chain_build(ep, CAP_R_ALL, DEEP_CAP_N);
    if (ok) {
        printf("ktest: %s: %u caps derived from one endpoint (%u in ktest, the rest in %u agents)", name, ch.total,
               ch.nk, ch.nagents);
        if (revoke_root) {
            long n = sys_cap_revoke(ep).ret;
            if (n != (long)ch.total)
                ok = kt_fail("cap_revoke(root) = %ld, expected %u", n, ch.total);
            ok = ok && chain_gone();
            if (ok && sys_nbsend(ep, 0, 0, 0, 0, 0).ret != SYS_EBUSY)
                ok = kt_fail("the root endpoint does not work after the revoke");
            sys_cap_delete(ep);
        } else {
            sys_cap_delete(ep);
            /* The first copy is a root now; it still works, and so does the last. */
            if (sys_nbsend(ch.kslots[0], 0, 0, 0, 0, 0).ret != SYS_EBUSY ||
                sys_nbsend(ch.kslots[ch.nk - 1], 0, 0, 0, 0, 0).ret != SYS_EBUSY)
                ok = kt_fail("copies of a deleted original stopped working");
            unsigned deleted = 0;
            for (unsigned i = 0, j = 0; ok && i < ch.nk; i++) {
                if (sys_cap_delete(ch.kslots[i]).ret == SYS_OK)
                    deleted++;
                /* ktest's copies up to CHAIN_KTEST_COPIES, then one per agent hop after the agent's. */
                if (i + 1 >= CHAIN_KTEST_COPIES && j < ch.nagents) {
                    long d = agent_call(j, KP_OP_A_DELRANGE, AGENT_LO, AGENT_HI, 0, 0, 0, 0, NULL);
                    deleted += d > 0 ? (unsigned)d : 0;
                    j++;
                }
            }
            if (ok && deleted != ch.total)
                ok = kt_fail("deleted %u caps one by one, expected %u", deleted, ch.total);
            ok = ok && chain_gone();
        }
    }
    chain_free_slots();
    chain_agents_end();
    if (!ok)
        return false;
    return kt_graph_after(name, used0);
}

static bool t_cap_chain_revoke(void) { return cap_chain(true, "cap_chain_revoke"); }
static bool t_cap_chain_delete(void) { return cap_chain(false, "cap_chain_delete"); }

/* A frame chain with mappings made through the root, through copies in
 * ktest at several depths (into ktest and into a plain process) and
 * through the agents' copies (into the agents). revoke_root: one revoke
 * removes every one of them, the root's own included. Otherwise the root
 * (an original) is deleted first: its mapping stays (it then belongs to
 * no cap); each copy's mapping goes when that copy is deleted. */
#define FRAME_TAG 0x6672616d65636861ull
#define PLAIN_VA 0x0000000040000000ull

struct fmap {
    uint64_t proc;          /* ktest's slot of the process */
    uint64_t va;
    const char *through;
};

static bool fmap_present(const struct fmap *m)
{
    return sys_protect(m->proc, m->va, CAP_R_READ).ret == SYS_OK;
}

static bool frame_chain(bool revoke_root, const char *name)
{
    const uint64_t RW = CAP_R_READ | CAP_R_WRITE, SELF = RT_SLOT_SELF_PROCESS;
    /* Page tables for our mappings first: they stay until ktest ends. */
    uint64_t kva[3], tmp = kt_frame(1);
    CHECK(tmp != 0);
    for (unsigned i = 0; i < 3; i++) {
        kva[i] = kt_va(1);
        CHECK_RC(sys_map(tmp, SELF, kva[i], RW), SYS_OK);
        CHECK_RC(sys_unmap(SELF, kva[i]), SYS_OK);
    }
    CHECK_RC(sys_cap_delete(tmp), SYS_OK);
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    memset(&ch, 0, sizeof ch);
    uint64_t f = kt_frame(1), plain = kt_slot();
    bool ok = f && plain && sys_create(CAP_PROCESS, plain, 256 * 1024).ret == SYS_OK;
    if (ok && sys_map(f, SELF, kva[0], RW).ret == SYS_OK)
        *(volatile uint64_t *)(uintptr_t)kva[0] = FRAME_TAG;
    else
        ok = kt_fail("cannot map the chain's frame");
    ok = ok && chain_agents(DEEP_CAP_N) && chain_build(f, CAP_R_ALL, DEEP_CAP_N);
    struct fmap maps[4 + MAX_AGENTS];
    unsigned nmaps = 0;
    if (ok) {
        maps[nmaps++] = (struct fmap){ SELF, kva[0], "the root (an original)" };
        uint64_t mid = ch.kslots[CHAIN_KTEST_COPIES / 2], last = ch.kslots[ch.nk - 1];
        if (sys_map(mid, SELF, kva[1], RW).ret != SYS_OK || sys_map(last, SELF, kva[2], CAP_R_READ).ret != SYS_OK ||
            sys_map(mid, plain, PLAIN_VA, RW).ret != SYS_OK)
            ok = kt_fail("mapping through ktest's copies failed");
        maps[nmaps++] = (struct fmap){ SELF, kva[1], "ktest's copy half-way down its part" };
        maps[nmaps++] = (struct fmap){ SELF, kva[2], "ktest's deepest copy (after the agents)" };
        maps[nmaps++] = (struct fmap){ plain, PLAIN_VA, "ktest's copy, into a plain process" };
        for (unsigned j = 0; ok && j < ch.nagents; j++) {
            uint64_t s = ch.aglast[j] > AGENT_LO + 100 ? AGENT_LO + 100 : ch.aglast[j];
            long rc = agent_call(j, KP_OP_A_MAP, s, AGENT_VA, RW, 0, 0, 0, NULL);
            if (rc != SYS_OK)
                ok = kt_fail("agent %u: map through its copy: %ld", j, rc);
            maps[nmaps++] = (struct fmap){ ch.ag[j].process, AGENT_VA, "an agent's copy" };
        }
        for (unsigned i = 0; ok && i < nmaps; i++)
            if (!fmap_present(&maps[i]))
                ok = kt_fail("mapping %u (through %s) missing right after it was made", i, maps[i].through);
        if (ok && ((volatile uint64_t *)(uintptr_t)kva[2])[0] != FRAME_TAG)
            ok = kt_fail("the deepest copy maps another frame");
    }
    if (ok) {
        printf("ktest: %s: %u caps derived from one frame, %u mappings through them", name, ch.total, nmaps);
        if (revoke_root) {
            long n = sys_cap_revoke(f).ret;
            if (n != (long)ch.total)
                ok = kt_fail("cap_revoke(root) = %ld, expected %u (caps only, not mappings)", n, ch.total);
            ok = ok && chain_gone();
            for (unsigned i = 0; ok && i < nmaps; i++)
                if (fmap_present(&maps[i]))
                    ok = kt_fail("mapping %u (made through %s) survived cap_revoke of the root", i,
                                 maps[i].through);
            sys_cap_delete(f);
        } else {
            CHECK_RC(sys_cap_delete(f), SYS_OK);
            if (!fmap_present(&maps[0]) || ((volatile uint64_t *)(uintptr_t)kva[0])[0] != FRAME_TAG)
                ok = kt_fail("the root's mapping went with the root (an original: it must stay)");
            for (unsigned i = 1; ok && i < nmaps; i++)
                if (!fmap_present(&maps[i]))
                    ok = kt_fail("mapping %u (through %s) went with the root, though its cap is still there", i,
                                 maps[i].through);
            for (unsigned i = 0, j = 0; ok && i < ch.nk; i++) {
                sys_cap_delete(ch.kslots[i]);
                if (i + 1 >= CHAIN_KTEST_COPIES && j < ch.nagents)
                    agent_call(j++, KP_OP_A_DELRANGE, AGENT_LO, AGENT_HI, 0, 0, 0, 0, NULL);
            }
            ok = ok && chain_gone();
            for (unsigned i = 1; ok && i < nmaps; i++)
                if (fmap_present(&maps[i]))
                    ok = kt_fail("mapping %u (made through %s, a copy) survived the deletion of that copy", i,
                                 maps[i].through);
            if (ok && (!fmap_present(&maps[0]) || ((volatile uint64_t *)(uintptr_t)kva[0])[0] != FRAME_TAG))
                ok = kt_fail("the root's mapping (belonging to no cap now) is gone");
        }
    }
    /* Whatever survived (a failure) goes now, so the next tests start clean. */
    for (unsigned i = 0; i < 3; i++)
        sys_unmap(SELF, kva[i]);
    chain_free_slots();
    chain_agents_end();
    sys_cap_delete(plain);
    sys_cap_delete(f);
    if (!ok)
        return false;
    return kt_graph_after(name, used0);
}

static bool t_frame_chain_revoke(void) { return frame_chain(true, "frame_chain_revoke"); }
static bool t_frame_chain_delete(void) { return frame_chain(false, "frame_chain_delete"); }

/* --- 4. a wide tree ------------------------------------------------------------------ */

/* One endpoint, 8 copies of it in ktest, and every slot 1..255 of
 * DEEP_TREE_PROCS processes filled with copies of those: revoking one of
 * the 8 takes its share; revoking the endpoint takes all the rest. */
static bool t_cap_tree(void)
{
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    uint64_t ep = kt_endpoint(), cost = 0;
    CHECK(ep != 0);
    uint64_t q = min_quota(false, ep, &cost);
    CHECK(q != 0);
    uint64_t inter[8], procs[DEEP_TREE_PROCS];
    for (unsigned i = 0; i < 8; i++) {
        inter[i] = kt_slot();
        CHECK(inter[i] != 0);
        CHECK_RC(sys_cap_copy(ep, inter[i], i & 1 ? CAP_R_WRITE : CAP_R_ALL, 0x100 + i), SYS_OK);
    }
    uint64_t t0 = kt_now();
    for (unsigned p = 0; p < DEEP_TREE_PROCS; p++) {
        procs[p] = kt_slot();
        CHECK(procs[p] != 0);
        CHECK_RC(sys_create(CAP_PROCESS, procs[p], q), SYS_OK);
        for (uint64_t s = 1; s < SYS_CAP_SLOTS; s++) {
            long rc = sys_cap_give(procs[p], inter[s % 8], s, CAP_R_ALL).ret;
            if (rc != SYS_OK)
                return kt_fail("give into slot %llu of process %u: %ld", (unsigned long long)s, p, rc);
        }
    }
    unsigned per3 = 0;
    for (uint64_t s = 1; s < SYS_CAP_SLOTS; s++)
        per3 += s % 8 == 3;
    unsigned total = 8 + DEEP_TREE_PROCS * (SYS_CAP_SLOTS - 1);
    printf("ktest: cap_tree: %u caps derived from one endpoint over %u processes, built in %llu ms", total,
           DEEP_TREE_PROCS, (unsigned long long)((kt_now() - t0) / MS));
    CHECK_RC(sys_cap_revoke(inter[3]), DEEP_TREE_PROCS * per3);
    CHECK_EQ(sys_cap_info(inter[3]).ret, CAP_ENDPOINT);
    CHECK_RC(sys_cap_give(procs[0], ep, 3, CAP_R_ALL), SYS_OK);     /* slot 3 was one of inter[3]'s */
    CHECK_RC(sys_cap_give(procs[0], ep, 4, CAP_R_ALL), SYS_EEXIST);
    uint64_t t1 = kt_now();
    CHECK_RC(sys_cap_revoke(ep), total - DEEP_TREE_PROCS * per3 + 1);
    printf("ktest: cap_tree: revoked in %llu ms", (unsigned long long)((kt_now() - t1) / MS));
    CHECK_RC(sys_cap_revoke(ep), 0);
    for (unsigned i = 0; i < 8; i++)
        CHECK_RC(sys_cap_info(inter[i]), SYS_ENOCAP);
    for (unsigned p = 0; p < DEEP_TREE_PROCS; p++) {
        CHECK_RC(sys_cap_give(procs[p], ep, 1, CAP_R_ALL), SYS_OK);             /* every slot empty again */
        CHECK_RC(sys_cap_give(procs[p], ep, SYS_CAP_SLOTS - 1, CAP_R_ALL), SYS_OK);
        CHECK_RC(sys_cap_delete(procs[p]), SYS_OK);
    }
    CHECK_RC(sys_cap_revoke(ep), 0);
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    return kt_graph_after("cap_tree", used0);
}

/* --- 5. a teardown that ends the thread running it ------------------------------------ */

/* KP_SELFTEAR: the partner deletes the only cap to a process C whose table
 * holds the last cap to the partner's own thread, before copies of other
 * objects, a frame mapped in C and a never-started thread of C. The
 * partner's thread dies inside C's teardown; the teardown must still
 * release all of C (today it is abandoned: quota stays charged). */
static bool t_teardown_self(void)
{
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    uint64_t ready = kt_notification(), go = kt_notification();
    CHECK(ready && go);
    struct spawn_caps caps[] = { { ready, KP_SLOT_A, CAP_R_WRITE }, { go, KP_SLOT_B, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_SELFTEAR, 256), caps, 2, 1 << 20, 45, 0, 0, &p), 0);
    CHECK_RC(sys_wait(ready, kt_in(3000 * MS)), SYS_OK);
    CHECK_RC(sys_cap_delete(p.thread), SYS_OK);         /* C will hold the last cap to it */
    rt_slot_free((int)p.thread);
    CHECK_RC(sys_signal(go, 1), SYS_OK);
    CHECK(kt_settle());
    bool dead = kt_process_dead(p.process);
    sys_cap_delete(p.process);
    rt_slot_free((int)p.process);
    CHECK(dead);
    CHECK_RC(sys_cap_delete(ready), SYS_OK);
    CHECK_RC(sys_cap_delete(go), SYS_OK);
    return kt_graph_after("teardown_self", used0);
}

const struct kt_test kt_deep_tests[] = {
    { "cap_tree", "one endpoint copied into every slot of many processes; revoked in part, then at once",
      t_cap_tree },
    { "cap_chain_revoke", "a chain of thousands of copies of copies across processes (IPC transfers), one revoke",
      t_cap_chain_revoke },
    { "cap_chain_delete", "the same chain deleted root first, then copy by copy from the top",
      t_cap_chain_delete },
    { "frame_chain_revoke", "a frame chain with mappings made at many depths: revoking the root removes them all",
      t_frame_chain_revoke },
    { "frame_chain_delete", "a frame chain deleted from the top: copies' mappings go with them, the root's stays",
      t_frame_chain_delete },
};
KT_COUNT(kt_deep_tests);

/* Run last: teardown_self leaves today's kernel with a dead thread half torn
 * down (seen: a leak on microvm; under Xen the thread ran on and the kernel
 * hung), the chains overflow its kernel stack. */
const struct kt_test kt_deep_crash_tests[] = {
    { "teardown_self", "a teardown that deletes the last cap to the thread running it still releases everything",
      t_teardown_self },
    { "proc_chain", "thousands of processes, each holding the only cap to the next, deleted at the head",
      t_proc_chain },
    { "thread_chain", "thousands of processes holding the next one's process and never-started thread caps",
      t_thread_chain },
    { "thread_chain_started", "thousands of processes holding only the next one's started (blocked) thread cap",
      t_thread_chain_started },
};
KT_COUNT(kt_deep_crash_tests);
