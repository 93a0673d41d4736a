/* Trap dispatch, the exception table and probes (entry.S, trap.c, probe.S).
 * The frame itself is struct trap_frame in arch/regs.h. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

#include "arch/regs.h"

void trap_dispatch(struct trap_frame *f);

/* Exception table: a kernel instruction that may fault (probing, and later
 * user copies) is listed with the address to resume at instead. */
struct extable_entry {
    uint64_t fault_rip;
    uint64_t fixup_rip;
};

/* Probes defined in probe.S: return 0 if the access worked, -1 if it
 * faulted (the fault is recorded in last_probe_fault). */
int probe_read8(const volatile void *addr, uint8_t *out);
int probe_write8(volatile void *addr, uint8_t v);
int probe_exec(const void *addr);
int probe_ud(void);

struct probe_fault {
    uint64_t vector;
    uint64_t error_code;
    uint64_t address;   /* CR2 for page faults */
};
extern struct probe_fault last_probe_fault;

/* Recovery point for probe_exec (an instruction fetch fault has no
 * extable entry: its RIP is the target). Set by probe.S, used by trap.c. */
extern uint64_t probe_exec_resume_rip, probe_exec_resume_rsp;

void print_backtrace(uint64_t rbp);

#endif
