/* kfuzz: random system calls with random (but biased) arguments, from an
 * xorshift generator seeded by ktest (see kfuzz.h for the contract).
 *
 * Arguments are biased to reach deep into the kernel: small slot numbers
 * (0..20, 250..260) on real objects created first, user addresses of our
 * own image, stack and scratch area (page-aligned and not), kernel and
 * non-canonical addresses, huge lengths, every system-call number and
 * random ones. A server thread answers calls on one endpoint so that
 * call/reply/transfer paths run for real; created threads run small
 * bodies or jump to garbage and die.
 *
 * What would simply end the run is avoided: exit, killing or suspending
 * our own thread (only threads we created are killed or suspended),
 * unmapping or protecting our own image, stack or the progress page, and
 * blocking with nobody to wake us (deadlines are a few hundred
 * microseconds ahead; recv and reply_recv arm a timer on a bound
 * notification first; blocking send and call only go to the server).
 * Process quotas near 2^64 are avoided too: they hit a known kernel bug
 * (ktest's quota_overflow) that gives a process unlimited kernel memory. */
#include "runtime.h"
#include "kfuzz.h"

#define SLOT_NTFN    231    /* bound to us, with a timer: wakes recv/reply_recv */
#define SLOT_SRV_EP  232    /* served by the server thread */
#define SLOT_SRV_T   233    /* the server thread */
#define SRV_RECV_LO  17     /* the server receives caps into 17..20 */
#define SRV_RECV_N   4

#define SCRATCH_VA   0x0000000020000000ull     /* fuzzed mappings land here */
#define SCRATCH2_VA  0x0000700000000000ull     /* never mapped by us on purpose */
#define SCRATCH3_VA  0x0000500000000000ull     /* mapped at random, 2 MiB apart */
#define STACK_LO     0x00007fff00000000ull
#define NBODY_STACKS 16
#define BODY_STACK   4096

extern char __user_start[], __user_end[];

static struct kf_progress *prog;
static bool trace;
static uint64_t rng;
static unsigned my_prio = 40;

static inline uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}
static inline uint64_t rn(uint64_t n) { return n ? rnd() % n : 0; }
static inline bool chance(unsigned percent) { return rn(100) < percent; }

static inline uint64_t now(void) { return (uint64_t)sys_time().ret; }

/* --- what we know about our slots ------------------------------------------ */

enum shadow {
    SH_UNKNOWN = 0,     /* could be anything, even our own thread: handle with care */
    SH_EMPTY,
    SH_SELF_PROC,
    SH_SELF_THREAD,
    SH_CREATED_THREAD,  /* a thread we made: fine to kill or suspend */
    SH_OTHER_PROC,      /* a process we made: fine to unmap anything in */
    SH_SERVED_EP,       /* the server's endpoint: blocking send/call is safe */
    SH_OTHER,
};
static uint8_t shadow[SYS_CAP_SLOTS];
static uint8_t recent[16];
static unsigned nrecent;

/* Slots recently filled, by the type of cap they got. */
static uint8_t typed[CAP_TYPE_COUNT][8];
static unsigned ntyped[CAP_TYPE_COUNT];

static void set_shadow(uint64_t slot, enum shadow s)
{
    if (slot == 0 || slot >= SYS_CAP_SLOTS)
        return;
    if (s != SH_EMPTY) {
        long t = sys_cap_info(slot).ret;
        if (t > 0 && t < CAP_TYPE_COUNT)
            typed[t][ntyped[t]++ % 8] = (uint8_t)slot;
    }
    if (slot >= SRV_RECV_LO && slot < SRV_RECV_LO + SRV_RECV_N)
        s = SH_UNKNOWN;     /* the server thread fills these behind our back */
    shadow[slot] = (uint8_t)s;
    if (s != SH_EMPTY)
        recent[nrecent++ % 16] = (uint8_t)slot;
}

static bool reserved(uint64_t s)
{
    return s >= KF_RESERVED_LO && s <= KF_RESERVED_HI;
}

static uint64_t pick_slot(void)
{
    uint64_t s;
    switch (rn(12)) {
    case 0: case 1: case 2: case 3: case 4: s = rn(21); break;
    case 5: s = 250 + rn(11); break;
    case 6: s = rn(256); break;
    case 7: case 8: case 9: s = nrecent ? recent[rn(nrecent < 16 ? nrecent : 16)] : 3; break;
    case 10: s = rn(3) == 0 ? SLOT_SRV_EP : SLOT_NTFN; break;   /* used read-only below */
    default: s = rnd(); break;
    }
    if (reserved(s) && s != SLOT_SRV_EP && s != SLOT_NTFN)
        s = 3 + rn(10);
    return s;
}

