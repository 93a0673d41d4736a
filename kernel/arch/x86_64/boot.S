/*
 * PVH entry: the hypervisor (QEMU -kernel, Xen, Firecracker, ...) jumps to
 * pvh_start32 in 32-bit protected mode, paging off, with %ebx holding the
 * physical address of struct hvm_start_info.
 *
 * This file builds throw-away page tables that map the first 4 GiB three
 * times (identity, direct map at PHYS_MAP_BASE, and the kernel window at
 * KERNEL_VIRT_BASE), enables long mode with NX, and jumps to kmain() in the
 * higher half. kernel/core/memory.c replaces these tables with the final ones.
 */
#include "arch/layout.h"
#include "pvh.h"

#define CR0_PE  (1 << 0)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80

/* The PVH entry note. QEMU reads the descriptor as a 64-bit value for an
 * ELF64 image and aligns the name to the segment alignment, so keep 4. */
        .section .note.Xen, "a", @note
        .balign 4
        .long 4                 /* namesz: "Xen\0" */
        .long 8                 /* descsz */
        .long PVH_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .balign 4
        .quad pvh_start32
        .balign 4

        .section .boot.text, "ax"
        .code32
        .globl pvh_start32
pvh_start32:
        cli
        cld
        movl    %ebx, %esi                      /* keep start info address */
        lgdt    boot_gdt_desc
        ljmp    $0x18, $1f                      /* 32-bit code selector */
1:      movl    $0x10, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs

        /* Clear the boot page tables (they live in .boot.bss, not loaded). */
        movl    $boot_pt_start, %edi
        movl    $boot_pt_end, %ecx
        subl    %edi, %ecx
        shrl    $2, %ecx
        xorl    %eax, %eax
        rep stosl

        /* Four page directories of 2 MiB pages: physical 0 .. 4 GiB. */
        movl    $boot_pd, %edi
        movl    $(PTE_P | PTE_W | PTE_PS), %eax
        xorl    %edx, %edx                      /* high dword of address */
        movl    $2048, %ecx
2:      movl    %eax, (%edi)
        movl    %edx, 4(%edi)
        addl    $0x200000, %eax
        adcl    $0, %edx
        addl    $8, %edi
        loop    2b

        /* Low PDPT: entries 0..3 point at the four directories. */
        movl    $boot_pdpt_low, %edi
        movl    $(boot_pd + PTE_P + PTE_W), %eax
        movl    $4, %ecx
3:      movl    %eax, (%edi)
        addl    $0x1000, %eax
        addl    $8, %edi
        loop    3b

        /* High PDPT: entry 510 (-2 GiB) maps the first GiB for the kernel. */
        movl    $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8

        /* PML4: identity, direct map and kernel window. */
        movl    $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
        movl    $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + PML4_INDEX_PHYS_MAP * 8
        movl    $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8

        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $boot_pml4, %eax
        movl    %eax, %cr3

        /* Long mode and no-execute (NX is required: checked in C later,
         * but every x86-64 CPU a hypervisor offers has it). */
        movl    $0x80000001, %eax
        cpuid
        movl    $EFER_LME, %eax
        testl   $(1 << 20), %edx
        jz      4f
        orl     $EFER_NXE, %eax
4:      movl    %eax, %edi
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     %edi, %eax
        wrmsr

        movl    %cr0, %eax
        orl     $(CR0_PE | CR0_PG | CR0_WP), %eax
        movl    %eax, %cr0
        ljmp    $0x08, $long_mode_entry

        .code64
long_mode_entry:
        movl    $0x10, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        xorl    %eax, %eax
        movl    %eax, %fs
        movl    %eax, %gs
        movabsq $boot_stack_top, %rsp
        xorl    %ebp, %ebp
        movl    %esi, %edi                      /* kmain(start_info_paddr) */
        movabsq $kmain, %rax
        call    *%rax
5:      hlt
        jmp     5b

        .section .boot.data, "a"
        .balign 8
boot_gdt:
        .quad 0
        .quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff                /* 0x10: data */
        .quad 0x00cf9a000000ffff                /* 0x18: 32-bit code */
boot_gdt_end:
boot_gdt_desc:
        .word boot_gdt_end - boot_gdt - 1
        .long boot_gdt

        .section .boot.bss, "aw", @nobits
        .balign 4096
        .globl boot_pt_start, boot_pt_end
boot_pt_start:
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_pt_end:

        .section .bss
        .balign 16
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip KERNEL_STACK_SIZE
boot_stack_top:
