/* Starting programs from the boot bundle (servers/runtime/spawn.c): what
 * init does for every service, and what tests do to get a second process. */
#ifndef RT_SPAWN_H
#define RT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spawn_caps {
    uint64_t from;      /* slot in the caller */
    uint64_t to;        /* slot in the child (>= 3: 1 and 2 are its own process and thread) */
    unsigned rights;
};

struct spawn_args {
    const void *bundle;         /* the bundle (cpio), mapped in the caller */
    size_t bundle_size;
    const char *name;           /* program name in the bundle */
    uint64_t quota;             /* bytes of kernel memory for the child */
    unsigned priority;
    uint64_t arg;               /* the child's main(arg) */
    uint64_t fault_ep;          /* caller slot of the fault endpoint (0: none) */
    uint64_t fault_badge;       /* minted onto the fault endpoint copy (0: none) */
    const struct spawn_caps *caps;
    unsigned ncaps;
    bool keep_stack;            /* out->stack_slot: a read-only capability to the child's
                                   stack, for a backtrace after a fault (the caller deletes
                                   it when the child is gone: the frame is the child's) */
};

struct spawned {
    uint64_t process_slot;      /* in the caller */
    uint64_t thread_slot;
    uint64_t stack_slot;        /* with keep_stack, else 0 */
};

/* Where the child's stack is: SPAWN_STACK_PAGES pages below SPAWN_STACK_TOP. */
#define SPAWN_STACK_TOP   0x00007ffffff00000ull
#define SPAWN_STACK_PAGES 16

/* Loads the program into a new process and starts its first thread.
 * Returns 0 or a negative SYS_E* / -100 - ELF error. Everything the child
 * is made of (image, stack, kernel objects) is paid for by its own quota,
 * carved out of the caller's and given back whole when the child is gone.
 * On failure nothing is left behind. */
long spawn(const struct spawn_args *a, struct spawned *out);

#endif