/* A slot that may be changed (deleted, moved into, revoked...). */
static uint64_t pick_mut_slot(void)
{
    uint64_t s = pick_slot();
    if (reserved(s) || ((s == RT_SLOT_SELF_PROCESS || s == RT_SLOT_SELF_THREAD) && chance(95)))
        s = 3 + rn(14);     /* our own process and thread caps are used a lot: keep them mostly */
    return s;
}

/* A slot that holds a cap of the given type, if a few probes find one
 * (most often the calls then get past the type checks); else any slot. */
static uint64_t pick_typed(unsigned type)
{
    for (int i = 0; i < 4 && ntyped[type]; i++) {
        uint64_t s = typed[type][rn(ntyped[type] < 8 ? ntyped[type] : 8)];
        if (sys_cap_info(s).ret == (long)type)
            return s;
    }
    for (int i = 0; i < 8; i++) {
        uint64_t s = (i < 4 && nrecent) ? recent[rn(nrecent < 16 ? nrecent : 16)] : 1 + rn(30);
        if (reserved(s))
            continue;
        if (sys_cap_info(s).ret == (long)type)
            return s;
    }
    if (type == CAP_ENDPOINT && chance(50))
        return SLOT_SRV_EP;
    if (type == CAP_NOTIFICATION && chance(30))
        return SLOT_NTFN;
    return pick_slot();
}

static uint64_t maybe_typed(unsigned type)
{
    return chance(60) ? pick_typed(type) : pick_slot();
}

/* Mappings that worked, for unmap and protect to find. */
static struct {
    uint64_t proc, va;
} maps[32];
static unsigned nmaps;

static enum shadow sh(uint64_t slot)
{
    return slot && slot < SYS_CAP_SLOTS ? (enum shadow)shadow[slot] : SH_EMPTY;
}

/* --- addresses -------------------------------------------------------------- */

static uint8_t bss_buf[4 * 4096] __attribute__((aligned(4096)));
static const char message[] = "kfuzz: debug_write from the fuzzer\n";

static uint64_t pick_addr(void)
{
    uint64_t stack_var = (uint64_t)(uintptr_t)&stack_var;
    switch (rn(16)) {
    case 0: case 1: return SCRATCH_VA + rn(64) * 4096;
    case 2: return SCRATCH_VA + rn(64 * 4096);
    case 3: return (uint64_t)(uintptr_t)bss_buf + (chance(50) ? rn(4) * 4096 : rn(4 * 4096));
    case 4: return stack_var & (chance(50) ? ~0xfffull : ~0ull);
    case 5: return (uint64_t)(uintptr_t)__user_start + rn(0x3000);
    case 6: return 0xffff800000000000ull + rn(1024) * 4096;
    case 7: return 0xffffffff80000000ull + rn(0x200000);
    case 8: return rn(3) ? 0 : rn(0x1000);
    case 9: return USER_TOP - 4096 * rn(4) - (chance(30) ? rn(16) : 0);
    case 10: return 0x0000800000000000ull + rn(4096);
    case 11: return rnd();
    case 12: return KF_PROGRESS_VA;
    case 13: return SCRATCH3_VA + rn(256) * 0x200000;
    case 14: return (rnd() & (USER_TOP - 1)) & ~0xfffull;
    default: return SCRATCH_VA + 64 * 4096 + rn(512) * 4096;
    }
}

static bool in_protected(uint64_t va)
{
    return (va >= (uint64_t)(uintptr_t)__user_start && va < (uint64_t)(uintptr_t)__user_end) ||
           va >= STACK_LO || (va >= RT_HEAP_BASE && va < RT_HEAP_BASE + RT_HEAP_MAX) ||
           va == KF_PROGRESS_VA;
}

static uint64_t pick_len(void)
{
    switch (rn(8)) {
    case 0: return 0;
    case 1: return 1 + rn(8);
    case 2: return rn(300);
    case 3: return ~0ull;
    case 4: return 0x7fffffffffffffffull;
    case 5: return 4096 + rn(2);
    case 6: return 1ull << (rn(64));
    default: return rn(64);
    }
}

static uint64_t pick_rights(void)
{
    if (chance(80))
        return rn(16);
    return rnd() & (chance(50) ? 0xff : ~0ull);
}

static uint64_t pick_map_rights(void)
{
    static const uint8_t good[] = { CAP_R_READ, CAP_R_READ | CAP_R_WRITE, CAP_R_READ | CAP_R_EXEC,
                                    CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC };
    return chance(80) ? good[rn(4)] : pick_rights();
}

static uint64_t pick_deadline(void)
{
    switch (rn(6)) {
    case 0: return 1;                           /* long past */
    case 1: return now() - rn(1000);
    default: return now() + rn(300000);         /* up to 0.3 ms ahead */
    }
}

static uint64_t pick_tag(void)
{
    uint64_t label = chance(70) ? rn(8) : rnd() >> 16;
    uint64_t len = chance(80) ? rn(SYS_MSG_MAX + 1) : rn(256);
    uint64_t caps = chance(70) ? 0 : chance(80) ? 1 : rn(256);
    return TAG(label, len, caps);
}

