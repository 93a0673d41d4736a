/* Faults: every kind of user exception reaches the thread's fault endpoint
 * as a LABEL_FAULT call (MR0 vector, MR1 error code, MR2 address, MR3 rip);
 * reply label 0 resumes at the faulting instruction, any other label kills
 * the thread; no handler kills it. Faulting code runs in helper threads (a
 * fault in ktest's own thread would go to init and end the run). */
#include "ktest.h"

/* The faulting instructions, with labels to compare rip against. Each
 * function follows the SysV ABI: rdi = address or value. */
extern char kt_read_insn[], kt_write_insn[], kt_ud2_insn[], kt_div_insn[], kt_int3_insn[], kt_int3_after[],
    kt_hlt_insn[], kt_out_insn[], kt_gp_insn[], kt_push_insn[], kt_cli_insn[], kt_step_after[];
uint64_t kt_do_read(uint64_t addr);
void kt_do_write(uint64_t addr, uint64_t value);
void kt_do_ud2(void);
uint64_t kt_do_div(uint64_t divisor);
void kt_do_int3(void);
void kt_do_hlt(void);
void kt_do_out(void);
void kt_do_gp(void);
void kt_do_cli(void);
void kt_do_step(void);
void kt_do_push(void);

__asm__(".text\n"
        ".globl kt_do_read, kt_read_insn\n"
        "kt_do_read:\n"
        "kt_read_insn: movq (%rdi), %rax\n"
        "    ret\n"
        ".globl kt_do_write, kt_write_insn\n"
        "kt_do_write:\n"
        "kt_write_insn: movq %rsi, (%rdi)\n"
        "    ret\n"
        ".globl kt_do_ud2, kt_ud2_insn\n"
        "kt_do_ud2:\n"
        "kt_ud2_insn: ud2\n"
        "    ret\n"
        ".globl kt_do_div, kt_div_insn\n"
        "kt_do_div:\n"
        "    movq $100, %rax\n"
        "    xorl %edx, %edx\n"
        "kt_div_insn: divq %rdi\n"
        "    ret\n"
        ".globl kt_do_int3, kt_int3_insn, kt_int3_after\n"
        "kt_do_int3:\n"
        "kt_int3_insn: int3\n"
        "kt_int3_after: ret\n"
        ".globl kt_do_hlt, kt_hlt_insn\n"
        "kt_do_hlt:\n"
        "kt_hlt_insn: hlt\n"
        "    ret\n"
        ".globl kt_do_cli, kt_cli_insn\n"
        "kt_do_cli:\n"
        "kt_cli_insn: cli\n"
        "    ret\n"
        /* Port 0xf4 is QEMU's isa-debug-exit: if this write ever got through,
         * QEMU would stop with status 1 and the run would fail. */
        ".globl kt_do_out, kt_out_insn\n"
        "kt_do_out:\n"
        "    movl $0xf4, %edx\n"
        "    xorl %eax, %eax\n"
        "kt_out_insn: outb %al, %dx\n"
        "    ret\n"
        /* A non-canonical address: #GP, not #PF. */
        ".globl kt_do_gp, kt_gp_insn\n"
        "kt_do_gp:\n"
        "    movabsq $0x8000000000000000, %rax\n"
        "kt_gp_insn: movq (%rax), %rax\n"
        "    ret\n"
        /* Single step: TF set by popf traps after the next instruction. */
        ".globl kt_do_step, kt_step_after\n"
        "kt_do_step:\n"
        "    pushfq\n"
        "    orq $0x100, (%rsp)\n"
        "    popfq\n"
        "    nop\n"
        "kt_step_after: pushfq\n"
        "    andq $-257, (%rsp)\n"
        "    popfq\n"
        "    ret\n"
        /* A push with rsp non-canonical: #SS. */
        ".globl kt_do_push, kt_push_insn\n"
        "kt_do_push:\n"
        "    movq %rsp, %r11\n"
        "    movabsq $0x8000000000001000, %rsp\n"
        "kt_push_insn: pushq %rax\n"
        "    movq %r11, %rsp\n"
        "    ret\n");

