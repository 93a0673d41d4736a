/* Frames and mappings (kernel/object/frame.c): a frame object is 1 to
 * SYS_FRAME_MAX_PAGES contiguous pages; a mapping puts all of them at a
 * user address in a process. A mapping is a binding under the frame
 * capability it was made with (obj/cap.h): revoking that capability, or an
 * ancestor, unmaps it. A frame's memory goes back to whoever paid for it
 * when no capability and no mapping refers to it. */
#ifndef OBJ_FRAME_H
#define OBJ_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include "avl.h"
#include "object.h"
#include "obj/cap.h"

struct process;
struct dmapool;

enum frame_kind {
    FRAME_RAM,                  /* pages from the allocator, charged to obj.quota */
    FRAME_BORROWED,             /* boot memory (the bundle): never freed */
    FRAME_DEVICE,               /* a device-memory window (type CAP_DEVMEM): mapped uncached */
};

/* A frame (CAP_FRAME) or a device-memory window (CAP_DEVMEM). */
struct frame_obj {
    struct kobj obj;
    uint64_t paddr;
    uint64_t npages;
    uint8_t kind;               /* enum frame_kind */
    struct dmapool *pool;       /* a DMA frame its pool still holds (one reference) */
    struct dlist pool_link;     /* in pool->frames */
};   /* its references: its capabilities (obj.ncaps), its mappings, its pool */

struct mapping {
    struct cap node;            /* binding under the capability it was made with */
    struct avl_node by_vaddr;   /* in proc->mappings; key = its first address */
    struct process *proc;
    struct frame_obj *frame;    /* the pages mapped: frame_cap_window(&node) */
    uint32_t rights;            /* current */
    uint32_t max_rights;        /* of the capability used to map it */
};

/* A frame of npages (1..SYS_FRAME_MAX_PAGES) zeroed pages charged to q,
 * all below limit (0: anywhere). */
struct frame_obj *frame_create(struct quota *q, uint64_t npages, uint64_t limit);
/* A device-memory window object (CAP_DEVMEM) over [paddr, paddr + npages pages). */
struct frame_obj *devmem_create(uint64_t paddr, uint64_t npages);
/* The pages a capability to a frame or device window covers: a device
 * window capability's badge names its part (devmem_badge). */
void frame_cap_window(const struct cap *c, uint64_t *first_page, uint64_t *npages);
/* The number of pages a mapping covers. */
uint64_t mapping_pages(const struct mapping *m);
static inline uint64_t devmem_badge(uint64_t first_page, uint64_t npages)
{
    return (first_page << 32) | npages;
}
/* A frame object over boot memory that is never freed (the bundle). */
struct frame_obj *frame_borrow(uint64_t paddr, uint64_t npages);
int frame_reap(struct frame_obj *f);

/* Maps every page fc covers (a frame's, or a device window's part,
 * uncached) at vaddr in p with rights (checked by the caller against fc's
 * rights and the user range). All or nothing. */
long vm_map(struct process *p, struct cap *fc, uint64_t vaddr, unsigned rights);
/* The kernel's own mapping for a process it builds (init): no capability. */
long vm_map_frame(struct process *p, struct frame_obj *f, uint64_t vaddr, unsigned rights);
/* Unmaps the mapping that starts at vaddr (SYS_ENOENT if none). */
long vm_unmap(struct process *p, uint64_t vaddr);
/* Changes the mapping's rights within those it was made with. */
long vm_protect(struct process *p, uint64_t vaddr, unsigned rights);
/* Removes a mapping (tree deletion, unmap, process teardown). */
void mapping_remove(struct mapping *m);
/* Removes up to budget mappings of a dying process; true once none is left. */
bool vm_teardown_step(struct process *p, unsigned budget);
/* The kernel's view of a user page: mapped user-accessible (and writable
 * if asked) in p right now; NULL otherwise. */
void *vm_user_page(struct process *p, uint64_t vaddr, bool writable);

#endif
