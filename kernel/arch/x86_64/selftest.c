/* Kernel self-tests: frame allocator, page tables and permissions, timer,
 * interrupt delivery, controlled exceptions. Run with "selftest". */
#include "kernel.h"
#include "cpu.h"
#include "cmdline.h"
#include "kstack.h"
#include "memory.h"
#include "platform.h"
#include "arch/irq.h"
#include "selftest.h"
#include "time.h"
#include "trap.h"

#if CONFIG_SELFTEST

extern const struct selftest __selftests_start[], __selftests_end[];
extern const char _text_start[];

#define TEST_VA 0xffffc80000000000ull       /* unused kernel address for mapping tests */
#define UNMAPPED_VA 0xffffc70000000000ull   /* never mapped */

SELFTEST(frames, "allocate, use and free frames; contiguous aligned runs; no double free")
{
    uint64_t before = frame_allocator.free_frames;
    uint64_t got[64];
    for (int i = 0; i < 64; i++) {
        got[i] = frame_alloc(&frame_allocator);
        CHECK(got[i] != FRAME_NONE && (got[i] & 0xfff) == 0, "frame %d: %#llx", i, (unsigned long long)got[i]);
        CHECK(frame_in_use(&frame_allocator, got[i]), "allocated frame must be marked in use");
        for (int j = 0; j < i; j++)
            CHECK(got[i] != got[j], "frame handed out twice: %#llx", (unsigned long long)got[i]);
        *(volatile uint64_t *)phys_to_virt(got[i]) = got[i] ^ 0x5a5a5a5a5a5a5a5aull;
    }
    for (int i = 0; i < 64; i++)
        CHECK(*(volatile uint64_t *)phys_to_virt(got[i]) == (got[i] ^ 0x5a5a5a5a5a5a5a5aull),
              "frame %#llx lost its contents", (unsigned long long)got[i]);
    CHECK(frame_allocator.free_frames == before - 64, "free count after 64 allocations");
    for (int i = 0; i < 64; i++)
        CHECK(frame_free(&frame_allocator, got[i], 1) == 0, "free %#llx", (unsigned long long)got[i]);
    CHECK(frame_free(&frame_allocator, got[0], 1) == -1, "double free must be refused");
    uint64_t run = frame_alloc_contig(&frame_allocator, 16, 0x10000, 0);
    CHECK(run != FRAME_NONE && (run & 0xffff) == 0, "16 frames aligned to 64 KiB: %#llx", (unsigned long long)run);
    CHECK(frame_free(&frame_allocator, run, 16) == 0, "free the run");
    CHECK(frame_allocator.free_frames == before, "free count restored");
    return true;
}

SELFTEST(high_memory, "RAM above 4 GiB (when present) is managed, mapped and usable")
{
    const struct frame_region *high = NULL;
    for (unsigned i = 0; i < frame_allocator.nregions; i++)
        if (frame_allocator.region[i].base >= 0x100000000ull)
            high = &frame_allocator.region[i];
    if (!high) {
        pr_info("  no RAM above 4 GiB in this VM: nothing to check");
        return true;
    }
    uint64_t last = high->base + (high->frames - 1) * FRAME_SIZE;
    if (frame_in_use(&frame_allocator, last)) {
        pr_err("  last frame of the high region already in use");
        return false;
    }
    volatile uint64_t *p = phys_to_virt(last);
    *p = 0x1234567890abcdefull;
    CHECK(*p == 0x1234567890abcdefull, "write/read at %#llx", (unsigned long long)last);
    pr_info("  wrote and read back frame %#llx through the direct map", (unsigned long long)last);
    return true;
}

