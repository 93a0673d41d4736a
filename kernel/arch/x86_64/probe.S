/* Memory probes used by self-tests (and the pattern user copies will use):
 * each possibly-faulting instruction is listed in __ex_table with the
 * address trap.c resumes at, which returns -1. */

.macro extable fault, fixup
        .pushsection __ex_table, "a"
        .balign 8
        .quad \fault, \fixup
        .popsection
.endm

        .text
/* int probe_read8(const volatile void *addr, uint8_t *out) */
        .globl probe_read8
probe_read8:
1:      movb    (%rdi), %al
        movb    %al, (%rsi)
        xorl    %eax, %eax
        ret
2:      movl    $-1, %eax
        ret
        extable 1b, 2b

/* int probe_write8(volatile void *addr, uint8_t v) */
        .globl probe_write8
probe_write8:
1:      movb    %sil, (%rdi)
        xorl    %eax, %eax
        ret
2:      movl    $-1, %eax
        ret
        extable 1b, 2b

/* int probe_exec(const void *addr): calls addr (which should hold a ret).
 * If fetching from addr faults, trap.c resumes at the recovery point with
 * the stack as it was before the call. */
        .globl probe_exec
probe_exec:
        leaq    1f(%rip), %rax
        movq    %rax, probe_exec_resume_rip(%rip)
        movq    %rsp, probe_exec_resume_rsp(%rip)
        call    *%rdi
        movq    $0, probe_exec_resume_rip(%rip)
        xorl    %eax, %eax
        ret
1:      movq    $0, probe_exec_resume_rip(%rip)
        movl    $-1, %eax
        ret

        .data
        .balign 8
        .globl probe_exec_resume_rip, probe_exec_resume_rsp
probe_exec_resume_rip: .quad 0
probe_exec_resume_rsp: .quad 0

        .text
/* int probe_ud(void): executes ud2; returns -1 once the #UD is recovered. */
        .globl probe_ud
probe_ud:
1:      ud2
        xorl    %eax, %eax
        ret
2:      movl    $-1, %eax
        ret
        extable 1b, 2b

/* int user_copy_asm(void *dst, const void *src, uint64_t len): 0, or -1
 * if an access faulted (the caller checked the range is user memory). */
        .text
        .globl user_copy_asm
user_copy_asm:
        movq    %rdx, %rcx
1:      rep movsb
        xorl    %eax, %eax
        ret
2:      movl    $-1, %eax
        ret
        extable 1b, 2b