/* --- helper threads ----------------------------------------------------------- */

static uint8_t body_stacks[NBODY_STACKS][BODY_STACK] __attribute__((aligned(16)));
static uint8_t srv_stack[16384] __attribute__((aligned(16)));
static uint8_t srv_ipc_page[4096] __attribute__((aligned(4096)));
static volatile bool srv_stop;

static _Noreturn void body_exit(uint64_t arg)
{
    (void)arg;
    for (;;)
        sys_exit(0);
}

static _Noreturn void body_yield(uint64_t arg)
{
    for (uint64_t i = 0; i < (arg & 15); i++)
        sys_yield();
    for (;;)
        sys_exit(0);
}

static _Noreturn void body_ipc(uint64_t arg)
{
    if (arg & 1)
        sys_nbsend(SLOT_SRV_EP, TAG(arg >> 8, arg & 3, 0), arg, 0, 0, 0);
    else
        sys_call(SLOT_SRV_EP, TAG(arg >> 8, arg & 3, 0), arg, 1, 2, 3);
    for (;;)
        sys_exit(0);
}

static _Noreturn void body_fault(uint64_t arg)
{
    if (arg & 1)
        __asm__ volatile("ud2");
    *(volatile uint64_t *)(uintptr_t)(arg | 0x10) = arg;
    for (;;)
        sys_exit(0);
}

/* Random IPC from a second thread while the main thread fuzzes (and may
 * kill or suspend this one at any point): sends, calls to the server,
 * receives and waits with short deadlines, signals, polls, yields. */
static uint8_t body_ipc_pages[4][4096] __attribute__((aligned(4096)));

static _Noreturn void body_chaos(uint64_t arg)
{
    uint64_t s = arg | 1;
    if (arg & 2)
        sys_set_ipc_buffer((uint64_t)(uintptr_t)body_ipc_pages[(arg >> 2) & 3]);
    for (uint64_t i = 0; i < 8 + (arg >> 58); i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t r = s * 0x2545f4914f6cdd1dull, slot = 3 + (r >> 8) % 18;
        uint64_t tag = TAG((r >> 16) & 7, (r >> 24) % 70, ((r >> 32) & 7) == 0);
        switch (r % 10) {
        case 0: sys_nbsend(slot, tag, r, r, r, r); break;
        case 1: sys_call(SLOT_SRV_EP, tag, r, 0, 0, 0); break;
        case 2: sys_recv(slot, now() + (r >> 40) % 200000); break;
        case 3: sys_wait(slot, now() + (r >> 40) % 200000); break;
        case 4: sys_signal(slot, r); break;
        case 5: sys_poll(slot); break;
        case 6: sys_yield(); break;
        case 7: sys_send(SLOT_SRV_EP, tag, r, 0, 0, 0); break;
        case 8: sys_signal_wait(3 + (r >> 48) % 18, r, slot, now() + (r >> 40) % 200000); break;
        default: sys_reply(0, tag, r, 0, 0, 0); break;
        }
    }
    for (;;)
        sys_exit(0);
}

/* Answers whatever arrives on SLOT_SRV_EP with a random reply (random
 * length, sometimes a cap, sometimes a non-zero label: fault messages
 * from our threads are then resumed or killed at random). Stops when told
 * or when the main thread makes no progress for about a second. */
static _Noreturn void server_body(uint64_t seed)
{
    uint64_t s = seed | 1;
    struct ipc_buffer *b = (struct ipc_buffer *)srv_ipc_page;
    sys_set_ipc_buffer((uint64_t)(uintptr_t)srv_ipc_page);
    uint64_t last = prog->calls;
    unsigned idle = 0;
    while (!srv_stop) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t r = s * 0x2545f4914f6cdd1dull;
        b->recv_slot = SRV_RECV_LO + r % SRV_RECV_N;
        struct sys_result res = sys_recv(SLOT_SRV_EP, now() + 5000000);
        if (res.ret == SYS_ETIMEOUT || res.ret < 0) {
            if (prog->calls == last) {
                if (++idle > 200)
                    break;
            } else {
                idle = 0;
                last = prog->calls;
            }
            if (res.ret != SYS_ETIMEOUT)
                sys_sleep(now() + 1000000);
            continue;
        }
        b->send_cap = 1 + (r >> 8) % 30;
        uint64_t label = (r >> 16) % 3 == 0 ? (r >> 20) % 5 : 0;
        uint64_t len = (r >> 24) % (SYS_MSG_MAX + 1);
        uint64_t caps = (r >> 32) % 5 == 0;
        sys_reply(0, TAG(label, len, caps), r, r >> 1, r >> 2, r >> 3);
    }
    for (;;)
        sys_exit(0);
}

/* --- the calls ------------------------------------------------------------------- */

