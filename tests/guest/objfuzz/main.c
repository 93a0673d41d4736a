/* objfuzz: random object graphs, built and torn down while threads are
 * blocked on them (the contract with ktest is in objfuzz.h).
 *
 * The main thread makes seeded random operations:
 *   - creates endpoints, notifications, frames (1-4 pages, each tagged in
 *     its first word), child processes (never run), never-started threads
 *     in them, and helper threads in its own process; every object's
 *     original cap stays in an "anchor" slot (16..79) that random copies,
 *     moves and deletes never touch;
 *   - copies caps (cap_copy, cap_give into itself and into children, its
 *     own process and thread caps included), moves, deletes and revokes
 *     them (anchors included for revoke), destroys children (revoke, then
 *     delete the anchor), detaches children (deletes the anchor of a child
 *     that holds no process caps, so only the copies in other children keep
 *     it), deletes and kills child threads, kills, suspends, resumes and
 *     re-prioritises helper threads;
 *   - maps frames in its own space and in children, unmaps, protects, and
 *     reads mapped pages (checking the frame's tag) after protect() said
 *     they are there;
 *   - receives, waits (short deadlines), sends, calls, reply-receives and
 *     waits forever guarded by a watchdog thread (a notification timer wakes
 *     it; it suspends and resumes the main thread, which ends the blocked
 *     call with SYS_EBUSY), signals, polls, arms timers, binds notifications.
 * Helper threads loop over blocking IPC on the instance's endpoints and
 * notifications (and the ones shared with the other instances), with
 * deadlines or forever, transferring caps now and then.
 *
 * Unreachable cycles: a process whose table holds caps that keep itself
 * alive stays allocated when nobody outside holds it (documented
 * limitation). We avoid leaving any at the end of a round: every cap to a
 * child process derives from its anchor, except after a detach, which is
 * only done to a child holding no process caps (so it cannot be on a
 * cycle); at the end every anchor of a child is revoked, which deletes all
 * the copies of it in any table; caps to our own process and thread
 * derive from ktest's, which ktest revokes. ktest kills every thread we
 * started, so our process dies and its table goes with it.
 *
 * Deterministic for a seed as long as the kernel's answers are (timing
 * decides some of them: run under -icount for exact replays). */
#include "runtime.h"
#include "objfuzz.h"

#define S_WD_NTFN    8          /* the watchdog's notification (timer) */
#define S_WD_THREAD  9          /* the watchdog thread */
#define A_LO 16                 /* anchors: original caps of what we create */
#define A_HI 80
#define W_LO 80                 /* work slots: copies, moves, received caps */
#define W_HI 232
#define HR_LO 200               /* helpers receive caps only into HR_LO .. W_HI - 1 */
#define S_TMP 240

#define OWN_VA   0x0000200000000000ull      /* our mappings: OWN_N places, 64 KiB apart */
#define OWN_N    32
#define TAG_VA   (OWN_VA - 0x100000)        /* a new frame gets its tag written here */
#define CHILD_VA 0x0000000040000000ull      /* in children: CHILD_N places */
#define CHILD_N  8
#define PLACE    0x10000ull

#define MAX_HELPERS   8         /* alive at once */
#define MAX_STARTED   20        /* threads started per run (ktest keeps a slot for each) */
#define HELPER_STACK  8192
#define CHILD_QUOTA   (64 * 1024)
#define MAX_CHILDREN  12

enum kind { K_FREE, K_PROC, K_HELPER, K_CTHREAD, K_EP, K_NTFN, K_FRAME };

struct obj {
    uint8_t kind;
    uint8_t helper;             /* K_HELPER: pool index */
    bool holds_proc;            /* K_PROC: may hold a cap to a process other than us */
    uint32_t serial;
    uint32_t npages;            /* K_FRAME */
};

#define SERIAL_SELF 1u          /* our own process or thread */
#define SERIAL_UNKNOWN 0u

static struct obj objs[A_HI];
static uint32_t wid[SYS_CAP_SLOTS];     /* work slot -> serial of what it names (0: unknown) */
static uint32_t next_serial = 2;
static struct {
    uint32_t serial;            /* frame mapped there (0: nothing we know of) */
    bool writable;
} own_map[OWN_N];

static struct of_progress *prog;
static uint64_t rng;
static unsigned inst, my_prio = OF_PRIO;
static bool trace;
static unsigned nchildren, nstarted;

static inline uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}
static inline unsigned rn(unsigned n) { return n ? (unsigned)(rnd() % n) : 0; }
static inline bool chance(unsigned pct) { return rn(100) < pct; }
static inline uint64_t now(void) { return (uint64_t)sys_time().ret; }

static uint64_t frame_tag(uint32_t serial)
{
    return 0x6f66000000000000ull | ((uint64_t)inst << 40) | serial;
}

static void problem(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void problem(const char *fmt, ...)
{
    if (prog->problems++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prog->problem, sizeof prog->problem, fmt, ap);
        va_end(ap);
        printf("objfuzz %u: problem after %llu operations: %s", inst, (unsigned long long)prog->ops, prog->problem);
    }
}

/* --- helper threads ----------------------------------------------------------------- */