SELFTEST(page_tables, "map, write, protect read-only and unmap a page in the kernel tables")
{
    uint64_t pa = frame_alloc_zeroed();
    CHECK(pa != FRAME_NONE, "a frame");
    CHECK(pt_map(&kernel_pt_ops, kernel_root, TEST_VA, pa, PT_PAGE_4K, PTE_WRITE | PTE_NX) == PT_OK, "map");
    CHECK(pt_map(&kernel_pt_ops, kernel_root, TEST_VA, pa, PT_PAGE_4K, PTE_WRITE) == PT_EEXIST, "double map refused");
    *(volatile uint32_t *)TEST_VA = 0xfeedf00d;
    CHECK(*(volatile uint32_t *)phys_to_virt(pa) == 0xfeedf00d, "write through new mapping visible in direct map");
    uint64_t got_pa, flags;
    CHECK(pt_lookup(&kernel_pt_ops, kernel_root, TEST_VA + 8, &got_pa, &flags) == PT_OK && got_pa == pa + 8,
          "lookup");
    CHECK(pt_protect(&kernel_pt_ops, kernel_root, TEST_VA, PTE_NX) == PT_OK, "protect read-only");
    invlpg(TEST_VA);
    CHECK(probe_write8((void *)TEST_VA, 1) == -1, "write to read-only page must fault");
    CHECK(last_probe_fault.vector == 14 && (last_probe_fault.error_code & 3) == 3,
          "protection-violation write fault, got vector %llu error %#llx",
          (unsigned long long)last_probe_fault.vector, (unsigned long long)last_probe_fault.error_code);
    uint8_t v;
    CHECK(probe_read8((void *)TEST_VA, &v) == 0 && v == 0x0d, "read-only page still readable");
    CHECK(pt_unmap(&kernel_pt_ops, kernel_root, TEST_VA, &got_pa, NULL) == PT_OK && got_pa == pa, "unmap");
    invlpg(TEST_VA);
    CHECK(probe_read8((void *)TEST_VA, &v) == -1 && last_probe_fault.address == TEST_VA,
          "read after unmap must fault at the address");
    CHECK(frame_free(&frame_allocator, pa, 1) == 0, "free");
    return true;
}

SELFTEST(kernel_text_readonly, "a write to kernel text faults")
{
    CHECK(probe_write8((void *)_text_start, 0x90) == -1, "write to text must fault");
    CHECK(last_probe_fault.vector == 14 && (last_probe_fault.error_code & 3) == 3,
          "protection-violation write fault, got error %#llx", (unsigned long long)last_probe_fault.error_code);
    return true;
}

static uint8_t data_ret_instruction[16] = { 0xc3 };

SELFTEST(data_not_executable, "jumping into kernel data faults (NX)")
{
    if (!cpu_has_nx) {
        pr_info("  CPU has no NX: not enforceable here");
        return true;
    }
    CHECK(probe_exec(data_ret_instruction) == -1, "executing data must fault");
    CHECK(last_probe_fault.vector == 14 && (last_probe_fault.error_code & 0x10),
          "instruction-fetch fault, got error %#llx", (unsigned long long)last_probe_fault.error_code);
    return true;
}

/* Waits for a few timer ticks (bounded by 2 s of clock time), then checks
 * that the ticks since the timer started never outrun its rate (25% slack
 * for the 1 ms calibration). Only the total is checked: a busy host delays
 * ticks, and Xen replays missed ticks in bursts. */
SELFTEST(timer_advancing, "the clock advances and APIC timer ticks arrive, no faster than their rate")
{
    const uint64_t want = 5;
    uint64_t t0 = time_since_boot_ns();
    uint64_t ticks0 = timer_ticks;
    while (timer_ticks - ticks0 < want && time_since_boot_ns() - t0 < 2000000000ull)
        arch_idle();
    uint64_t now = time_since_boot_ns();
    uint64_t ticks = timer_ticks - ticks0;
    uint64_t total = timer_ticks;
    uint64_t most = (now - timer_start_ns) * timer_hz / 1000000000ull * 5 / 4 + 2;
    pr_info("  %llu ticks in %llu us; %llu ticks in %llu ms since the %u Hz timer started",
            (unsigned long long)ticks, (unsigned long long)((now - t0) / 1000),
            (unsigned long long)total, (unsigned long long)((now - timer_start_ns) / 1000000), timer_hz);
    CHECK(timer_hz > 0, "timer running");
    CHECK(now > t0, "clock advanced");
    CHECK(ticks >= want, "only %llu ticks within 2 s", (unsigned long long)ticks);
    CHECK(total <= most, "%llu ticks is faster than %u Hz", (unsigned long long)total, timer_hz);
    return true;
}

static volatile unsigned selftest_irqs;

static void selftest_irq(uint8_t vector)
{
    (void)vector;
    selftest_irqs++;
    lapic_eoi();
}

SELFTEST(interrupt_delivery, "a self-IPI reaches its handler exactly once")
{
    irq_set_handler(VEC_SELFTEST, selftest_irq);
    selftest_irqs = 0;
    lapic_send_self_ipi(VEC_SELFTEST);
    for (int i = 0; i < 1000000 && selftest_irqs == 0; i++)
        arch_relax();
    time_delay_ns(100000);
    irq_set_handler(VEC_SELFTEST, NULL);
    CHECK(selftest_irqs == 1, "handler ran %u times", selftest_irqs);
    return true;
}

