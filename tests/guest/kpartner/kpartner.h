/* kpartner: the helper process of the in-guest kernel tests (ktest). One
 * program, several roles; ktest starts it with spawn() and
 *   arg = KP_ARG(role, param)
 * Capabilities ktest places (spawn_args.caps) per role are listed below.
 * Shared by tests/guest/ktest and tests/guest/kpartner. */
#ifndef KPARTNER_H
#define KPARTNER_H

#define KP_ARG(role, param) ((uint64_t)(role) | ((uint64_t)(param) << 8))
#define KP_ROLE(arg)  ((unsigned)((arg) & 0xff))
#define KP_PARAM(arg) ((arg) >> 8)

/* Slots the partner's caps are placed in. */
#define KP_SLOT_A 3
#define KP_SLOT_B 4
#define KP_SLOT_RECV 10     /* where the echo server accepts a transferred cap */

enum kp_role {
    /* Server on KP_SLOT_A (endpoint, READ). Requests by label:
     *   KP_OP_ECHO     reply label 0, MR0 + 1, MR1 = badge seen, MR2 = length
     *                  seen, MR3 = caps seen; MR4..len-1 each + 1 (same len)
     *   KP_OP_CAPINFO  a transferred cap (recv slot KP_SLOT_RECV): reply
     *                  MR0 = caps in the tag, MR1 = cap type, MR2 = rights,
     *                  MR3 = recv_cap_badge; the cap is deleted
     *   KP_OP_CAPBACK  sends the transferred cap back in the reply (caps = 1)
     *   KP_OP_EXIT     exits without replying
     *   KP_OP_RECV2    receives the next message without replying to this one
     *                  (the first caller must get SYS_EDEAD), then serves on */
    KP_ECHO = 0,
    KP_EXIT = 1,        /* returns from main at once, with param as its exit code */
    KP_FAULT = 2,       /* param = KP_FAULT_* */
    KP_SPIN = 3,        /* spins forever */
    /* Quota eater: creates 1-page frames until SYS_ENOMEM, then endpoints
     * with what is left, then calls KP_SLOT_A (endpoint, WRITE) with MR0 =
     * frames made, MR1 = the error, MR2 = result of creating a 512-page
     * frame, MR3 = result of an endpoint after deleting a frame; exits. */
    KP_QUOTA = 4,
    /* Shared memory: KP_SLOT_B is a frame (READ|WRITE) mapped at
     * KP_SHM_VA; writes word[1] = word[0] * 3 + 1, then calls KP_SLOT_A
     * with MR0 = word[0]; after the reply, reads word[2] again and calls
     * once more with MR0 = word[2], then exits. */
    KP_SHM = 5,
    /* Signals KP_SLOT_A (notification) and deletes its own thread cap
     * (slot 2): if that is the last cap, the thread dies. */
    KP_SELFDELETE = 6,
    /* Endpoint owner: creates an endpoint in slot 11 and hands it to ktest
     * by calling KP_SLOT_A (endpoint, WRITE|GRANT) with the cap attached,
     * then serves KP_OP_ECHO on it forever. */
    KP_OWNER = 7,
    /* Register dumps of brand-new threads (ktest's t_regs.c): KP_SLOT_B is
     * a frame (READ|WRITE) mapped at KP_SHM_VA, KP_SLOT_A a notification
     * (WRITE). Writes the address of its kr_dump_entry (kregs.h) to word 0
     * of the frame, signals bit 1 and sleeps for good. ktest then creates
     * threads in this process at that entry, each with rdi = a struct
     * kr_dump in the frame: the very first thing such a thread does is
     * dump the registers it was given. */
    KP_REGDUMP = 8,
    /* Register ping-pong (t_regs.c): serves on KP_SLOT_A (endpoint, READ)
     * with every register loaded with its own pattern (owner KP_PING_OWNER,
     * kregs.h) around each recv/reply_recv, and checks after each that its
     * registers are intact and that it received exactly the message below,
     * with no pattern of any other owner anywhere. KP_SLOT_B is a frame
     * (READ|WRITE) mapped at KP_SHM_VA for its struct kp_ping_report.
     * Requests (badge KP_PING_BADGE expected), round r counted from 0:
     *   KP_PING_OP_ROUND  len 4 or 8, word i = kr_msg(r, i) (MR4.. in the
     *                     IPC buffer); reply len the same, word i + 1
     *   KP_PING_OP_STOP   reply MR0 = rounds checked, MR1 = errors; exits */
    KP_REGPING = 9,
    /* Capability agent for ktest's graph tests (t_revoke.c, t_deep.c):
     * serves KP_OP_A_* requests on KP_SLOT_A (endpoint, READ) that act on
     * its own capability table and address space; every reply has label 0
     * and MR0 = the result of the system call made (see kp_op). Caps sent
     * to it arrive in KP_SLOT_RECV (moved elsewhere by KP_OP_A_TAKE). */
    KP_AGENT = 10,
    /* Teardown that kills the thread running it: creates a process C
     * (quota param KiB, at least 64) holding a copy of the partner's own
     * thread cap (C's slot 5) and, after it, copies of an endpoint, a
     * notification, a frame (also mapped in C), a never-started thread of
     * C, then signals KP_SLOT_A (notification, WRITE) and waits on
     * KP_SLOT_B (notification, READ). When woken it deletes its own thread
     * cap (slot 2: ktest has deleted its copy, so C's is the last) and then
     * C's only cap: C's teardown deletes the last cap to the thread that
     * runs it. The rest of that teardown must still happen. */
    KP_SELFTEAR = 11,
    /* Endpoint owner that faults into its own endpoint: creates an endpoint
     * in slot 11, hands a copy to ktest as KP_OWNER does (call on
     * KP_SLOT_A with the cap attached), makes it its own thread's fault
     * endpoint and executes ud2. Killing it (reply with a non-zero label
     * to the fault) ends the process and so the endpoint. */
    KP_OWNER_FAULT = 12,
};