static struct helper {
    bool used;
    uint8_t anchor;
    uint64_t rng;
} helpers[MAX_HELPERS];
static uint8_t helper_stacks[MAX_HELPERS][HELPER_STACK] __attribute__((aligned(16)));
static uint8_t helper_ipc[MAX_HELPERS][4096] __attribute__((aligned(4096)));
static uint8_t wd_stack[4096] __attribute__((aligned(16)));

/* Endpoints and notifications helpers work on (anchor slots; 0 = none). */
static volatile uint8_t ep_slots[16], nt_slots[16];

static uint64_t hrnd(struct helper *h)
{
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t helper_slot(struct helper *h, bool ep)
{
    uint64_t r = hrnd(h);
    switch (r % 8) {
    case 0: return ep ? OF_SLOT_SHARED_EP : OF_SLOT_SHARED_NTFN;
    case 1: return W_LO + (r >> 8) % (W_HI - W_LO);
    default: {
        uint8_t s = ep ? ep_slots[(r >> 8) % 16] : nt_slots[(r >> 8) % 16];
        return s ? s : ep ? OF_SLOT_SHARED_EP : OF_SLOT_SHARED_NTFN;
    }
    }
}

static _Noreturn void helper_main(uint64_t i)
{
    struct helper *h = &helpers[i];
    struct ipc_buffer *b = (struct ipc_buffer *)helper_ipc[i];
    sys_set_ipc_buffer((uint64_t)(uintptr_t)b);
    for (;;) {
        uint64_t r = hrnd(h);
        uint64_t deadline = r % 3 == 0 ? 0 : now() + (r >> 4) % 3000000;
        long rc;
        b->send_cap = r % 5 == 0 ? W_LO + (r >> 20) % (W_HI - W_LO) : 0;
        b->recv_slot = r % 4 == 0 ? HR_LO + (r >> 28) % (W_HI - HR_LO) : 0;
        uint64_t tag = TAG((r >> 36) % 8, (r >> 40) % 7, b->send_cap ? 1 : 0);
        switch ((r >> 44) % 9) {
        case 0:
        case 1: {
            struct sys_result x = sys_recv(helper_slot(h, true), deadline);
            rc = x.ret;
            if (rc == 0 && TAG_LABEL(x.r[1]) != LABEL_NOTIFY && (r >> 50) % 2)
                rc = sys_reply(0, tag, r, i, 0, 0).ret;
            break;
        }
        case 2:
        case 3: rc = sys_call(helper_slot(h, true), tag, r, i, 1, 2).ret; break;
        case 4: rc = (r >> 50) % 2 ? sys_send(helper_slot(h, true), tag, r, i, 0, 0).ret
                                   : sys_nbsend(helper_slot(h, true), tag, r, i, 0, 0).ret;
            break;
        case 5: rc = sys_reply_recv(helper_slot(h, true), tag, r, 0, 0, 0).ret; break;
        case 6: rc = sys_wait(helper_slot(h, false), deadline).ret; break;
        case 7: rc = sys_signal(helper_slot(h, false), 1ull << ((r >> 50) % 64)).ret; break;
        default: rc = sys_sleep(now() + (r >> 8) % 1000000).ret; break;
        }
        if (rc < 0 && rc != SYS_ETIMEOUT)
            sys_sleep(now() + 300000);      /* a cap that is not there: do not spin */
    }
}

/* The watchdog: when its timer fires while the main thread is in a guarded
 * call, it suspends and resumes it (a blocked call ends with SYS_EBUSY),
 * and again every 2 ms until the main thread has left the call. */
static volatile bool guarded;

static _Noreturn void watchdog_main(uint64_t arg)
{
    (void)arg;
    for (;;) {
        if (sys_wait(S_WD_NTFN, 0).ret != 0)
            sys_sleep(now() + 1000000);
        prog->wd_wakes++;
        prog->wd_last = now();
        if (guarded) {
            prog->watchdog++;
            sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_SUSPEND, 0);
            sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_START, 0);
            /* The main thread may not have blocked yet (it was preempted
             * before its call): come back until it leaves the guarded call. */
            sys_timer_set(S_WD_NTFN, now() + 2000000, 1);
        }
    }
}

static void guard_on(void)
{
    sys_poll(S_WD_NTFN);
    guarded = true;
    prog->guard_since = now();
    sys_timer_set(S_WD_NTFN, now() + 1000000 + rn(2000000), 1);
}

static void guard_off(void)
{
    guarded = false;
    prog->guard_since = 0;
    sys_timer_set(S_WD_NTFN, 0, 0);
}

/* Hands ktest a cap to a thread we are about to start. ktest's copy must
 * not derive from ours (a revoke of ours would take it), so ktest sends a
 * copy of its copy back, and that becomes ours: ktest's is the root. */
static bool register_thread(uint64_t slot)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    sys_cap_delete(S_TMP);
    b->send_cap = slot;
    b->recv_slot = S_TMP;
    struct sys_result r = sys_call(OF_SLOT_CTL, TAG(OF_MSG_THREAD, 1, 1), slot, 0, 0, 0);
    b->send_cap = 0;
    b->recv_slot = 0;
    if (r.ret != 0 || TAG_LABEL(r.r[1]) != 0 || TAG_CAPS(r.r[1]) != 1)
        return false;
    return sys_cap_delete(slot).ret == 0 && sys_cap_move(S_TMP, slot).ret == 0;
}