static struct sys_result fuzz_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                   uint64_t a5)
{
    prog->last_nr = nr;
    prog->last_args[0] = a0;
    prog->last_args[1] = a1;
    prog->last_args[2] = a2;
    prog->last_args[3] = a3;
    prog->last_args[4] = a4;
    prog->last_args[5] = a5;
    struct sys_result r = sys_raw((long)nr, a0, a1, a2, a3, a4, a5);
    prog->last_ret = r.ret;
    if (trace)
        printf("kfuzz: %llu: %llu(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) = %ld", (unsigned long long)prog->calls,
               (unsigned long long)nr, (unsigned long long)a0, (unsigned long long)a1, (unsigned long long)a2,
               (unsigned long long)a3, (unsigned long long)a4, (unsigned long long)a5, r.ret);
    prog->calls++;
    prog->per_nr[nr < 47 ? nr : 47]++;
    if (r.ret >= 0) {
        prog->ok++;
        prog->ok_per_nr[nr < 47 ? nr : 47]++;
    } else {
        prog->errors++;
        prog->err_per_nr[nr < 47 ? nr : 47][r.ret >= -15 ? -r.ret : 0]++;
    }
    return r;
}

/* Puts random words, a random cap to send and a random receive slot into
 * the IPC buffer before an IPC call. Returns the receive slot. */
static uint64_t prepare_ipc_buffer(void)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned i = SYS_MSG_REGS; i < SYS_MSG_MAX; i += 1 + (unsigned)rn(8))
        b->mr[i] = rnd();
    b->send_cap = chance(90) ? pick_slot() : rnd();
    uint64_t rs = chance(20) ? 0 : chance(90) ? 21 + rn(40) : pick_slot();
    if (reserved(rs))
        rs = 0;
    b->recv_slot = rs;
    return rs;
}

/* Makes sure a blocking receive on a live endpoint comes back: our
 * notification is bound and its timer armed shortly ahead. */
static void arm_wakeup(void)
{
    sys_ntfn_bind(SLOT_NTFN);
    sys_timer_set(SLOT_NTFN, now() + 100000 + rn(200000), 1);
}

static bool is_cap(uint64_t slot, unsigned type, unsigned rights)
{
    struct sys_result r = sys_cap_info(slot);
    return r.ret == (long)type && (r.r[0] & rights) == rights;
}

static void after_ipc(struct sys_result r, uint64_t recv_slot)
{
    if (r.ret >= 0 && TAG_CAPS(r.r[1]) && recv_slot)
        set_shadow(recv_slot, SH_UNKNOWN);
}

