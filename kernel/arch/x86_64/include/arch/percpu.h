/* The architecture's part of the per-CPU state (first in struct cpu,
 * kernel/include/percpu.h) and how the running CPU finds its own: the GS
 * base points at its struct cpu while in the kernel. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define CPU_OFF_SELF 0
#define CPU_OFF_KERNEL_RSP 8
#define CPU_OFF_USER_RSP 16

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct unaligned_u64 {
    uint64_t v;
} __attribute__((packed));

struct arch_cpu {
    void *self;                 /* gs:0 */
    uint64_t kernel_rsp;        /* gs:8   top of the current thread's kernel stack */
    uint64_t user_rsp;          /* gs:16  user rsp while entering a syscall */
    struct unaligned_u64 *tss_rsp0;     /* this CPU's TSS.rsp0 (at offset 4: unaligned) */
    uint64_t cr3;               /* what CR3 holds (saves reading it on every switch) */
    bool fpu_live;              /* the FPU registers hold the current thread's state
                                   (CR0.TS clear); otherwise they are clean (TS set) */
};
_Static_assert(__builtin_offsetof(struct arch_cpu, kernel_rsp) == CPU_OFF_KERNEL_RSP, "asm offset");
_Static_assert(__builtin_offsetof(struct arch_cpu, user_rsp) == CPU_OFF_USER_RSP, "asm offset");

/* This CPU's struct cpu (the GS base). */
static inline void *arch_this_cpu(void)
{
    void *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* One 64-bit field of this CPU's struct cpu, at a constant offset. */
#define arch_percpu_read64(offset)                                              \
    ({                                                                          \
        uint64_t v_;                                                            \
        __asm__ volatile("mov %%gs:%c1, %0" : "=r"(v_) : "i"(offset));          \
        v_;                                                                     \
    })
#endif

#endif
