/* Revocation against a reference model: seeded random operations on a few
 * frames - copies (cap_copy, cap_give into ktest, a KP_AGENT partner and a
 * plain never-run process, IPC transfers to the agent and back), moves,
 * maps through the various copies (into ktest, the agent, the plain
 * process), unmaps, deletes and revokes (by ktest and by the agent) - with
 * a model of the derivation tree, of the cap every mapping was made
 * through, and of the semantics the kernel must implement:
 *
 *   - a mapping is attached to the cap it was made through;
 *   - cap_revoke(X) deletes every cap derived from X and every mapping made
 *     through X or through any of them; it returns the number of caps;
 *   - cap_delete(X) moves X's children up to X's parent; X's mappings go
 *     with it if X is a copy, stay (belonging to no cap) if X is an
 *     original (made by create);
 *   - cap_move keeps the mappings attached;
 *   - a frame's memory and quota come back when no cap and no mapping
 *     refers to it; a removed mapping faults at once (TLB flushed).
 *
 * After every operation: every result as the model says, ktest's and the
 * agent's slots as the model says, every mapping the model has (and no
 * other) present - in ktest by actually reading (and writing) the pages
 * from a helper thread whose faults come to ktest, and everywhere by
 * protect() (SYS_ENOENT: nothing mapped) - and ktest's quota exactly what
 * the live frames and mappings cost. At the end of a run everything is
 * deleted and ktest's quota is back.
 *
 * revoke_caps runs without mappings (it passes on today's kernel);
 * revoke_model with them (today's kernel keeps mappings made through
 * revoked or deleted copies). Seeds: REVOKE_SEED + run; REVOKE_TRACE = 1
 * logs every operation. */
#include "ktest.h"

#ifndef REVOKE_SEED
#define REVOKE_SEED 1u
#endif
#ifndef REVOKE_RUNS
#define REVOKE_RUNS 2           /* seeds per test */
#endif
#ifndef REVOKE_OPS
#define REVOKE_OPS 500          /* operations per seed */
#endif
#ifndef REVOKE_TRACE
#define REVOKE_TRACE 0          /* 1: log every operation */
#endif
/* 1: the model follows the old semantics instead (cap_revoke and cap_delete
 * never touch mappings), to check the harness itself on a kernel that has
 * not been hardened yet. */
#ifndef REVOKE_OLD_SEMANTICS
#define REVOKE_OLD_SEMANTICS 0
#endif

enum { PK, PA, PB, NPROC };     /* ktest, the agent, the plain process */
#define NK 40                   /* ktest's slots in the model */
#define NA 48                   /* the agent's: A_LO .. A_LO + NA - 1 */
#define NB 32                   /* the plain process's: B_LO .. */
#define A_LO 20
#define B_LO 3
#define MAXSLOTS 48
#define NVA 16
#define VA_STRIDE 0x4000ull     /* 4 pages: a 2-page frame never reaches the next address */
#define VA_TAG (0x0000300000000000ull + 0x100000)   /* where a new frame gets its tag */
#define MAXF 6                  /* frames alive at once */
#define MAXN 200                /* cap nodes */
#define MAXM 64                 /* mappings */
#define RW (CAP_R_READ | CAP_R_WRITE)

static const unsigned nslots[NPROC] = { NK, NA, NB };
static const unsigned nvas[NPROC] = { 16, 8, 8 };
static const uint64_t va_base[NPROC] = { 0x0000300000000000ull, 0x0000500000000000ull, 0x0000000040000000ull };
static const char *const pname[NPROC] = { "ktest", "agent", "plain" };

struct node {
    bool live;
    bool original;
    uint8_t proc, idx;          /* process and slot index in its pool */
    int8_t frame;
    uint8_t rights;
    int16_t parent;             /* -1: a root */
};
struct frame {
    bool live;
    unsigned npages;
    uint64_t tag;               /* word 0 */
    uint64_t word1;             /* last value written to word 1 */
};
struct mapping {
    bool live;
    uint8_t proc, vai;
    int8_t frame;
    int16_t cap;                /* the node it was made through; -1: none (its original was deleted) */
    uint8_t rights;
};

static struct {
    struct node n[MAXN];
    struct frame f[MAXF];
    struct mapping m[MAXM];
    int16_t slot_node[NPROC][MAXSLOTS];
    int8_t va_map[NPROC][NVA];
    bool was_present[NVA];      /* ktest's addresses mapped before the operation */
} M;

static bool with_maps;
static uint64_t rng, tag_seq, write_seq;
static uint64_t kslots[NK];
static struct kt_partner agent;
static uint64_t agent_ep, plain;
static uint64_t q_frame[3], q_map, q_copy, q_base;
static unsigned op_no;
static struct {
    unsigned maps, unmaps, deletes, revokes, revoked, reads, faults, maps_removed;
} st;
static char last_ops[8][120];

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}
static unsigned rn(unsigned n) { return n ? (unsigned)(rnd() % n) : 0; }

