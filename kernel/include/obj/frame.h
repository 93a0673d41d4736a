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

struct frame_obj {
    struct kobj obj;
    uint64_t paddr;
    uint64_t npages;
    bool borrowed;              /* boot memory (the bundle): never freed */
};   /* its references are its capabilities (obj.ncaps) and its mappings */

struct mapping {
    struct cap node;            /* binding under the capability it was made with */
    struct avl_node by_vaddr;   /* in proc->mappings; key = its first address */
    struct process *proc;
    struct frame_obj *frame;
    uint32_t rights;            /* current */
    uint32_t max_rights;        /* of the capability used to map it */
};

/* A frame of npages (1..SYS_FRAME_MAX_PAGES) zeroed pages charged to q. */
struct frame_obj *frame_create(struct quota *q, uint64_t npages);
/* A frame object over boot memory that is never freed (the bundle). */
struct frame_obj *frame_borrow(uint64_t paddr, uint64_t npages);
int frame_reap(struct frame_obj *f);

/* Maps every page of the frame fc names at vaddr in p with rights (checked
 * by the caller against fc's rights and the user range). All or nothing. */
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