enum kind {
    K_READ, K_WRITE, K_EXEC, K_UD2, K_DIV, K_INT3, K_HLT, K_CLI, K_OUT, K_GP, K_STEP, K_PUSH,
};

struct fault_job {
    enum kind kind;
    uint64_t addr;
    uint64_t value;         /* result of a read, or the value to write */
    volatile bool done;     /* the faulting operation completed (resumed) */
};
static struct fault_job job;

static void fault_fn(uint64_t arg)
{
    struct fault_job *j = (struct fault_job *)(uintptr_t)arg;
    switch (j->kind) {
    case K_READ: j->value = kt_do_read(j->addr); break;
    case K_WRITE: kt_do_write(j->addr, j->value); break;
    case K_EXEC: ((void (*)(void))(uintptr_t)j->addr)(); break;
    case K_UD2: kt_do_ud2(); break;
    case K_DIV: j->value = kt_do_div(0); break;
    case K_INT3: kt_do_int3(); break;
    case K_HLT: kt_do_hlt(); break;
    case K_CLI: kt_do_cli(); break;
    case K_OUT: kt_do_out(); break;
    case K_GP: kt_do_gp(); break;
    case K_STEP: kt_do_step(); break;
    case K_PUSH: kt_do_push(); break;
    }
    j->done = true;
}

/* Starts a helper doing kind with fault endpoint ep; waits for its fault
 * message into *m. Returns the thread slot or 0. */
static uint64_t start_fault(enum kind kind, uint64_t addr, uint64_t ep, uint64_t badge, struct msg *m, long *rc)
{
    memset(&job, 0, sizeof job);
    job.kind = kind;
    job.addr = addr;
    job.value = 0x5eed;
    uint64_t fep = ep;
    if (badge) {
        fep = kt_slot();
        if (sys_cap_copy(ep, fep, CAP_R_WRITE, badge).ret != 0)
            return 0;
    }
    uint64_t t = kt_thread_run(fault_fn, (uintptr_t)&job, KT_HELPER_PRIO, fep);
    if (t)
        *rc = kt_recv(ep, 3000, m);
    return t;
}

static long reply_label(uint64_t label)
{
    struct msg r = { .tag = TAG(label, 0, 0) };
    return ipc_reply(&r);
}

#define CHECK_FAULT(m, vec, err, addr, ip)                                          \
    do {                                                                            \
        CHECK_EQ(TAG_LABEL((m).tag), LABEL_FAULT);                                  \
        CHECK_EQ(TAG_LEN((m).tag), 4);                                              \
        CHECK_EQ((m).mr[FAULT_MR_VECTOR], (vec));                                   \
        CHECK_EQ((m).mr[FAULT_MR_ERROR], (err));                                    \
        CHECK_EQ((m).mr[FAULT_MR_ADDR], (addr));                                    \
        CHECK_EQ((m).mr[FAULT_MR_IP], (ip));                                        \
    } while (0)

/* Page fault on a read of an unmapped page: the handler maps a page there
 * (with a value in it) and resumes; the read completes. */
