/* Ending a run= boot (run.h). The lines written here are what pvk-run
 * reads to find the program's status (README "Run your own program"); the
 * kernel writes the "p1: " prefix itself, so no program can forge them. */
#include "run.h"
#include "spawn.h"

#define SLOT_PLATFORM 3     /* init's platform capability (INIT_CAP_PLATFORM) */
#define STACK_VA 0x0000003100000000ull     /* where init maps a faulted program's stack */
#define BACKTRACE_MAX 24

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

/* The faulting thread's registers, four to a line, and how to find the
 * source line of rip. */
static void print_registers(const char *name, const struct sys_thread_regs *rp)
{
    const struct sys_thread_regs r = *rp;
    const struct {
        const char *name;
        uint64_t value;
    } regs[] = {
        { "rip", r.rip }, { "rsp", r.rsp }, { "rbp", r.rbp }, { "rflags", r.rflags },
        { "rax", r.rax }, { "rbx", r.rbx }, { "rcx", r.rcx }, { "rdx", r.rdx },
        { "rsi", r.rsi }, { "rdi", r.rdi }, { "r8", r.r8 },   { "r9", r.r9 },
        { "r10", r.r10 }, { "r11", r.r11 }, { "r12", r.r12 }, { "r13", r.r13 },
        { "r14", r.r14 }, { "r15", r.r15 },
    };
    const unsigned count = sizeof regs / sizeof regs[0];
    for (unsigned i = 0; i < count; i += 4) {
        char line[160];
        int len = snprintf(line, sizeof line, "init: %s registers:", name);
        for (unsigned k = i; k < i + 4 && k < count && len > 0 && (size_t)len < sizeof line; k++)
            len += snprintf(line + len, sizeof line - (size_t)len, " %s 0x%016llx", regs[k].name,
                            (unsigned long long)regs[k].value);
        printf("%s", line);
    }
}

/* The return addresses on the faulted program's stack, following its frame
 * pointers from rbp (programs are built with -fno-omit-frame-pointer; the
 * walk stops at the first frame pointer that is not inside the stack, not
 * above the last one, or at BACKTRACE_MAX frames). The stack is mapped
 * read-only for the walk and unmapped after. */
static void print_backtrace(const char *name, uint64_t stack_slot, const struct sys_thread_regs *r)
{
    const uint64_t lo = SPAWN_STACK_TOP - SPAWN_STACK_PAGES * RT_PAGE_SIZE, hi = SPAWN_STACK_TOP;
    char line[RT_PRINTF_BUFFER - 64];
    int len = snprintf(line, sizeof line, "init: %s backtrace: #0 %#llx", name, (unsigned long long)r->rip);
    if (stack_slot && sys_map(stack_slot, RT_SLOT_SELF_PROCESS, STACK_VA, CAP_R_READ).ret == 0) {
        uint64_t fp = r->rbp;
        for (unsigned depth = 1; depth < BACKTRACE_MAX && fp >= lo && fp <= hi - 16 && fp % 8 == 0; depth++) {
            const uint64_t *frame = (const uint64_t *)(uintptr_t)(STACK_VA + (fp - lo));
            uint64_t ret = frame[1], next = frame[0];
            if (ret == 0 || len <= 0 || (size_t)len >= sizeof line - 24)
                break;
            len += snprintf(line + len, sizeof line - (size_t)len, " #%u %#llx", depth, (unsigned long long)ret);
            if (next <= fp)
                break;
            fp = next;
        }
        sys_unmap(RT_SLOT_SELF_PROCESS, STACK_VA);
    }
    printf("%s", line);
    printf("init: %s: addr2line -f -e %s.elf ADDRESS names a line (the return addresses are just past the calls)",
           name, name);
}

_Noreturn void run_faulted(const char *name, uint64_t thread_slot, uint64_t stack_slot, const struct msg *m)
{
    uint64_t vector = m->mr[FAULT_MR_VECTOR];
    struct sys_thread_regs r;
    if (sys_thread_ctl(thread_slot, SYS_THREAD_READ_REGS, (uint64_t)(uintptr_t)&r).ret == SYS_OK) {
        print_registers(name, &r);
        print_backtrace(name, stack_slot, &r);
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
