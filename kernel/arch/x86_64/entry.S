/* Interrupt and exception entry: 256 stubs that push a uniform trap frame
 * (struct trap_frame in trap.h) and call trap_dispatch(frame). */

#include "frame.h"

        .section .text
        .altmacro
/* Vectors 8, 10-14, 17, 21, 29 and 30 come with a CPU-pushed error code;
 * the others push a zero so every frame has the same layout. */
.macro vector_stub n
        .balign 16
vector_stub_\n:
        .if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
        pushq   $0
        .endif
        pushq   $\n
        jmp     trap_common
.endm

        .globl vector_stubs_start
vector_stubs_start:
        .set i, 0
        .rept 256
        vector_stub %i
        .set i, i + 1
        .endr
        .balign 16
        .globl vector_stubs_end
vector_stubs_end:
/* Stub n starts at vector_stubs_start + 16 * n; idt.c checks the total. */

trap_common:
        testb   $3, 24(%rsp)            /* from user mode? (cs) */
        jz      1f
        swapgs
1:      PUSH_GPRS
        cld
        movq    %rsp, %rdi
        /* Let backtraces walk from the interrupted frame. */
        movq    6*8(%rsp), %rbp
        call    trap_dispatch
        POP_GPRS
        testb   $3, 24(%rsp)            /* back to user mode? */
        jz      2f
        swapgs
2:      addq    $16, %rsp               /* vector, error code */
        iretq