static bool t_pf_read_resume(void)
{
    uint64_t ep = kt_endpoint(), va = kt_va(1), f = kt_frame(1);
    struct msg m;
    long rc;
    uint64_t t = start_fault(K_READ, va + 8, ep, 0x77, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_EQ(m.badge, 0x77);
    CHECK_FAULT(m, 14, 0x4, va + 8, (uintptr_t)kt_read_insn);     /* user, read, not present */
    CHECK(!job.done);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va);
    ((volatile uint64_t *)(uintptr_t)va)[1] = 0xfeedface;
    CHECK_EQ(reply_label(0), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(job.done);
    CHECK_EQ(job.value, 0xfeedface);
    return true;
}

/* Write to a read-only mapping: protect makes it writable, resume. */
static bool t_pf_write_resume(void)
{
    uint64_t ep = kt_endpoint(), va = kt_map_new(1, NULL);
    CHECK(va != 0);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ), SYS_OK);
    struct msg m;
    long rc;
    memset(&job, 0, sizeof job);
    uint64_t t = start_fault(K_WRITE, va + 16, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_FAULT(m, 14, 0x7, va + 16, (uintptr_t)kt_write_insn);   /* present, write, user */
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    CHECK_EQ(reply_label(0), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(job.done);
    CHECK_EQ(((volatile uint64_t *)(uintptr_t)va)[2], 0x5eed);
    return true;
}

/* Write to an unmapped page: the fault repeats if the handler resumes
 * without fixing it; then a kill reply ends the thread. */
static bool t_pf_repeat_then_kill(void)
{
    uint64_t ep = kt_endpoint(), va = kt_va(1);
    struct msg m;
    long rc;
    uint64_t t = start_fault(K_WRITE, va, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_FAULT(m, 14, 0x6, va, (uintptr_t)kt_write_insn);
    CHECK_EQ(reply_label(0), SYS_OK);           /* not fixed: the same fault again */
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_FAULT(m, 14, 0x6, va, (uintptr_t)kt_write_insn);
    CHECK_EQ(reply_label(0xdead), SYS_OK);      /* kill */
    CHECK(kt_wait_dead(t, 2000));
    CHECK(!job.done);
    return true;
}

/* Executing a page mapped without EXEC (NX): a page fault with the
 * instruction-fetch bit; protect adds EXEC and the code runs. */
static bool t_pf_exec_nx(void)
{
    uint64_t ep = kt_endpoint(), va = kt_map_new(1, NULL);
    CHECK(va != 0);
    *(volatile uint8_t *)(uintptr_t)va = 0xc3;      /* ret */
    struct msg m;
    long rc;
    uint64_t t = start_fault(K_EXEC, va, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_FAULT(m, 14, 0x15, va, va);               /* present, user, instruction fetch */
    /* The frame cap has EXEC but the mapping was made without it: protect
     * cannot add rights the mapping was not made with. */
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_EXEC), SYS_ERIGHTS);
    CHECK_EQ(reply_label(1), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(!job.done);
    /* Mapped R+X from the start, then protected to R only: fault, then back to R+X. */
    uint64_t f = kt_frame(1), xva = kt_va(1), wva = kt_va(1);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, wva, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(wva);
    *(volatile uint8_t *)(uintptr_t)wva = 0xc3;
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, xva, CAP_R_READ | CAP_R_EXEC), SYS_OK);
    kt_track_mapping(xva);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, xva, CAP_R_READ), SYS_OK);
    t = start_fault(K_EXEC, xva, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_FAULT(m, 14, 0x15, xva, xva);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, xva, CAP_R_READ | CAP_R_EXEC), SYS_OK);
    CHECK_EQ(reply_label(0), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(job.done);
    return true;
}