static uint64_t real_slot(unsigned proc, unsigned idx)
{
    return proc == PK ? kslots[idx] : proc == PA ? A_LO + idx : B_LO + idx;
}
static uint64_t proc_cap(unsigned proc)
{
    return proc == PK ? RT_SLOT_SELF_PROCESS : proc == PA ? agent.process : plain;
}
static uint64_t vaddr(unsigned proc, unsigned vai) { return va_base[proc] + vai * VA_STRIDE; }

static void note(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void note(const char *fmt, ...)
{
    char *b = last_ops[op_no % 8];
    int o = snprintf(b, sizeof last_ops[0], "#%u ", op_no);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + o, sizeof last_ops[0] - (size_t)o, fmt, ap);
    va_end(ap);
    if (REVOKE_TRACE)
        printf("ktest: revoke: %s", b);
}

/* Fails the test with the seed, the operation and the last few operations logged. */
static bool mismatch(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static bool mismatch(const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("ktest: revoke: mismatch after operation %u: %s; the last operations were:", op_no, why);
    for (unsigned i = op_no > 7 ? op_no - 7 : 0; i <= op_no; i++)
        printf("ktest: revoke:   %s", last_ops[i % 8]);
    return kt_fail("operation %u: %s", op_no, why);
}

/* --- the model ------------------------------------------------------------------------ */

static int m_new_node(unsigned proc, unsigned idx, int frame, int parent, bool original, unsigned rights)
{
    for (int i = 0; i < MAXN; i++)
        if (!M.n[i].live) {
            M.n[i] = (struct node){ .live = true, .original = original, .proc = (uint8_t)proc, .idx = (uint8_t)idx,
                                    .frame = (int8_t)frame, .rights = (uint8_t)rights, .parent = (int16_t)parent };
            M.slot_node[proc][idx] = (int16_t)i;
            return i;
        }
    return -1;
}

static void m_kill_node(int n)
{
    M.slot_node[M.n[n].proc][M.n[n].idx] = -1;
    M.n[n].live = false;
}

static void m_remove_mapping(int i)
{
    st.maps_removed++;
    M.m[i].live = false;
    M.va_map[M.m[i].proc][M.m[i].vai] = -1;
}

static bool m_is_descendant(int d, int anc)
{
    for (int p = M.n[d].parent; p >= 0; p = M.n[p].parent)
        if (p == anc)
            return true;
    return false;
}

static void m_delete(int n)
{
    for (int i = 0; i < MAXN; i++)
        if (M.n[i].live && M.n[i].parent == n)
            M.n[i].parent = M.n[n].parent;
    for (int i = 0; i < MAXM; i++)
        if (M.m[i].live && M.m[i].cap == n) {
            if (M.n[n].original || REVOKE_OLD_SEMANTICS)
                M.m[i].cap = -1;
            else
                m_remove_mapping(i);
        }
    m_kill_node(n);
}

static unsigned m_revoke(int n)
{
    bool gone[MAXN] = { false };
    unsigned count = 0;
    for (int i = 0; i < MAXN; i++)
        if (M.n[i].live && i != n && m_is_descendant(i, n)) {
            gone[i] = true;
            count++;
        }
    for (int i = 0; i < MAXM; i++)
        if (M.m[i].live && (M.m[i].cap == n || (M.m[i].cap >= 0 && gone[M.m[i].cap]))) {
            if (REVOKE_OLD_SEMANTICS) {
                if (M.m[i].cap != n)
                    M.m[i].cap = -1;
            } else {
                m_remove_mapping(i);
            }
        }
    for (int i = 0; i < MAXN; i++)
        if (gone[i])
            m_kill_node(i);
    return count;
}

/* Frames no cap and no mapping refers to are gone. */
static void m_frames_gc(void)
{
    for (int f = 0; f < MAXF; f++) {
        if (!M.f[f].live)
            continue;
        bool used = false;
        for (int i = 0; i < MAXN && !used; i++)
            used = M.n[i].live && M.n[i].frame == f;
        for (int i = 0; i < MAXM && !used; i++)
            used = M.m[i].live && M.m[i].frame == f;
        M.f[f].live = used;
    }
}

static uint64_t m_quota(void)
{
    uint64_t q = q_base;
    for (int f = 0; f < MAXF; f++)
        if (M.f[f].live)
            q += q_frame[M.f[f].npages];
    for (int i = 0; i < MAXM; i++)
        if (M.m[i].live && M.m[i].proc == PK)
            q += q_map;
    for (int i = 0; i < MAXN; i++)
        if (M.n[i].live && M.n[i].proc == PK)
            q += q_copy;
    return q;
}

static int pick_node(unsigned proc)
{
    int c[MAXSLOTS], k = 0;
    for (unsigned i = 0; i < nslots[proc]; i++)
        if (M.slot_node[proc][i] >= 0)
            c[k++] = M.slot_node[proc][i];
    return k ? c[rn((unsigned)k)] : -1;
}

static int pick_free(unsigned proc)
{
    int c[MAXSLOTS], k = 0;
    for (unsigned i = 0; i < nslots[proc]; i++)
        if (M.slot_node[proc][i] < 0)
            c[k++] = (int)i;
    return k ? c[rn((unsigned)k)] : -1;
}

static unsigned pick_mask(void)
{
    static const uint8_t masks[] = { CAP_R_ALL, CAP_R_ALL, CAP_R_ALL, RW, RW | CAP_R_GRANT, CAP_R_READ,
                                     CAP_R_READ | CAP_R_EXEC, CAP_R_WRITE, 0 };
    return masks[rn(sizeof masks)];
}

static const char *rights_str(unsigned r)
{
    static char b[4][6];
    static unsigned k;
    char *s = b[k++ % 4];
    s[0] = r & CAP_R_READ ? 'r' : '-';
    s[1] = r & CAP_R_WRITE ? 'w' : '-';
    s[2] = r & CAP_R_GRANT ? 'g' : '-';
    s[3] = r & CAP_R_EXEC ? 'x' : '-';
    s[4] = '\0';
    return s;
}

/* --- the agent ---------------------------------------------------------------------------- */

static long agent_op(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t send_cap, uint64_t recv_slot,
                     struct msg *out)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    b->send_cap = send_cap;
    b->recv_slot = recv_slot;
    struct msg m = { .tag = TAG(op, 4, send_cap ? 1 : 0), .mr = { a0, a1, a2, 0 } };
    long rc = ipc_call(agent_ep, &m);
    b->send_cap = 0;
    b->recv_slot = 0;
    if (out)
        *out = m;
    return rc < 0 ? rc - 1000 : (long)m.mr[0];
}

