/* Kernel objects named by capabilities: processes, threads, endpoints,
 * notifications, frames, interrupt lines, I/O port ranges, the platform.
 *
 * Lifetime: every object starts with a reference count; each capability
 * naming it holds one reference, and so does every internal pointer that
 * can outlive a system call (a thread's process, a fault endpoint, a bound
 * notification). obj_put() destroys the object when the count reaches 0.
 *
 * Concurrency: the kernel runs with interrupts off on one CPU, so no locks;
 * an SMP kernel would add a big kernel lock around syscall_dispatch. */
#ifndef OBJECT_H
#define OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include "runqueue.h"
#include "uapi/abi.h"
#ifdef KERNEL
#include "trap.h"
#else
struct trap_frame;      /* host unit tests (cap.c): only pointers to it */
#endif

struct kobj {
    uint32_t type;          /* enum cap_type */
    uint32_t refs;
};

struct process;
struct thread;

/* A FIFO of threads linked through thread.qnext/qprev: a runqueue.h FIFO
 * (fifo, for rq_fifo_*) with its element type spelled out (head, tail, for
 * C and for syscall.S, which reads them by offset). */
struct tqueue {
    union {
        struct rq_fifo fifo;
        struct {
            struct thread *head, *tail;
        };
    };
};

/* A deadline in the kernel's timer list (kernel/core/ktimer.c). */
struct ktimer {
    uint64_t deadline;          /* ns since boot; 0 = not armed */
    struct ktimer *next;
    void (*expire)(struct ktimer *t);
};

struct cap {
    uint8_t type;               /* enum cap_type; CAP_NULL = empty slot */
    uint8_t rights;             /* CAP_R_* */
    uint16_t reserved;
    uint32_t slot;              /* own index, for messages */
    uint64_t badge;
    struct kobj *obj;
    struct process *owner;      /* process whose table holds this slot */
    /* Derivation tree: copies are children of what they were copied from,
     * so revoke can find and delete them. */
    struct cap *parent, *first_child, *next_sibling, *prev_sibling;
};

/* A frame object mapped into an address space. The mapping holds a
 * reference on the frame, so a mapped frame lives until it is unmapped
 * (explicitly, or when its process dies). */
_Static_assert(sizeof(struct cap) == 64, "syscall.S indexes the capability table by shifting");

struct mapping {
    struct frame_obj *frame;
    struct process *proc;
    uint64_t vaddr;
    uint32_t rights;            /* current */
    uint32_t max_rights;        /* of the frame cap used to map it */
    struct mapping *next_in_frame, *next_in_proc;
};

/* Kernel memory a process may use. Objects hold a reference to the quota
 * that paid for them, so it outlives the process until they are gone; then
 * its limit goes back to the parent quota it was carved from. */
struct quota {
    uint32_t refs;
    uint64_t limit;
    uint64_t used;
    struct quota *parent;
};

struct process {
    struct kobj obj;
    uint32_t pid;
    bool dead;                  /* every thread has exited or been killed */
    uint64_t pml4;              /* physical address of the top page table */
    struct cap *caps;           /* SYS_CAP_SLOTS slots */
    struct quota *quota;
    struct mapping *mappings;
    unsigned live_threads;
    struct endpoint *owned_endpoints;   /* marked dead when the process dies */
    struct thread *threads;             /* linked through next_in_proc */
    uint64_t pt_pages;                  /* user page-table pages, charged to quota */
};

enum thread_state {
    T_INACTIVE,     /* created, not started, or suspended */
    T_READY,        /* on a ready queue (or running) */
    T_RUNNING,
    T_SEND,         /* blocked sending on an endpoint */
    T_RECV,         /* blocked receiving on an endpoint */
    T_REPLY,        /* called, waiting for the reply */
    T_NTFN,         /* waiting on a notification */
    T_SLEEP,        /* sleeping until a deadline */
    T_DEAD,
};

