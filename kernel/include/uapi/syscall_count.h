/* The number of system calls, for assembly (syscall.S bounds-checks the
 * table with it). syscall.c asserts it equals the count in syscalls.def. */
#ifndef UAPI_SYSCALL_COUNT_H
#define UAPI_SYSCALL_COUNT_H
#define SYS_COUNT_ASM 38
#endif