/* --- slots -------------------------------------------------------------------------- */

static uint64_t free_anchor(void)
{
    for (int i = 0; i < 6; i++) {
        uint64_t s = A_LO + rn(A_HI - A_LO);
        if (objs[s].kind == K_FREE)
            return s;
    }
    return 0;
}

static uint64_t anchor_of(unsigned kind)
{
    uint64_t c[A_HI - A_LO];
    unsigned n = 0;
    for (uint64_t s = A_LO; s < A_HI; s++)
        if (objs[s].kind == kind)
            c[n++] = s;
    return n ? c[rn(n)] : 0;
}

static uint64_t work_slot(bool want_empty)
{
    for (int i = 0; i < 8; i++) {
        uint64_t s = W_LO + rn(W_HI - W_LO);
        if ((sys_cap_info(s).ret == SYS_ENOCAP) == want_empty)
            return s;
    }
    return W_LO + rn(W_HI - W_LO);
}

/* A slot to use as a source: anchors and work slots mostly. */
static uint64_t any_slot(void)
{
    unsigned r = rn(100);
    if (r < 40) {
        uint64_t s = A_LO + rn(A_HI - A_LO);
        return objs[s].kind != K_FREE ? s : work_slot(false);
    }
    if (r < 85)
        return work_slot(false);
    if (r < 93)
        return rn(2) ? OF_SLOT_SHARED_EP : OF_SLOT_SHARED_NTFN;
    return rn(2) ? RT_SLOT_SELF_PROCESS : RT_SLOT_SELF_THREAD;
}

static uint32_t identity(uint64_t s)
{
    if (s == RT_SLOT_SELF_PROCESS || s == RT_SLOT_SELF_THREAD)
        return SERIAL_SELF;
    if (s >= A_LO && s < A_HI)
        return objs[s].kind == K_FREE ? SERIAL_UNKNOWN : objs[s].serial;
    if (s >= W_LO && s < HR_LO)
        return wid[s];
    return SERIAL_UNKNOWN;      /* helpers fill HR_LO.. behind our back */
}

/* A slot naming an object of the type (an anchor or a work slot holding one). */
static uint64_t typed_slot(unsigned type, unsigned kind)
{
    if (chance(70)) {
        uint64_t a = anchor_of(kind);
        if (a)
            return a;
    }
    for (int i = 0; i < 6; i++) {
        uint64_t s = work_slot(false);
        if (sys_cap_info(s).ret == (long)type)
            return s;
    }
    if (type == CAP_ENDPOINT)
        return OF_SLOT_SHARED_EP;
    if (type == CAP_NOTIFICATION)
        return OF_SLOT_SHARED_NTFN;
    return any_slot();
}

static void publish(void)
{
    unsigned ne = 0, nn = 0;
    for (uint64_t s = A_LO; s < A_HI; s++) {
        if (objs[s].kind == K_EP && ne < 16)
            ep_slots[ne++] = (uint8_t)s;
        if (objs[s].kind == K_NTFN && nn < 16)
            nt_slots[nn++] = (uint8_t)s;
    }
    for (; ne < 16; ne++)
        ep_slots[ne] = 0;
    for (; nn < 16; nn++)
        nt_slots[nn] = 0;
}

/* --- operations --------------------------------------------------------------------------- */

enum op {
    OP_CREATE_EP, OP_CREATE_NTFN, OP_CREATE_FRAME, OP_CREATE_CHILD, OP_CREATE_HELPER, OP_CREATE_CTHREAD,
    OP_COPY, OP_GIVE_CHILD, OP_GIVE_SELF, OP_GIVE_SELFCAPS, OP_MOVE, OP_DELETE, OP_REVOKE,
    OP_DESTROY_CHILD, OP_DETACH_CHILD, OP_DELETE_CTHREAD, OP_KILL_CTHREAD, OP_KILL_HELPER, OP_SUSPEND,
    OP_RESUME, OP_PRIO, OP_DELETE_ANCHOR, OP_MAP_OWN, OP_MAP_CHILD, OP_UNMAP_OWN, OP_UNMAP_CHILD,
    OP_PROTECT, OP_TOUCH, OP_RECV, OP_NBSEND, OP_SEND_G, OP_CALL_G, OP_RECV_G, OP_WAIT_G, OP_REPLY_RECV_G,
    OP_WAIT, OP_SIGNAL, OP_POLL, OP_TIMER, OP_BIND, OP_SLEEP, OP_CHECK, OP_COUNT
};
_Static_assert(OP_COUNT <= OF_NOPS, "progress counters");

