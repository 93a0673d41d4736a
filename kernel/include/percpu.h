/* Per-CPU state, reached through GS in the kernel. Only the boot CPU exists
 * today; everything CPU-local lives here so SMP can add one per CPU. The
 * first fields are read by assembly (offsets pinned below). */
#ifndef PERCPU_H
#define PERCPU_H

#define CPU_OFF_KERNEL_RSP 8
#define CPU_OFF_USER_RSP 16
#define CPU_OFF_NEED_RESCHED 52

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct thread;

struct unaligned_u64 {
    uint64_t v;
} __attribute__((packed));

struct cpu {
    struct cpu *self;           /* gs:0 */
    uint64_t kernel_rsp;        /* gs:8   top of the current thread's kernel stack */
    uint64_t user_rsp;          /* gs:16  user rsp while entering a syscall */
    struct thread *current;     /* gs:24 */
    struct thread *idle;
    struct thread *fpu_owner;   /* whose FPU state is in the registers (lazy switching) */
    uint32_t id;
    uint32_t need_resched;      /* set by interrupts: schedule before returning to user */
    uint64_t cr3;               /* what CR3 holds (saves reading it on every switch) */
    struct unaligned_u64 *tss_rsp0;     /* this CPU's TSS.rsp0 (at offset 4: unaligned) */
    bool fpu_trap;              /* CR0.TS is set */
};

_Static_assert(__builtin_offsetof(struct cpu, kernel_rsp) == CPU_OFF_KERNEL_RSP, "asm offset");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == CPU_OFF_USER_RSP, "asm offset");
_Static_assert(__builtin_offsetof(struct cpu, current) == 24, "current_thread() reads gs:24");
_Static_assert(__builtin_offsetof(struct cpu, need_resched) == CPU_OFF_NEED_RESCHED, "asm offset");

extern struct cpu boot_cpu;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

static inline struct thread *current_thread(void)
{
    struct thread *t;
    __asm__ volatile("mov %%gs:24, %0" : "=r"(t));
    return t;
}
#endif

#endif
