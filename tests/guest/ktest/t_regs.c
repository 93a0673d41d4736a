/* Register hygiene: for every way a thread can block and be woken, its
 * registers come back exactly as the ABI says, and no thread (least of all
 * one of another process) ever sees another thread's registers.
 *
 * The ABI these tests hold the kernel to:
 *
 * - A system call (`syscall`): rax = the result. rbx, rbp, rsp, r12-r15
 *   are preserved, whether the call blocked or not, whoever ran meanwhile.
 *   rcx and r11 are clobbered by the instruction (today they come back as
 *   the return rip and rflags) and are not checked, except that they never
 *   hold another thread's value. The argument registers rdi, rsi, rdx, r10,
 *   r8, r9:
 *     - after a receive-type return (recv, call, reply_recv that got a
 *       message) they are the message: rdi badge (0 for a reply), rsi tag,
 *       rdx r10 r8 r9 MR0..MR3;
 *     - after a bound notification arrives through recv: rdi 0, rsi
 *       TAG(LABEL_NOTIFY, 1, 0), rdx the bits; r10, r8, r9 are not part of
 *       that message (length 1): they must be the caller's own inputs or 0;
 *     - after wait: rdi = the bits, the others the caller's inputs;
 *     - after anything else (send, signal, sleep, thread_ctl, an error
 *       such as SYS_ETIMEOUT, SYS_EDEAD, SYS_EBUSY): the caller's own inputs
 *       of that very call, or documented outputs; never another thread's
 *       values, and not a message received earlier.
 * - A fault that the handler resolves (reply label 0) and a preemption by
 *   an interrupt: the thread made no system call, so ALL sixteen general
 *   registers (rcx and r11 included) come back exactly as they were.
 * - x87/SSE/AVX state (xmm0-15, the upper halves of ymm0-15 where AVX is
 *   enabled, MXCSR, the x87 control word, tag word and stack) is preserved
 *   across every system call, block/wake, fault/resume and preemption.
 * - A new thread starts with rip = entry, rsp = the given stack, rdi = the
 *   argument and every other general register 0, except what `sysret`
 *   itself writes: the kernel's thread_create zeroes the frame except rip,
 *   cs, rflags (0x202), rsp, ss, rdi, and enters user mode with sysret, so
 *   today rcx = entry and r11 = 0x202 (0 is accepted for both too). Its
 *   FPU state is the initial one: xmm and ymm 0, MXCSR 0x1f80, FCW 0x37f,
 *   FSW 0, every x87 register empty, and zero (fxsave shows the physical
 *   registers even when they are tagged empty).
 *
 * Every check runs on values loaded and stored by one assembly block
 * (kr_syscall and friends, tests/guest/kpartner/kregs.h), each thread role
 * with its own pattern owner, so a register holding another owner's
 * pattern is caught whatever register it turns up in. Helper threads
 * record their first failure in hwhy; the test reports it after joining.
 *
 * Found here and fixed: a thread's first FPU state came from `fninit;
 * ldmxcsr`, which left xmm0-15 and the x87 data registers as the previous
 * owner left them, so a brand-new thread of another process read them
 * (regs_newproc_fpu_live), also when that owner had exited
 * (regs_newproc_fpu_dead); and a thread woken without a message from a
 * block in the assembly fast path (which saves only the callee-saved
 * registers) got rdi..r9 from stale frame slots (regs_fast_block_args).
 * The ABI (uapi/syscalls.def): after an error, each argument register
 * holds the caller's own input or 0.
 *
 * MR1..MR3 beyond a message's length: the kernel copies all four message
 * registers whatever the tag's length (deliver(), the fast paths), so a
 * receiver of a 1-word message gets the sender's r10, r8, r9 as they were.
 * The ABI does not say otherwise, and the tests here send 4 or 8 words. */
#include "ktest.h"
#define KREGS_IMPL
#include "../kpartner/kregs.h"

#define PARTNER_QUOTA (1024 * 1024)
#define PARTNER_PRIO 45

/* Pattern owners: one per thread role. */
enum {
    OWN_MAIN = 0xa1,    /* ktest's own thread */
    OWN_SERVER = 0xa2,  /* a helper serving, receiving, waiting */
    OWN_CLIENT = 0xa3,  /* a helper calling or sending */
    OWN_SPIN = 0xa4,    /* a spinner */
    OWN_WAKER = 0xa5,   /* a thread that wakes and preempts a spinner */
    OWN_FAULT = 0xa6,   /* a thread that faults */
    OWN_STARTER = 0xd1, /* starts a brand-new thread with its registers loaded */
    OWN_DEAD = 0xd2,    /* loads its registers and exits */
};

static uint64_t regs_flags;         /* KR_FPU, plus KR_AVX where usable */
static uint64_t done_ntfn;          /* helpers signal their bit when finished */
static char hwhy[300];              /* a helper's first failure */
static volatile bool hbad;

/* Every test starts here: fresh notification, no failure, spinner reset. */
static bool setup(void)
{
    static bool avx_known;
    if (!avx_known) {
        avx_known = true;
        regs_flags = KR_FPU | (kr_avx_usable() ? KR_AVX : 0);
        if (!(regs_flags & KR_AVX))
            printf("ktest: note: AVX is not enabled (CPUID.1:ECX.OSXSAVE/AVX, XCR0): the regs_* tests "
                   "check xmm, MXCSR and x87 state but not the upper halves of ymm0-15");
    }
    hbad = false;
    hwhy[0] = '\0';
    kr_spinning = kr_spin_go = kr_spin_count = 0;
    kr_gadget = 0;
    done_ntfn = kt_notification();
    return done_ntfn != 0;
}

/* A helper's check: the first failure is kept for the test to report. */
static bool h_check(const struct kr_ctx *c, const struct kr_want *w, const char *what)
{
    char why[sizeof hwhy];
    if (kr_check(c, w, what, why, sizeof why))
        return true;
    if (!hbad) {
        hbad = true;
        strlcpy(hwhy, why, sizeof hwhy);
    }
    return false;
}

static void h_fail(const char *why)
{
    if (!hbad) {
        hbad = true;
        strlcpy(hwhy, why, sizeof hwhy);
    }
}

/* ktest's own check. */
#define CHECK_KR(c, w, what)                                                       \
    do {                                                                           \
        char kr_why_[300];                                                         \
        if (!kr_check((c), (w), (what), kr_why_, sizeof kr_why_))                  \
            return kt_fail("%s", kr_why_);                                         \
    } while (0)

/* Waits for the helpers' done bits, then reports a helper's failure. */
static bool join(uint64_t want, uint64_t ms)
{
    uint64_t got = 0, end = kt_in(ms * MS);
    while ((got & want) != want) {
        struct sys_result r = sys_wait(done_ntfn, end);
        if (r.ret != 0)
            return kt_fail("helpers did not finish in %llu ms (done bits %#llx of %#llx)%s%s",
                           (unsigned long long)ms, (unsigned long long)got, (unsigned long long)want,
                           hbad ? "; first failure: " : "", hbad ? hwhy : "");
        got |= r.r[0];
    }
    if (hbad)
        return kt_fail("%s", hwhy);
    return true;
}