static const uint8_t weights[OP_COUNT] = {
    [OP_CREATE_EP] = 3, [OP_CREATE_NTFN] = 3, [OP_CREATE_FRAME] = 4, [OP_CREATE_CHILD] = 3,
    [OP_CREATE_HELPER] = 2, [OP_CREATE_CTHREAD] = 3, [OP_COPY] = 9, [OP_GIVE_CHILD] = 9, [OP_GIVE_SELF] = 3,
    [OP_GIVE_SELFCAPS] = 3, [OP_MOVE] = 3, [OP_DELETE] = 6, [OP_REVOKE] = 5, [OP_DESTROY_CHILD] = 2,
    [OP_DETACH_CHILD] = 1, [OP_DELETE_CTHREAD] = 2, [OP_KILL_CTHREAD] = 1, [OP_KILL_HELPER] = 1,
    [OP_SUSPEND] = 3, [OP_RESUME] = 3, [OP_PRIO] = 1, [OP_DELETE_ANCHOR] = 2, [OP_MAP_OWN] = 5,
    [OP_MAP_CHILD] = 4, [OP_UNMAP_OWN] = 3, [OP_UNMAP_CHILD] = 2, [OP_PROTECT] = 2, [OP_TOUCH] = 4,
    [OP_RECV] = 4, [OP_NBSEND] = 3, [OP_SEND_G] = 2, [OP_CALL_G] = 3, [OP_RECV_G] = 1, [OP_WAIT_G] = 1,
    [OP_REPLY_RECV_G] = 1, [OP_WAIT] = 3, [OP_SIGNAL] = 4, [OP_POLL] = 1, [OP_TIMER] = 4, [OP_BIND] = 1,
    [OP_SLEEP] = 2, [OP_CHECK] = 1,
};

static const char *const op_names[OP_COUNT] = {
    "create_ep", "create_ntfn", "create_frame", "create_child", "create_helper", "create_cthread", "copy",
    "give_child", "give_self", "give_selfcaps", "move", "delete", "revoke", "destroy_child", "detach_child",
    "delete_cthread", "kill_cthread", "kill_helper", "suspend", "resume", "prio", "delete_anchor", "map_own",
    "map_child", "unmap_own", "unmap_child", "protect", "touch", "recv", "nbsend", "send_g", "call_g", "recv_g",
    "wait_g", "reply_recv_g", "wait", "signal", "poll", "timer", "bind", "sleep", "check",
};

static unsigned cur_op;

static long done(long rc, uint64_t a0, uint64_t a1, uint64_t a2)
{
    prog->last_ret = rc;
    prog->per_op[cur_op]++;
    if (rc >= 0)
        prog->ok_per_op[cur_op]++;
    if (trace)
        printf("objfuzz %u: %llu: %s(%#llx, %#llx, %#llx) = %ld", inst, (unsigned long long)prog->ops,
               op_names[cur_op], (unsigned long long)a0, (unsigned long long)a1, (unsigned long long)a2, rc);
    return rc;
}

static void begin(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2)
{
    cur_op = op;
    prog->last_op = op;
    prog->last_args[0] = a0;
    prog->last_args[1] = a1;
    prog->last_args[2] = a2;
}

static unsigned pick_rights(void)
{
    static const uint8_t masks[] = { CAP_R_ALL, CAP_R_ALL, CAP_R_ALL, CAP_R_READ | CAP_R_WRITE,
                                     CAP_R_WRITE | CAP_R_GRANT, CAP_R_READ, CAP_R_WRITE, 0 };
    return masks[rn(sizeof masks)];
}

static void make_object(unsigned op)
{
    uint64_t a = free_anchor();
    if (!a)
        return;
    long rc;
    switch (op) {
    case OP_CREATE_EP:
    case OP_CREATE_NTFN:
        begin(op, a, 0, 0);
        rc = done(sys_create(op == OP_CREATE_EP ? CAP_ENDPOINT : CAP_NOTIFICATION, a, 0).ret, a, 0, 0);
        if (rc == 0) {
            objs[a] = (struct obj){ .kind = op == OP_CREATE_EP ? K_EP : K_NTFN, .serial = next_serial++ };
            publish();
        }
        return;
    case OP_CREATE_FRAME: {
        unsigned np = 1 + rn(4);
        begin(op, a, np, 0);
        rc = done(sys_create(CAP_FRAME, a, np).ret, a, np, 0);
        if (rc != 0)
            return;
        objs[a] = (struct obj){ .kind = K_FRAME, .serial = next_serial++, .npages = np };
        prog->frames_made++;
        if (sys_map(a, RT_SLOT_SELF_PROCESS, TAG_VA, CAP_R_READ | CAP_R_WRITE).ret == 0) {
            *(volatile uint64_t *)(uintptr_t)TAG_VA = frame_tag(objs[a].serial);
            sys_unmap(RT_SLOT_SELF_PROCESS, TAG_VA);
        } else {
            problem("cannot map a new frame (slot %llu) to tag it", (unsigned long long)a);
        }
        return;
    }
    case OP_CREATE_CHILD:
        if (nchildren >= MAX_CHILDREN)
            return;
        begin(op, a, CHILD_QUOTA, 0);
        rc = done(sys_create(CAP_PROCESS, a, CHILD_QUOTA).ret, a, CHILD_QUOTA, 0);
        if (rc == 0) {
            objs[a] = (struct obj){ .kind = K_PROC, .serial = next_serial++ };
            nchildren++;
            prog->children_made++;
        }
        return;
    case OP_CREATE_CTHREAD: {
        uint64_t c = anchor_of(K_PROC);
        if (!c)
            return;
        begin(op, c, a, 0);
        rc = done(sys_thread_create(c, a, 0x400000, 0x500000, 0, rn(my_prio + 1)).ret, c, a, 0);
        if (rc == 0) {
            objs[a] = (struct obj){ .kind = K_CTHREAD, .serial = next_serial++ };
            prog->child_threads_made++;
        }
        return;
    }
    case OP_CREATE_HELPER: {
        unsigned h = 0;
        while (h < MAX_HELPERS && helpers[h].used)
            h++;
        if (h == MAX_HELPERS || nstarted >= MAX_STARTED)
            return;
        unsigned prio = my_prio > 6 ? my_prio - 1 - rn(5) : 1;
        begin(op, a, h, prio);
        helpers[h].rng = rnd() | 1;
        rc = done(sys_thread_create(RT_SLOT_SELF_PROCESS, a, (uint64_t)(uintptr_t)helper_main,
                                    (uint64_t)(uintptr_t)(helper_stacks[h] + HELPER_STACK) - 8, h, prio)
                      .ret,
                  a, h, prio);
        if (rc != 0)
            return;
        objs[a] = (struct obj){ .kind = K_HELPER, .serial = next_serial++, .helper = (uint8_t)h };
        helpers[h].used = true;
        helpers[h].anchor = (uint8_t)a;
        nstarted++;
        sys_thread_ctl(a, SYS_THREAD_FAULT_EP, OF_SLOT_FAULT);
        if (!register_thread(a)) {
            problem("ktest did not take the cap to a new thread");
            sys_thread_ctl(a, SYS_THREAD_KILL, 0);
            return;
        }
        sys_thread_ctl(a, SYS_THREAD_START, 0);
        prog->threads_made++;
        return;
    }
    }
}

