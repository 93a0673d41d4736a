/* The hand-over from the architecture's boot sequence to the kernel's. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

/* Called by kernel_main once, before the first process: the kernel half
 * every address space shares is complete, and the timer switches to
 * one-shot mode driving ktimer_interrupt(). */
void arch_prepare_user_mode(void);

#endif
