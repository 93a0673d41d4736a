/* Kernel objects: what capabilities name (kernel/object/). Each type has
 * its own header in obj/ and its own file in kernel/object/ with its
 * creation, operations and destruction; this header holds what they share:
 * the object header, reference counting, quotas, and the reaper.
 *
 * Lifetime: an object is created holding one reference, which the
 * capability it is installed in takes over. Every capability, every
 * binding (a mapping, an interrupt line's notification, a thread's fault
 * endpoint or bound notification, a started thread's process) and every
 * kernel pointer that outlives a system call holds one more. When the last
 * reference goes, obj_put() does not destroy the object there and then: it
 * queues it for the reaper, which destroys objects one bounded step at a
 * time, with interrupt windows between steps, before the kernel returns to
 * user mode (or before it switches threads). So destruction never
 * recurses through the object graph, the kernel stack stays bounded
 * whatever a process built, and an operation that drops the last
 * reference to the thread running it still finishes.
 *
 * Concurrency: the kernel runs with interrupts off on one CPU (except in
 * the reaper's and revocation's interrupt windows, where interrupt handlers
 * only record work), so there are no locks. */
#ifndef OBJECT_H
#define OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kmem.h"
#include "list.h"
#include "uapi/abi.h"

struct kobj {
    uint8_t type;               /* enum cap_type */
    bool reaping;               /* on the reaper's list */
    uint16_t reserved;
    uint32_t refs;              /* capabilities + bindings + kernel pointers */
    uint32_t ncaps;             /* of which capabilities in slots */
    uint32_t check_count;       /* kdebug scratch */
    struct quota *quota;        /* paid for it (NULL: the kernel) */
    struct kobj *reap_next;     /* link on the reaper's list */
    struct dlist all;           /* every live object, for the kdebug checks */
};

/* Kernel memory a process may use, in bytes. Every page the kernel takes on
 * a process's behalf (its objects' slab pages, kernel stacks, page tables,
 * frames, its capability table) is charged to its quota, and so is the
 * limit of each quota carved out of it. Objects hold a reference to the
 * quota that paid for them, so it outlives the process until they are
 * gone; then its limit goes back to the parent quota. */
struct quota {
    uint32_t refs;
    uint64_t limit;
    uint64_t used;              /* page_bytes + child_limits */
    uint64_t page_bytes;        /* whole pages charged (slab, stacks, tables, frames) */
    uint64_t child_limits;      /* limits of quotas carved out of this one */
    struct quota *parent;
    struct kmem_cache cache;    /* slab pages for objects it pays for */
    struct dlist all;           /* every quota, for kdebug checks */
    struct quota *put_next;     /* on the reaper's list of references to drop ... */
    uint32_t puts_pending;      /* ... and how many */
    uint64_t check_pages, check_children;   /* kdebug's sums */
};

/* Allocates a zeroed object of size bytes and type, paid for by q (NULL:
 * the kernel), holding one reference. NULL if q cannot pay (SYS_ENOMEM). */
void *obj_alloc(struct quota *q, size_t size, unsigned type);
/* Frees the memory of an object the reaper has finished with. */
void obj_free(struct kobj *o);

static inline void obj_get(struct kobj *o)
{
    o->refs++;
}

/* Drops a reference; the last one queues the object for the reaper. */
void obj_put(struct kobj *o);

/* The capability in slot c now names o (ncaps counts them), or is about to
 * stop naming it. The last capability going calls the type's hook (a
 * notification stops its timer, nobody being able to re-arm it); a
 * process's capabilities to itself and outside capabilities to its threads
 * are counted, so that a process nothing outside can reach is destroyed
 * (obj/process.h). */
struct cap;
void obj_cap_added(struct kobj *o, const struct cap *c);
void obj_cap_removed(struct kobj *o, const struct cap *c);

/* --- quotas (object.c) --- */
/* Charges bytes (a multiple of the page size) to q; false (nothing charged)
 * if over the limit. q NULL charges the kernel, always possible. */
bool quota_charge(struct quota *q, uint64_t bytes);
void quota_release(struct quota *q, uint64_t bytes);
void quota_get(struct quota *q);
void quota_put(struct quota *q);
/* A new quota of limit bytes carved out of parent (NULL: the kernel),
 * holding one reference; NULL if parent cannot pay for the limit and the
 * quota's own structure. */
struct quota *quota_create(struct quota *parent, uint64_t limit);

/* --- the reaper (object.c) --- */
/* Destroys every queued object, a bounded step at a time with an interrupt
 * window between steps. Called before returning to user mode and before
 * switching threads; never from interrupt context. */
void reap_drain(void);
/* Queues o for its type's reap step without a reference count change (a
 * dying process's teardown). The reaper holds a reference meanwhile. */
void reap_queue(struct kobj *o);

/* What a type's reap step reports (object.c's reap_step). */
enum { REAP_MORE, REAP_DONE, REAP_FREED };

/* The bound on the work of one reap step and of one revocation step:
 * pages unmapped, waiters woken, capabilities deleted, page-table entries
 * visited, between interrupt windows. */
#define REAP_BUDGET 64

/* Every quota and every object, for the kdebug checks (core/kdebug.c). */
extern struct dlist all_quotas, all_objects;
/* Bytes charged to the kernel itself (quota NULL) since boot. */
extern uint64_t kernel_charged_bytes;

#endif