static void forget_work(uint64_t s)
{
    if (s >= W_LO && s < W_HI)
        wid[s] = SERIAL_UNKNOWN;
}

static void cap_ops(unsigned op)
{
    long rc;
    switch (op) {
    case OP_COPY: {
        uint64_t src = any_slot(), dst = work_slot(true);
        long t = sys_cap_info(src).ret;
        uint64_t badge = (t == CAP_ENDPOINT || t == CAP_NOTIFICATION) && chance(30) ? 1 + rn(1000) : 0;
        begin(op, src, dst, badge);
        rc = done(sys_cap_copy(src, dst, pick_rights(), badge).ret, src, dst, badge);
        if (rc == 0)
            wid[dst] = identity(src);
        return;
    }
    case OP_GIVE_CHILD:
    case OP_GIVE_SELFCAPS: {
        uint64_t c = anchor_of(K_PROC);
        uint64_t src = op == OP_GIVE_CHILD ? any_slot() : rn(2) ? RT_SLOT_SELF_PROCESS : RT_SLOT_SELF_THREAD;
        if (!c || (op == OP_GIVE_SELFCAPS && chance(25))) {
            /* Into ourselves. */
            uint64_t dst = work_slot(true);
            begin(op, RT_SLOT_SELF_PROCESS, src, dst);
            rc = done(sys_cap_give(RT_SLOT_SELF_PROCESS, src, dst, pick_rights()).ret, RT_SLOT_SELF_PROCESS, src, dst);
            if (rc == 0)
                wid[dst] = identity(src);
            return;
        }
        uint64_t dst = 1 + rn(40);
        long t = sys_cap_info(src).ret;
        begin(op, c, src, dst);
        rc = done(sys_cap_give(c, src, dst, pick_rights()).ret, c, src, dst);
        if (rc == 0 && t == CAP_PROCESS && identity(src) != SERIAL_SELF)
            objs[c].holds_proc = true;      /* it may now be on a cycle of processes */
        return;
    }
    case OP_GIVE_SELF: {
        uint64_t src = any_slot(), dst = work_slot(true);
        begin(op, src, dst, 0);
        rc = done(sys_cap_give(RT_SLOT_SELF_PROCESS, src, dst, pick_rights()).ret, src, dst, 0);
        if (rc == 0)
            wid[dst] = identity(src);
        return;
    }
    case OP_MOVE: {
        uint64_t src = work_slot(false), dst = work_slot(true);
        begin(op, src, dst, 0);
        rc = done(sys_cap_move(src, dst).ret, src, dst, 0);
        if (rc == 0) {
            wid[dst] = identity(src);   /* UNKNOWN for the helpers' slots */
            wid[src] = SERIAL_UNKNOWN;
        }
        return;
    }
    case OP_DELETE: {
        uint64_t s = work_slot(false);
        begin(op, s, 0, 0);
        rc = done(sys_cap_delete(s).ret, s, 0, 0);
        if (rc == 0)
            forget_work(s);
        return;
    }
    case OP_REVOKE: {
        uint64_t s;
        switch (rn(10)) {
        case 0: s = rn(2) ? RT_SLOT_SELF_PROCESS : RT_SLOT_SELF_THREAD; break;
        case 1: case 2: case 3: case 4: s = A_LO + rn(A_HI - A_LO); break;
        default: s = work_slot(false); break;
        }
        begin(op, s, 0, 0);
        rc = done(sys_cap_revoke(s).ret, s, 0, 0);
        if (rc > 0)
            prog->revoked += (uint64_t)rc;
        return;
    }
    }
}