/* --- the prober: a helper thread that reads and writes ktest's mappings ----------------- */

#define PROBE_DONE  1
#define PROBE_FAULT 2

struct probe {
    uint64_t va;
    bool present;           /* what the model says */
    bool write;
    uint64_t wval;
    int frame;
    bool faulted;           /* read it and faulted (the prober was replaced) */
    uint64_t got0, got1;
};
static struct probe probes[NVA + 2];
static volatile unsigned nprobes, pidx;
static uint64_t probe_ep, probe_go, probe_done, probe_fault, prober;
static uint8_t prober_stack[8192] __attribute__((aligned(16)));

static _Noreturn void prober_fn(uint64_t arg)
{
    (void)arg;
    for (;;) {
        sys_wait(probe_go, 0);
        for (; pidx < nprobes; pidx++) {
            struct probe *p = &probes[pidx];
            volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)p->va;
            if (p->write)
                w[1] = p->wval;
            p->got0 = w[0];     /* a removed mapping faults here */
            p->got1 = w[1];
        }
        sys_send(probe_done, 0, 0, 0, 0, 0);
    }
}

static bool prober_start(void)
{
    sys_cap_delete(prober);
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, prober, (uint64_t)(uintptr_t)prober_fn,
                          (uint64_t)(uintptr_t)(prober_stack + sizeof prober_stack) - 8, 0, KT_HELPER_PRIO)
            .ret != SYS_OK ||
        sys_thread_ctl(prober, SYS_THREAD_FAULT_EP, probe_fault).ret != SYS_OK || kt_start(prober) != SYS_OK)
        return kt_fail("cannot start the prober thread");
    return true;
}

/* Runs the probes; every fault must be an expected one (a removed
 * mapping), after which the prober is killed and a new one goes on. */
