/* kpartner: the second process of the kernel test suite (ktest). Roles and
 * the capabilities each expects are in kpartner.h. */
#include "runtime.h"
#include "kpartner.h"
#define KREGS_IMPL
#include "kregs.h"

static void echo_long_words(unsigned len)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    for (unsigned i = SYS_MSG_REGS; i < len && i < SYS_MSG_MAX; i++)
        b->mr[i] += 1;
}

static _Noreturn void serve(uint64_t ep)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    struct msg m;
    b->recv_slot = KP_SLOT_RECV;
    long r = ipc_recv(ep, &m);
    for (;;) {
        if (r < 0)
            rt_panic("kpartner: receive on slot %llu failed: %ld", (unsigned long long)ep, r);
        b->recv_slot = KP_SLOT_RECV;
        unsigned len = TAG_LEN(m.tag), caps = TAG_CAPS(m.tag);
        switch (TAG_LABEL(m.tag)) {
        case KP_OP_ECHO:
            echo_long_words(len);
            m.mr[0] += 1;
            m.mr[1] = m.badge;
            m.mr[2] = len;
            m.mr[3] = caps;
            m.tag = TAG(0, len < 4 ? 4 : len, 0);
            if (caps)
                sys_cap_delete(KP_SLOT_RECV);
            break;
        case KP_OP_CAPINFO: {
            struct sys_result ci = sys_cap_info(KP_SLOT_RECV);
            m.mr[0] = caps;
            m.mr[1] = ci.ret < 0 ? 0 : (uint64_t)ci.ret;
            m.mr[2] = ci.ret < 0 ? 0 : ci.r[0];
            m.mr[3] = caps ? b->recv_cap_badge : 0;
            m.tag = TAG(0, 4, 0);
            sys_cap_delete(KP_SLOT_RECV);
            break;
        }
        case KP_OP_CAPBACK:
            b->send_cap = KP_SLOT_RECV;
            m.mr[0] = caps;
            m.tag = TAG(0, 1, caps ? 1 : 0);
            r = ipc_reply(&m);
            sys_cap_delete(KP_SLOT_RECV);
            r = ipc_recv(ep, &m);
            continue;
        case KP_OP_REPLYCAP:
            b->send_cap = KP_SLOT_A;
            m.tag = TAG(0, 0, 1);
            break;
        case KP_OP_EXIT:
            rt_exit(0);
        case KP_OP_RECV2:
            r = ipc_recv(ep, &m);
            continue;
        default:
            m.tag = TAG(SERVER_EBADOP, 0, 0);
            break;
        }
        r = ipc_reply_recv(ep, &m);
    }
}

static volatile uint64_t null_address = 0x10;

static void do_fault(uint64_t kind)
{
    switch (kind) {
    case KP_FAULT_NULL_READ:
        (void)*(volatile uint64_t *)(uintptr_t)null_address;
        break;
    case KP_FAULT_UD2:
        __asm__ volatile("ud2");
        break;
    }
}

static int quota_eater(void)
{
    /* One-page frames until the quota runs out, then endpoints with what is left. */
    long frames = 0, err = 0;
    uint64_t slot = 20;
    for (; slot < SYS_CAP_SLOTS; slot++) {
        long rc = sys_create(CAP_FRAME, slot, 1).ret;
        if (rc < 0) {
            err = rc;
            break;
        }
        frames++;
    }
    for (; slot < SYS_CAP_SLOTS; slot++)
        if (sys_create(CAP_ENDPOINT, slot, 0).ret < 0)
            break;
    long big = sys_create(CAP_FRAME, 12, 512).ret;
    uint64_t again = 0;
    if (frames > 0) {
        sys_cap_delete(20);
        again = (uint64_t)sys_create(CAP_ENDPOINT, 20, 0).ret;
    }
    struct msg m = { .tag = TAG(0, 4, 0), .mr = { (uint64_t)frames, (uint64_t)err, (uint64_t)big, again } };
    ipc_call(KP_SLOT_A, &m);
    return 0;
}