static void graph_ops(unsigned op)
{
    long rc;
    switch (op) {
    case OP_DESTROY_CHILD:
    case OP_DETACH_CHILD: {
        uint64_t c = anchor_of(K_PROC);
        if (!c || (op == OP_DETACH_CHILD && objs[c].holds_proc))
            return;
        begin(op, c, 0, 0);
        if (op == OP_DESTROY_CHILD) {
            long n = sys_cap_revoke(c).ret;
            if (n > 0)
                prog->revoked += (uint64_t)n;
        }
        rc = done(sys_cap_delete(c).ret, c, 0, 0);
        if (rc == 0) {
            objs[c].kind = K_FREE;
            nchildren--;
            if (op == OP_DESTROY_CHILD)
                prog->destroys++;
            else
                prog->detaches++;
        } else {
            problem("deleting the anchor of child process %llu: %ld", (unsigned long long)c, rc);
        }
        return;
    }
    case OP_DELETE_CTHREAD:
    case OP_DELETE_ANCHOR: {
        static const uint8_t kinds[3] = { K_EP, K_NTFN, K_FRAME };
        uint64_t a = anchor_of(op == OP_DELETE_CTHREAD ? K_CTHREAD : kinds[rn(3)]);
        if (!a)
            return;
        begin(op, a, 0, 0);
        rc = done(sys_cap_delete(a).ret, a, 0, 0);
        if (rc != 0)
            problem("deleting anchor %llu: %ld", (unsigned long long)a, rc);
        objs[a].kind = K_FREE;
        publish();
        return;
    }
    case OP_KILL_CTHREAD:
    case OP_KILL_HELPER:
    case OP_SUSPEND:
    case OP_RESUME:
    case OP_PRIO: {
        uint64_t t = anchor_of(op == OP_KILL_CTHREAD ? K_CTHREAD : K_HELPER);
        if (!t)
            return;
        uint64_t ctl = op == OP_KILL_CTHREAD || op == OP_KILL_HELPER ? SYS_THREAD_KILL
                     : op == OP_SUSPEND ? SYS_THREAD_SUSPEND : op == OP_RESUME ? SYS_THREAD_START
                     : SYS_THREAD_PRIORITY;
        uint64_t arg = ctl == SYS_THREAD_PRIORITY ? (my_prio > 2 ? 1 + rn(my_prio - 1) : 1) : 0;
        begin(op, t, ctl, arg);
        rc = done(sys_thread_ctl(t, ctl, arg).ret, t, ctl, arg);
        if (op == OP_KILL_HELPER && (rc == 0 || rc == SYS_EDEAD)) {
            /* Dead: its pool entry (stack, IPC buffer) can be used again; ktest keeps a cap. */
            helpers[objs[t].helper].used = false;
            sys_cap_delete(t);
            objs[t].kind = K_FREE;
            prog->kills++;
        }
        if (op == OP_KILL_CTHREAD && rc == 0)
            prog->kills++;
        if (op == OP_SUSPEND && rc == 0)
            prog->suspends++;
        if (op == OP_RESUME && rc == 0)
            prog->resumes++;
        return;
    }
    }
}

static void vm_ops(unsigned op)
{
    long rc;
    switch (op) {
    case OP_MAP_OWN: {
        uint64_t f = typed_slot(CAP_FRAME, K_FRAME);
        unsigned k = rn(OWN_N);
        bool w = chance(70);
        uint64_t va = OWN_VA + k * PLACE;
        begin(op, f, va, w);
        rc = done(sys_map(f, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | (w ? CAP_R_WRITE : 0)).ret, f, va, w);
        if (rc == 0) {
            /* A mapping we thought there may have gone with the deletion
             * of the copy it was made through, or a revoke (the exact
             * rules are checked by ktest's t_revoke.c): the new one wins. */
            own_map[k].serial = identity(f) ? identity(f) : 1;     /* 1: a frame, tag unknown */
            own_map[k].writable = w;
        }
        return;
    }
    case OP_MAP_CHILD: {
        uint64_t f = typed_slot(CAP_FRAME, K_FRAME), c = typed_slot(CAP_PROCESS, K_PROC);
        uint64_t va = CHILD_VA + rn(CHILD_N) * PLACE;
        begin(op, f, c, va);
        done(sys_map(f, c, va, chance(50) ? CAP_R_READ : CAP_R_READ | CAP_R_WRITE).ret, f, c, va);
        return;
    }
    case OP_UNMAP_OWN: {
        unsigned k = rn(OWN_N);
        uint64_t va = OWN_VA + k * PLACE;
        begin(op, va, 0, 0);
        rc = done(sys_unmap(RT_SLOT_SELF_PROCESS, va).ret, va, 0, 0);
        if (rc == 0 && !own_map[k].serial)
            problem("unmapped %#llx, where nothing was mapped", (unsigned long long)va);
        own_map[k].serial = 0;
        return;
    }
    case OP_UNMAP_CHILD:
    case OP_PROTECT: {
        uint64_t c = op == OP_UNMAP_CHILD || chance(50) ? typed_slot(CAP_PROCESS, K_PROC) : RT_SLOT_SELF_PROCESS;
        uint64_t va = c == RT_SLOT_SELF_PROCESS ? OWN_VA + rn(OWN_N) * PLACE : CHILD_VA + rn(CHILD_N) * PLACE;
        begin(op, c, va, 0);
        if (op == OP_UNMAP_CHILD) {
            if (c == RT_SLOT_SELF_PROCESS)
                return;
            done(sys_unmap(c, va).ret, c, va, 0);
        } else {
            rc = done(sys_protect(c, va, CAP_R_READ).ret, c, va, 0);
            if (c == RT_SLOT_SELF_PROCESS && rc == 0)
                own_map[(va - OWN_VA) / PLACE].writable = false;
        }
        return;
    }
    case OP_TOUCH: {
        unsigned k = rn(OWN_N);
        uint64_t va = OWN_VA + k * PLACE;
        if (!own_map[k].serial)
            return;
        begin(op, va, own_map[k].serial, 0);
        rc = done(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ | (own_map[k].writable ? CAP_R_WRITE : 0)).ret, va,
                  0, 0);
        if (rc == SYS_ENOENT) {
            own_map[k].serial = 0;      /* a revoke or delete took it */
            return;
        }
        if (rc != 0) {
            problem("protect(%#llx) of our own mapping: %ld", (unsigned long long)va, rc);
            return;
        }
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)va;
        uint64_t got = p[0];
        if (own_map[k].serial > SERIAL_SELF && got != frame_tag(own_map[k].serial))
            problem("%#llx reads %#llx, expected the tag %#llx of the frame mapped there", (unsigned long long)va,
                    (unsigned long long)got, (unsigned long long)frame_tag(own_map[k].serial));
        if (own_map[k].writable)
            p[1] = rnd();
        return;
    }
    }
}