static bool run_probes(void)
{
    pidx = 0;
    sys_signal(probe_go, 1);
    for (;;) {
        struct msg m;
        long rc = kt_recv(probe_ep, 3000, &m);
        if (rc != SYS_OK)
            return mismatch("the prober did not finish (%ld)", rc);
        if (m.badge == PROBE_DONE)
            break;
        if (m.badge != PROBE_FAULT || TAG_LABEL(m.tag) != LABEL_FAULT)
            return mismatch("unexpected message on the probe endpoint (badge %llu)", (unsigned long long)m.badge);
        unsigned i = pidx;
        struct msg r = { .tag = TAG(1, 0, 0) };       /* kill it */
        ipc_reply(&r);
        if (!kt_wait_dead(prober, 2000))
            return kt_fail("the prober did not die");
        if (i >= nprobes)
            return mismatch("the prober faulted past its probes (rip %#llx)", (unsigned long long)m.mr[FAULT_MR_IP]);
        if (probes[i].present)
            return mismatch("ktest's mapping at %#llx (frame %d) faults: vector %llu, error %#llx, address %#llx",
                            (unsigned long long)probes[i].va, probes[i].frame,
                            (unsigned long long)m.mr[FAULT_MR_VECTOR], (unsigned long long)m.mr[FAULT_MR_ERROR],
                            (unsigned long long)m.mr[FAULT_MR_ADDR]);
        if (m.mr[FAULT_MR_VECTOR] != 14 || m.mr[FAULT_MR_ADDR] != probes[i].va || (m.mr[FAULT_MR_ERROR] & 1))
            return mismatch("reading the removed mapping at %#llx: vector %llu, error %#llx, address %#llx",
                            (unsigned long long)probes[i].va, (unsigned long long)m.mr[FAULT_MR_VECTOR],
                            (unsigned long long)m.mr[FAULT_MR_ERROR], (unsigned long long)m.mr[FAULT_MR_ADDR]);
        probes[i].faulted = true;
        st.faults++;
        pidx = i + 1;
        if (!prober_start())
            return false;
        sys_signal(probe_go, 1);
    }
    for (unsigned i = 0; i < nprobes; i++) {
        struct probe *p = &probes[i];
        if (p->faulted)
            continue;
        if (!p->present)
            return mismatch("ktest read %#llx without a fault, but its mapping was removed (got %#llx)",
                            (unsigned long long)p->va, (unsigned long long)p->got0);
        if (p->got0 != M.f[p->frame].tag)
            return mismatch("%#llx maps the wrong memory: word 0 = %#llx, frame %d's tag is %#llx",
                            (unsigned long long)p->va, (unsigned long long)p->got0, p->frame,
                            (unsigned long long)M.f[p->frame].tag);
        if (p->write)
            M.f[p->frame].word1 = p->wval;
        if (p->got1 != M.f[p->frame].word1)
            return mismatch("%#llx: word 1 = %#llx, expected %#llx (written through another mapping of frame %d)",
                            (unsigned long long)p->va, (unsigned long long)p->got1,
                            (unsigned long long)M.f[p->frame].word1, p->frame);
    }
    return true;
}

/* --- checking the kernel against the model --------------------------------------------- */

static bool verify(void)
{
    /* ktest's slots. */
    for (unsigned i = 0; i < NK; i++) {
        struct sys_result r = sys_cap_info(kslots[i]);
        int n = M.slot_node[PK][i];
        if (n < 0 && r.ret != SYS_ENOCAP)
            return mismatch("ktest's slot %llu holds a cap (type %ld) the model does not have",
                            (unsigned long long)kslots[i], r.ret);
        if (n >= 0 && (r.ret != CAP_FRAME || r.r[0] != M.n[n].rights))
            return mismatch("ktest's slot %llu: cap_info = %ld, rights %s; expected a frame cap, rights %s",
                            (unsigned long long)kslots[i], r.ret, rights_str((unsigned)r.r[0]),
                            rights_str(M.n[n].rights));
    }
    /* The agent's slots. */
    long bits = agent_op(KP_OP_A_SLOTS, A_LO, 0, 0, 0, 0, NULL);
    uint64_t want = 0;
    for (unsigned i = 0; i < NA; i++)
        if (M.slot_node[PA][i] >= 0)
            want |= 1ull << i;
    if ((uint64_t)bits != want)
        return mismatch("the agent's slots from %u: bitmap %#llx, expected %#llx", A_LO, (unsigned long long)bits,
                        (unsigned long long)want);
    if (with_maps) {
        /* Every mapping by protect(). */
        for (unsigned p = 0; p < NPROC; p++)
            for (unsigned v = 0; v < nvas[p]; v++) {
                int mi = M.va_map[p][v];
                long rc = sys_protect(proc_cap(p), vaddr(p, v), mi >= 0 ? M.m[mi].rights : CAP_R_READ).ret;
                if (mi >= 0 && rc != SYS_OK)
                    return mismatch("%s's mapping at %#llx (frame %d, through %s) is gone: protect = %ld", pname[p],
                                    (unsigned long long)vaddr(p, v), M.m[mi].frame,
                                    M.m[mi].cap >= 0 ? "a cap" : "no cap any more", rc);
                if (mi < 0 && rc != SYS_ENOENT)
                    return mismatch("%s still has a mapping at %#llx the model removed: protect = %ld", pname[p],
                                    (unsigned long long)vaddr(p, v), rc);
            }
        /* ktest's own mappings by touching them: every present one, the
         * ones this operation removed, and one other absent address. */
        nprobes = 0;
        int wr = -1, cand[NVA], k = 0;
        for (unsigned v = 0; v < NVA; v++) {
            int mi = M.va_map[PK][v];
            if (mi >= 0 && (M.m[mi].rights & CAP_R_WRITE))
                cand[k++] = (int)v;
        }
        if (k)
            wr = cand[rn((unsigned)k)];
        unsigned extra = rn(NVA);
        for (unsigned pass = 0; pass < 2; pass++)
            for (unsigned v = 0; v < NVA; v++) {
                int mi = M.va_map[PK][v];
                bool first = (int)v == wr;
                if ((pass == 0) != first)
                    continue;
                if (mi < 0 && !M.was_present[v] && v != extra)
                    continue;
                struct probe *p = &probes[nprobes++];
                *p = (struct probe){ .va = vaddr(PK, v), .present = mi >= 0, .write = first,
                                     .wval = 0x77000000ull + ++write_seq, .frame = mi >= 0 ? M.m[mi].frame : -1 };
            }
        st.reads += nprobes;
        if (!run_probes())
            return false;
    }
    uint64_t used = kt_quota_used(), expect = m_quota();
    if (used != expect)
        return mismatch("ktest's quota use is %llu, the model's live frames and mappings cost %llu (%+lld)",
                        (unsigned long long)used, (unsigned long long)expect, (long long)(used - expect));
    return true;
}