struct thread {
    struct kobj obj;
    uint32_t tid;
    uint8_t state;              /* enum thread_state */
    uint8_t priority;
    bool send_is_call;          /* T_SEND: a call, not a plain send */
    bool send_can_grant;        /* T_SEND: the endpoint cap had GRANT */
    struct process *proc;       /* NULL once dead */
    struct quota *quota;        /* pays for the thread (its process's) */
    uint8_t *kstack;            /* KERNEL_STACK_SIZE bytes */
    uint64_t saved_rsp;         /* while switched out */
    struct trap_frame *frame;   /* user registers, top of kstack */
    union {                     /* link in a ready queue or an endpoint's tqueue */
        struct rq_link qlink;   /* for runqueue.h */
        struct {
            struct thread *qnext, *qprev;   /* the same, typed (read by syscall.S) */
        };
    };
    void *blocked_on;           /* endpoint (T_SEND/T_RECV) or notification (T_NTFN) */
    uint64_t send_badge;        /* T_SEND: badge of the cap used */
    struct thread *caller;      /* the thread this one owes a reply */
    struct thread *callee;      /* T_REPLY: who owes this one the reply */
    struct ipc_buffer *ipcbuf;  /* kernel view of the registered IPC buffer, or NULL */
    uint64_t ipcbuf_vaddr;
    struct notification *bound_ntfn;
    struct endpoint *fault_ep;
    uint64_t fault_badge;
    struct ktimer timeout;
    uint64_t slice_end;         /* ns; when its time slice ends */
    struct thread *next_in_proc;
    bool fault_pending;         /* sent a fault message; the reply says resume or kill */
    bool fault_resumed;         /* the fault handler replied "resume" */
    bool holds_process_ref;     /* started: keeps its process alive */
    bool destroying;            /* thread_destroy is killing it: free it at the end */
    bool resume_user;           /* blocked by the assembly fast path: no kernel context,
                                   its whole user state is in *frame (see syscall.S) */
    uint64_t fault_info[4];     /* FAULT_MR_* */
    bool fpu_used;
    uint8_t fpu_state[512] __attribute__((aligned(16)));
};
_Static_assert(offsetof(struct thread, qnext) == offsetof(struct thread, qlink.next) &&
               offsetof(struct thread, qprev) == offsetof(struct thread, qlink.prev),
               "the typed queue links overlay the runqueue.h ones");

struct endpoint {
    struct kobj obj;
    struct tqueue senders;
    struct tqueue receivers;
    struct quota *charged;
    struct process *owner;      /* weak: cleared when the owner is destroyed */
    struct endpoint *next_owned;
    bool dead;
};

struct notification {
    struct kobj obj;
    struct quota *charged;
    uint64_t bits;
    struct thread *waiter;      /* T_NTFN thread, at most one */
    struct thread *bound;       /* thread that gets signals through recv */
    struct ktimer timer;
    uint64_t timer_bits;
};

struct frame_obj {
    struct kobj obj;
    uint64_t paddr;
    uint64_t npages;
    bool borrowed;              /* boot memory: never freed */
    struct quota *charged;      /* who pays for it (NULL: the kernel) */
    struct mapping *mappings;
};

struct irq_obj {
    struct kobj obj;
    uint32_t gsi;
    struct notification *ntfn;
};

struct ioport_obj {
    struct kobj obj;
    uint32_t base;
    uint32_t count;
};

struct platform_obj {
    struct kobj obj;
};

/* --- objects (kernel/core/object.c) --- */
void obj_get(struct kobj *o);
void obj_put(struct kobj *o);
/* Charges bytes to q (NULL: the kernel, unlimited); false (nothing
 * charged) if over the limit. */
bool quota_charge(struct quota *q, uint64_t bytes);
void quota_release(struct quota *q, uint64_t bytes);
void quota_get(struct quota *q);
void quota_put(struct quota *q);
struct endpoint *endpoint_create(struct process *owner);
struct notification *notification_create(struct process *owner);
struct frame_obj *frame_create(struct quota *charged, uint64_t npages);
struct frame_obj *frame_borrow(uint64_t paddr, uint64_t npages);

/* --- capabilities (kernel/core/cap.c) --- */
/* Looks up slot in p's table: the cap must have the type (unless type is
 * CAP_NULL) and all the rights. Returns 0 or SYS_ERANGE/ENOCAP/ERIGHTS. */