static int shm(void)
{
    long rc = sys_map(KP_SLOT_B, RT_SLOT_SELF_PROCESS, KP_SHM_VA, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc < 0) {
        struct msg e = { .tag = TAG(1, 1, 0), .mr = { (uint64_t)rc } };
        ipc_call(KP_SLOT_A, &e);
        return 1;
    }
    volatile uint64_t *w = (volatile uint64_t *)KP_SHM_VA;
    w[1] = w[0] * 3 + 1;
    struct msg m = { .tag = TAG(0, 1, 0), .mr = { w[0] } };
    ipc_call(KP_SLOT_A, &m);
    m.tag = TAG(0, 1, 0);
    m.mr[0] = w[2];
    ipc_call(KP_SLOT_A, &m);
    return 0;
}

static int owner(void)
{
    if (sys_create(CAP_ENDPOINT, 11, 0).ret < 0)
        return 1;
    rt_ipc_buffer()->send_cap = 11;
    struct msg m = { .tag = TAG(0, 0, 1) };
    ipc_call(KP_SLOT_A, &m);
    serve(11);
}

static int owner_fault(void)
{
    if (sys_create(CAP_ENDPOINT, 11, 0).ret < 0)
        return 1;
    rt_ipc_buffer()->send_cap = 11;
    struct msg m = { .tag = TAG(0, 0, 1) };
    ipc_call(KP_SLOT_A, &m);
    if (sys_thread_ctl(RT_SLOT_SELF_THREAD, SYS_THREAD_FAULT_EP, 11).ret < 0)
        return 1;
    __asm__ volatile("ud2");
    return 1;
}

static int regdump(void)
{
    if (sys_map(KP_SLOT_B, RT_SLOT_SELF_PROCESS, KP_SHM_VA, CAP_R_READ | CAP_R_WRITE).ret < 0)
        return 1;
    *(volatile uint64_t *)KP_SHM_VA = (uint64_t)(uintptr_t)kr_dump_entry;
    sys_signal(KP_SLOT_A, 1);
    for (;;)
        sys_sleep((uint64_t)sys_time().ret + 1000000000000ull);
}

/* One checked receive of the ping-pong: c->out holds what recv or
 * reply_recv returned for round r. Returns the request's label. */
static uint64_t regping_check(struct kr_ctx *c, unsigned r, struct kp_ping_report *rep)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    uint64_t tag = c->out.gpr[KR_RSI];
    unsigned len = TAG_LEN(tag);
    uint64_t label = TAG_LABEL(tag);
    if (len != 4 && len != 8)
        len = 4;
    struct kr_want w;
    kr_want_syscall(&w, SYS_OK);
    kr_want_msg(&w, KP_PING_BADGE, TAG(label, len, 0), kr_msg(r, 0), kr_msg(r, 1), kr_msg(r, 2), kr_msg(r, 3));
    char what[48], why[sizeof rep->first];
    snprintf(what, sizeof what, "kpartner, round %u", r);
    bool ok = kr_check(c, &w, what, why, sizeof why);
    if (ok && label != KP_PING_OP_ROUND && label != KP_PING_OP_STOP) {
        snprintf(why, sizeof why, "%s: label %llu", what, (unsigned long long)label);
        ok = false;
    }
    for (unsigned i = SYS_MSG_REGS; ok && i < len; i++)
        if (b->mr[i] != kr_msg(r, i)) {
            snprintf(why, sizeof why, "%s: MR%u = %#llx", what, i, (unsigned long long)b->mr[i]);
            ok = false;
        }
    if (!ok) {
        if (!rep->errors++) {
            strlcpy(rep->first, why, sizeof rep->first);
            printf("kpartner: %s", why);
        }
    }
    rep->rounds++;
    return label;
}

