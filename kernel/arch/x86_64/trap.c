/* Trap dispatch: device/timer interrupts go to their handlers; exceptions in
 * the kernel are either expected (exception table, probe recovery point) or
 * fatal: then the vector, error code, registers and a backtrace are printed
 * and the VM is powered off with a failure status. */
#include "kernel.h"
#include "cpu.h"
#include "fault.h"
#include "irqoff.h"
#include "kstack.h"
#include "arch/layout.h"
#include "percpu.h"
#include "platform.h"
#include "sched.h"
#include "trap.h"
#include "obj/thread.h"

extern const struct extable_entry __ex_table_start[], __ex_table_end[];
extern const char _text_start[], _text_end[], _kernel_end[];

struct probe_fault last_probe_fault;
static irq_handler handlers[256];

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 FP error", "alignment check", "machine check",
    "SIMD FP error", "virtualization", "control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "hypervisor injection",
    "VMM communication", "security", "reserved",
};

/* A vector nobody routed: a device programmed with a vector it was not
 * given, or one still firing after its driver died. Reported (the first
 * ten, then every 1000th) and otherwise ignored. */
uint64_t unexpected_vectors;

static void report_unexpected_vector(uint64_t vector)
{
    uint64_t count = ++unexpected_vectors;
    if (count <= 10 || count % 1000 == 0)
        pr_warn("interrupt: unexpected vector %llu ignored (spurious: nothing routed there; %llu so far)",
                (unsigned long long)vector, (unsigned long long)count);
}

void irq_set_handler(uint8_t vector, irq_handler h)
{
    handlers[vector] = h;
}

static const struct extable_entry *extable_find(uint64_t rip)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->fault_rip == rip)
            return e;
    return NULL;
}

/* True for addresses a kernel stack frame may live at, 8-byte aligned:
 * inside the kernel image (the boot/idle and IST stacks) or a mapped part
 * of the kernel stack area. */
static bool frame_pointer_ok(uint64_t rbp)
{
    uint32_t slot;
    if (rbp & 7)
        return false;
    if (rbp >= (uint64_t)_text_start && rbp + 16 <= (uint64_t)_kernel_end)
        return true;
    return rbp >= KSTACK_AREA_BASE && rbp < KSTACK_AREA_BASE + KSTACK_AREA_SLOTS * 2ull * KERNEL_STACK_SIZE &&
           !kstack_guard_hit(rbp, &slot) && !kstack_guard_hit(rbp + 15, &slot);
}

/* Walks the frame-pointer chain from rbp and prints each return address.
 * Symbolise with: addr2line -f -e build/kernel.elf ADDR. */
void print_backtrace(uint64_t rbp)
{
    kprintf("backtrace (addr2line -f -e build/kernel.elf ADDR):\n");
    for (int depth = 0; depth < 16 && frame_pointer_ok(rbp); depth++) {
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (ret < (uint64_t)_text_start || ret >= (uint64_t)_text_end)
            break;
        kprintf("  #%d %#018llx\n", depth, (unsigned long long)ret);
        uint64_t next = ((uint64_t *)rbp)[0];
        if (next <= rbp)
            break;
        rbp = next;
    }
}