/* --- the operations ------------------------------------------------------------------------- */

static bool result(long rc, long want)
{
    if (rc != want)
        return mismatch("result %ld, the model expects %ld", rc, want);
    return true;
}

static bool op_create(void)
{
    int f = -1, s = pick_free(PK);
    for (int i = 0; i < MAXF && f < 0; i++)
        if (!M.f[i].live)
            f = i;
    if (f < 0 || s < 0)
        return true;
    unsigned np = 1 + rn(2);
    note("create frame %d (%u pages) in ktest slot %u", f, np, s);
    uint64_t slot = kslots[s];
    if (!result(sys_create(CAP_FRAME, slot, np).ret, SYS_OK))
        return false;
    M.f[f] = (struct frame){ .live = true, .npages = np, .tag = 0x7461670000000000ull | ++tag_seq, .word1 = 0 };
    m_new_node(PK, (unsigned)s, f, -1, true, CAP_R_ALL);
    if (sys_map(slot, RT_SLOT_SELF_PROCESS, VA_TAG, RW).ret != SYS_OK)
        return mismatch("cannot map a new frame to tag it");
    *(volatile uint64_t *)(uintptr_t)VA_TAG = M.f[f].tag;
    return result(sys_unmap(RT_SLOT_SELF_PROCESS, VA_TAG).ret, SYS_OK);
}

/* A copy of one of ktest's caps: cap_copy, cap_give (into ktest, the
 * agent or the plain process) or an IPC transfer to the agent. */
static bool op_copy(unsigned how)
{
    int src = pick_node(PK);
    if (src < 0)
        return true;
    static const uint8_t dest[5] = { PK, PK, PA, PB, PA };
    unsigned to = dest[how], mask = how == 4 ? CAP_R_ALL : pick_mask();
    int d = pick_free(to);
    if (d < 0)
        return true;
    uint64_t s = real_slot(PK, M.n[src].idx), dst = real_slot(to, (unsigned)d);
    long rc;
    static const char *const hows[5] = { "cap_copy", "cap_give", "cap_give", "cap_give", "IPC transfer" };
    note("%s ktest slot %llu (node %d) -> %s slot %llu, mask %s", hows[how], (unsigned long long)s, src,
         pname[to], (unsigned long long)dst, rights_str(mask));
    if (how == 0)
        rc = sys_cap_copy(s, dst, mask, 0).ret;
    else if (how < 4)
        rc = sys_cap_give(proc_cap(to), s, dst, mask).ret;
    else
        rc = agent_op(KP_OP_A_TAKE, dst, 0, 0, s, 0, NULL);
    if (!result(rc, SYS_OK))
        return false;
    m_new_node(to, (unsigned)d, M.n[src].frame, src, false, M.n[src].rights & mask);
    return true;
}