static void set_call(struct kr_ctx *c, long nr, uint64_t slot, uint64_t tag, unsigned round)
{
    kr_set_syscall(c, nr, slot, tag, kr_msg(round, 0), kr_msg(round, 1), kr_msg(round, 2), kr_msg(round, 3));
}

/* Reply words are the request's with the top bit of the round flipped. */
static uint64_t reply_word(unsigned round, unsigned i)
{
    return kr_msg(round | 0x800000u, i);
}

/* --- a fresh thread of the same process ------------------------------------ */

static struct kr_dump fresh_dump;
static uint8_t fresh_stack[256] __attribute__((aligned(16)));
static struct kr_ctx starter_ctx;
static uint64_t starter_target;

/* Starts starter_target with every register loaded (it preempts us at
 * once), then checks that its own registers survived that. */
static void starter_fn(uint64_t arg)
{
    (void)arg;
    struct kr_ctx *c = &starter_ctx;
    kr_fill(c, OWN_STARTER, 1, regs_flags);
    c->in.gpr[KR_RAX] = SYS_thread_ctl;
    c->in.gpr[KR_RDI] = starter_target;
    c->in.gpr[KR_RSI] = SYS_THREAD_START;
    c->in.gpr[KR_RDX] = 0;
    kr_syscall(c);
    struct kr_want w;
    kr_want_syscall(&w, SYS_OK);
    h_check(c, &w, "the starter, preempted by the new thread it started");
    sys_signal(done_ntfn, 1);
}

/* The general registers a brand-new thread found (see the ABI above). */
static bool check_fresh_gprs(const struct kr_dump *d, uint64_t entry, uint64_t stack, uint64_t arg)
{
    CHECK_EQ(d->done, 1);
    for (unsigned i = 0; i < KR_NGPR; i++) {
        uint64_t v = d->gpr[i], want = 0;
        bool ok;
        switch (i) {
        case KR_RDI: want = arg; ok = v == want; break;
        case KR_RSP: want = stack; ok = v == want; break;
        case KR_RCX: want = entry; ok = v == entry || v == 0; break;      /* sysret: rip */
        case KR_R11: want = 0x202; ok = v == 0x202 || v == 0; break;      /* sysret: rflags */
        default: ok = v == 0; break;
        }
        if (!ok)
            return kt_fail("a new thread started with %s = %#llx, expected %#llx%s", kr_gpr_names[i],
                           (unsigned long long)v, (unsigned long long)want,
                           kr_owner_of(v) >= 0 ? " (another thread's pattern)" : "");
    }
    return true;
}

/* A new thread of our own process, started by a thread whose registers are
 * all loaded: it starts with zeroes (and rdi, rsp, rcx, r11 as above). */
static bool t_fresh_thread(void)
{
    CHECK(setup());
    memset(&fresh_dump, 0, sizeof fresh_dump);
    uint64_t t = kt_slot(), stack = (uint64_t)(uintptr_t)(fresh_stack + sizeof fresh_stack);
    uint64_t entry = (uint64_t)(uintptr_t)kr_dump_entry, arg = (uint64_t)(uintptr_t)&fresh_dump;
    CHECK_RC(sys_thread_create(RT_SLOT_SELF_PROCESS, t, entry, stack, arg, 35), SYS_OK);
    starter_target = t;
    CHECK(kt_thread_run(starter_fn, 0, 30, 0) != 0);
    if (!join(1, 3000))
        return false;
    return check_fresh_gprs(&fresh_dump, entry, stack, arg);
}

/* --- IPC: a helper server and ktest as the client ----------------------------- */

struct server_job {
    uint64_t ep;            /* the endpoint it serves (READ) */
    uint64_t badge;         /* the badge the client's cap carries */
    unsigned len;           /* message length, both ways */
    unsigned caps;          /* 1: each request carries a capability */
    uint64_t recv_slot;     /* where it accepts it */
    struct ipc_buffer *buf; /* its IPC buffer */
    volatile unsigned served;
};
static struct server_job srv;
static struct kr_ctx srv_ctx;

/* recv, then reply_recv forever; checks every request it gets (request r
 * has words kr_msg(r, i)) and answers with reply_word(r, i). */
static void server_fn(uint64_t arg)
{
    (void)arg;
    struct kr_ctx *c = &srv_ctx;
    struct ipc_buffer *b = srv.buf;
    kr_fill(c, OWN_SERVER, 0, regs_flags);
    c->in.gpr[KR_RAX] = SYS_recv;
    c->in.gpr[KR_RDI] = srv.ep;
    c->in.gpr[KR_RSI] = 0;
    b->recv_slot = srv.caps ? srv.recv_slot : 0;
    kr_syscall(c);
    for (unsigned r = 0;; r++) {
        char what[64];
        snprintf(what, sizeof what, "server, after %s returned request %u", r ? "reply_recv" : "recv", r);
        struct kr_want w;
        kr_want_syscall(&w, SYS_OK);
        kr_want_msg(&w, srv.badge, TAG(7, srv.len, srv.caps), kr_msg(r, 0), kr_msg(r, 1), kr_msg(r, 2),
                    kr_msg(r, 3));
        h_check(c, &w, what);
        for (unsigned i = SYS_MSG_REGS; i < srv.len; i++)
            if (b->mr[i] != kr_msg(r, i))
                h_fail("server: a long request's word in the IPC buffer is wrong");
        if (srv.caps) {
            if (sys_cap_info(srv.recv_slot).ret != CAP_NOTIFICATION)
                h_fail("server: the transferred capability is not in recv_slot");
            sys_cap_delete(srv.recv_slot);
        }
        srv.served = r + 1;
        kr_fill(c, OWN_SERVER, r + 1, regs_flags);
        for (unsigned i = SYS_MSG_REGS; i < srv.len; i++)
            b->mr[i] = reply_word(r, i);
        kr_set_syscall(c, SYS_reply_recv, srv.ep, TAG(0, srv.len, 0), reply_word(r, 0), reply_word(r, 1),
                       reply_word(r, 2), reply_word(r, 3));
        kr_syscall(c);
    }
}

/* Starts the server on a fresh endpoint and gives ktest a badged client
 * cap (WRITE|GRANT); returns the client slot (0 on error). */
static uint64_t start_server(unsigned len, unsigned caps)
{
    memset(&srv, 0, sizeof srv);
    srv.ep = kt_endpoint();
    srv.badge = 0x5e4e;
    srv.len = len;
    srv.caps = caps;
    srv.recv_slot = kt_slot();
    uint64_t client = kt_slot();
    if (!srv.ep || !client || sys_cap_copy(srv.ep, client, CAP_R_WRITE | CAP_R_GRANT, srv.badge).ret != 0)
        return 0;
    sys_cap_delete(srv.recv_slot);      /* an empty slot for the received cap */
    uint64_t t = kt_thread(server_fn, 0, KT_HELPER_PRIO, true);
    if (!t)
        return 0;
    srv.buf = kt_thread_ipcbuf(t);
    if (kt_start(t) != 0 || !kt_settle())   /* settled: the server waits in recv */
        return 0;
    return client;
}

/* rounds calls from ktest with every register loaded, each checked on
 * both sides. */
