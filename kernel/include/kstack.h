/* Kernel stacks (kernel/core/kstack.c): every thread's KERNEL_STACK_SIZE
 * stack lives in its own slot of a kernel address range reserved for
 * stacks, with an unmapped guard of the same size below it. A stack that
 * overflows runs into its guard: the page fault cannot be delivered on the
 * dead stack, the CPU raises a double fault on its own IST stack, and the
 * kernel reports "kernel stack overflow in thread N" instead of writing
 * into a neighbour. */
#ifndef KSTACK_H
#define KSTACK_H

#include <stdbool.h>
#include <stdint.h>

struct quota;

/* A zeroed stack charged to q: its lowest address. False if q cannot pay,
 * memory or slots are exhausted. */
bool kstack_alloc(struct quota *q, uint8_t **base);
/* Frees the stack at base (its pages go back, the charge off q) and
 * records how deep it was used. */
void kstack_free(struct quota *q, uint8_t *base);
/* Bytes of the stack at base that have been used (highest touched word). */
uint64_t kstack_used(const uint8_t *base);
/* True if addr lies in a guard of the stack area; *slot is whose. */
bool kstack_guard_hit(uint64_t addr, uint32_t *slot);
/* Deepest use of any stack seen so far (bytes), and a restart of it. */
uint64_t kstack_deepest(void);
void kstack_deepest_reset(void);
/* Bytes of page tables the stack area holds (charged to the kernel). */
uint64_t kstack_table_bytes(void);

#endif