enum kp_op {
    KP_OP_ECHO = 1,
    KP_OP_CAPINFO = 2,
    KP_OP_CAPBACK = 3,
    KP_OP_EXIT = 4,
    KP_OP_RECV2 = 5,
    KP_OP_REPLYCAP = 6,     /* reply carrying its own KP_SLOT_A capability (caps = 1) */
    /* KP_AGENT requests (MR0.. arguments; reply MR0 = result): */
    KP_OP_A_COPY = 16,      /* cap_copy(MR0 src, MR1 dst, MR2 rights, 0) */
    KP_OP_A_MOVE = 17,      /* cap_move(MR0, MR1) */
    KP_OP_A_DELETE = 18,    /* cap_delete(MR0) */
    KP_OP_A_REVOKE = 19,    /* cap_revoke(MR0): MR0 = count or error */
    KP_OP_A_MAP = 20,       /* map(MR0 frame slot, self, MR1 vaddr, MR2 rights) */
    KP_OP_A_UNMAP = 21,     /* unmap(self, MR0) */
    KP_OP_A_TAKE = 22,      /* a cap came with the request: cap_move(KP_SLOT_RECV, MR0)
                               (SYS_ENOCAP if none came) */
    KP_OP_A_GIVE = 23,      /* the reply carries the cap in slot MR0 (caps = 1) */
    KP_OP_A_SLOTS = 24,     /* MR0 = bitmap of the occupied slots MR0 .. MR0 + 63 */
    KP_OP_A_CHAIN = 25,     /* copies MR0 -> MR1 -> MR1 + 1 -> ... (MR2 copies, rights
                               MR3): MR0 = copies made, MR1 = the last slot filled */
    KP_OP_A_DELRANGE = 26,  /* deletes slots MR0 .. MR1 - 1 in that order: MR0 = deleted */
    KP_OP_A_INFO = 27,      /* cap_info(MR0): MR0 = type or error, MR1 rights, MR2 badge */
    KP_OP_A_IRQ = 28,       /* irq_ctl(MR0, MR1, MR2): MR0 = result, MR1 = rdi, MR2 = rsi */
    KP_OP_A_DEVICE = 29,    /* device(MR0, MR1, MR2, MR3, 0): MR0 = result, MR1 = rdi */
};

enum kp_fault {
    KP_FAULT_NULL_READ = 1,     /* reads address 0x10 */
    KP_FAULT_UD2 = 2,
};

#define KP_SHM_VA 0x0000000300000000ull
/* Where KP_SELFTEAR maps its frame in C. */
#define KP_SELFTEAR_VA 0x0000000400000000ull

#define KP_PING_OWNER    0xb1
#define KP_PING_BADGE    0xb0b
#define KP_PING_OP_ROUND 1
#define KP_PING_OP_STOP  2
struct kp_ping_report {
    uint64_t rounds;        /* requests checked (the stop request included) */
    uint64_t errors;        /* requests after which something was wrong */
    uint64_t done;          /* 1 once the stop request came */
    char first[232];        /* what was wrong the first time */
};

#endif
