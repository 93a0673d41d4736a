/* Threads (kernel/object/thread.c): a kernel stack (in the guarded stack
 * area, kstack.h) whose top holds the user registers, scheduling state and
 * IPC state. A running thread (started and not suspended) holds a
 * reference on its process, so a process lives while any of its threads
 * runs; one never started or suspended holds none.
 *
 * Death: thread_kill() takes a thread out of everything it waits on,
 * releases its partners, and marks it T_DEAD. It never switches away, even
 * when the thread is the one running: that thread finishes the operation
 * it is in and leaves for good on its way back to user mode (the exit work
 * sees it dead). Its memory goes when the last reference does (the
 * reaper), the running thread's stack after the switch away from it. */
#ifndef OBJ_THREAD_H
#define OBJ_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include "object.h"
#include "ktimer.h"
#include "runqueue.h"
#include "arch/regs.h"
#include "arch/thread.h"

enum thread_state {
    T_INACTIVE,     /* created and not started, or suspended */
    T_READY,        /* on a ready queue */
    T_RUNNING,
    T_SEND,         /* blocked sending on an endpoint */
    T_RECV,         /* blocked receiving on an endpoint */
    T_REPLY,        /* called, waiting for the reply */
    T_NTFN,         /* waiting on a notification */
    T_SLEEP,        /* sleeping until a deadline */
    T_DEAD,
};

/* ipc_flags, while T_SEND */
#define IPC_CALL        1u  /* a call, not a plain send */
#define IPC_GRANT       2u  /* the endpoint capability had GRANT: may transfer a capability */

struct thread {
    struct kobj obj;
    struct arch_thread arch;
    uint32_t tid;
    uint8_t state;              /* enum thread_state */
    uint8_t priority;
    uint8_t ipc_flags;
    uint8_t call_rights;        /* T_REPLY: rights of the endpoint capability it called
                                   with; the reply may transfer a capability only with GRANT */
    bool running;               /* started and not suspended: holds a reference on proc */
    struct process *proc;       /* NULL once dead */
    uint8_t *kstack;            /* lowest address of its KERNEL_STACK_SIZE bytes (kstack.h) */
    struct trap_frame *frame;   /* user registers, top of kstack */
    union {                     /* link in a ready queue or an endpoint's queue */
        struct rq_link qlink;   /* for runqueue.h */
        struct {
            struct thread *qnext, *qprev;   /* the same, typed (read by syscall.S) */
        };
    };
    void *blocked_on;           /* endpoint (T_SEND/T_RECV) or notification (T_NTFN) */
    uint64_t send_badge;        /* T_SEND: badge of the capability used */
    struct thread *caller;      /* the thread this one owes a reply */
    struct thread *callee;      /* T_REPLY: who owes this one the reply */
    uint64_t ipcbuf_vaddr;      /* registered IPC buffer (0: none), looked up at each use */
    struct notification *bound_ntfn;
    struct endpoint *fault_ep;
    uint64_t fault_badge;
    struct notification *death_ntfn;    /* signalled with death_bits when it dies (a reference) */
    uint64_t death_bits;
    struct ktimer timeout;
    uint64_t slice_end;         /* ns; when its time slice ends */
    struct dlist in_proc;       /* in proc->threads while not dead */
    uint32_t ext_caps;          /* capabilities to it outside its process (counted in
                                   proc->ext_thread_caps while it is alive) */
    struct dlist all;           /* every thread (kdebug checks) */
    bool fault_pending;         /* its IPC is a fault message; the reply says resume or kill */
    long fault_result;          /* how that IPC ended (SYS_OK: resume) */
    uint64_t fault_info[4];     /* FAULT_MR_* */
    uint8_t end_how;            /* SYS_THREAD_ENDED_*: how it died (0 while alive) */
    uint64_t exit_code;         /* SYS_THREAD_ENDED_EXIT: the code it gave sys_exit */
};
_Static_assert(offsetof(struct thread, qnext) == offsetof(struct thread, qlink.next) &&
               offsetof(struct thread, qprev) == offsetof(struct thread, qlink.prev),
               "the typed queue links overlay the runqueue.h ones");

/* Creates a suspended thread in p starting at entry (user address) with
 * its stack pointer at stack and first argument arg. The caller checked the addresses and
 * priority and that p is alive. NULL if p's quota cannot pay. */
struct thread *thread_create(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                             unsigned priority);
/* Makes an inactive thread runnable (a no-op otherwise). */
void thread_start(struct thread *t);
/* Stops t wherever it is; a blocking call it was in returns SYS_EBUSY
 * when it is started again. */
void thread_suspend(struct thread *t);
/* Ends t (see above). why (may be NULL) goes to the log. */
void thread_kill(struct thread *t, const char *why);
/* Sets the result of the blocking call t is in; a thread blocked sending a
 * fault message keeps its user result register (it made no system call):
 * its fault IPC ends with the result instead. */
void thread_set_result(struct thread *t, long result);
/* Makes a thread blocked in an IPC or wait runnable with result, from
 * whoever ends the wait (partner, timer, signal, death, suspension). */
void thread_wake(struct thread *t, long result);
/* Sets t's fault handler (NULL: none); the thread holds a reference. */
void thread_set_fault_ep(struct thread *t, struct endpoint *ep, uint64_t badge);
/* The notification signalled (with bits) when t dies, however it dies:
 * how a supervisor learns of exits and kills. NULL: none. */
void thread_set_death_ntfn(struct thread *t, struct notification *n, uint64_t bits);
/* The current thread sleeps until deadline (ns since boot). */
long thread_sleep(uint64_t deadline);
/* A timeout of t's (IPC, wait, sleep) has expired: it wakes with
 * SYS_ETIMEOUT (SYS_OK from a sleep). */
void thread_timeout(struct ktimer *kt);
/* The thread's frame, ready for results to be written into it: a thread
 * blocked by the fast path saved only part of it, so its argument
 * registers are cleared first. */
struct trap_frame *thread_result_frame(struct thread *t);
/* The reaper's step for a thread whose last reference is gone. */
int thread_reap(struct thread *t);
/* Frees a dead thread's stack left by the last switch (call after a switch). */
void thread_free_deferred(void);

/* Every thread, and how many (kdebug). */
extern struct dlist all_threads;
extern uint64_t live_threads;

#endif
