/* The x86-64 side of threads: a new thread's frame and first switch. */
#include "kernel.h"
#include "segments.h"
#include "arch/regs.h"
#include "arch/thread.h"
#include "obj/thread.h"

extern char thread_trampoline[];

void regs_init_user(struct trap_frame *f, uint64_t entry, uint64_t stack, uint64_t arg)
{
    *f = (struct trap_frame){ .rip = entry, .cs = USER_CS, .rflags = RFLAGS_IF | RFLAGS_RESERVED1,
                              .rsp = stack, .ss = USER_SS, .rdi = arg, .vector = FRAME_SYSCALL };
}

/* The frame goes at the top of the kernel stack; below it, what
 * arch_switch pops (six callee-saved registers) and returns to: the
 * trampoline, which enters user mode from the frame. */
struct trap_frame *arch_thread_init(struct thread *t, uint64_t stack_top, uint64_t entry,
                                    uint64_t user_stack, uint64_t arg)
{
    struct trap_frame *f = (struct trap_frame *)stack_top - 1;
    regs_init_user(f, entry, user_stack, arg);
    uint64_t *sp = (uint64_t *)f;
    *--sp = (uint64_t)thread_trampoline;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->arch.saved_sp = (uint64_t)sp;
    return f;
}