static bool client_rounds(uint64_t client, unsigned rounds, unsigned len, unsigned caps, const char *path)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    uint64_t ntfn = caps ? kt_notification() : 0;
    for (unsigned r = 0; r < rounds; r++) {
        struct kr_ctx c;
        kr_fill(&c, OWN_MAIN, r, regs_flags);
        set_call(&c, SYS_call, client, TAG(7, len, caps), r);
        for (unsigned i = SYS_MSG_REGS; i < len; i++)
            b->mr[i] = kr_msg(r, i);
        b->send_cap = ntfn;
        kr_syscall(&c);
        if (hbad)
            return kt_fail("%s", hwhy);
        struct kr_want w;
        kr_want_syscall(&w, SYS_OK);
        kr_want_msg(&w, 0, TAG(0, len, 0), reply_word(r, 0), reply_word(r, 1), reply_word(r, 2),
                    reply_word(r, 3));
        char what[80];
        snprintf(what, sizeof what, "client, after call %u (%s)", r, path);
        CHECK_KR(&c, &w, what);
        for (unsigned i = SYS_MSG_REGS; i < len; i++)
            CHECK_EQ(b->mr[i], reply_word(r, i));
    }
    CHECK_EQ(srv.served, rounds);
    b->send_cap = 0;
    return true;
}

/* IPC fast path: short calls to a server waiting in recv (then in
 * reply_recv), answered by reply_recv: the client's and the server's view. */
static bool t_ipc_fast(void)
{
    CHECK(setup());
    uint64_t client = start_server(4, 0);
    CHECK(client != 0);
    return client_rounds(client, 20, 4, 0, "short: fast path");
}

/* IPC slow path: 8-word messages through both IPC buffers, both ways. */
static bool t_ipc_long(void)
{
    CHECK(setup());
    uint64_t client = start_server(8, 0);
    CHECK(client != 0);
    return client_rounds(client, 4, 8, 0, "8 words: slow path");
}

/* IPC slow path: each call transfers a capability. */
static bool t_ipc_cap(void)
{
    CHECK(setup());
    uint64_t client = start_server(4, 1);
    CHECK(client != 0);
    return client_rounds(client, 3, 4, 1, "with a capability: slow path");
}

/* --- a helper that blocks first: send, call, recv, wait -------------------------- */

enum hop { H_SEND, H_CALL, H_RECV, H_RECV_DEADLINE, H_WAIT, H_BOUND_RECV };
struct hjob {
    enum hop op;
    uint64_t slot;          /* endpoint or notification */
    uint64_t bound;         /* H_BOUND_RECV: the notification to bind first */
    unsigned label;         /* H_SEND, H_CALL: the label sent; H_RECV*: the label expected.
                               Words kr_msg(label, i); a reply reply_word(label, i) */
    uint64_t badge;         /* H_RECV*: the badge expected */
    uint64_t expect_bits;   /* H_WAIT, H_BOUND_RECV */
    long expect_rc;         /* what the call returns */
    bool args_any;          /* rdi..r9 only checked for other threads' patterns */
};
static struct hjob hj;
static struct kr_ctx hj_ctx;

static const unsigned arg_regs[6] = { KR_RDI, KR_RSI, KR_RDX, KR_R10, KR_R8, KR_R9 };

static void blocker_fn(uint64_t arg)
{
    (void)arg;
    struct kr_ctx *c = &hj_ctx;
    kr_fill(c, hj.op == H_SEND || hj.op == H_CALL ? OWN_CLIENT : OWN_SERVER, 3, regs_flags);
    const char *what = "";
    switch (hj.op) {
    case H_SEND:
        set_call(c, SYS_send, hj.slot, TAG(hj.label, 4, 0), hj.label);
        what = "helper, send that blocked first";
        break;
    case H_CALL:
        set_call(c, SYS_call, hj.slot, TAG(hj.label, 4, 0), hj.label);
        what = hj.expect_rc == SYS_OK ? "helper, call that blocked first (reply later)"
                                      : "helper, call whose server was killed";
        break;
    case H_RECV:
    case H_RECV_DEADLINE:
    case H_BOUND_RECV:
        c->in.gpr[KR_RAX] = SYS_recv;
        c->in.gpr[KR_RDI] = hj.slot;
        c->in.gpr[KR_RSI] = hj.op == H_RECV_DEADLINE ? kt_in(3000 * MS) : 0;
        what = hj.op == H_BOUND_RECV ? "helper, recv woken by its bound notification"
                                     : "helper, recv that blocked first";
        break;
    case H_WAIT:
        c->in.gpr[KR_RAX] = SYS_wait;
        c->in.gpr[KR_RDI] = hj.slot;
        c->in.gpr[KR_RSI] = 0;
        what = "helper, wait woken by a signal";
        break;
    }
    if (hj.op == H_BOUND_RECV && sys_ntfn_bind(hj.bound).ret != 0)
        h_fail("ntfn_bind failed");
    kr_syscall(c);
    struct kr_want w;
    kr_want_syscall(&w, hj.expect_rc);
    unsigned l = hj.label;
    if (hj.expect_rc == SYS_OK) {
        switch (hj.op) {
        case H_SEND: break;                                 /* its own inputs */
        case H_CALL:
            kr_want_msg(&w, 0, TAG(0, 4, 0), reply_word(l, 0), reply_word(l, 1), reply_word(l, 2),
                        reply_word(l, 3));
            break;
        case H_RECV:
        case H_RECV_DEADLINE:
            kr_want_msg(&w, hj.badge, TAG(l, 4, 0), kr_msg(l, 0), kr_msg(l, 1), kr_msg(l, 2), kr_msg(l, 3));
            break;
        case H_WAIT: kr_want_eq(&w, KR_RDI, hj.expect_bits); break;
        case H_BOUND_RECV:
            kr_want_eq(&w, KR_RDI, 0);
            kr_want_eq(&w, KR_RSI, TAG(LABEL_NOTIFY, 1, 0));
            kr_want_eq(&w, KR_RDX, hj.expect_bits);
            for (unsigned r = KR_R8; r <= KR_R10; r++) {    /* r8, r9, r10: not in the message */
                w.how[r] = KR_SAME_OR_EQ;
                w.val[r] = 0;
            }
            break;
        }
    }
    if (hj.args_any)
        for (unsigned i = 0; i < 6; i++)
            w.how[arg_regs[i]] = KR_ANY;
    h_check(c, &w, what);
    if (hj.op == H_BOUND_RECV)
        sys_ntfn_bind(0);
    sys_signal(done_ntfn, 1);
}

