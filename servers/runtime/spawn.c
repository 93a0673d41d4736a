/* A user-space ELF loader: a new process, its segments copied into fresh
 * frames (through a temporary mapping in the caller), a stack, its own
 * process and thread capabilities in slots 1 and 2, the capabilities the
 * caller hands over, a fault endpoint, and its first thread started. */
#include "cpio.h"
#include "elf.h"
#include "runtime.h"
#include "spawn.h"

#define SELF RT_SLOT_SELF_PROCESS
#define SCRATCH_VA 0x0000700000000000ull    /* where the loader maps frames it fills */
#define CHILD_STACK_TOP SPAWN_STACK_TOP
#define CHILD_STACK_PAGES SPAWN_STACK_PAGES
#define CHILD_USER_HI 0x0000000100000000ull

/* Creates a frame of npages paid for by the child's quota (so its image
 * goes back with the child, whoever started it), fills it from src (len
 * bytes at offset off), and maps it at va in the child with rights. The
 * caller keeps no cap, unless kept is not NULL: then *kept is a slot with a
 * read-only copy (0 if none could be made). */
static long place_frame(uint64_t child, uint64_t va, uint64_t npages, const uint8_t *src, uint64_t off,
                        uint64_t len, unsigned rights, uint64_t *kept)
{
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    long rc = sys_create_for(child, CAP_FRAME, (uint64_t)slot, npages).ret;
    if (rc == 0 && len) {
        rc = sys_map((uint64_t)slot, SELF, SCRATCH_VA, CAP_R_READ | CAP_R_WRITE).ret;
        if (rc == 0) {
            memcpy((uint8_t *)SCRATCH_VA + off, src, len);
            sys_unmap(SELF, SCRATCH_VA);
        }
    }
    if (rc == 0)
        rc = sys_map((uint64_t)slot, child, va, rights).ret;
    if (rc == 0 && kept) {
        int k = rt_slot_alloc();
        if (k >= 0 && sys_cap_copy((uint64_t)slot, (uint64_t)k, CAP_R_READ, 0).ret == 0) {
            *kept = (uint64_t)k;
        } else if (k >= 0) {
            rt_slot_free(k);
        }
    }
    sys_cap_delete((uint64_t)slot);     /* the child's mapping keeps the frame */
    rt_slot_free(slot);
    return rc;
}

static long load_segments(uint64_t child, const void *image, size_t size, uint64_t *entry)
{
    struct elf_info info;
    int erc = elf_check(image, size, USER_BASE, CHILD_USER_HI, &info);
    if (erc != ELF_OK)
        return -100 + erc;
    for (unsigned i = 0; i < info.nsegments; i++) {
        struct elf_segment seg;
        elf_segment(image, size, i, &seg);
        unsigned rights = CAP_R_READ | (seg.flags & ELF_PF_W ? CAP_R_WRITE : 0) |
                          (seg.flags & ELF_PF_X ? CAP_R_EXEC : 0);
        uint64_t lo = seg.vaddr & ~(uint64_t)(RT_PAGE_SIZE - 1);
        uint64_t hi = (seg.vaddr + seg.memsz + RT_PAGE_SIZE - 1) & ~(uint64_t)(RT_PAGE_SIZE - 1);
        for (uint64_t va = lo; va < hi;) {
            uint64_t npages = (hi - va) / RT_PAGE_SIZE > 512 ? 512 : (hi - va) / RT_PAGE_SIZE;
            uint64_t end = va + npages * RT_PAGE_SIZE;
            uint64_t flo = seg.vaddr > va ? seg.vaddr : va;
            uint64_t fhi = seg.vaddr + seg.filesz < end ? seg.vaddr + seg.filesz : end;
            const uint8_t *src = (const uint8_t *)image + seg.offset + (flo - seg.vaddr);
            long rc = place_frame(child, va, npages, src, flo - va, fhi > flo ? fhi - flo : 0, rights, NULL);
            if (rc < 0)
                return rc;
            va = end;
        }
    }
    *entry = info.entry;
    return 0;
}

long spawn(const struct spawn_args *a, struct spawned *out)
{
    struct cpio_entry e;
    if (cpio_find(a->bundle, a->bundle_size, a->name, &e) != CPIO_OK)
        return SYS_ENOENT;
    int pslot = rt_slot_alloc(), tslot = rt_slot_alloc();
    if (pslot < 0 || tslot < 0)
        return SYS_ENOMEM;
    uint64_t p = (uint64_t)pslot, t = (uint64_t)tslot, entry = 0, stack = 0;
    long rc = sys_create(CAP_PROCESS, p, a->quota).ret;
    if (rc == 0)
        rc = load_segments(p, e.data, e.size, &entry);
    if (rc == 0)
        rc = place_frame(p, CHILD_STACK_TOP - CHILD_STACK_PAGES * RT_PAGE_SIZE, CHILD_STACK_PAGES, NULL, 0,
                         0, CAP_R_READ | CAP_R_WRITE, a->keep_stack ? &stack : NULL);
    if (rc == 0)
        rc = sys_thread_create(p, t, entry, CHILD_STACK_TOP, a->arg, a->priority).ret;
    if (rc == 0)
        rc = sys_cap_give(p, p, RT_SLOT_SELF_PROCESS, CAP_R_ALL).ret;
    if (rc == 0)
        rc = sys_cap_give(p, t, RT_SLOT_SELF_THREAD, CAP_R_ALL).ret;
    for (unsigned i = 0; rc == 0 && i < a->ncaps; i++)
        rc = sys_cap_give(p, a->caps[i].from, a->caps[i].to, a->caps[i].rights).ret;
    if (rc == 0 && a->fault_ep) {
        int fslot = rt_slot_alloc();
        rc = fslot < 0 ? SYS_ENOMEM
                       : sys_cap_copy(a->fault_ep, (uint64_t)fslot, CAP_R_WRITE, a->fault_badge).ret;
        if (rc == 0)
            rc = sys_thread_ctl(t, SYS_THREAD_FAULT_EP, (uint64_t)fslot).ret;
        if (fslot >= 0) {
            sys_cap_delete((uint64_t)fslot);    /* the thread holds its own reference */
            rt_slot_free(fslot);
        }
    }
    if (rc == 0)
        rc = sys_thread_ctl(t, SYS_THREAD_START, 0).ret;
    if (rc != 0) {
        /* The child holds copies of its own process and thread capabilities
         * (and of what it was given), all derived from ours: revoking ours
         * deletes them, so nothing keeps the never-started child alive; then
         * deleting ours destroys it and gives its quota back. */
        sys_cap_revoke(t);
        sys_cap_revoke(p);
        sys_cap_delete(t);
        sys_cap_delete(p);
        rt_slot_free(tslot);
        rt_slot_free(pslot);
        if (stack) {
            sys_cap_delete(stack);
            rt_slot_free((int)stack);
        }
        return rc;
    }
    out->process_slot = p;
    out->thread_slot = t;
    out->stack_slot = stack;
    return 0;
}
