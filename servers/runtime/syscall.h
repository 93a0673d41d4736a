/* System-call stubs for user space, generated from the kernel's table
 * (kernel/include/uapi/syscalls.def): no hand-maintained list of numbers.
 *
 * Every stub returns the raw result: ret = rax (>= 0 success, negative
 * SYS_E* error) and r[0..5] = rdi, rsi, rdx, r10, r8, r9 after the call
 * (the extra results some calls return; see syscalls.def). For example
 *   struct sys_result r = sys_poll(slot);   r.ret == 0, bits in r.r[0]
 * IPC has cheaper, friendlier wrappers in ipc.h. */
#ifndef RT_SYSCALL_H
#define RT_SYSCALL_H

#include <stdint.h>

#include "abi.h"

struct sys_result {
    long ret;           /* rax */
    uint64_t r[6];      /* rdi, rsi, rdx, r10, r8, r9 */
};

/* Index of each register in sys_result.r. */
#define SYS_R_RDI 0
#define SYS_R_RSI 1
#define SYS_R_RDX 2
#define SYS_R_R10 3
#define SYS_R_R8  4
#define SYS_R_R9  5

/* One `syscall` instruction: number nr, arguments a0..a5 in rdi, rsi, rdx,
 * r10, r8, r9. The kernel may change all six argument registers (they carry
 * results) and the instruction clobbers rcx and r11; other registers are
 * preserved. "memory": the kernel reads and writes user memory. */
static inline __attribute__((always_inline)) struct sys_result
sys_raw(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    long rax = nr;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (struct sys_result){ rax, { a0, a1, a2, r10, r8, r9 } };
}

/* Parameter lists and argument lists by number of arguments. */
#define SYS_PARAMS_0 void
#define SYS_PARAMS_1 uint64_t a0
#define SYS_PARAMS_2 uint64_t a0, uint64_t a1
#define SYS_PARAMS_3 uint64_t a0, uint64_t a1, uint64_t a2
#define SYS_PARAMS_4 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3
#define SYS_PARAMS_5 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4
#define SYS_PARAMS_6 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5
#define SYS_ARGS_0 0, 0, 0, 0, 0, 0
#define SYS_ARGS_1 a0, 0, 0, 0, 0, 0
#define SYS_ARGS_2 a0, a1, 0, 0, 0, 0
#define SYS_ARGS_3 a0, a1, a2, 0, 0, 0
#define SYS_ARGS_4 a0, a1, a2, a3, 0, 0
#define SYS_ARGS_5 a0, a1, a2, a3, a4, 0
#define SYS_ARGS_6 a0, a1, a2, a3, a4, a5

/* struct sys_result sys_<name>(uint64_t a0, ...): one per table entry. */
#define SYSCALL(nr, name, nargs)                                                   \
    static inline __attribute__((always_inline)) struct sys_result                 \
    sys_##name(SYS_PARAMS_##nargs)                                                 \
    {                                                                              \
        return sys_raw(SYS_##name, SYS_ARGS_##nargs);                              \
    }
#include "syscalls.def"
#undef SYSCALL

#endif