static uint64_t prepare_ipc(void)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    b->send_cap = chance(20) ? any_slot() : 0;
    uint64_t rs = chance(40) ? work_slot(true) : 0;
    b->recv_slot = rs;
    return rs;
}

static void ipc_ops(unsigned op)
{
    long rc;
    struct sys_result r;
    uint64_t rs = prepare_ipc(), ep, n;
    uint64_t tag = TAG(rn(8), rn(7), rt_ipc_buffer()->send_cap ? 1 : 0);
    switch (op) {
    case OP_RECV:
    case OP_RECV_G:
        ep = typed_slot(CAP_ENDPOINT, K_EP);
        begin(op, ep, rs, 0);
        if (op == OP_RECV_G)
            guard_on();
        r = sys_recv(ep, op == OP_RECV_G ? 0 : now() + rn(2000000));
        if (op == OP_RECV_G)
            guard_off();
        rc = done(r.ret, ep, rs, 0);
        if (rc == 0 && TAG_LABEL(r.r[1]) != LABEL_NOTIFY && chance(50)) {
            prepare_ipc();
            sys_reply(0, TAG(0, rn(5), rt_ipc_buffer()->send_cap ? 1 : 0), 1, 2, 3, 4);
        }
        break;
    case OP_NBSEND:
    case OP_SEND_G:
    case OP_CALL_G:
    case OP_REPLY_RECV_G:
        ep = typed_slot(CAP_ENDPOINT, K_EP);
        begin(op, ep, tag, rs);
        if (op != OP_NBSEND)
            guard_on();
        if (op == OP_NBSEND)
            r = sys_nbsend(ep, tag, 1, 2, 3, 4);
        else if (op == OP_SEND_G)
            r = sys_send(ep, tag, 1, 2, 3, 4);
        else if (op == OP_CALL_G)
            r = sys_call(ep, tag, 1, 2, 3, 4);
        else
            r = sys_reply_recv(ep, tag, 1, 2, 3, 4);
        if (op != OP_NBSEND)
            guard_off();
        done(r.ret, ep, tag, rs);
        break;
    case OP_WAIT:
    case OP_WAIT_G:
        n = typed_slot(CAP_NOTIFICATION, K_NTFN);
        begin(op, n, 0, 0);
        if (op == OP_WAIT_G)
            guard_on();
        rc = sys_wait(n, op == OP_WAIT_G ? 0 : now() + rn(2000000)).ret;
        if (op == OP_WAIT_G)
            guard_off();
        done(rc, n, 0, 0);
        break;
    case OP_SIGNAL:
        n = typed_slot(CAP_NOTIFICATION, K_NTFN);
        begin(op, n, 0, 0);
        done(sys_signal(n, 1ull << rn(64)).ret, n, 0, 0);
        break;
    case OP_POLL:
        n = typed_slot(CAP_NOTIFICATION, K_NTFN);
        begin(op, n, 0, 0);
        done(sys_poll(n).ret, n, 0, 0);
        break;
    case OP_TIMER: {
        n = typed_slot(CAP_NOTIFICATION, K_NTFN);
        uint64_t d = chance(85) ? now() + rn(4000000) : 0;
        begin(op, n, d, 0);
        done(sys_timer_set(n, d, 1ull << rn(64)).ret, n, d, 0);
        break;
    }
    case OP_BIND:
        n = chance(30) ? 0 : typed_slot(CAP_NOTIFICATION, K_NTFN);
        begin(op, n, 0, 0);
        done(sys_ntfn_bind(n).ret, n, 0, 0);
        break;
    case OP_SLEEP: {
        uint64_t d = now() + rn(1000000);
        begin(op, d, 0, 0);
        done(sys_sleep(d).ret, d, 0, 0);
        break;
    }
    }
    struct ipc_buffer *b = rt_ipc_buffer();
    if (rs && sys_cap_info(rs).ret > 0)
        wid[rs] = SERIAL_UNKNOWN;       /* a cap came in (or a helper put one there) */
    b->send_cap = 0;
    b->recv_slot = 0;
}