/* One exception kind: expected vector, error code and rip; killed by the reply. */
static bool simple_fault(enum kind kind, uint64_t vector, uint64_t error, const void *rip)
{
    uint64_t ep = kt_endpoint();
    struct msg m;
    long rc;
    uint64_t t = start_fault(kind, 0, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_FAULT(m, vector, error, 0, (uintptr_t)rip);
    CHECK_EQ(reply_label(1), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(!job.done);
    /* The killed thread's process (ktest) is fine, and so is the endpoint. */
    CHECK_RC(sys_nbsend(ep, 0, 0, 0, 0, 0), SYS_EBUSY);
    return true;
}

static bool t_ud2(void) { return simple_fault(K_UD2, 6, 0, kt_ud2_insn); }
static bool t_div(void) { return simple_fault(K_DIV, 0, 0, kt_div_insn); }
static bool t_hlt(void) { return simple_fault(K_HLT, 13, 0, kt_hlt_insn); }
static bool t_cli(void) { return simple_fault(K_CLI, 13, 0, kt_cli_insn); }
static bool t_out(void) { return simple_fault(K_OUT, 13, 0, kt_out_insn); }
static bool t_gp(void) { return simple_fault(K_GP, 13, 0, kt_gp_insn); }
/* A stack access at a non-canonical address is #SS on hardware; QEMU's
 * TCG raises #GP for it. Either is a correct delivery. */
static bool t_push(void)
{
    uint64_t ep = kt_endpoint();
    struct msg m;
    long rc;
    uint64_t t = start_fault(K_PUSH, 0, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_FAULT);
    CHECK(m.mr[FAULT_MR_VECTOR] == 12 || m.mr[FAULT_MR_VECTOR] == 13);
    CHECK_EQ(m.mr[FAULT_MR_ERROR], 0);
    CHECK_EQ(m.mr[FAULT_MR_IP], (uintptr_t)kt_push_insn);
    CHECK_EQ(reply_label(1), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    return true;
}

/* int3 from user mode is #BP (vector 3) with rip after the int3 (its gate
 * allows CPL 3; with DPL 0 it used to arrive as #GP, error code 0x1a). */
static bool t_int3(void) { return simple_fault(K_INT3, 3, 0, kt_int3_after); }

/* Single-stepping (TF) raises #DB (vector 1), a trap: rip after the
 * stepped instruction. The handler cannot clear TF, so it kills. */
static bool t_step(void) { return simple_fault(K_STEP, 1, 0, kt_step_after); }

/* Divide error resumed without a fix: the same fault comes again. */
static bool t_div_repeat(void)
{
    uint64_t ep = kt_endpoint();
    struct msg m;
    long rc;
    uint64_t t = start_fault(K_DIV, 0, ep, 0, &m, &rc);
    CHECK(t != 0);
    CHECK_EQ(rc, SYS_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_FAULT(m, 0, 0, 0, (uintptr_t)kt_div_insn);
        CHECK_EQ(reply_label(0), SYS_OK);
        CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    }
    CHECK_EQ(reply_label(2), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    return true;
}

/* No fault endpoint: the thread is killed, the kernel goes on. */
static bool t_no_handler(void)
{
    memset(&job, 0, sizeof job);
    job.kind = K_UD2;
    uint64_t t = kt_thread_run(fault_fn, (uintptr_t)&job, KT_HELPER_PRIO, 0);
    CHECK(t != 0);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(!job.done);
    /* A fault endpoint set and then cleared (arg 0). */
    uint64_t ep = kt_endpoint();
    memset(&job, 0, sizeof job);
    job.kind = K_READ;
    uint64_t t2 = kt_thread(fault_fn, (uintptr_t)&job, KT_HELPER_PRIO, true);
    CHECK(t2 != 0);
    CHECK_RC(sys_thread_ctl(t2, SYS_THREAD_FAULT_EP, ep), SYS_OK);
    CHECK_RC(sys_thread_ctl(t2, SYS_THREAD_FAULT_EP, 0), SYS_OK);
    CHECK_EQ(kt_start(t2), SYS_OK);
    CHECK(kt_wait_dead(t2, 2000));
    struct msg m;
    CHECK_EQ(kt_recv(ep, 2, &m), SYS_ETIMEOUT);
    return true;
}

/* The fault endpoint's last cap is deleted while the fault message waits:
 * the faulting thread is killed. Also a fault endpoint with no receiver
 * whose cap was deleted after being set (the thread holds it). */
static bool t_handler_gone(void)
{
    uint64_t ep = kt_endpoint();
    memset(&job, 0, sizeof job);
    job.kind = K_UD2;
    uint64_t t = kt_thread(fault_fn, (uintptr_t)&job, KT_HELPER_PRIO, true);
    CHECK(t != 0);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_FAULT_EP, ep), SYS_OK);
    /* The thread's reference keeps the endpoint alive after our cap goes. */
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK(kt_settle());
    /* Nobody can receive the message: the thread waits, it is not dead. */
    CHECK(!kt_thread_dead(t));
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_KILL, 0), SYS_OK);
    CHECK(kt_thread_dead(t));
    return true;
}