/* Starts the blocker and waits until it is blocked. */
static bool run_blocker(void)
{
    uint64_t t = kt_thread(blocker_fn, 0, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK(kt_settle());
    return true;
}

/* A send (and then a call) that blocks because nobody receives yet; ktest
 * receives later (and replies): the sender's and the receiver's view. */
static bool t_send_blocks(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), sender = kt_slot();
    CHECK_RC(sys_cap_copy(ep, sender, CAP_R_WRITE, 0x5e0d), SYS_OK);
    hj = (struct hjob){ .op = H_SEND, .slot = sender, .label = 3, .expect_rc = SYS_OK };
    if (!run_blocker())
        return false;
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 1, regs_flags);
    c.in.gpr[KR_RAX] = SYS_recv;
    c.in.gpr[KR_RDI] = ep;
    c.in.gpr[KR_RSI] = 0;
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    kr_want_msg(&w, 0x5e0d, TAG(3, 4, 0), kr_msg(3, 0), kr_msg(3, 1), kr_msg(3, 2), kr_msg(3, 3));
    CHECK_KR(&c, &w, "ktest, recv of a queued send");
    if (!join(1, 3000))
        return false;
    /* A call queued the same way, received and then answered with reply. */
    hj = (struct hjob){ .op = H_CALL, .slot = sender, .label = 4, .expect_rc = SYS_OK };
    if (!run_blocker())
        return false;
    kr_fill(&c, OWN_MAIN, 2, regs_flags);
    c.in.gpr[KR_RAX] = SYS_recv;
    c.in.gpr[KR_RDI] = ep;
    c.in.gpr[KR_RSI] = 0;
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    kr_want_msg(&w, 0x5e0d, TAG(4, 4, 0), kr_msg(4, 0), kr_msg(4, 1), kr_msg(4, 2), kr_msg(4, 3));
    CHECK_KR(&c, &w, "ktest, recv of a queued call");
    kr_fill(&c, OWN_MAIN, 3, regs_flags);
    kr_set_syscall(&c, SYS_reply, 0, TAG(0, 4, 0), reply_word(4, 0), reply_word(4, 1), reply_word(4, 2),
                   reply_word(4, 3));
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    CHECK_KR(&c, &w, "ktest, reply");
    return join(1, 3000);
}

/* A recv that blocks first (without and with a deadline, which keeps it
 * off the fast path); ktest's send arrives later: both views. */
static bool t_recv_blocks(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), sender = kt_slot();
    CHECK_RC(sys_cap_copy(ep, sender, CAP_R_WRITE, 0x5e0e), SYS_OK);
    for (int deadline = 0; deadline < 2; deadline++) {
        hj = (struct hjob){ .op = deadline ? H_RECV_DEADLINE : H_RECV, .slot = ep, .label = 5, .badge = 0x5e0e,
                            .expect_rc = SYS_OK };
        if (!run_blocker())
            return false;
        struct kr_ctx c;
        struct kr_want w;
        kr_fill(&c, OWN_MAIN, 5, regs_flags);
        set_call(&c, SYS_send, sender, TAG(5, 4, 0), 5);
        kr_syscall(&c);
        kr_want_syscall(&w, SYS_OK);
        CHECK_KR(&c, &w, deadline ? "ktest, send to a recv with a deadline" : "ktest, send to a waiting recv");
        if (!join(1, 3000))
            return false;
    }
    return true;
}

/* --- timeouts, and a spinner preempted meanwhile -------------------------------- */

static struct kr_ctx spin_ctx;

/* Spins with every register loaded until kr_spin_go; all must survive. */
static void spinner_fn(uint64_t bit)
{
    struct kr_ctx *c = &spin_ctx;
    kr_fill(c, OWN_SPIN, 7, regs_flags);
    kr_spin(c);
    struct kr_want w;
    kr_want_same(&w);
    h_check(c, &w, "spinner, after being preempted (all registers, rcx and r11 included)");
    sys_signal(done_ntfn, bit);
}

/* recv with a deadline that passes (SYS_ETIMEOUT), wait with a deadline
 * that passes, sleep: ktest's registers come back; meanwhile a
 * lower-priority spinner with its own registers ran and was preempted by
 * each wake-up. */
static bool t_timeouts(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), n = kt_notification();
    CHECK(kt_thread_run(spinner_fn, 2, KT_HELPER_PRIO, 0) != 0);
    static const char *const names[] = { "recv with a deadline (SYS_ETIMEOUT)",
                                         "wait with a deadline (SYS_ETIMEOUT)", "sleep" };
    for (int i = 0; i < 3; i++) {
        struct kr_ctx c;
        struct kr_want w;
        uint64_t deadline = kt_in(20 * MS);
        kr_fill(&c, OWN_MAIN, 10 + (unsigned)i, regs_flags);
        long nr = i == 0 ? SYS_recv : i == 1 ? SYS_wait : SYS_sleep;
        c.in.gpr[KR_RAX] = (uint64_t)nr;
        c.in.gpr[KR_RDI] = i == 2 ? deadline : i == 0 ? ep : n;
        if (i < 2)
            c.in.gpr[KR_RSI] = deadline;
        kr_syscall(&c);
        kr_want_syscall(&w, i < 2 ? SYS_ETIMEOUT : SYS_OK);
        CHECK_KR(&c, &w, names[i]);
        CHECK(kt_now() >= deadline);
    }
    CHECK(kr_spinning);         /* the spinner ran while we were blocked */
    kr_spin_go = 1;
    return join(2, 3000);
}

/* --- signals ---------------------------------------------------------------------- */

/* wait woken by a signal from another thread (ktest, registers loaded),
 * then by one from another process (kpartner KP_SELFDELETE signals bit 1). */
static bool t_signal(void)
{
    CHECK(setup());
    uint64_t n = kt_notification();
    hj = (struct hjob){ .op = H_WAIT, .slot = n, .expect_bits = 0x5, .expect_rc = SYS_OK };
    if (!run_blocker())
        return false;
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 20, regs_flags);
    c.in.gpr[KR_RAX] = SYS_signal;
    c.in.gpr[KR_RDI] = n;
    c.in.gpr[KR_RSI] = 0x5;
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    CHECK_KR(&c, &w, "ktest, signal");
    if (!join(1, 3000))
        return false;
    hj = (struct hjob){ .op = H_WAIT, .slot = n, .expect_bits = 0x1, .expect_rc = SYS_OK };
    if (!run_blocker())
        return false;
    struct spawn_caps caps[] = { { n, KP_SLOT_A, CAP_R_WRITE } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_SELFDELETE, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    return join(1, 3000);
}

/* A bound notification delivered through a recv that blocked, and one
 * already pending when ktest's own recv starts. */
static bool t_bound_ntfn(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), n = kt_notification();
    hj = (struct hjob){ .op = H_BOUND_RECV, .slot = ep, .bound = n, .expect_bits = 0x30, .expect_rc = SYS_OK };
    if (!run_blocker())
        return false;
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 30, regs_flags);
    c.in.gpr[KR_RAX] = SYS_signal;
    c.in.gpr[KR_RDI] = n;
    c.in.gpr[KR_RSI] = 0x30;
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    CHECK_KR(&c, &w, "ktest, signal to a bound notification");
    if (!join(1, 3000))
        return false;
    /* Pending before the recv: delivered at once. */
    CHECK_RC(sys_ntfn_bind(n), SYS_OK);
    CHECK_RC(sys_signal(n, 0x41), SYS_OK);
    kr_fill(&c, OWN_MAIN, 31, regs_flags);
    c.in.gpr[KR_RAX] = SYS_recv;
    c.in.gpr[KR_RDI] = ep;
    c.in.gpr[KR_RSI] = 0;
    kr_syscall(&c);
    sys_ntfn_bind(0);
    kr_want_syscall(&w, SYS_OK);
    kr_want_eq(&w, KR_RDI, 0);
    kr_want_eq(&w, KR_RSI, TAG(LABEL_NOTIFY, 1, 0));
    kr_want_eq(&w, KR_RDX, 0x41);
    for (unsigned r = KR_R8; r <= KR_R10; r++) {
        w.how[r] = KR_SAME_OR_EQ;
        w.val[r] = 0;
    }
    CHECK_KR(&c, &w, "ktest, recv with a bound notification pending");
    return true;
}

/* --- peer death --------------------------------------------------------------------- */

/* A call whose server exits while holding it (ktest calls), and one whose
 * server is killed while holding it (a helper calls): SYS_EDEAD, rbx, rbp,
 * rsp, r12-r15 and the FPU state intact, nothing of another thread in any
 * register. (What rdi..r9 hold: regs_fast_block_args.) */
static bool t_peer_death(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), client = kt_slot();
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE, 0xdead), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    CHECK(kt_settle());
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 40, regs_flags);
    set_call(&c, SYS_call, client, TAG(KP_OP_EXIT, 4, 0), 40);
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_EDEAD);
    for (unsigned i = 0; i < 6; i++)
        w.how[arg_regs[i]] = KR_ANY;
    CHECK_KR(&c, &w, "ktest, call whose server exited");
    /* A helper calls; the server receives again without replying (the
     * call stays held) and is killed. */
    struct kt_partner p2;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p2), 0);
    CHECK(kt_settle());
    hj = (struct hjob){ .op = H_CALL, .slot = client, .label = KP_OP_RECV2, .expect_rc = SYS_EDEAD,
                        .args_any = true };
    uint64_t t = kt_thread(blocker_fn, 0, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    CHECK_EQ(kt_start(t), SYS_OK);
    /* The fast path needs nothing else ready when the helper calls (not
     * even kt_settle's thread): sleep first, then settle to be sure. */
    kt_sleep_ms(20);
    CHECK(kt_settle());
    CHECK_RC(sys_thread_ctl(p2.thread, SYS_THREAD_KILL, 0), SYS_OK);
    return join(1, 3000);
}

/* --- blocks the fast path leaves, woken without a message --------------------------- */

static struct kr_ctx fs_ctx;
static uint64_t fs_request[6];      /* the message the server received before */

/* Receives one call (plain C), then answers it with reply_recv with every
 * register loaded: a short reply to a waiting caller, so the fast path
 * blocks it in recv. ktest suspends and starts it: SYS_EBUSY. */
static void fastsrv_fn(uint64_t ep)
{
    struct kr_ctx *c = &fs_ctx;
    struct msg m;
    if (ipc_recv(ep, &m) != 0) {
        h_fail("fast-path server: recv failed");
        sys_signal(done_ntfn, 1);
        return;
    }
    uint64_t req[6] = { m.badge, m.tag, m.mr[0], m.mr[1], m.mr[2], m.mr[3] };
    memcpy(fs_request, req, sizeof req);
    kr_fill(c, OWN_SERVER, 60, regs_flags);
    kr_set_syscall(c, SYS_reply_recv, ep, TAG(0, 4, 0), reply_word(60, 0), reply_word(60, 1), reply_word(60, 2),
                   reply_word(60, 3));
    kr_syscall(c);
    struct kr_want w;
    kr_want_syscall(&w, SYS_EBUSY);
    for (unsigned i = 0; i < 6; i++)
        w.how[arg_regs[i]] = KR_ANY;        /* regs_fast_block_args checks them */
    h_check(c, &w, "server suspended in reply_recv (fast path) and started again");
    sys_signal(done_ntfn, 1);
}

/* Runs fastsrv_fn on a fresh endpoint up to its SYS_EBUSY. */
static bool run_fast_suspend(void)
{
    uint64_t ep = kt_endpoint(), client = kt_slot();
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE, 0xfa57), SYS_OK);
    uint64_t t = kt_thread(fastsrv_fn, ep, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK(kt_settle());                     /* in recv */
    struct msg m = { .tag = TAG(9, 4, 0), .mr = { kr_msg(61, 0), kr_msg(61, 1), kr_msg(61, 2), kr_msg(61, 3) } };
    CHECK_EQ(ipc_call(client, &m), SYS_OK);
    CHECK_EQ(m.mr[0], reply_word(60, 0));
    CHECK(kt_settle());                     /* blocked again in the reply_recv */
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_EQ(kt_start(t), SYS_OK);
    return join(1, 3000);
}

/* Prints a line and returns false unless each argument register of c is
 * the call's input or 0 (the ABI after an error); says so if they are prev
 * (the message received before). */
static bool args_are_inputs(const struct kr_ctx *c, const char *what, const uint64_t prev[6], const char *prevname)
{
    bool same = true, is_prev = true;
    for (unsigned i = 0; i < 6; i++) {
        uint64_t out = c->out.gpr[arg_regs[i]];
        same = same && (out == c->in.gpr[arg_regs[i]] || out == 0);
        is_prev = is_prev && out == prev[i];
    }
    if (same)
        return true;
    printf("ktest:   regs_fast_block_args: %s: rdi..r9 = %#llx %#llx %#llx %#llx %#llx %#llx, not the inputs "
           "%#llx ... %#llx%s%s",
           what, (unsigned long long)c->out.gpr[KR_RDI], (unsigned long long)c->out.gpr[KR_RSI],
           (unsigned long long)c->out.gpr[KR_RDX], (unsigned long long)c->out.gpr[KR_R10],
           (unsigned long long)c->out.gpr[KR_R8], (unsigned long long)c->out.gpr[KR_R9],
           (unsigned long long)c->in.gpr[KR_RDI], (unsigned long long)c->in.gpr[KR_R9],
           is_prev ? ": " : " (stale frame slots)", is_prev ? prevname : "");
    return false;
}

/* After SYS_EDEAD (server exits while holding a call that took the fast
 * path) and after SYS_EBUSY (suspended in a reply_recv that blocked on the
 * fast path), each of rdi..r9 is the call's own input or 0, never what the
 * thread's frame slots held from before (its registers at its last
 * interrupt, its last slow system call's arguments, an earlier message). */
static bool t_fast_block_args(void)
{
    CHECK(setup());
    unsigned bad = 0;
    /* 1. ktest calls an echo partner with 6 words (slow path: the reply is
     * written into ktest's frame), then with 4 words and KP_OP_EXIT (fast
     * path): the server exits, SYS_EDEAD. */
    uint64_t ep = kt_endpoint(), client = kt_slot();
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE, 0xdead), SYS_OK);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_ECHO, 0), caps, 1, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    CHECK(kt_settle());
    struct msg m = { .tag = TAG(KP_OP_ECHO, 6, 0), .mr = { kr_msg(50, 0), kr_msg(50, 1), kr_msg(50, 2), kr_msg(50, 3) } };
    CHECK_EQ(ipc_call(client, &m), SYS_OK);
    uint64_t reply[6] = { m.badge, m.tag, m.mr[0], m.mr[1], m.mr[2], m.mr[3] };
    struct kr_ctx c;
    kr_fill(&c, OWN_MAIN, 51, regs_flags);
    set_call(&c, SYS_call, client, TAG(KP_OP_EXIT, 4, 0), 51);
    kr_syscall(&c);
    CHECK_EQ(c.out.gpr[KR_RAX], SYS_EDEAD);
    bad += !args_are_inputs(&c, "EDEAD, fast-path call, server exited", reply, "the reply received before");
    /* 2. A server blocked in reply_recv by the fast path, suspended and
     * started: SYS_EBUSY. */
    if (!run_fast_suspend())
        return false;
    bad += !args_are_inputs(&fs_ctx, "EBUSY, fast-path reply_recv, suspend+start", fs_request,
                            "the request received before");
    if (bad)
        return kt_fail("%u of 2 returned stale rdi..r9 (lines above)", bad);
    return true;
}