static void one_call(void)
{
    /* Weighted choice of the call. */
    static const uint8_t pool[] = {
        SYS_null, SYS_debug_write, SYS_send, SYS_nbsend, SYS_nbsend, SYS_recv, SYS_recv, SYS_call, SYS_call,
        SYS_call, SYS_reply, SYS_reply_recv, SYS_signal, SYS_signal, SYS_wait, SYS_poll, SYS_ntfn_bind,
        SYS_cap_copy, SYS_cap_copy, SYS_cap_copy, SYS_cap_move, SYS_cap_delete, SYS_cap_delete, SYS_cap_revoke,
        SYS_cap_revoke, SYS_cap_info, SYS_create, SYS_create, SYS_create, SYS_map, SYS_map, SYS_map,
        SYS_unmap, SYS_unmap, SYS_protect, SYS_protect, SYS_thread_create, SYS_thread_ctl, SYS_thread_ctl,
        SYS_set_ipc_buffer, SYS_yield, SYS_time, SYS_timer_set, SYS_timer_set, SYS_cap_give, SYS_cap_give,
        SYS_irq_ctl, SYS_ioport, SYS_poweroff, SYS_quota, SYS_sleep, SYS_signal_wait, SYS_signal_wait,
        SYS_kdebug, SYS_COUNT, SYS_COUNT + 2, 255,     /* kdebug, then numbers past the table */
        SYS_device, SYS_device, SYS_device, SYS_create_for, SYS_create_for, SYS_irq_ctl,
    };
    uint64_t nr = pool[rn(sizeof pool)];
    if (nr == 255)
        nr = chance(50) ? SYS_COUNT + rn(100) : rnd();
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = chance(50) ? rn(300) : rnd();
    struct sys_result r;
    uint64_t rs;

    switch (nr) {
    case SYS_debug_write:
        if (chance(2)) {
            a[0] = (uint64_t)(uintptr_t)message;
            a[1] = rn(sizeof message + 8);
        } else {
            /* Bad pointers only (unmapped, kernel, non-canonical, wrapping):
             * valid ones would fill the log with noise. */
            if (chance(20))
                a[0] = SCRATCH2_VA + rn(1u << 24);
            else
                do
                    a[0] = pick_addr();
                while (a[0] >= (uint64_t)(uintptr_t)__user_start && a[0] < USER_TOP && a[0] > 0xfff);
            a[1] = pick_len();
        }
        fuzz_call(nr, a[0], a[1], 0, 0, 0, 0);
        return;

    case SYS_send:
    case SYS_call:
    case SYS_nbsend: {
        uint64_t ep = maybe_typed(CAP_ENDPOINT);
        if (nr != SYS_nbsend && is_cap(ep, CAP_ENDPOINT, CAP_R_WRITE) && sh(ep) != SH_SERVED_EP &&
            ep != SLOT_SRV_EP)
            nr = SYS_nbsend;    /* nobody may be there to take it */
        rs = prepare_ipc_buffer();
        r = fuzz_call(nr, ep, pick_tag(), a[2], a[3], a[4], a[5]);
        after_ipc(r, rs);
        return;
    }

    case SYS_recv: {
        uint64_t ep = maybe_typed(CAP_ENDPOINT), deadline = pick_deadline();
        if (chance(20)) {
            arm_wakeup();
            deadline = 0;
        }
        rs = prepare_ipc_buffer();
        r = fuzz_call(nr, ep, deadline, a[2], a[3], a[4], a[5]);
        after_ipc(r, rs);
        if (r.ret >= 0 && TAG_LABEL(r.r[1]) != LABEL_NOTIFY && chance(50)) {
            /* Sometimes answer what came in (a call from one of our threads). */
            rs = prepare_ipc_buffer();
            r = fuzz_call(SYS_reply, 0, pick_tag(), a[2], a[3], a[4], a[5]);
            after_ipc(r, rs);
        }
        return;
    }

    case SYS_reply:
        rs = prepare_ipc_buffer();
        fuzz_call(nr, a[0], pick_tag(), a[2], a[3], a[4], a[5]);
        return;

    case SYS_reply_recv: {
        uint64_t ep = maybe_typed(CAP_ENDPOINT);
        if (is_cap(ep, CAP_ENDPOINT, CAP_R_READ))
            arm_wakeup();
        rs = prepare_ipc_buffer();
        r = fuzz_call(nr, ep, pick_tag(), a[2], a[3], a[4], a[5]);
        after_ipc(r, rs);
        return;
    }

    case SYS_signal:
        fuzz_call(nr, maybe_typed(CAP_NOTIFICATION), chance(70) ? 1ull << rn(64) : rnd(), 0, 0, 0, 0);
        return;

    case SYS_wait: {
        uint64_t n = maybe_typed(CAP_NOTIFICATION), deadline = pick_deadline();
        fuzz_call(nr, n, deadline, 0, 0, 0, 0);
        return;
    }

    case SYS_poll:
        fuzz_call(nr, maybe_typed(CAP_NOTIFICATION), 0, 0, 0, 0, 0);
        return;

    case SYS_signal_wait: {
        /* Sometimes one notification for both; the wait always has a deadline. */
        uint64_t sn = maybe_typed(CAP_NOTIFICATION), wn = chance(20) ? sn : maybe_typed(CAP_NOTIFICATION);
        fuzz_call(nr, sn, chance(70) ? 1ull << rn(64) : rnd(), wn, pick_deadline(), a[4], a[5]);
        return;
    }

    case SYS_ntfn_bind:
        fuzz_call(nr, chance(30) ? 0 : maybe_typed(CAP_NOTIFICATION), 0, 0, 0, 0, 0);
        return;

    case SYS_cap_copy: {
        uint64_t src = pick_slot(), dst = pick_mut_slot();
        uint64_t badge = chance(50) ? 0 : chance(70) ? 1 + rn(1000) : rnd();
        r = fuzz_call(nr, src, dst, pick_rights(), badge, 0, 0);
        if (r.ret == 0)
            set_shadow(dst, src == SLOT_SRV_EP ? SH_SERVED_EP : sh(src));
        return;
    }

    case SYS_cap_move: {
        uint64_t src = pick_mut_slot(), dst = pick_mut_slot();
        r = fuzz_call(nr, src, dst, 0, 0, 0, 0);
        if (r.ret == 0) {
            set_shadow(dst, sh(src));
            set_shadow(src, SH_EMPTY);
        }
        return;
    }

    case SYS_cap_delete: {
        uint64_t s = pick_mut_slot();
        r = fuzz_call(nr, s, 0, 0, 0, 0, 0);
        if (r.ret == 0)
            set_shadow(s, SH_EMPTY);
        return;
    }

    case SYS_cap_revoke:
        fuzz_call(nr, pick_mut_slot(), 0, 0, 0, 0, 0);
        return;

    case SYS_cap_info:
        fuzz_call(nr, pick_slot(), 0, 0, 0, 0, 0);
        return;

    case SYS_create: {
        uint64_t type = chance(85) ? 1 + rn(5) : rnd() % 16, dst = pick_mut_slot(), arg = 0;
        if (type == CAP_FRAME)
            arg = chance(85) ? 1 + rn(8) : chance(50) ? rn(520) : rnd();
        else if (type == CAP_PROCESS)
            arg = chance(80) ? 32768 + rn(512 * 1024) : rn(1ull << 40);   /* not near 2^64: see above */
        else
            arg = rnd();
        r = fuzz_call(nr, type, dst, arg, 0, 0, 0);
        if (r.ret == 0)
            set_shadow(dst, type == CAP_PROCESS ? SH_OTHER_PROC : type == CAP_THREAD ? SH_UNKNOWN : SH_OTHER);
        return;
    }

    case SYS_map: {
        uint64_t va = chance(60) ? SCRATCH3_VA + rn(512) * (chance(50) ? 0x200000 : 4096) : pick_addr();
        uint64_t p = chance(60) ? RT_SLOT_SELF_PROCESS : maybe_typed(CAP_PROCESS);
        r = fuzz_call(nr, chance(85) ? pick_typed(CAP_FRAME) : pick_slot(), p, va, pick_map_rights(), 0, 0);
        if (r.ret == 0) {
            maps[nmaps % 32].proc = p;
            maps[nmaps % 32].va = va;
            nmaps++;
        }
        return;
    }

    case SYS_unmap:
    case SYS_protect: {
        uint64_t p, va;
        if (nmaps && chance(70)) {
            unsigned i = (unsigned)rn(nmaps < 32 ? nmaps : 32);
            p = maps[i].proc;
            va = maps[i].va;
        } else {
            p = chance(50) ? RT_SLOT_SELF_PROCESS : maybe_typed(CAP_PROCESS);
            va = pick_addr();
        }
        if (sh(p) != SH_OTHER_PROC && in_protected(va))
            va = SCRATCH_VA + rn(64) * 4096;
        fuzz_call(nr, p, va, nr == SYS_protect ? pick_map_rights() : 0, 0, 0, 0);
        return;
    }

    case SYS_thread_create: {
        static const void *const bodies[] = { body_exit, body_yield, body_ipc, body_fault, body_chaos, body_chaos };
        uint64_t p = chance(70) ? RT_SLOT_SELF_PROCESS : maybe_typed(CAP_PROCESS), dst = pick_mut_slot();
        uint64_t entry = chance(75) ? (uint64_t)(uintptr_t)bodies[rn(6)] : pick_addr();
        uint64_t stack = chance(80) ? (uint64_t)(uintptr_t)body_stacks[rn(NBODY_STACKS)] + BODY_STACK - 8
                                    : pick_addr();
        /* A thread running at a random place in our code, or pushing onto our
         * stack or data, would corrupt this thread: not the kernel's fault. */
        if (in_protected(entry))
            entry = (uint64_t)(uintptr_t)bodies[rn(6)];
        if (in_protected(stack - 1) || in_protected(stack - 4096))
            stack = (uint64_t)(uintptr_t)body_stacks[rn(NBODY_STACKS)] + BODY_STACK - 8;
        uint64_t prio = chance(80) ? rn(my_prio + 1) : rn(300);
        r = fuzz_call(nr, p, dst, entry, stack, rnd(), prio);
        if (r.ret == 0)
            set_shadow(dst, SH_CREATED_THREAD);
        return;
    }

    case SYS_thread_ctl: {
        uint64_t t = maybe_typed(CAP_THREAD), op = chance(85) ? rn(7) : rnd(), arg = a[2];
        /* Our own thread must keep running and keep ktest as its fault handler. */
        if ((op == SYS_THREAD_SUSPEND || op == SYS_THREAD_KILL || op == SYS_THREAD_FAULT_EP) &&
            sh(t) != SH_CREATED_THREAD)
            op = SYS_THREAD_START;
        if (op == SYS_THREAD_PRIORITY)
            arg = chance(80) ? rn(my_prio + 1) : rnd();
        else if (op == SYS_THREAD_FAULT_EP)
            arg = chance(30) ? 0 : pick_slot();
        r = fuzz_call(nr, t, op, arg, 0, 0, 0);
        if (r.ret == 0 && op == SYS_THREAD_PRIORITY && sh(t) == SH_SELF_THREAD)
            my_prio = (unsigned)arg;
        return;
    }

    case SYS_set_ipc_buffer: {
        uint64_t va;
        switch (rn(6)) {
        case 0: va = SCRATCH_VA + rn(64) * 4096; break;           /* ours to spoil, if mapped */
        case 1: va = SCRATCH_VA + rn(4096); break;
        case 2: va = (uint64_t)(uintptr_t)message & ~0xfffull; break;   /* read-only */
        case 3: va = pick_addr(); break;
        default: va = (uint64_t)(uintptr_t)rt_ipc_buffer(); break;
        }
        if (in_protected(va) && va != (uint64_t)(uintptr_t)rt_ipc_buffer() &&
            va != ((uint64_t)(uintptr_t)message & ~0xfffull))
            va = SCRATCH2_VA;
        fuzz_call(nr, va, 0, 0, 0, 0, 0);
        return;
    }

    case SYS_timer_set: {
        uint64_t d;
        switch (rn(5)) {
        case 0: d = 0; break;
        case 1: d = 1; break;
        case 2: d = rnd(); break;
        default: d = now() + rn(2000000); break;
        }
        fuzz_call(nr, maybe_typed(CAP_NOTIFICATION), d, chance(80) ? 1ull << rn(64) : rnd(), 0, 0, 0);
        return;
    }

    case SYS_cap_give: {
        uint64_t p = chance(40) ? RT_SLOT_SELF_PROCESS : maybe_typed(CAP_PROCESS), src = pick_slot();
        uint64_t dst = chance(80) ? pick_mut_slot() : rnd();
        r = fuzz_call(nr, p, src, dst, pick_rights(), 0, 0);
        if (r.ret == 0 && sh(p) != SH_OTHER_PROC)
            set_shadow(dst, sh(p) == SH_SELF_PROC ? sh(src) : SH_UNKNOWN);
        return;
    }

    case SYS_sleep:
        fuzz_call(nr, chance(20) ? 0 : pick_deadline(), 0, 0, 0, 0, 0);
        return;

    case SYS_device: {
        /* op, then a destination slot, a page index / size / count, a count. */
        static const uint8_t types[] = { CAP_DEVMEM, CAP_DMAPOOL, CAP_FRAME, CAP_IOPORT };
        uint64_t op = chance(90) ? 1 + rn(7) : rnd() % 16;
        uint64_t cap = maybe_typed(types[rn(sizeof types)]), dst = pick_mut_slot();
        uint64_t b = chance(40) ? rn(8) : chance(50) ? (1 + rn(64)) * 4096 : rnd();
        if (op == SYS_DEV_DMA_ALLOC && chance(30))
            b = (1 + rn(16)) | SYS_DMA_BELOW_4G;
        uint64_t c = chance(70) ? rn(8) : rnd();
        r = fuzz_call(nr, cap, op, dst, b, c, 0);
        if (r.ret == 0 && (op == SYS_DEV_DEVMEM_DERIVE || op == SYS_DEV_DMA_POOL || op == SYS_DEV_DMA_ALLOC ||
                           op == SYS_DEV_IOPORT_DERIVE))
            set_shadow(dst, SH_OTHER);
        return;
    }

    case SYS_create_for: {
        uint64_t p = chance(50) ? RT_SLOT_SELF_PROCESS : maybe_typed(CAP_PROCESS);
        uint64_t type = chance(85) ? 1 + rn(5) : rnd() % 16, dst = pick_mut_slot();
        uint64_t arg = type == CAP_FRAME ? (chance(85) ? 1 + rn(8) : rnd())
                     : type == CAP_PROCESS ? 32768 + rn(256 * 1024) : rnd();
        r = fuzz_call(nr, p, type, dst, arg, 0, 0);
        if (r.ret == 0)
            set_shadow(dst, type == CAP_PROCESS ? SH_OTHER_PROC : SH_OTHER);
        return;
    }

    case SYS_irq_ctl: {
        /* The device ops (mode, MSI allocation and info, kind) with
         * arguments that reach them; bind/ack as before. */
        uint64_t irq = maybe_typed(CAP_IRQ), op = chance(90) ? 1 + rn(6) : rnd();
        uint64_t arg = op == SYS_IRQ_MSI_ALLOC ? pick_mut_slot()
                     : op == SYS_IRQ_MODE ? (chance(70) ? rn(16) : rnd())
                     : op == SYS_IRQ_BIND ? maybe_typed(CAP_NOTIFICATION) : a[2];
        r = fuzz_call(nr, irq, op, arg, a[3], 0, 0);
        if (r.ret == 0 && op == SYS_IRQ_MSI_ALLOC)
            set_shadow(arg, SH_OTHER);
        return;
    }

    case SYS_ioport:
    case SYS_poweroff:
    case SYS_quota:
        fuzz_call(nr, pick_slot(), rn(8), a[2], a[3], 0, 0);
        return;

    default:
        /* null, yield, time, and numbers past the table. */
        fuzz_call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        return;
    }
}