static int regping(void)
{
    if (sys_map(KP_SLOT_B, RT_SLOT_SELF_PROCESS, KP_SHM_VA, CAP_R_READ | CAP_R_WRITE).ret < 0)
        return 1;
    struct kp_ping_report *rep = (struct kp_ping_report *)KP_SHM_VA;
    struct ipc_buffer *b = rt_ipc_buffer();
    uint64_t flags = KR_FPU | (kr_avx_usable() ? KR_AVX : 0);
    static struct kr_ctx c;
    kr_fill(&c, KP_PING_OWNER, 0, flags);
    c.in.gpr[KR_RAX] = SYS_recv;
    c.in.gpr[KR_RDI] = KP_SLOT_A;
    c.in.gpr[KR_RSI] = 0;
    kr_syscall(&c);
    for (unsigned r = 0;; r++) {
        unsigned len = TAG_LEN(c.out.gpr[KR_RSI]) == 8 ? 8 : 4;
        if (regping_check(&c, r, rep) == KP_PING_OP_STOP) {
            rep->done = 1;
            sys_reply(0, TAG(0, 2, 0), rep->rounds, rep->errors, 0, 0);
            return 0;
        }
        kr_fill(&c, KP_PING_OWNER, r + 1, flags);
        for (unsigned i = SYS_MSG_REGS; i < len; i++)
            b->mr[i] = kr_msg(r, i) + 1;
        kr_set_syscall(&c, SYS_reply_recv, KP_SLOT_A, TAG(0, len, 0), kr_msg(r, 0) + 1, kr_msg(r, 1) + 1,
                       kr_msg(r, 2) + 1, kr_msg(r, 3) + 1);
        kr_syscall(&c);
    }
}

/* KP_AGENT: acts on its own table and address space on request. */
static _Noreturn void agent(void)
{
    struct ipc_buffer *b = rt_ipc_buffer();
    struct msg m;
    sys_cap_delete(KP_SLOT_RECV);
    b->recv_slot = KP_SLOT_RECV;
    long r = ipc_recv(KP_SLOT_A, &m);
    for (;;) {
        if (r < 0)
            rt_panic("kpartner: agent: receive failed: %ld", r);
        bool got_cap = TAG_CAPS(m.tag) != 0;
        uint64_t a0 = m.mr[0], a1 = m.mr[1], a2 = m.mr[2], a3 = m.mr[3];
        struct sys_result sr = { 0 };
        unsigned caps = 0;
        m.mr[1] = m.mr[2] = m.mr[3] = 0;
        switch (TAG_LABEL(m.tag)) {
        case KP_OP_A_COPY: sr = sys_cap_copy(a0, a1, a2, 0); break;
        case KP_OP_A_MOVE: sr = sys_cap_move(a0, a1); break;
        case KP_OP_A_DELETE: sr = sys_cap_delete(a0); break;
        case KP_OP_A_REVOKE: sr = sys_cap_revoke(a0); break;
        case KP_OP_A_MAP: sr = sys_map(a0, RT_SLOT_SELF_PROCESS, a1, a2); break;
        case KP_OP_A_UNMAP: sr = sys_unmap(RT_SLOT_SELF_PROCESS, a0); break;
        case KP_OP_A_TAKE:
            sr.ret = got_cap ? sys_cap_move(KP_SLOT_RECV, a0).ret : SYS_ENOCAP;
            break;
        case KP_OP_A_GIVE:
            b->send_cap = a0;
            caps = 1;
            break;
        case KP_OP_A_SLOTS: {
            uint64_t bits = 0;
            for (uint64_t i = 0; i < 64; i++)
                if (a0 + i < SYS_CAP_SLOTS && sys_cap_info(a0 + i).ret > 0)
                    bits |= 1ull << i;
            sr.ret = (long)bits;
            break;
        }
        case KP_OP_A_CHAIN: {
            uint64_t prev = a0, made = 0;
            for (uint64_t i = 0; i < a2; i++) {
                if (sys_cap_copy(prev, a1 + i, a3, 0).ret != 0)
                    break;
                prev = a1 + i;
                made++;
            }
            sr.ret = (long)made;
            m.mr[1] = prev;
            break;
        }
        case KP_OP_A_DELRANGE: {
            long n = 0;
            for (uint64_t s = a0; s < a1 && s < SYS_CAP_SLOTS; s++)
                if (sys_cap_delete(s).ret == 0)
                    n++;
            sr.ret = n;
            break;
        }
        case KP_OP_A_IRQ:
            sr = sys_irq_ctl(a0, a1, a2);
            m.mr[1] = sr.r[0];
            m.mr[2] = sr.r[1];
            break;
        case KP_OP_A_DEVICE:
            sr = sys_device(a0, a1, a2, a3, 0);
            m.mr[1] = sr.r[0];
            break;
        case KP_OP_A_INFO:
            sr = sys_cap_info(a0);
            m.mr[1] = sr.r[0];
            m.mr[2] = sr.r[1];
            break;
        default:
            sr.ret = SYS_EINVAL;
            break;
        }
        if (got_cap)
            sys_cap_delete(KP_SLOT_RECV);   /* not taken: dropped */
        m.mr[0] = (uint64_t)sr.ret;
        m.tag = TAG(0, 4, caps);
        b->recv_slot = KP_SLOT_RECV;
        r = ipc_reply_recv(KP_SLOT_A, &m);
        b->send_cap = 0;
    }
}