/* The agent copies one of its caps, or sends one back to ktest. */
static bool op_agent_copy(bool back)
{
    int src = pick_node(PA);
    unsigned to = back ? PK : PA, mask = back ? CAP_R_ALL : pick_mask();
    int d = pick_free(to);
    if (src < 0 || d < 0)
        return true;
    uint64_t s = real_slot(PA, M.n[src].idx), dst = real_slot(to, (unsigned)d);
    note("agent %s slot %llu (node %d) -> %s slot %llu, mask %s", back ? "sends" : "copies", (unsigned long long)s,
         src, pname[to], (unsigned long long)dst, rights_str(mask));
    struct msg m;
    long rc = back ? agent_op(KP_OP_A_GIVE, s, 0, 0, 0, dst, &m) : agent_op(KP_OP_A_COPY, s, dst, mask, 0, 0, NULL);
    if (!result(rc, SYS_OK))
        return false;
    if (back && TAG_CAPS(m.tag) != 1)
        return mismatch("the agent's reply carried no cap");
    m_new_node(to, (unsigned)d, M.n[src].frame, src, false, M.n[src].rights & mask);
    return true;
}

static bool op_move(unsigned proc)
{
    int n = pick_node(proc), d = pick_free(proc);
    if (n < 0 || d < 0)
        return true;
    uint64_t s = real_slot(proc, M.n[n].idx), dst = real_slot(proc, (unsigned)d);
    note("%s moves slot %llu (node %d) -> %llu", pname[proc], (unsigned long long)s, n, (unsigned long long)dst);
    long rc = proc == PK ? sys_cap_move(s, dst).ret : agent_op(KP_OP_A_MOVE, s, dst, 0, 0, 0, NULL);
    if (!result(rc, SYS_OK))
        return false;
    M.slot_node[proc][M.n[n].idx] = -1;
    M.n[n].idx = (uint8_t)d;
    M.slot_node[proc][d] = (int16_t)n;
    return true;
}

/* ktest maps through one of its caps (into any of the three), or the
 * agent through one of its own (into itself). */
static bool op_map(bool by_agent)
{
    unsigned from = by_agent ? PA : PK;
    int n = pick_node(from);
    if (n < 0)
        return true;
    static const uint8_t targets[4] = { PK, PK, PA, PB };
    unsigned to = by_agent ? PA : targets[rn(4)];
    unsigned vai = rn(nvas[to]);
    for (unsigned tries = 0; tries < 4 && M.va_map[to][vai] >= 0 && rn(5); tries++)
        vai = rn(nvas[to]);     /* mostly a free address */
    static const uint8_t choices[5] = { CAP_R_READ, RW, RW, CAP_R_READ | CAP_R_EXEC, RW | CAP_R_EXEC };
    unsigned rights = choices[rn(5)], have = M.n[n].rights;
    if ((have & CAP_R_READ) && rn(5))   /* mostly rights the cap has */
        rights = CAP_R_READ | (rn(3) ? have & CAP_R_WRITE : 0) | (rn(3) == 0 ? have & CAP_R_EXEC : 0);
    uint64_t s = real_slot(from, M.n[n].idx), va = vaddr(to, vai);
    note("%s maps slot %llu (node %d, frame %d, %s) into %s at %#llx, %s", pname[from], (unsigned long long)s, n,
         M.n[n].frame, rights_str(M.n[n].rights), pname[to], (unsigned long long)va, rights_str(rights));
    long want = SYS_OK;
    if (!(M.n[n].rights & CAP_R_READ) || (rights & ~M.n[n].rights))
        want = SYS_ERIGHTS;
    else if (M.va_map[to][vai] >= 0)
        want = SYS_EEXIST;
    long rc = by_agent ? agent_op(KP_OP_A_MAP, s, va, rights, 0, 0, NULL) : sys_map(s, proc_cap(to), va, rights).ret;
    if (!result(rc, want))
        return false;
    if (want != SYS_OK)
        return true;
    st.maps++;
    for (int i = 0; i < MAXM; i++)
        if (!M.m[i].live) {
            M.m[i] = (struct mapping){ .live = true, .proc = (uint8_t)to, .vai = (uint8_t)vai,
                                       .frame = M.n[n].frame, .cap = (int16_t)n, .rights = (uint8_t)rights };
            M.va_map[to][vai] = (int8_t)i;
            return true;
        }
    return mismatch("the model ran out of mappings");
}

static bool op_unmap(void)
{
    unsigned p = rn(NPROC), vai = rn(nvas[p]);
    int mi = M.va_map[p][vai];
    note("unmap %s %#llx (%s)", pname[p], (unsigned long long)vaddr(p, vai), mi >= 0 ? "mapped" : "not mapped");
    if (!result(sys_unmap(proc_cap(p), vaddr(p, vai)).ret, mi >= 0 ? SYS_OK : SYS_ENOENT))
        return false;
    st.unmaps++;
    if (mi >= 0)
        m_remove_mapping(mi);
    return true;
}