/* Anchors hold what we think they hold; our quota is within its limit. */
static void check(void)
{
    static const long types[] = { [K_FREE] = SYS_ENOCAP, [K_PROC] = CAP_PROCESS, [K_HELPER] = CAP_THREAD,
                                  [K_CTHREAD] = CAP_THREAD, [K_EP] = CAP_ENDPOINT, [K_NTFN] = CAP_NOTIFICATION,
                                  [K_FRAME] = CAP_FRAME };
    begin(OP_CHECK, 0, 0, 0);
    for (uint64_t s = A_LO; s < A_HI; s++) {
        long t = sys_cap_info(s).ret;
        if (t != types[objs[s].kind])
            problem("anchor slot %llu: cap_info = %ld, expected %ld", (unsigned long long)s, t, types[objs[s].kind]);
    }
    struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
    if (q.ret != 0 || q.r[0] > q.r[1])
        problem("our quota: %ld, used %llu of %llu", q.ret, (unsigned long long)q.r[0], (unsigned long long)q.r[1]);
    done(0, 0, 0, 0);
}

static void one_op(void)
{
    static unsigned total;
    if (!total)
        for (unsigned i = 0; i < OP_COUNT; i++)
            total += weights[i];
    unsigned w = rn(total), op = 0;
    while (w >= weights[op])
        w -= weights[op++];
    switch (op) {
    case OP_CREATE_EP: case OP_CREATE_NTFN: case OP_CREATE_FRAME: case OP_CREATE_CHILD:
    case OP_CREATE_HELPER: case OP_CREATE_CTHREAD:
        make_object(op);
        break;
    case OP_COPY: case OP_GIVE_CHILD: case OP_GIVE_SELF: case OP_GIVE_SELFCAPS: case OP_MOVE: case OP_DELETE:
    case OP_REVOKE:
        cap_ops(op);
        break;
    case OP_DESTROY_CHILD: case OP_DETACH_CHILD: case OP_DELETE_CTHREAD: case OP_DELETE_ANCHOR:
    case OP_KILL_CTHREAD: case OP_KILL_HELPER: case OP_SUSPEND: case OP_RESUME: case OP_PRIO:
        graph_ops(op);
        break;
    case OP_MAP_OWN: case OP_MAP_CHILD: case OP_UNMAP_OWN: case OP_UNMAP_CHILD: case OP_PROTECT: case OP_TOUCH:
        vm_ops(op);
        break;
    case OP_CHECK:
        check();
        break;
    default:
        ipc_ops(op);
        break;
    }
    prog->ops++;
}

static void setup(void)
{
    if (sys_create(CAP_NOTIFICATION, S_WD_NTFN, 0).ret != 0 ||
        sys_thread_create(RT_SLOT_SELF_PROCESS, S_WD_THREAD, (uint64_t)(uintptr_t)watchdog_main,
                          (uint64_t)(uintptr_t)(wd_stack + sizeof wd_stack) - 8, 0, my_prio)
                .ret != 0 ||
        sys_thread_ctl(S_WD_THREAD, SYS_THREAD_FAULT_EP, OF_SLOT_FAULT).ret != 0 || !register_thread(S_WD_THREAD) ||
        sys_thread_ctl(S_WD_THREAD, SYS_THREAD_START, 0).ret != 0)
        problem("cannot start the watchdog");
    nstarted = 1;
}

/* No unreachable cycle may outlive the round: revoking every child's
 * anchor deletes every copy of a cap to a child, wherever it is. */
static void cleanup(void)
{
    prog->phase = 1;
    guard_off();
    sys_ntfn_bind(0);
    for (uint64_t s = A_LO; s < A_HI; s++)
        if (objs[s].kind == K_PROC) {
            long n = sys_cap_revoke(s).ret;
            if (n < 0)
                problem("revoking child anchor %llu at the end: %ld", (unsigned long long)s, n);
        }
    check();
}

int main(uint64_t arg)
{
    if (arg == OF_WARMUP)
        return 0;
    uint32_t seed = OF_SEED(arg);
    uint64_t target = OF_OPS(arg);
    inst = OF_INST(arg);
    trace = (arg & OF_TRACE) != 0;
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed * 0x100000001b3ull);
    if (!rng)
        rng = 1;
    if (sys_map(OF_SLOT_PROGRESS, RT_SLOT_SELF_PROCESS, OF_PROGRESS_VA, CAP_R_READ | CAP_R_WRITE).ret != 0) {
        printf("objfuzz: no progress page in slot %d", OF_SLOT_PROGRESS);
        return 1;
    }
    prog = (struct of_progress *)(uintptr_t)OF_PROGRESS_VA;
    prog->magic = OF_MAGIC;
    prog->seed = seed;
    setup();
    while (prog->ops < target)
        one_op();
    cleanup();
    prog->phase = 2;
    sys_call(OF_SLOT_CTL, TAG(OF_MSG_DONE, 2, 0), prog->ops, prog->problems, 0, 0);
    /* ktest kills us (and every thread we started) now. */
    for (;;)
        sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_SUSPEND, 0);
}
