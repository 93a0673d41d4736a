/* Process start-up, exit and panic.
 *
 * Contract with the creator (the kernel for init, init for the others): the
 * first thread starts at _start with rdi = a 64-bit argument and rsp = a
 * 16-byte aligned stack top; all other registers are undefined. */
#include "internal.h"
#include "runtime.h"

/* _start: clears the frame pointer (backtraces end here), re-aligns the
 * stack (defensive), and calls rt_start(rdi), which never returns. The
 * call pushes the return address, so rt_start sees the ABI's rsp % 16 == 8. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xorl %ebp, %ebp\n"
        "    andq $-16, %rsp\n"
        "    call rt_start\n"
        "    ud2\n"
        ".size _start, . - _start\n");

/* The first thread's IPC buffer: its own page-aligned slot in .bss. */
static struct ipc_buffer ipc_buffer __attribute__((aligned(RT_PAGE_SIZE)));

struct ipc_buffer *rt_ipc_buffer(void)
{
    return &ipc_buffer;
}

_Noreturn void rt_start(uint64_t arg) __attribute__((used));

/* Registers the IPC buffer, prepares the heap, runs main, exits with its
 * result. */
_Noreturn void rt_start(uint64_t arg)
{
    long r = sys_set_ipc_buffer((uint64_t)(uintptr_t)&ipc_buffer).ret;
    if (r < 0)
        rt_panic("runtime: set_ipc_buffer(%p) failed: %ld", (void *)&ipc_buffer, r);
    rt_heap_init();
    rt_exit(main(arg));
}

_Noreturn void rt_exit(int code)
{
    for (;;)
        sys_exit((uint64_t)(int64_t)code);
}

_Noreturn void rt_panic(const char *fmt, ...)
{
    char line[RT_PRINTF_BUFFER];
    int n = snprintf(line, sizeof line, "panic: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    rt_write(line, len);
    rt_exit(RT_EXIT_PANIC);
}