/* A partner process faults: its fault endpoint (ours, badged) gets the
 * message; killing it ends the process. */
static bool t_partner_fault(void)
{
    uint64_t ep = kt_endpoint();
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_FAULT, KP_FAULT_NULL_READ), NULL, 0, 1 << 20, 45, ep, 0xbeef, &p),
             0);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(m.badge, 0xbeef);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_FAULT);
    CHECK_EQ(m.mr[FAULT_MR_VECTOR], 14);
    CHECK_EQ(m.mr[FAULT_MR_ERROR], 0x4);
    CHECK_EQ(m.mr[FAULT_MR_ADDR], 0x10);
    CHECK(m.mr[FAULT_MR_IP] >= 0x400000 && m.mr[FAULT_MR_IP] < 0x10000000);
    CHECK_EQ(reply_label(1), SYS_OK);
    CHECK(kt_wait_dead(p.thread, 2000));
    CHECK(kt_process_dead(p.process));
    /* ud2 in a partner. */
    struct kt_partner p2;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_FAULT, KP_FAULT_UD2), NULL, 0, 1 << 20, 45, ep, 0xbef0, &p2), 0);
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(m.badge, 0xbef0);
    CHECK_EQ(m.mr[FAULT_MR_VECTOR], 6);
    CHECK_EQ(reply_label(1), SYS_OK);
    CHECK(kt_wait_dead(p2.thread, 2000));
    return true;
}

/* A thread that faults while its handler is another thread of ours which
 * takes the message and dies without replying: the faulting thread must
 * not run on as if nothing happened with a clobbered register. */
static volatile uint64_t rax_after;
extern char kt_bp_rax_insn[];
void kt_do_bp_rax(void);
__asm__(".text\n"
        ".globl kt_do_bp_rax, kt_bp_rax_insn\n"
        "kt_do_bp_rax:\n"
        "    movabsq $0x1122334455667788, %rax\n"
        "    pushfq\n"
        "    orq $0x100, (%rsp)\n"
        "    popfq\n"
        "kt_bp_rax_insn: nop\n"          /* the single-step trap comes after it */
        "    movq %rax, rax_after(%rip)\n"
        "    pushfq\n"
        "    andq $-257, (%rsp)\n"
        "    popfq\n"
        "    ret\n");

static void bp_rax_fn(uint64_t arg)
{
    (void)arg;
    kt_do_bp_rax();
    job.done = true;
}

static void take_and_die_fn(uint64_t ep)
{
    struct msg m = { 0 };
    if (ipc_recv_until(ep, kt_in(3000 * MS), &m) == 0)
        job.value = TAG_LABEL(m.tag);
    /* returns: the thread exits without replying */
}

static bool t_handler_dies(void)
{
    uint64_t ep = kt_endpoint();
    memset(&job, 0, sizeof job);
    rax_after = 0;
    uint64_t h = kt_thread_run(take_and_die_fn, ep, 30, 0);
    CHECK(h != 0);
    uint64_t t = kt_thread_run(bp_rax_fn, 0, 20, ep);
    CHECK(t != 0);
    CHECK(kt_wait_dead(h, 2000));
    CHECK_EQ(job.value, LABEL_FAULT);
    CHECK(kt_settle());
    /* The handler died holding the message. The thread may be killed (what
     * fault.c promises when the handler goes away) or wait for another
     * handler; if it runs on, its registers must be as they were. */
    if (rax_after != 0 && rax_after != 0x1122334455667788ull)
        return kt_fail("the faulting thread resumed after its handler died with rax = %#llx "
                       "(was 0x1122334455667788): the kernel's SYS_EDEAD wake-up clobbered it",
                       (unsigned long long)rax_after);
    sys_thread_ctl(t, SYS_THREAD_KILL, 0);
    return true;
}

