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
    KP_EXIT = 1,        /* returns from main at once */
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
};

enum kp_op {
    KP_OP_ECHO = 1,
    KP_OP_CAPINFO = 2,
    KP_OP_CAPBACK = 3,
    KP_OP_EXIT = 4,
    KP_OP_RECV2 = 5,
};

enum kp_fault {
    KP_FAULT_NULL_READ = 1,     /* reads address 0x10 */
    KP_FAULT_UD2 = 2,
};

#define KP_SHM_VA 0x0000000300000000ull

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
