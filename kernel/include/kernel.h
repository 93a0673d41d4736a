/* Kernel-wide basics: logging, panic, power-off, string helpers. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "list.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* --- logging (kernel/core/log.c) --- */
enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
extern int log_level;

/* Prints one log line "[seconds.micros] message" if level <= log_level.
 * fmt should not end with a newline; one is added. Safe from interrupt
 * context (interrupts are held off while a line is written). */
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vklog(int level, const char *fmt, va_list ap);
#define pr_err(...) klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

/* Writes formatted text to every console with no prefix or level. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- consoles (kernel/core/console.c) --- */
struct console {
    const char *name;
    void (*write)(const char *s, size_t n);
    struct console *next;
};
void console_register(struct console *c);
void console_write(const char *s, size_t n);

/* --- fatal errors and power (kernel/core/panic.c, arch power.c) --- */
/* Kernel bug: prints the message and a backtrace, powers off with failure. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum poweroff_status { POWEROFF_SUCCESS = 0, POWEROFF_FAILURE = 1 };
/* Ends the VM. With isa-debug-exit present QEMU exits with status
 * 33 (success) or 35 (failure); otherwise Xen SCHEDOP_shutdown or ACPI S5. */
_Noreturn void machine_poweroff(enum poweroff_status status);

#define BUG_ON(cond, what)                                                         \
    do {                                                                           \
        if (unlikely(cond))                                                        \
            panic("BUG at %s:%d: %s (%s)", __FILE__, __LINE__, what, #cond);       \
    } while (0)

/* --- string and memory (kernel/core/string.c) --- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
#include "str.h"      /* memcmp, strlen, strnlen, strcmp, strncmp, strlcpy */

/* --- boot --- */
/* After the architecture's set-up (core/main.c): self-tests, init, scheduler. */
_Noreturn void kernel_main(void);
extern char kernel_cmdline[];

#endif
