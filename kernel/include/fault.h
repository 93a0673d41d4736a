/* A fault of a user thread, as the architecture decodes it for
 * kernel/core/fault.c. */
#ifndef FAULT_H
#define FAULT_H

#include <stdint.h>

struct fault_info {
    uint64_t vector;            /* the architecture's exception number */
    uint64_t error;             /* its error code (0 if none) */
    uint64_t address;           /* the faulting address, for page faults (else 0) */
    uint64_t ip;                /* where the thread was */
    const char *name;           /* "page fault", "general protection fault", ... */
};

/* Sends the fault to the current thread's handler and waits for the
 * verdict, or kills the thread. Returns to the architecture's trap exit. */
void user_fault(const struct fault_info *fi);

#endif
