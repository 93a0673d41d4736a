/* kpartner: the second process of the kernel test suite (ktest). Roles and
 * the capabilities each expects are in kpartner.h. */
#include "runtime.h"
#include "kpartner.h"

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

int main(uint64_t arg)
{
    switch (KP_ROLE(arg)) {
    case KP_ECHO:
        serve(KP_SLOT_A);
    case KP_EXIT:
        return 0;
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
    }
    printf("kpartner: unknown role %u", KP_ROLE(arg));
    return 1;
}
