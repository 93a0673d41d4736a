/* The architecture's part of a thread (first in struct thread's arch
 * field) and the two things core code asks of it: set up a thread that has
 * never run, and switch to another thread. */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;

struct arch_thread {
    uint64_t saved_sp;          /* kernel stack pointer while switched out */
    bool resume_user;           /* blocked by the assembly IPC fast path: no kernel
                                   context; its user state is all in its frame
                                   (callee-saved registers only: see syscall.S) */
    bool fpu_saved;             /* fpu_area holds its FPU state (it has used the FPU) */
    void *fpu_area;             /* arch_fpu_area_size() bytes, 64-byte aligned */
};

/* Bytes of FPU/vector state a thread needs saved (XSAVE area or FXSAVE). */
size_t arch_fpu_area_size(void);

/* Prepares t's kernel stack (top at stack_top) so that switching to it
 * enters user mode at entry with the given stack pointer and argument.
 * Returns the frame, at the top of the kernel stack. */
struct trap_frame *arch_thread_init(struct thread *t, uint64_t stack_top, uint64_t entry,
                                    uint64_t user_stack, uint64_t arg);

/* Makes next the running thread (next's state is already set): per-CPU
 * current thread, kernel stack, address space, FPU state; returns when prev
 * runs again (never, if prev is dead). One routine in syscall.S, shared
 * with the IPC fast path. */
void arch_switch(struct thread *prev, struct thread *next);

#endif