int cap_lookup(struct process *p, uint64_t slot, unsigned type, unsigned rights, struct cap **out);
/* Finds an empty slot at the index given (SYS_ERANGE, SYS_EEXIST). */
int cap_empty_slot(struct process *p, uint64_t slot, struct cap **out);
/* Fills the empty dst with a new root capability to obj (takes a reference). */
void cap_install(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge);
/* Fills the empty dst with a copy of src with rights masked and, if src
 * has no badge, the given badge; dst becomes src's child. */
void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge);
void cap_move(struct cap *dst, struct cap *src);
void cap_delete(struct cap *c);
unsigned cap_revoke(struct cap *c);
void cap_table_destroy(struct process *p);

/* --- processes and threads (process.c, thread.c) --- */
struct process *process_create(struct quota *parent, uint64_t quota);
void process_destroy(struct process *p);
void thread_destroy(struct thread *t);
struct thread *thread_create(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                             unsigned priority);
void thread_start(struct thread *t);
void thread_suspend(struct thread *t);
/* Ends t: wakes anyone waiting on it with SYS_EDEAD, drops it from queues. */
void thread_kill(struct thread *t, const char *why);
/* Makes t runnable again after a blocking operation, with rax = result. */
void thread_wake(struct thread *t, long result);
void process_thread_died(struct process *p);
void thread_reap(void);
void thread_free(struct thread *t);

/* --- scheduler (sched.c) --- */
void sched_init(void);
void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
/* Picks the highest-priority ready thread and switches to it; returns when
 * the calling thread runs again. */
void schedule(void);
/* Current thread blocks in state (already set up); runs someone else. */
void sched_block(void);
/* Switches straight to next (which must not be queued), as IPC does. */
void sched_switch_to(struct thread *next);
bool sched_anything_above(unsigned priority);
bool sched_higher_ready(unsigned priority);
void sched_tick(void);
_Noreturn void sched_start(void);

/* --- timers (ktimer.c) --- */
void ktimer_arm(struct ktimer *t, uint64_t deadline);
void ktimer_cancel(struct ktimer *t);
void ktimer_expire_due(void);
void ktimer_reprogram(void);
void ktimer_fired(void);
extern uint64_t ktimer_armed;   /* 0: the APIC timer is not armed */

/* --- IPC (ipc.c, ntfn.c) --- */
void ipc_cancel(struct thread *t);     /* remove t from whatever it waits on */
void tq_push(struct tqueue *q, struct thread *t);
void tq_remove(struct tqueue *q, struct thread *t);
/* Current thread has blocked (state set); run next (runnable, not queued,
 * may be NULL) now unless a higher priority is ready. */
void block_and_run(struct thread *next);
void endpoint_kill(struct endpoint *ep);
int ipc_send(struct endpoint *ep, uint64_t badge, bool can_grant, bool call, bool block);
int ipc_recv(struct endpoint *ep, uint64_t deadline);
int ipc_reply(void);
int ipc_reply_recv(struct endpoint *ep);
/* Fast paths (fastpath.c): false means "take the general path". */
bool fastpath_call(struct trap_frame *f);
bool fastpath_reply_recv(struct trap_frame *f);
void ntfn_signal(struct notification *n, uint64_t bits);
int ntfn_wait(struct notification *n, uint64_t deadline);
uint64_t ntfn_poll(struct notification *n);
int ntfn_bind(struct notification *n);
int ntfn_timer_set(struct notification *n, uint64_t deadline, uint64_t bits);
void ntfn_destroy(struct notification *n);

/* --- user memory (vm.c) --- */
int copy_from_user(void *dst, uint64_t user_src, size_t len);
int vm_map(struct process *p, struct frame_obj *f, uint64_t vaddr, unsigned rights);
int vm_unmap(struct process *p, uint64_t vaddr);
int vm_protect(struct process *p, uint64_t vaddr, unsigned rights);
void *vm_user_page(struct process *p, uint64_t vaddr, bool writable);
void vm_destroy(struct process *p);

/* --- interrupt lines (irq.c) --- */
int irq_bind(struct irq_obj *irq, struct notification *n);
int irq_ack(struct irq_obj *irq);
struct irq_obj *irq_create(uint32_t gsi);
void irq_destroy(struct irq_obj *irq);

/* --- faults (fault.c) --- */
void user_fault(struct trap_frame *f);

/* --- boot (initproc.c) --- */
void init_process_start(void);

#endif