/* KP_SELFTEAR (see kpartner.h). */
static int selftear(uint64_t kib)
{
    const uint64_t C = 20, EP = 21, N = 22, F = 23, T = 24;
    if (kib < 64)
        kib = 64;
    long rc = sys_create(CAP_PROCESS, C, kib * 1024).ret;
    if (rc == 0)
        rc = sys_cap_give(C, RT_SLOT_SELF_THREAD, 5, CAP_R_ALL).ret;
    if (rc == 0)
        rc = sys_create(CAP_ENDPOINT, EP, 0).ret;
    if (rc == 0)
        rc = sys_create(CAP_NOTIFICATION, N, 0).ret;
    if (rc == 0)
        rc = sys_create(CAP_FRAME, F, 4).ret;
    if (rc == 0)
        rc = sys_thread_create(C, T, 0x400000, 0x500000, 0, 1).ret;
    for (uint64_t s = 6; rc == 0 && s < 40; s++)
        rc = sys_cap_give(C, s % 2 ? EP : N, s, CAP_R_ALL).ret;
    if (rc == 0)
        rc = sys_cap_give(C, F, 40, CAP_R_ALL).ret;
    if (rc == 0)
        rc = sys_cap_give(C, T, 41, CAP_R_ALL).ret;
    if (rc == 0)
        rc = sys_map(F, C, KP_SELFTEAR_VA, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc == 0)
        rc = sys_cap_give(C, C, 42, CAP_R_READ).ret;     /* a read-only cap to itself, deleted with it */
    /* Only C holds these now (the frame also through its mapping). */
    sys_cap_delete(EP);
    sys_cap_delete(N);
    sys_cap_delete(F);
    sys_cap_delete(T);
    if (rc != 0) {
        printf("kpartner: selftear: setting up failed: %ld", rc);
        return 1;
    }
    sys_signal(KP_SLOT_A, 1);
    if (sys_wait(KP_SLOT_B, 0).ret != 0)
        return 1;
    sys_cap_delete(RT_SLOT_SELF_THREAD);
    sys_cap_delete(C);          /* C's teardown ends this thread */
    printf("kpartner: selftear: still running after deleting C");
    return 1;
}

int main(uint64_t arg)
{
    switch (KP_ROLE(arg)) {
    case KP_ECHO:
        serve(KP_SLOT_A);
    case KP_EXIT:
        return (int)KP_PARAM(arg);
    case KP_FAULT:
        do_fault(KP_PARAM(arg));
        return 2;
    case KP_SPIN:
        for (;;)
            __asm__ volatile("pause");
    case KP_QUOTA:
        return quota_eater();
    case KP_SHM:
        return shm();
    case KP_SELFDELETE:
        sys_signal(KP_SLOT_A, 1);
        sys_cap_delete(RT_SLOT_SELF_THREAD);
        return 0;
    case KP_OWNER:
        return owner();
    case KP_REGDUMP:
        return regdump();
    case KP_REGPING:
        return regping();
    case KP_AGENT:
        agent();
    case KP_OWNER_FAULT:
        return owner_fault();
    case KP_SELFTEAR:
        return selftear(KP_PARAM(arg));
    }
    printf("kpartner: unknown role %u", KP_ROLE(arg));
    return 1;
}