/* Objects to work on, in the low slots the fuzzer favours. */
static void setup(void)
{
    for (unsigned i = 0; i < SYS_CAP_SLOTS; i++)
        shadow[i] = SH_EMPTY;
    for (unsigned i = KF_RESERVED_LO; i <= KF_RESERVED_HI; i++)
        shadow[i] = SH_UNKNOWN;
    shadow[RT_SLOT_SELF_PROCESS] = SH_SELF_PROC;
    shadow[RT_SLOT_SELF_THREAD] = SH_SELF_THREAD;
    for (unsigned i = SRV_RECV_LO; i < SRV_RECV_LO + SRV_RECV_N; i++)
        shadow[i] = SH_UNKNOWN;
    sys_create(CAP_NOTIFICATION, SLOT_NTFN, 0);
    sys_create(CAP_ENDPOINT, SLOT_SRV_EP, 0);
    shadow[SLOT_SRV_EP] = SH_SERVED_EP;
    for (uint64_t s = 3; s <= 5; s++)
        if (sys_create(CAP_ENDPOINT, s, 0).ret == 0)
            set_shadow(s, SH_OTHER);
    if (sys_cap_copy(SLOT_SRV_EP, 6, CAP_R_WRITE | CAP_R_GRANT, 0x5eed).ret == 0)
        set_shadow(6, SH_SERVED_EP);
    for (uint64_t s = 7; s <= 9; s++)
        if (sys_create(CAP_NOTIFICATION, s, 0).ret == 0)
            set_shadow(s, SH_OTHER);
    const uint64_t pages[3] = { 1, 2, 16 };
    for (uint64_t s = 10; s <= 12; s++)
        if (sys_create(CAP_FRAME, s, pages[s - 10]).ret == 0)
            set_shadow(s, SH_OTHER);
    if (sys_create(CAP_PROCESS, 13, 256 * 1024).ret == 0)
        set_shadow(13, SH_OTHER_PROC);
    if (sys_cap_copy(3, 14, CAP_R_WRITE, 0x14).ret == 0)
        set_shadow(14, SH_OTHER);
    if (sys_cap_copy(7, 15, CAP_R_WRITE, 0x15).ret == 0)
        set_shadow(15, SH_OTHER);
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, 16, (uint64_t)(uintptr_t)body_yield,
                          (uint64_t)(uintptr_t)body_stacks[0] + BODY_STACK - 8, 3, my_prio).ret == 0)
        set_shadow(16, SH_CREATED_THREAD);
    sys_map(10, RT_SLOT_SELF_PROCESS, SCRATCH_VA, CAP_R_READ | CAP_R_WRITE);
    sys_map(11, RT_SLOT_SELF_PROCESS, SCRATCH_VA + 4 * 4096, CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC);
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, SLOT_SRV_T, (uint64_t)(uintptr_t)server_body,
                          (uint64_t)(uintptr_t)srv_stack + sizeof srv_stack - 8, rng, my_prio).ret == 0)
        sys_thread_ctl(SLOT_SRV_T, SYS_THREAD_START, 0);
    sys_ntfn_bind(SLOT_NTFN);
    /* Device capabilities ktest may have given: copies in low slots. */
    if (sys_cap_info(KF_SLOT_DEVMEM).ret == CAP_DEVMEM && sys_cap_copy(KF_SLOT_DEVMEM, 17, CAP_R_ALL, 0).ret == 0)
        set_shadow(17, SH_OTHER);
    if (sys_cap_info(KF_SLOT_MSI).ret == CAP_IRQ && sys_cap_copy(KF_SLOT_MSI, 18, CAP_R_ALL, 0).ret == 0)
        set_shadow(18, SH_OTHER);
}

