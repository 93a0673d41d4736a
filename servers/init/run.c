/* Ending a run= boot (run.h). The lines written here are what pvk-run
 * reads to find the program's status (README "Run your own program"); the
 * kernel writes the "p1: " prefix itself, so no program can forge them. */
#include "run.h"

#define SLOT_PLATFORM 3     /* init's platform capability (INIT_CAP_PLATFORM) */

static _Noreturn void power_off(uint64_t status)
{
    for (;;)
        sys_poweroff(SLOT_PLATFORM, status);
}

static const char *vector_name(uint64_t v)
{
    static const char *const names[] = {
        [0] = "divide error", [1] = "debug", [3] = "breakpoint", [4] = "overflow", [5] = "bound range",
        [6] = "invalid opcode", [7] = "device not available", [8] = "double fault",
        [10] = "invalid TSS", [11] = "segment not present", [12] = "stack fault",
        [13] = "general protection", [14] = "page fault", [16] = "x87 floating point",
        [17] = "alignment check", [18] = "machine check", [19] = "SIMD floating point",
        [21] = "control protection",
    };
    return v < sizeof names / sizeof names[0] && names[v] ? names[v] : "exception";
}

_Noreturn void run_main_ended(const char *name, uint64_t thread_slot)
{
    struct sys_result st = sys_thread_ctl(thread_slot, SYS_THREAD_EXIT_STATUS, 0);
    if (st.ret == SYS_THREAD_ENDED_EXIT) {
        unsigned status = (unsigned)(st.r[0] & 0xff);
        printf("init: run: %s exited with status %u", name, status);
        power_off(status);
    }
    printf("init: run: %s faulted (killed without a fault message; exit status query: %ld)", name, st.ret);
    power_off(RUN_STATUS_FAULT_BASE);
}

_Noreturn void run_faulted(const char *name, uint64_t thread_slot, const struct msg *m)
{
    uint64_t vector = m->mr[FAULT_MR_VECTOR];
    struct sys_thread_regs r;
    if (sys_thread_ctl(thread_slot, SYS_THREAD_READ_REGS, (uint64_t)(uintptr_t)&r).ret == SYS_OK) {
        printf("init: %s registers: rip 0x%016llx rsp 0x%016llx rbp 0x%016llx rflags %#llx", name,
               (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rbp,
               (unsigned long long)r.rflags);
        printf("init: %s registers: rax 0x%016llx rbx 0x%016llx rcx 0x%016llx rdx 0x%016llx", name,
               (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
               (unsigned long long)r.rdx);
        printf("init: %s registers: rsi 0x%016llx rdi 0x%016llx r8  0x%016llx r9  0x%016llx", name,
               (unsigned long long)r.rsi, (unsigned long long)r.rdi, (unsigned long long)r.r8,
               (unsigned long long)r.r9);
        printf("init: %s registers: r10 0x%016llx r11 0x%016llx r12 0x%016llx r13 0x%016llx", name,
               (unsigned long long)r.r10, (unsigned long long)r.r11, (unsigned long long)r.r12,
               (unsigned long long)r.r13);
        printf("init: %s registers: r14 0x%016llx r15 0x%016llx (addr2line -f -e %s.elf %#llx)", name,
               (unsigned long long)r.r14, (unsigned long long)r.r15, name, (unsigned long long)r.rip);
    }
    printf("init: run: %s faulted (vector %llu (%s), error %#llx, address %#llx, rip %#llx)", name,
           (unsigned long long)vector, vector_name(vector), (unsigned long long)m->mr[FAULT_MR_ERROR],
           (unsigned long long)m->mr[FAULT_MR_ADDR], (unsigned long long)m->mr[FAULT_MR_IP]);
    power_off(RUN_STATUS_FAULT_BASE + (vector & 0xff));
}

_Noreturn void run_system_failed(const char *why)
{
    printf("init: run: the system failed: %s; powering off", why);
    power_off(RUN_STATUS_SYSTEM);
}