/* A faulting thread suspended while its fault message waits for a
 * receiver, and again while it waits for the reply, then started again:
 * the fault IPC is abandoned each time (no message left pending, no reply
 * expected), the instruction runs again and faults again, and a resume
 * after fixing the cause completes it. */
static bool t_fault_suspend_resume(void)
{
    uint64_t ep = kt_endpoint(), va = kt_va(1), f = kt_frame(1);
    struct msg m;
    memset(&job, 0, sizeof job);
    job.kind = K_READ;
    job.addr = va;
    uint64_t t = kt_thread_run(fault_fn, (uintptr_t)&job, KT_HELPER_PRIO, ep);
    CHECK(t != 0);
    CHECK(kt_settle());                                 /* blocked sending its fault */
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_EQ(kt_recv(ep, 20, &m), SYS_ETIMEOUT);        /* the message went with the suspension */
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);            /* the read ran again: a new fault */
    CHECK_FAULT(m, 14, 0x4, va, (uintptr_t)kt_read_insn);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_SUSPEND, 0), SYS_OK);
    CHECK_EQ(reply_label(0), SYS_ENOREPLY);             /* nobody waits for this reply now */
    CHECK_EQ(kt_start(t), SYS_OK);
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_FAULT(m, 14, 0x4, va, (uintptr_t)kt_read_insn);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va);
    ((volatile uint64_t *)(uintptr_t)va)[0] = 0xabcdef;
    CHECK_EQ(reply_label(0), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    CHECK(job.done);
    CHECK_EQ(job.value, 0xabcdef);
    return true;
}

const struct kt_test kt_fault_tests[] = {
    { "fault_suspend_resume", "a faulting thread suspended (waiting to send, then for the reply) and started again faults again",
      t_fault_suspend_resume },
    { "pf_read_resume", "read of an unmapped page: PF (err 4, addr, rip) to a badged handler; map + resume",
      t_pf_read_resume },
    { "pf_write_resume", "write to a read-only page: PF (err 7); protect RW + resume completes the write",
      t_pf_write_resume },
    { "pf_repeat_then_kill", "resuming without a fix repeats the fault; a non-zero label kills",
      t_pf_repeat_then_kill },
    { "pf_exec_nx", "executing a non-EXEC page: PF with the fetch bit (0x15); protect R+X + resume runs it",
      t_pf_exec_nx },
    { "fault_ud2", "ud2: invalid opcode, vector 6, rip at the ud2", t_ud2 },
    { "fault_div", "divide by zero: vector 0, rip at the div", t_div },
    { "fault_div_repeat", "a resumed divide error faults again at the same rip", t_div_repeat },
    { "fault_hlt", "hlt in user mode: #GP (13), error 0", t_hlt },
    { "fault_cli", "cli in user mode: #GP (13), error 0", t_cli },
    { "fault_out", "outb to a port from user mode: #GP (no I/O bitmap)", t_out },
    { "fault_noncanonical", "a non-canonical memory access: #GP (13), address 0", t_gp },
    { "fault_stack", "a push with a non-canonical rsp: #SS (12; #GP under TCG)", t_push },
    { "fault_int3", "int3: breakpoint, vector 3, rip after the int3", t_int3 },
    { "fault_single_step", "single-stepping (TF): debug trap, vector 1, rip after the instruction", t_step },
    { "fault_no_handler", "without a fault endpoint (or after clearing it) the thread is killed",
      t_no_handler },
    { "fault_handler_gone", "a fault endpoint kept alive by the thread alone: the thread waits, can be killed",
      t_handler_gone },
    { "fault_partner", "faults in a partner process reach our endpoint with its badge; kill ends it",
      t_partner_fault },
    { "fault_handler_dies", "a handler dying with the fault message does not resume the thread with clobbered rax",
      t_handler_dies },
};
KT_COUNT(kt_fault_tests);
