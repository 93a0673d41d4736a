/* GDT, TSS and IDT for the boot CPU. The TSS gives NMI, double fault and
 * machine check their own stacks (IST), so they are reported even when
 * the kernel stack is the problem. */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"

#include "segments.h"

enum { IST_NMI = 1, IST_DOUBLE_FAULT = 2, IST_MACHINE_CHECK = 3 };

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry is 16 bytes");

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* null, kernel code, kernel data, user code32 (sysret base), user data,
 * user code64, TSS (two slots). */
static uint64_t gdt[8] __attribute__((aligned(16))) = {
    0,
    0x00af9a000000ffffull,  /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffffull,  /* 0x10 kernel data */
    0x00cffa000000ffffull,  /* 0x18 user code, 32-bit (unused, sysret layout) */
    0x00cff2000000ffffull,  /* 0x20 user data */
    0x00affa000000ffffull,  /* 0x28 user code, 64-bit */
    0, 0,                   /* 0x30 TSS */
};

static struct tss tss __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

extern const char vector_stubs_start[], vector_stubs_end[];

static void idt_set(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_entry){
        .offset_low = (uint16_t)handler,
        .selector = GDT_KCODE,
        .ist = ist,
        .type_attr = 0x8e,          /* present, DPL 0, interrupt gate */
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

/* Loads the final GDT (reloading every segment register), the TSS and an
 * IDT whose 256 gates all lead to trap_dispatch. */
void cpu_tables_init(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[7] = base >> 32;
    tss.ist[IST_NMI - 1] = (uint64_t)ist_stacks[0] + IST_STACK_SIZE;
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)ist_stacks[1] + IST_STACK_SIZE;
    tss.ist[IST_MACHINE_CHECK - 1] = (uint64_t)ist_stacks[2] + IST_STACK_SIZE;
    tss.iomap_base = sizeof(tss);   /* no I/O bitmap: ring 3 gets no ports */

    struct table_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movl %2, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movl %%eax, %%fs\n\t"
        "movl %%eax, %%gs\n\t"
        "ltr %w3"
        :
        : "m"(gp), "i"(GDT_KCODE), "i"(GDT_KDATA), "r"((uint16_t)GDT_TSS)
        : "rax", "memory");

    BUG_ON(vector_stubs_end - vector_stubs_start != 256 * 16, "entry.S stubs are 16 bytes each");
    for (unsigned v = 0; v < 256; v++)
        idt_set(v, (uint64_t)vector_stubs_start + 16 * v, 0);
    /* int3 and into are instructions user code may execute on purpose:
     * their gates must allow CPL 3, or they would arrive as #GP. */
    idt[3].type_attr = 0xee;
    idt[4].type_attr = 0xee;
    idt[2].ist = IST_NMI;
    idt[8].ist = IST_DOUBLE_FAULT;
    idt[18].ist = IST_MACHINE_CHECK;
    struct table_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" ::"m"(ip) : "memory");
}

void tss_set_rsp0(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

struct unaligned_u64 *tss_rsp0_slot(void)
{
    return (struct unaligned_u64 *)((char *)&tss + __builtin_offsetof(struct tss, rsp));
}

bool cpu_has_nx, cpu_has_x2apic, cpu_has_smep, cpu_has_smap, cpu_has_1g_pages;

/* Reads the CPUID feature bits the kernel relies on and turns on SMEP and
 * SMAP where present (kernel never runs or touches user pages by accident). */
void cpu_features_init(void)
{
    struct cpuid_regs r1 = cpuid(1, 0);
    cpu_has_x2apic = r1.ecx & (1u << 21);
    struct cpuid_regs e = cpuid(0x80000000, 0);
    if (e.eax >= 0x80000001) {
        struct cpuid_regs e1 = cpuid(0x80000001, 0);
        cpu_has_nx = e1.edx & (1u << 20);
        cpu_has_1g_pages = e1.edx & (1u << 26);
    }
    if (cpuid(0, 0).eax >= 7) {
        struct cpuid_regs r7 = cpuid(7, 0);
        cpu_has_smep = r7.ebx & (1u << 7);
        cpu_has_smap = r7.ebx & (1u << 20);
    }
    uint64_t cr4 = read_cr4();
    if (cpu_has_smep)
        cr4 |= CR4_SMEP;
    if (cpu_has_smap)
        cr4 |= CR4_SMAP;
    write_cr4(cr4);
}