/* --- suspend and resume ---------------------------------------------------------------- */

/* Suspended while blocked in recv (slow path: SYS_EBUSY, its own inputs
 * back), while blocked in reply_recv on the fast path (SYS_EBUSY,
 * callee-saved and FPU exact), and while ready after spinning (every
 * register exact); started again each time. */
static bool t_suspend(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint();
    hj = (struct hjob){ .op = H_RECV, .slot = ep, .expect_rc = SYS_EBUSY };
    uint64_t t = kt_thread(blocker_fn, 0, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK(kt_settle());
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_EQ(kt_start(t), SYS_OK);
    if (!join(1, 3000))
        return false;
    if (!run_fast_suspend())
        return false;
    /* A spinner: suspended while ready (preempted by our wake-up), started. */
    uint64_t s = kt_thread_run(spinner_fn, 2, KT_HELPER_PRIO, 0);
    CHECK(s != 0);
    uint64_t end = kt_in(3000 * MS);
    while (kr_spin_count == 0 && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(kr_spin_count != 0);
    CHECK_RC(sys_thread_ctl(s, SYS_THREAD_SUSPEND, 0), SYS_OK);
    uint64_t count = kr_spin_count;
    kt_sleep_ms(10);
    CHECK_EQ(kr_spin_count, count);         /* suspended: not running */
    CHECK_EQ(kt_start(s), SYS_OK);
    while (kr_spin_count == count && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(kr_spin_count != count);
    kr_spin_go = 1;
    return join(2, 3000);
}

/* --- faults resolved by a handler ----------------------------------------------------- */

static struct kr_ctx fault_ctx;

/* kind 0: a write to KR_FAULT_VA (unmapped until the handler maps it);
 * kind 1: a call to kr_gadget, whose ud2 the handler overwrites. */
static void fault_fn(uint64_t kind)
{
    struct kr_ctx *c = &fault_ctx;
    kr_fill(c, OWN_FAULT, 70 + (unsigned)kind, regs_flags);
    if (kind == 0)
        kr_fault_write(c);
    else
        kr_call_gadget(c);
    struct kr_want w;
    kr_want_same(&w);
    h_check(c, &w, kind == 0 ? "after a page fault resolved by the handler (all registers)"
                              : "after a ud2 resolved by the handler (all registers)");
    if (kind == 0 && *(volatile uint32_t *)(uintptr_t)KR_FAULT_VA != KR_FAULT_VAL)
        h_fail("the faulting write did not complete after the resume");
    sys_signal(done_ntfn, 1);
}

/* The handler's side: its own registers loaded around a null system call
 * (so the faulting thread's are surely out of the CPU), then the fix, then
 * the resume reply with its registers loaded. */
static bool handler_null(void)
{
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 75, regs_flags);
    c.in.gpr[KR_RAX] = SYS_null;
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    CHECK_KR(&c, &w, "handler, null system call");
    return true;
}

static bool handler_resume(void)
{
    struct kr_ctx c;
    struct kr_want w;
    kr_fill(&c, OWN_MAIN, 76, regs_flags);
    c.in.gpr[KR_RAX] = SYS_reply;
    c.in.gpr[KR_RDI] = 0;
    c.in.gpr[KR_RSI] = TAG(0, 0, 0);
    kr_syscall(&c);
    kr_want_syscall(&w, SYS_OK);
    CHECK_KR(&c, &w, "handler, resume reply");
    return true;
}

static bool take_fault(uint64_t ep, uint64_t vector, uint64_t error, uint64_t addr, uint64_t rip)
{
    struct msg m;
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_FAULT);
    CHECK_EQ(m.mr[FAULT_MR_VECTOR], vector);
    CHECK_EQ(m.mr[FAULT_MR_ERROR], error);
    CHECK_EQ(m.mr[FAULT_MR_ADDR], addr);
    CHECK_EQ(m.mr[FAULT_MR_IP], rip);
    return true;
}

/* A page fault (write to an unmapped page) with every register loaded; the
 * handler maps a page there and resumes: all registers exact, the write
 * done. */
static bool t_fault_pf(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), f = kt_frame(1);
    CHECK(f != 0);
    CHECK(kt_thread_run(fault_fn, 0, KT_HELPER_PRIO, ep) != 0);
    if (!take_fault(ep, 14, 0x6, KR_FAULT_VA, (uint64_t)(uintptr_t)kr_fault_insn) || !handler_null())
        return false;
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, KR_FAULT_VA, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(KR_FAULT_VA);
    if (!handler_resume())
        return false;
    return join(1, 3000);
}

/* ud2 (invalid opcode) with every register loaded, in a code page mapped
 * twice; the handler overwrites it with a 2-byte nop through the writable
 * mapping and resumes: all registers exact. */
static bool t_fault_ud2(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), f = kt_frame(1), wva = kt_va(1), xva = kt_va(1);
    CHECK(f != 0);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, wva, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(wva);
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)wva;
    code[0] = 0x0f;     /* ud2 */
    code[1] = 0x0b;
    code[2] = 0xc3;     /* ret */
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, xva, CAP_R_READ | CAP_R_EXEC), SYS_OK);
    kt_track_mapping(xva);
    kr_gadget = xva;
    CHECK(kt_thread_run(fault_fn, 1, KT_HELPER_PRIO, ep) != 0);
    if (!take_fault(ep, 6, 0, 0, xva) || !handler_null())
        return false;
    code[0] = 0x66;     /* xchg %ax, %ax: a 2-byte nop */
    code[1] = 0x90;
    if (!handler_resume())
        return false;
    return join(1, 3000);
}

/* --- preemption by an interrupt ---------------------------------------------------------- */

static struct kr_ctx waker_ctx;
static volatile bool waker_saw_spinning;

/* Sleeps until the spinner is in its loop; woken by the timer interrupt it
 * preempts the spinner, runs with its own registers loaded, lets it go. */
static void waker_fn(uint64_t arg)
{
    (void)arg;
    int tries = 0;
    do
        sys_sleep(kt_in(20 * MS));
    while (!kr_spinning && ++tries < 100);
    waker_saw_spinning = kr_spinning && !kr_spin_go;
    struct kr_ctx *c = &waker_ctx;
    kr_fill(c, OWN_WAKER, 80, regs_flags);
    c->in.gpr[KR_RAX] = SYS_null;
    kr_syscall(c);
    struct kr_want w;
    kr_want_syscall(&w, SYS_OK);
    h_check(c, &w, "waker, null system call");
    kr_spin_go = 1;
    sys_signal(done_ntfn, 1);
}