/* Deletes everything we made (killing our other threads) but the caps
 * ktest gave us, so the process ends with this thread. */
static void cleanup(void)
{
    srv_stop = true;
    sys_ntfn_bind(0);
    for (uint64_t s = 3; s < SYS_CAP_SLOTS; s++)
        if (s != KF_SLOT_PROGRESS && s != KF_SLOT_DONE && s != SLOT_SRV_T && s != KF_SLOT_DEVMEM &&
            s != KF_SLOT_MSI)
            sys_cap_delete(s);
    sys_cap_delete(SLOT_SRV_T);
    sys_set_ipc_buffer((uint64_t)(uintptr_t)rt_ipc_buffer());
}

int main(uint64_t arg)
{
    uint32_t seed = KF_SEED(arg);
    uint64_t target = KF_CALLS(arg);
    trace = (arg & KF_TRACE) != 0;
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed * 0x100000001b3ull);
    if (!rng)
        rng = 1;
    if (sys_map(KF_SLOT_PROGRESS, RT_SLOT_SELF_PROCESS, KF_PROGRESS_VA, CAP_R_READ | CAP_R_WRITE).ret != 0) {
        printf("kfuzz: no progress page in slot %d", KF_SLOT_PROGRESS);
        return 1;
    }
    prog = (struct kf_progress *)(uintptr_t)KF_PROGRESS_VA;
    prog->magic = KF_MAGIC;
    prog->seed = seed;
    setup();
    while (prog->calls < target) {
        one_call();
        if ((prog->calls & 63) == 0) {
            /* Now and then: our own IPC buffer back, our wake-up bound. */
            sys_set_ipc_buffer((uint64_t)(uintptr_t)rt_ipc_buffer());
            sys_ntfn_bind(SLOT_NTFN);
        }
    }
    uint64_t calls = prog->calls;
    cleanup();
    sys_send(KF_SLOT_DONE, TAG(0, 1, 0), calls, 0, 0, 0);
    return 0;
}
