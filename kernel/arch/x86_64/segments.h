/* GDT selectors (gdt.c builds the table), shared by C and assembly. The
 * order is what syscall/sysret need: kernel code, kernel data, then user
 * code32, user data, user code64 (STAR's layout). */
#ifndef ARCH_SEGMENTS_H
#define ARCH_SEGMENTS_H

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x18
#define GDT_TSS   0x30
#define USER_SS   0x23          /* user data | RPL 3 */
#define USER_CS   0x2b          /* user code64 | RPL 3 */
#define FRAME_SYSCALL 0x100     /* trap_frame.vector of a frame made by syscall_entry */
#define RFLAGS_IF 0x200
#define RFLAGS_RESERVED1 0x2

#endif