/* A spinner in user mode with every register loaded is preempted by a
 * timer interrupt (a higher-priority thread's sleep ends), which runs with
 * its own registers; then the spinner continues: all registers exact. */
static bool t_preempt(void)
{
    CHECK(setup());
    waker_saw_spinning = false;
    CHECK(kt_thread_run(waker_fn, 0, KT_HELPER_PRIO, 0) != 0);
    CHECK(kt_thread_run(spinner_fn, 2, KT_HELPER_PRIO - 10, 0) != 0);
    if (!join(3, 5000))
        return false;
    CHECK(waker_saw_spinning);
    return true;
}

/* --- another process: ping-pong ------------------------------------------------------------- */

#define PING_ROUNDS 400

/* ktest (every register loaded with its pattern) calls kpartner KP_REGPING
 * (loaded with its own) 400 times, every 8th call with 8 words (slow
 * path), the rest with 4 (fast path); each side checks after each round
 * trip that its registers are intact and hold nothing of the other's. */
static bool t_pingpong(void)
{
    CHECK(setup());
    uint64_t ep = kt_endpoint(), client = kt_slot(), fslot;
    CHECK_RC(sys_cap_copy(ep, client, CAP_R_WRITE, KP_PING_BADGE), SYS_OK);
    uint64_t va = kt_map_new(1, &fslot);
    CHECK(va != 0);
    struct kp_ping_report *rep = (struct kp_ping_report *)(uintptr_t)va;
    memset(rep, 0, sizeof *rep);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ }, { fslot, KP_SLOT_B, CAP_R_READ | CAP_R_WRITE } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_REGPING, 0), caps, 2, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &p), 0);
    CHECK(kt_settle());
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned r = 0; r < PING_ROUNDS; r++) {
        unsigned len = r % 8 == 7 ? 8 : 4;
        for (unsigned i = SYS_MSG_REGS; i < len; i++)
            b->mr[i] = kr_msg(r, i);
        struct kr_ctx c;
        struct kr_want w;
        kr_fill(&c, OWN_MAIN, r, regs_flags);
        set_call(&c, SYS_call, client, TAG(KP_PING_OP_ROUND, len, 0), r);
        kr_syscall(&c);
        kr_want_syscall(&w, SYS_OK);
        kr_want_msg(&w, 0, TAG(0, len, 0), kr_msg(r, 0) + 1, kr_msg(r, 1) + 1, kr_msg(r, 2) + 1, kr_msg(r, 3) + 1);
        char what[48], why[200];
        snprintf(what, sizeof what, "ktest, round %u (%u words)", r, len);
        if (!kr_check(&c, &w, what, why, sizeof why))
            return kt_fail("%s%s%s", why, rep->errors ? "; " : "", rep->errors ? rep->first : "");
        for (unsigned i = SYS_MSG_REGS; i < len; i++)
            CHECK_EQ(b->mr[i], kr_msg(r, i) + 1);
    }
    struct msg m = { .tag = TAG(KP_PING_OP_STOP, 4, 0),
                     .mr = { kr_msg(PING_ROUNDS, 0), kr_msg(PING_ROUNDS, 1), kr_msg(PING_ROUNDS, 2),
                             kr_msg(PING_ROUNDS, 3) } };
    CHECK_EQ(ipc_call(client, &m), SYS_OK);
    if (rep->errors)
        return kt_fail("kpartner found %llu bad round trips, the first: %s", (unsigned long long)rep->errors,
                       rep->first);
    CHECK_EQ(m.mr[1], 0);
    CHECK_EQ(m.mr[0], PING_ROUNDS + 1);
    CHECK_EQ(rep->done, 1);
    return true;
}

/* --- another process: a brand-new thread's first registers ---------------------------------- */

#define NP_DUMP_OFF 0x100
#define NP_STACK (KP_SHM_VA + RT_PAGE_SIZE)
#define NP_ARG (KP_SHM_VA + NP_DUMP_OFF)

struct newproc {
    struct kt_partner p;
    uint64_t entry;         /* kr_dump_entry in kpartner */
    uint64_t thread;        /* the new thread (ours to start) */
    struct kr_dump *dump;   /* what it dumps, as ktest sees the frame */
};
static struct kr_ctx dead_ctx;
static uint64_t dead_first, dead_second;

/* Loads every register with its pattern and exits. */
static void dead_fn(uint64_t arg)
{
    (void)arg;
    kr_fill(&dead_ctx, OWN_DEAD, 2, regs_flags);
    dead_ctx.in.gpr[KR_RAX] = SYS_exit;
    dead_ctx.in.gpr[KR_RDI] = 0;
    kr_syscall(&dead_ctx);
    h_fail("exit returned");
}

/* Starts dead_first (it preempts us, loads its registers and exits), then
 * at once dead_second (it preempts us too): nothing in between touches
 * the FPU. */
static void dead_starter_fn(uint64_t arg)
{
    (void)arg;
    if (kr_start2(dead_first, dead_second) != 0)
        h_fail("kr_start2: thread_ctl START failed");
    sys_signal(done_ntfn, 1);
}

/* A kpartner KP_REGDUMP with a new, not yet started thread at its
 * kr_dump_entry, priority 35; then it is started either by a thread of
 * ktest with all its registers loaded (preempted by it at once), or right
 * after another thread of ktest loaded its registers and exited. */
static bool newproc_run(struct newproc *np, bool after_exit)
{
    uint64_t n = kt_notification(), fslot;
    uint64_t va = kt_map_new(1, &fslot);
    CHECK(n != 0 && va != 0);
    memset((void *)(uintptr_t)va, 0, RT_PAGE_SIZE);
    struct spawn_caps caps[] = { { n, KP_SLOT_A, CAP_R_WRITE }, { fslot, KP_SLOT_B, CAP_R_READ | CAP_R_WRITE } };
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_REGDUMP, 0), caps, 2, PARTNER_QUOTA, PARTNER_PRIO, 0, 0, &np->p), 0);
    CHECK_RC(sys_wait(n, kt_in(3000 * MS)), SYS_OK);
    np->entry = *(volatile uint64_t *)(uintptr_t)va;
    CHECK(np->entry >= 0x400000 && np->entry < 0x10000000);
    np->dump = (struct kr_dump *)(uintptr_t)(va + NP_DUMP_OFF);
    np->dump->flags = regs_flags & KR_AVX;
    np->thread = kt_slot();
    CHECK_RC(sys_thread_create(np->p.process, np->thread, np->entry, NP_STACK, NP_ARG, 35), SYS_OK);
    if (after_exit) {
        dead_first = kt_thread(dead_fn, 0, KT_HELPER_PRIO, false);
        dead_second = np->thread;
        CHECK(dead_first != 0);
        CHECK(kt_thread_run(dead_starter_fn, 0, 30, 0) != 0);
        if (!join(1, 3000))
            return false;
        CHECK(kt_thread_dead(dead_first));
    } else {
        starter_target = np->thread;
        CHECK(kt_thread_run(starter_fn, 0, 30, 0) != 0);
        if (!join(1, 3000))
            return false;
    }
    CHECK_EQ(np->dump->done, 1);
    return true;
}

static const char *owner_name(int owner)
{
    switch (owner) {
    case OWN_STARTER: return "the ktest thread that started it";
    case OWN_DEAD: return "the ktest thread that had just exited";
    case -1: return "no pattern";
    default: return "some other ktest thread";
    }
}

/* Every difference between a new thread's first FPU state and the initial
 * state (see the top): one line each, then one failure naming them. */
static bool check_fresh_fpu(const struct kr_dump *d, const char *test)
{
    char sum[160] = "";
    size_t k = 0;
#define FOUND(tag, ...)                                                            \
    do {                                                                           \
        printf("ktest:   %s: " __VA_ARGS__);                                       \
        if (k < sizeof sum)                                                        \
            k += (size_t)snprintf(sum + k, sizeof sum - k, "%s%s", k ? ", " : "", tag); \
    } while (0)
    const uint8_t *fx = d->fxsave;
    unsigned nx = 0, first = 0;
    for (unsigned i = 0; i < 16; i++) {
        const uint64_t *x = (const uint64_t *)(fx + KR_FX_XMM + 16 * i);
        if ((x[0] | x[1]) && !nx++)
            first = i;
    }
    if (nx) {
        const uint64_t *x = (const uint64_t *)(fx + KR_FX_XMM + 16 * first);
        FOUND("xmm", "%u of xmm0-15 not 0, xmm%u = %#llx:%#llx (%s)", test, nx, first, (unsigned long long)x[1],
              (unsigned long long)x[0], owner_name(kr_owner_of(x[0])));
    }
    if (d->flags & KR_AVX) {
        unsigned ny = 0;
        for (unsigned i = 0; i < 16; i++)
            if ((d->ymmh[i][0] | d->ymmh[i][1]) && !ny++)
                first = i;
        if (ny)
            FOUND("ymm", "%u ymm upper halves not 0, ymm%u: %#llx (%s)", test, ny, first,
                  (unsigned long long)d->ymmh[first][0], owner_name(kr_owner_of(d->ymmh[first][0])));
    }
    uint32_t mxcsr = *(const uint32_t *)(fx + KR_FX_MXCSR);
    uint16_t fcw = *(const uint16_t *)(fx + KR_FX_FCW), fsw = *(const uint16_t *)(fx + KR_FX_FSW);
    if (mxcsr != KR_MXCSR_INIT)
        FOUND("MXCSR", "MXCSR %#x, not 0x1f80", test, mxcsr);
    if (fcw != KR_FCW_INIT)
        FOUND("FCW", "x87 control word %#x, not 0x37f", test, fcw);
    if (fsw != 0)
        FOUND("FSW", "x87 status word %#x, not 0", test, fsw);
    if (fx[KR_FX_FTW] != 0)
        FOUND("FTW", "x87 registers in use (abridged tag word %#x), not all empty", test, fx[KR_FX_FTW]);
    unsigned nst = 0;
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *st = fx + KR_FX_ST + 16 * i;
        if ((*(const uint64_t *)st | *(const uint16_t *)(st + 8)) && !nst++)
            first = i;
    }
    if (nst) {
        const uint8_t *st = fx + KR_FX_ST + 16 * first;
        FOUND("x87 data", "%u of ST0-7 not 0 though tagged empty, ST%u = %04x:%016llx (the previous owner's)", test,
              nst, first, *(const uint16_t *)(st + 8), (unsigned long long)*(const uint64_t *)st);
    }
#undef FOUND
    if (k)
        return kt_fail("not the initial state: %s (lines above)", sum);
    return true;
}

/* A brand-new thread of another process, started by a ktest thread with
 * every register loaded, gets zeroed general registers (rdi = arg, rsp =
 * stack, rcx/r11 from sysret); the starter's own registers survive. */
static bool t_newproc_gprs(void)
{
    CHECK(setup());
    struct newproc np;
    if (!newproc_run(&np, false))
        return false;
    return check_fresh_gprs(np.dump, np.entry, NP_STACK, NP_ARG);
}

/* ... and the initial FPU state, though the ktest thread that started it
 * had just filled every FPU register (it used to see the starter's xmm0-15
 * and x87 data registers). */
static bool t_newproc_fpu_live(void)
{
    CHECK(setup());
    struct newproc np;
    if (!newproc_run(&np, false))
        return false;
    return check_fresh_fpu(np.dump, "regs_newproc_fpu_live");
}

/* The same right after a ktest thread that had filled every FPU register
 * exited (it used to see the dead thread's xmm0-15 and x87 data). */
static bool t_newproc_fpu_dead(void)
{
    CHECK(setup());
    struct newproc np;
    if (!newproc_run(&np, true))
        return false;
    return check_fresh_fpu(np.dump, "regs_newproc_fpu_dead");
}

const struct kt_test kt_regs_tests[] = {
    { "regs_fresh_thread", "a new thread of ktest starts with zeroed GPRs (rdi = arg, rsp; rcx/r11 by sysret)",
      t_fresh_thread },
    { "regs_ipc_fast", "short call + reply_recv (fast path): both sides' registers and messages exact",
      t_ipc_fast },
    { "regs_ipc_long", "8-word call + reply_recv through IPC buffers (slow path): registers exact",
      t_ipc_long },
    { "regs_ipc_cap", "calls carrying a capability (slow path): registers exact", t_ipc_cap },
    { "regs_send_blocks", "send / call blocked until a receiver comes: both sides' registers exact",
      t_send_blocks },
    { "regs_recv_blocks", "recv blocked (with or without deadline) until a send: both sides exact",
      t_recv_blocks },
    { "regs_timeouts", "recv/wait deadlines (ETIMEOUT), sleep; a spinner preempted meanwhile: exact",
      t_timeouts },
    { "regs_signal", "wait woken by a signal from a thread / another process: rdi = bits, rest exact",
      t_signal },
    { "regs_bound_ntfn", "bound notification through recv (blocked and pending): LABEL_NOTIFY, rest exact",
      t_bound_ntfn },
    { "regs_peer_death", "call whose server exits / is killed: SYS_EDEAD, callee-saved and FPU exact",
      t_peer_death },
    { "regs_fast_block_args", "after EDEAD / EBUSY ending a fast-path block, rdi..r9 are the call's inputs or 0",
      t_fast_block_args },
    { "regs_suspend", "suspend + start while blocked in recv, in fast-path reply_recv, while ready",
      t_suspend },
    { "regs_fault_pf", "page fault resolved by the handler (map + resume): all 16 GPRs and FPU exact",
      t_fault_pf },
    { "regs_fault_ud2", "ud2 resolved by the handler (code patched + resume): all 16 GPRs and FPU exact",
      t_fault_ud2 },
    { "regs_preempt", "a user-mode spinner preempted by a timer wake-up: all 16 GPRs and FPU exact",
      t_preempt },
    { "regs_pingpong", "400 round trips with kpartner: each side's registers intact, never the other's",
      t_pingpong },
    { "regs_newproc_gprs", "a new thread of another process starts with zeroed GPRs; the starter's intact",
      t_newproc_gprs },
    { "regs_newproc_fpu_live", "its first FPU state is the initial one, not the starter's live registers",
      t_newproc_fpu_live },
    { "regs_newproc_fpu_dead", "its first FPU state is the initial one, not an exited thread's registers",
      t_newproc_fpu_dead },
};
KT_COUNT(kt_regs_tests);