static bool op_delete(unsigned proc)
{
    int n = pick_node(proc);
    if (n < 0) {
        if (proc != PK)
            return true;
        int d = pick_free(PK);
        note("delete empty ktest slot");
        return d < 0 || result(sys_cap_delete(kslots[d]).ret, SYS_ENOCAP);
    }
    uint64_t s = real_slot(proc, M.n[n].idx);
    note("%s deletes slot %llu (node %d, %s, frame %d)", pname[proc], (unsigned long long)s, n,
         M.n[n].original ? "original" : "copy", M.n[n].frame);
    long rc = proc == PK ? sys_cap_delete(s).ret : agent_op(KP_OP_A_DELETE, s, 0, 0, 0, 0, NULL);
    if (!result(rc, SYS_OK))
        return false;
    st.deletes++;
    m_delete(n);
    return true;
}

static bool op_revoke(unsigned proc)
{
    int n = pick_node(proc);
    if (n < 0)
        return true;
    uint64_t s = real_slot(proc, M.n[n].idx);
    note("%s revokes slot %llu (node %d, %s, frame %d)", pname[proc], (unsigned long long)s, n,
         M.n[n].original ? "original" : "copy", M.n[n].frame);
    long rc = proc == PK ? sys_cap_revoke(s).ret : agent_op(KP_OP_A_REVOKE, s, 0, 0, 0, 0, NULL);
    st.revokes++;
    st.revoked += rc > 0 ? (unsigned)rc : 0;
    return result(rc, (long)m_revoke(n));
}

static bool one_op(void)
{
    for (unsigned v = 0; v < NVA; v++)
        M.was_present[v] = M.va_map[PK][v] >= 0;
    unsigned live = 0;
    for (int f = 0; f < MAXF; f++)
        live += M.f[f].live;
    unsigned r = rn(100);
    bool ok;
    if (live < 2 || r < 4)
        ok = op_create();
    else if (r < 14)
        ok = op_copy(0);
    else if (r < 17)
        ok = op_copy(1);
    else if (r < 22)
        ok = op_copy(2);
    else if (r < 28)
        ok = op_copy(3);
    else if (r < 33)
        ok = op_copy(4);
    else if (r < 38)
        ok = op_agent_copy(false);
    else if (r < 42)
        ok = op_agent_copy(true);
    else if (r < 45)
        ok = op_move(PK);
    else if (r < 47)
        ok = op_move(PA);
    else if (r < 61)
        ok = with_maps ? op_map(false) : op_copy(0);
    else if (r < 66)
        ok = with_maps ? op_map(true) : op_agent_copy(false);
    else if (r < 73)
        ok = with_maps ? op_unmap() : op_move(PK);
    else if (r < 81)
        ok = op_delete(PK);
    else if (r < 86)
        ok = op_delete(PA);
    else if (r < 95)
        ok = op_revoke(PK);
    else
        ok = op_revoke(PA);
    if (!ok)
        return false;
    m_frames_gc();
    return verify();
}

/* --- set-up, runs, tear-down ------------------------------------------------------------------- */

/* What a frame, a mapping in ktest and a copy cost ktest (found by trying). */
static bool calibrate(void)
{
    uint64_t s1 = kt_slot(), s2 = kt_slot(), s3 = kt_slot();
    CHECK(s1 && s2 && s3);
    /* Page tables for ktest's addresses first: they stay. */
    CHECK_RC(sys_create(CAP_FRAME, s1, 2), SYS_OK);
    for (unsigned v = 0; v < NVA; v++) {
        CHECK_RC(sys_map(s1, RT_SLOT_SELF_PROCESS, vaddr(PK, v), CAP_R_READ), SYS_OK);
        CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, vaddr(PK, v)), SYS_OK);
    }
    CHECK_RC(sys_map(s1, RT_SLOT_SELF_PROCESS, VA_TAG, CAP_R_READ), SYS_OK);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, VA_TAG), SYS_OK);
    CHECK_RC(sys_cap_delete(s1), SYS_OK);
    uint64_t u0 = kt_quota_used();
    CHECK_RC(sys_create(CAP_FRAME, s1, 1), SYS_OK);
    q_frame[1] = kt_quota_used() - u0;
    CHECK_RC(sys_create(CAP_FRAME, s2, 2), SYS_OK);
    q_frame[2] = kt_quota_used() - u0 - q_frame[1];
    uint64_t u1 = kt_quota_used();
    CHECK_RC(sys_map(s1, RT_SLOT_SELF_PROCESS, vaddr(PK, 0), RW), SYS_OK);
    q_map = kt_quota_used() - u1;
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, vaddr(PK, 0)), SYS_OK);
    CHECK_RC(sys_cap_copy(s1, s3, CAP_R_ALL, 0), SYS_OK);
    q_copy = kt_quota_used() - u1;
    CHECK_RC(sys_cap_delete(s3), SYS_OK);
    CHECK_RC(sys_cap_delete(s2), SYS_OK);
    CHECK_RC(sys_cap_delete(s1), SYS_OK);
    CHECK_EQ(kt_quota_used(), u0);
    return true;
}