static volatile unsigned msi_hits;
static void msi_hit(unsigned vector)
{
    (void)vector;
    msi_hits++;
}

static void ipi_and_wait(uint8_t vector)
{
    lapic_send_self_ipi(vector);
    time_delay_ns(200000);
}

SELFTEST(unexpected_vector, "interrupts on vectors nobody routed, or on a freed MSI vector, are reported and ignored")
{
    uint64_t before = unexpected_vectors;
    ipi_and_wait(0x7f);                 /* a line vector above every GSI, never routed */
    ipi_and_wait(0xd5);                 /* an MSI vector nobody allocated */
    CHECK(unexpected_vectors == before + 2, "%llu unexpected interrupts counted, expected 2",
          (unsigned long long)(unexpected_vectors - before));
    unsigned v = arch_msi_alloc(msi_hit);
    CHECK(v != 0, "an MSI vector is free");
    msi_hits = 0;
    ipi_and_wait((uint8_t)v);
    CHECK(msi_hits == 1, "the allocated vector reached its handler %u times", msi_hits);
    arch_msi_free(v);
    ipi_and_wait((uint8_t)v);          /* a device still firing after its driver died */
    CHECK(msi_hits == 1 && unexpected_vectors == before + 3, "a freed vector must be reported, not delivered");
    return true;
}

SELFTEST(controlled_exception, "page fault and invalid opcode are caught and recovered")
{
    uint8_t v;
    CHECK(probe_read8((void *)UNMAPPED_VA, &v) == -1, "read of unmapped address must fault");
    CHECK(last_probe_fault.vector == 14 && last_probe_fault.address == UNMAPPED_VA &&
              !(last_probe_fault.error_code & 1),
          "not-present fault at the address");
    CHECK(probe_ud() == -1 && last_probe_fault.vector == 6, "ud2 must raise #UD");
    return true;
}

/* An unexpected fault on purpose: the exception handler must print the
 * register dump and power off with a failure status. */
static _Noreturn void deliberate_fault(void)
{
    pr_info("selftest: triggering a deliberate page fault at %#llx", (unsigned long long)UNMAPPED_VA);
    *(volatile uint64_t *)UNMAPPED_VA = 1;
    panic("deliberate fault did not fault");
}

/* Uses 512 bytes of stack per level until the stack runs out. */
static __attribute__((noinline)) unsigned recurse(unsigned depth)
{
    volatile char pad[512];
    pad[depth % sizeof pad] = (char)depth;
    if (depth > (1u << 30))     /* never: the guard stops it after 32 levels */
        return 0;
    return recurse(depth + 1) + pad[0];
}

/* A kernel stack overflow on purpose: a stack from the guarded stack area,
 * used until it runs into its guard. The double fault must be reported as
 * a kernel stack overflow, then the VM powers off with a failure status. */
static _Noreturn void deliberate_stack_overflow(void)
{
    uint8_t *base;
    if (!kstack_alloc(NULL, &base))
        panic("selftest: no kernel stack to overflow");
    pr_info("selftest: overflowing the kernel stack at %p-%p on purpose", (void *)base,
            (void *)(base + KERNEL_STACK_SIZE));
    __asm__ volatile("mov %0, %%rsp\n\tcall *%1" ::"r"(base + KERNEL_STACK_SIZE), "r"(recurse), "D"(0)
                     : "memory");
    panic("the stack overflow did not fault");
}

_Noreturn void selftest_run(const char *filter)
{
    if (strcmp(filter, "fault") == 0)
        deliberate_fault();
    if (strcmp(filter, "stack_overflow") == 0)
        deliberate_stack_overflow();
    unsigned passed = 0, failed = 0;
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
        if (filter[0] && !cmdline_list_has(filter, t->name))
            continue;
        bool ok = t->run();
        pr_info("selftest: %s %s - %s", ok ? "PASS" : "FAIL", t->name, t->description);
        ok ? passed++ : failed++;
    }
    pr_info("selftest: %u passed, %u failed", passed, failed);
    machine_poweroff(failed == 0 && passed > 0 ? POWEROFF_SUCCESS : POWEROFF_FAILURE);
}

#else
_Noreturn void selftest_run(const char *filter)
{
    (void)filter;
    pr_err("selftest: kernel built without CONFIG_SELFTEST");
    machine_poweroff(POWEROFF_FAILURE);
}
#endif