static void dump_registers(const struct trap_frame *f)
{
    kprintf("  rip %#018llx  cs  %#06llx  rflags %#010llx\n", (unsigned long long)f->rip,
            (unsigned long long)f->cs, (unsigned long long)f->rflags);
    kprintf("  rsp %#018llx  ss  %#06llx  cr2    %#018llx\n", (unsigned long long)f->rsp,
            (unsigned long long)f->ss, (unsigned long long)read_cr2());
    kprintf("  rax %#018llx  rbx %#018llx  rcx %#018llx\n", (unsigned long long)f->rax,
            (unsigned long long)f->rbx, (unsigned long long)f->rcx);
    kprintf("  rdx %#018llx  rsi %#018llx  rdi %#018llx\n", (unsigned long long)f->rdx,
            (unsigned long long)f->rsi, (unsigned long long)f->rdi);
    kprintf("  rbp %#018llx  r8  %#018llx  r9  %#018llx\n", (unsigned long long)f->rbp,
            (unsigned long long)f->r8, (unsigned long long)f->r9);
    kprintf("  r10 %#018llx  r11 %#018llx  r12 %#018llx\n", (unsigned long long)f->r10,
            (unsigned long long)f->r11, (unsigned long long)f->r12);
    kprintf("  r13 %#018llx  r14 %#018llx  r15 %#018llx\n", (unsigned long long)f->r13,
            (unsigned long long)f->r14, (unsigned long long)f->r15);
    kprintf("  cr0 %#018llx  cr3 %#018llx  cr4 %#018llx\n", (unsigned long long)read_cr0(),
            (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

static void describe_page_fault(uint64_t err)
{
    kprintf("  page fault: %s %s in %s mode%s%s\n", err & 1 ? "protection violation" : "page not present",
            err & 16 ? "on instruction fetch" : (err & 2 ? "on write" : "on read"),
            err & 4 ? "user" : "kernel", err & 8 ? ", reserved bit set" : "",
            err & 32 ? ", protection key" : "");
}

/* Reports an unexpected exception and ends the VM with a failure status. */
static _Noreturn void fatal_exception(const struct trap_frame *f)
{
    const char *name = f->vector < 32 ? exception_names[f->vector] : "interrupt";
    uint32_t slot;
    uint64_t cr2 = read_cr2();
    if ((f->vector == 8 || f->vector == 14) && kstack_guard_hit(cr2, &slot)) {
        struct thread *t = this_cpu()->current;
        if (t && t->tid)
            kprintf("\nFATAL: kernel stack overflow in thread %u (stack slot %u: %#llx is in its guard)\n",
                    t->tid, slot, (unsigned long long)cr2);
        else
            kprintf("\nFATAL: kernel stack overflow outside any thread (stack slot %u: %#llx is in its guard)\n",
                    slot, (unsigned long long)cr2);
    }
    kprintf("\nFATAL: unexpected %s (vector %llu, error code %#llx) at rip %#llx\n", name,
            (unsigned long long)f->vector, (unsigned long long)f->error_code,
            (unsigned long long)f->rip);
    if (f->vector == 14)
        describe_page_fault(f->error_code);
    dump_registers(f);
    kprintf("  #  %#018llx (faulting instruction)\n", (unsigned long long)f->rip);
    print_backtrace(f->rbp);
    kprintf("FATAL: kernel stopped by an exception; powering off with failure status\n");
    machine_poweroff(POWEROFF_FAILURE);
}

/* Handles an exception the kernel asked for (probe), if it is one. */
static bool recover_expected_fault(struct trap_frame *f)
{
    const struct extable_entry *e = extable_find(f->rip);
    if (!e && !(probe_exec_resume_rip && f->vector == 14 && f->rip == read_cr2()))
        return false;
    last_probe_fault = (struct probe_fault){ f->vector, f->error_code, f->vector == 14 ? read_cr2() : 0 };
    if (e) {
        f->rip = e->fixup_rip;
    } else {
        f->rip = probe_exec_resume_rip;
        f->rsp = probe_exec_resume_rsp;
    }
    return true;
}

static bool from_user(const struct trap_frame *f)
{
    return (f->cs & 3) == 3;
}

/* Names of exceptions a user thread can cause, for the log. */
static const char *user_fault_name(uint64_t vector)
{
    static const char *const names[32] = {
        [0] = "divide error", [1] = "debug trap", [3] = "breakpoint", [4] = "overflow",
        [5] = "bound range", [6] = "invalid opcode", [10] = "invalid TSS",
        [11] = "segment not present", [12] = "stack fault", [13] = "general protection fault",
        [14] = "page fault", [16] = "x87 FP error", [17] = "alignment check", [19] = "SIMD FP error",
        [21] = "control protection",
    };
    return vector < 32 && names[vector] ? names[vector] : "exception";
}

/* Interrupts reach the kernel from user mode, from the idle loop and in
 * the interrupt windows of long operations; threads are switched only on
 * the way back to user mode (the exit work), never in the middle of a
 * kernel operation. */
void trap_dispatch(struct trap_frame *f)
{
    irqoff_begin(IRQOFF_TRAP + (unsigned)f->vector);
    if (f->vector < 32) {
        bool machine_level = f->vector == 2 || f->vector == 8 || f->vector == 18;
        if (from_user(f) && !machine_level) {
            if (f->vector == 7) {
                fpu_trap_nm();
            } else {
                struct fault_info fi = {
                    .vector = f->vector, .error = f->error_code,
                    .address = f->vector == 14 ? read_cr2() : 0, .ip = f->rip,
                    .name = user_fault_name(f->vector),
                };
                user_fault(&fi);
            }
        } else {
            if (!from_user(f) && recover_expected_fault(f)) {
                irqoff_end();
                return;
            }
            fatal_exception(f);
        }
    } else if (f->vector != VEC_SPURIOUS) {
        irq_handler h = handlers[f->vector];
        if (h) {
            h((uint8_t)f->vector);
        } else {
            report_unexpected_vector(f->vector);
            lapic_eoi();
        }
    }
    if (from_user(f) && this_cpu()->exit_work)
        kernel_exit_work();
    irqoff_end();
}
