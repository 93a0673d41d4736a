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
};

/* Creates a process with a new quota of quota_bytes carved out of parent
 * (NULL: the kernel's memory). NULL if parent cannot pay or quota_bytes is
 * too small to hold the process itself (SYS_ENOMEM / SYS_EINVAL). */
struct process *process_create(struct quota *parent, uint64_t quota_bytes);
/* What a process costs its own quota before it does anything. */
uint64_t process_min_quota(void);
/* Its last thread is dead: queue the teardown. */
void process_thread_died(struct process *p);
int process_reap(struct process *p);
/* Page-table page allocator charged to p (for arch_user_map). */
struct mmu_alloc process_table_alloc(struct process *p);

#endif
