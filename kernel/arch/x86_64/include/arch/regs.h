/* A user thread's saved registers, and the accessors core code uses to
 * read system-call arguments and write results without naming a register.
 *
 * On x86-64 the frame is what entry.S and syscall.S push at the top of the
 * thread's kernel stack, whichever way it entered (syscall, interrupt,
 * exception). Argument i of a system call is rdi, rsi, rdx, r10, r8, r9
 * for i = 0..5; the result is rax, and extra results go back in the
 * argument registers (uapi/syscalls.def). */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include <stdbool.h>
#include <stdint.h>
#include "uapi/abi.h"

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "entry.S pushes 22 words");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "entry.S layout");

#define REGS_NARGS 6

/* Argument i (0..5) of the system call that entered with frame f. */
static inline __attribute__((always_inline)) uint64_t regs_arg(const struct trap_frame *f, unsigned i)
{
    switch (i) {
    case 0: return f->rdi;
    case 1: return f->rsi;
    case 2: return f->rdx;
    case 3: return f->r10;
    case 4: return f->r8;
    default: return f->r9;
    }
}

/* Extra result i (0..5): the register that carried argument i. */
static inline __attribute__((always_inline)) void regs_set_arg(struct trap_frame *f, unsigned i, uint64_t v)
{
    switch (i) {
    case 0: f->rdi = v; break;
    case 1: f->rsi = v; break;
    case 2: f->rdx = v; break;
    case 3: f->r10 = v; break;
    case 4: f->r8 = v; break;
    default: f->r9 = v; break;
    }
}

/* A thread's user registers, as the ABI's struct sys_thread_regs lays them out. */
static inline void regs_export(const struct trap_frame *f, struct sys_thread_regs *r)
{
    *r = (struct sys_thread_regs){
        .rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi,
        .rbp = f->rbp, .rsp = f->rsp, .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
        .r12 = f->r12, .r13 = f->r13, .r14 = f->r14, .r15 = f->r15, .rip = f->rip, .rflags = f->rflags,
    };
}

/* The system call's return value. */
static inline void regs_set_result(struct trap_frame *f, long v)
{
    f->rax = (uint64_t)v;
}

static inline long regs_result(const struct trap_frame *f)
{
    return (long)f->rax;
}

/* Clears every argument/result register: what a thread sees when it is
 * resumed with an error from a block that saved only part of its frame
 * (the IPC fast path saves the callee-saved registers only). */
static inline void regs_clear_args(struct trap_frame *f)
{
    f->rdi = f->rsi = f->rdx = f->r10 = f->r8 = f->r9 = 0;
}

/* Where the thread runs next in user mode. */
static inline uint64_t regs_ip(const struct trap_frame *f)
{
    return f->rip;
}

/* Sets up the frame of a thread that has never run: it starts at entry
 * with its stack pointer at stack and arg as its first argument (every
 * other register zero, interrupts on). */
void regs_init_user(struct trap_frame *f, uint64_t entry, uint64_t stack, uint64_t arg);

#endif
