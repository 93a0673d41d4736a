/* Processes (kernel/object/process.c): an address space and a capability
 * table, paid for by a quota carved out of the creator's. A process dies
 * when its last thread does: the reaper then tears it down step by step
 * (owned endpoints, capabilities, mappings, page tables); the object itself
 * lives on while capabilities name it. */
#ifndef OBJ_PROCESS_H
#define OBJ_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "avl.h"
#include "object.h"
#include "obj/cap.h"

enum process_state {
    P_ALIVE,
    P_DYING,        /* torn down by the reaper, step by step */
    P_DEAD,         /* nothing left but the object */
};

struct process {
    struct kobj obj;            /* paid for by its own quota */
    uint32_t pid;
    uint8_t state;              /* enum process_state */
    bool reaper_ref;            /* the reaper holds a reference for the teardown */
    uint8_t td_stage;           /* teardown progress (process.c) */
    uint64_t td_cursor;
    uint64_t space;             /* root of its address space (arch/mmu.h) */
    struct cap *caps;           /* SYS_CAP_SLOTS slots */
    struct quota *quota;
    struct avl_tree mappings;   /* struct mapping, by virtual address */
    struct dlist threads;       /* its threads that are not dead */
    struct dlist endpoints;     /* endpoints it created: they die with it */
    uint64_t pt_pages;          /* user page-table pages, charged to its quota */
    uint32_t self_caps;         /* capabilities in its own table naming itself */
    uint32_t ext_thread_caps;   /* capabilities outside it naming its threads */
};

/* Creates a process with a new quota of quota_bytes carved out of parent
 * (NULL: the kernel's memory). NULL if parent cannot pay or quota_bytes is
 * too small to hold the process itself (SYS_ENOMEM / SYS_EINVAL). */
struct process *process_create(struct quota *parent, uint64_t quota_bytes);
/* What a process costs its own quota before it does anything. */
uint64_t process_min_quota(void);
/* Its last thread is dead: queue the teardown. */
void process_thread_died(struct process *p);
/* Counts a capability in slot c to object o (a process or a thread) being
 * added (+1) or removed (-1): a process's capabilities to itself, and
 * capabilities to its threads held outside it. */
void process_count_cap(struct kobj *o, const struct cap *c, int delta);
/* A process is unreachable when all that refers to it is its own
 * capabilities to itself (so none of its threads runs: a running thread
 * holds a reference) and nothing outside names one of its threads (which
 * could be started): nothing can ever run in it or name it again,
 * so it is torn down (a process holding a capability to itself, as every
 * spawned process does, is no longer kept alive by it). Called where its
 * references or those counts drop. */
void process_check_reachable(struct process *p);
int process_reap(struct process *p);
/* Page-table page allocator charged to p (for arch_user_map). */
struct mmu_alloc process_table_alloc(struct process *p);

#endif