static bool run(uint32_t seed)
{
    memset(&M, 0, sizeof M);
    for (unsigned p = 0; p < NPROC; p++) {
        for (unsigned i = 0; i < MAXSLOTS; i++)
            M.slot_node[p][i] = -1;
        for (unsigned v = 0; v < NVA; v++)
            M.va_map[p][v] = -1;
    }
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed * 0x100000001b3ull);
    op_no = 0;
    memset(&st, 0, sizeof st);
    uint64_t used0 = kt_quota_used();
    struct spawn_caps caps[] = { { agent_ep, KP_SLOT_A, CAP_R_READ } };
    CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_AGENT, 0), caps, 1, 512 * 1024, 45, 0, 0, &agent), 0);
    int ps = rt_slot_alloc();
    CHECK(ps > 0);
    plain = (uint64_t)ps;
    CHECK_RC(sys_create(CAP_PROCESS, plain, 256 * 1024), SYS_OK);
    q_base = kt_quota_used();
    bool ok = true;
    for (op_no = 1; ok && op_no <= REVOKE_OPS; op_no++)
        ok = one_op();
    unsigned made = op_no - 1;
    /* Everything goes: the agent and the plain process (with their caps and
     * mappings), ktest's caps and mappings; then the quota must be back. */
    sys_thread_ctl(agent.thread, SYS_THREAD_KILL, 0);
    sys_cap_delete(agent.thread);
    sys_cap_delete(agent.process);
    rt_slot_free((int)agent.thread);
    rt_slot_free((int)agent.process);
    sys_cap_delete(plain);
    rt_slot_free(ps);
    for (unsigned i = 0; i < NK; i++)
        sys_cap_delete(kslots[i]);
    for (unsigned v = 0; v < NVA; v++)
        sys_unmap(RT_SLOT_SELF_PROCESS, vaddr(PK, v));
    if (!ok)
        return false;
    printf("ktest: revoke: seed %u: %u operations matched the model (%u maps, %u unmaps, %u deletes, %u revokes "
           "taking %u caps, %u mappings removed; %u reads, %u of them faulted as expected)",
           seed, made, st.maps, st.unmaps, st.deletes, st.revokes, st.revoked, st.maps_removed, st.reads, st.faults);
    if (!kt_quota_back(used0, 2000))
        return kt_fail("seed %u: %lld bytes of ktest's quota stay charged after everything was deleted", seed,
                       (long long)(kt_quota_used() - used0));
    return true;
}

static bool revoke_test(bool maps, const char *name)
{
    with_maps = maps;
    for (unsigned i = 0; i < NK; i++) {
        kslots[i] = kt_slot();
        CHECK(kslots[i] != 0);
    }
    agent_ep = kt_endpoint();
    probe_ep = kt_endpoint();
    probe_go = kt_notification();
    probe_done = kt_slot();
    probe_fault = kt_slot();
    prober = kt_slot();
    CHECK(agent_ep && probe_ep && probe_go && probe_done && probe_fault && prober);
    CHECK_RC(sys_cap_copy(probe_ep, probe_done, CAP_R_WRITE, PROBE_DONE), SYS_OK);
    CHECK_RC(sys_cap_copy(probe_ep, probe_fault, CAP_R_WRITE, PROBE_FAULT), SYS_OK);
    CHECK(prober_start());
    if (!calibrate())
        return false;
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    printf("ktest: %s: seeds %u..%u, %u operations each (a frame costs %llu/%llu bytes, a mapping %llu, a copy %llu)",
           name, REVOKE_SEED, REVOKE_SEED + REVOKE_RUNS - 1, REVOKE_OPS, (unsigned long long)q_frame[1],
           (unsigned long long)q_frame[2], (unsigned long long)q_map, (unsigned long long)q_copy);
    for (unsigned r = 0; r < REVOKE_RUNS; r++)
        if (!run(REVOKE_SEED + r))
            return false;
    sys_thread_ctl(prober, SYS_THREAD_KILL, 0);
    return kt_graph_after(name, used0);
}

static bool t_revoke_caps(void) { return revoke_test(false, "revoke_caps"); }
static bool t_revoke_model(void) { return revoke_test(true, "revoke_model"); }

const struct kt_test kt_revoke_tests[] = {
    { "revoke_caps", "seeded copies/gives/transfers/moves/deletes/revokes over 3 processes match a model",
      t_revoke_caps },
    { "revoke_model", "the same with mappings: revoke/delete remove exactly the mappings the model says (read, protect)",
      t_revoke_model },
};
KT_COUNT(kt_revoke_tests);
