/* The user runtime every user program links (build/user/libruntime.a):
 * start-up, exit and panic, formatted output to the boot log, a heap, a
 * capability-slot allocator, string functions, and (through the headers
 * included below) the system-call stubs, IPC wrappers and the server loop.
 * Conventions (slots, start-up argument) are in servers/runtime/README.md.
 * Single-threaded: nothing here takes locks. */
#ifndef RT_RUNTIME_H
#define RT_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "ipc.h"
#include "server.h"
#include "syscall.h"

/* Slots every process starts with (see README.md). */
#define RT_SLOT_SELF_PROCESS 1
#define RT_SLOT_SELF_THREAD  2

#define RT_PAGE_SIZE    4096u
#define RT_EXIT_PANIC   255                  /* exit code after rt_panic */
#define RT_HEAP_BASE    0x10000000ull        /* heap: [RT_HEAP_BASE, RT_HEAP_BASE + RT_HEAP_MAX) */
#define RT_HEAP_MAX     0x40000000ull        /* 1 GiB */
#define RT_SLOT_DEFAULT_FIRST 64

/* Written by each program. arg is the 64-bit value its creator passed in
 * rdi; the return value becomes the exit code. */
int main(uint64_t arg);

/* --- process ------------------------------------------------------------- */

/* Exits the process with code (sign-extended to 64 bits). */
_Noreturn void rt_exit(int code);

/* Prints "panic: <message>" to the boot log and exits with RT_EXIT_PANIC. */
_Noreturn void rt_panic(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

#define rt_assert(cond)                                                         \
    ((cond) ? (void)0 : rt_panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #cond))

/* The first thread's IPC buffer (page-aligned, registered at start-up). */
struct ipc_buffer *rt_ipc_buffer(void);
/* Sets m to a message of n words (MR0..MR3 in m, the rest in the IPC buffer). */
static inline void msg_set_words(struct msg *m, uint64_t label, const uint64_t *w, unsigned n)
{
    m->tag = TAG(label, n, 0);
    for (unsigned i = 0; i < n; i++) {
        if (i < SYS_MSG_REGS)
            m->mr[i] = w[i];
        else
            rt_ipc_buffer()->mr[i] = w[i];
    }
}

/* --- output (to the boot log, via the debug_write system call) ----------- */

/* Each call is one debug_write (output longer than RT_PRINTF_BUFFER bytes
 * is split), so one printf of one line is one line in the log. */
#define RT_PRINTF_BUFFER 512
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(__printf__, 3, 0)));
int puts(const char *s);          /* s and a newline, in one write */
int putchar(int c);
void rt_write(const char *s, size_t n);
/* The same, always to the boot log ("pN: " lines), even with a console attached. */
void rt_log_write(const char *s, size_t n);

/* Console output, opt-in: with an endpoint to a console driver attached
 * (pvk/conproto.h, CON_WRITE), every write above goes there as one line
 * (a newline added unless it ends in one) instead of the boot log. When
 * a write fails (driver dead or restarting) the reconnect function (if
 * set) is asked for a fresh endpoint: it gets the dead slot (to delete; 0
 * if none) and returns a new one or 0 (then it is asked again before
 * later writes). With a reconnect function, lines that cannot be written
 * meanwhile are held (RT_CONSOLE_HOLD bytes; on overflow the oldest whole
 * lines go and "[console: N bytes dropped]" is written first) and written
 * in order before the next line once the console is back; without one
 * they go to the boot log. slot 0 detaches. conc_attach_output
 * (pvdrivers/client/conclient.h) sets both up. */
#define RT_CONSOLE_HOLD 4096
void rt_console_attach(uint64_t slot);
void rt_console_reconnect(uint64_t (*fn)(uint64_t dead));
bool rt_console_active(void);

/* --- heap ---------------------------------------------------------------- */

/* C semantics; blocks are 16-byte aligned. malloc(0) returns a unique
 * pointer; realloc(p, 0) frees p and returns NULL. Freeing a pointer that
 * is not a live block panics. The heap grows by creating frame objects
 * (charged to the process's quota) and mapping them at RT_HEAP_BASE and up,
 * in steps that double up to 2 MiB; while growing it borrows one slot from
 * rt_slot_alloc (the mappings, not caps, keep the frames). */
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

struct rt_heap_stats {
    size_t mapped;       /* bytes mapped for the heap */
    size_t used;         /* bytes in live blocks, headers included */
    size_t free_bytes;   /* bytes in free blocks, headers included */
    size_t free_blocks;
};
/* Walks the heap, checking its invariants (panics if they are broken), and
 * fills *st (may be NULL). */
void rt_heap_check(struct rt_heap_stats *st);

/* --- capability slots ---------------------------------------------------- */

/* Free slots for the runtime and the program: numbers from the first free
 * slot (RT_SLOT_DEFAULT_FIRST unless set) to SYS_CAP_SLOTS - 1. */
int rt_slot_alloc(void);            /* a free slot, or -1 if none */
void rt_slot_free(int slot);        /* back to the pool (the slot must be empty) */
/* Slots below first are never handed out (call early, e.g. first thing in
 * main; init passes its first_free_slot). Already allocated slots stay. */
void rt_slot_set_first(int first);

/* --- strings (gcc may also emit calls to memcpy, memset, memmove, memcmp) - */

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
#include "str.h"      /* memcmp, strlen, strnlen, strcmp, strncmp, strlcpy */

#endif
