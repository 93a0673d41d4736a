/* Starts the first process, servers/init, from the boot bundle: a cpio
 * archive passed as the first boot module. init gets its program loaded,
 * a stack, a page of boot information, the bundle mapped read-only (it
 * loads every other program from there with its own ELF loader), a quota
 * of all the memory left, and the capabilities to the machine: platform,
 * I/O ports, interrupt lines. */
#include "kernel.h"
#include "bootinfo.h"
#include "cpio.h"
#include "elf.h"
#include "memory.h"
#include "object.h"
#include "arch/cpu.h"
#include "arch/devices.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "obj/cap.h"
#include "obj/frame.h"
#include "obj/ioport.h"
#include "obj/irq.h"
#include "obj/platform.h"
#include "obj/process.h"
#include "obj/thread.h"

void init_process_start(void);

#define INIT_STACK_TOP   0x00007ffffff00000ull
#define INIT_STACK_PAGES 16
#define INIT_BUNDLE_VADDR 0x0000000100000000ull
#define INIT_PRIORITY 100
#define KERNEL_RESERVE (2u << 20)   /* kept back from init's quota for the kernel */


/* Creates frames for [va_lo, va_hi) of p, copies file bytes into them and
 * maps them with rights (the mappings keep the frames; no capability). */
static int load_region(struct process *p, uint64_t va_lo, uint64_t va_hi, const uint8_t *src,
                       uint64_t src_va, uint64_t src_len, unsigned rights)
{
    for (uint64_t va = va_lo; va < va_hi;) {
        uint64_t npages = (va_hi - va) / PAGE_SIZE;
        if (npages > SYS_FRAME_MAX_PAGES)
            npages = SYS_FRAME_MAX_PAGES;
        struct frame_obj *f = frame_create(p->quota, npages, 0);
        if (!f)
            return SYS_ENOMEM;
        uint8_t *dst = phys_to_virt(f->paddr);
        uint64_t end = va + npages * PAGE_SIZE;
        uint64_t lo = src_va > va ? src_va : va;
        uint64_t hi = src_va + src_len < end ? src_va + src_len : end;
        /* Copied a page at a time, with an interrupt window every 32. */
        for (uint64_t off = lo; off < hi; off = ALIGN_DOWN(off, PAGE_SIZE) + PAGE_SIZE) {
            uint64_t n = ALIGN_DOWN(off, PAGE_SIZE) + PAGE_SIZE;
            n = (n < hi ? n : hi) - off;
            memcpy(dst + (off - va), src + (off - src_va), n);
            if ((off - va) / PAGE_SIZE % 32 == 31)
                arch_irq_window();
        }
        long rc = vm_map_frame(p, f, va, rights);
        obj_put(&f->obj);       /* the mapping holds the frame, or nothing does */
        if (rc != SYS_OK)
            return (int)rc;
        va = end;
    }
    return SYS_OK;
}

static int load_elf(struct process *p, const void *image, size_t size, uint64_t *entry)
{
    struct elf_info info;
    int rc = elf_check(image, size, USER_BASE, INIT_BUNDLE_VADDR, &info);
    if (rc != ELF_OK) {
        pr_err("init: init is not a valid static executable (ELF error %d)", rc);
        return SYS_EINVAL;
    }
    for (unsigned i = 0; i < info.nsegments; i++) {
        struct elf_segment seg;
        elf_segment(image, size, i, &seg);
        unsigned rights = CAP_R_READ | (seg.flags & ELF_PF_W ? CAP_R_WRITE : 0) |
                          (seg.flags & ELF_PF_X ? CAP_R_EXEC : 0);
        rc = load_region(p, ALIGN_DOWN(seg.vaddr, PAGE_SIZE), ALIGN_UP(seg.vaddr + seg.memsz, PAGE_SIZE),
                         (const uint8_t *)image + seg.offset, seg.vaddr, seg.filesz, rights);
        if (rc != SYS_OK)
            return rc;
    }
    *entry = info.entry;
    return SYS_OK;
}

static void give(struct process *p, unsigned slot, struct kobj *obj, unsigned rights)
{
    struct cap *c;
    if (!obj || cap_empty_slot(p, slot, &c) != SYS_OK)
        panic("init: cannot give capability slot %u", slot);
    cap_install(c, obj, rights, 0);
}

void init_process_start(void)
{
    struct boot_info *bi = boot_info_get();
    if (bi->module_count == 0) {
        pr_info("init: no boot module, so no user space; the kernel idles");
        return;
    }
    const struct boot_module *m = &bi->modules[0];
    const void *bundle = phys_to_virt(m->paddr);
    struct cpio_entry e;
    int rc = cpio_find(bundle, m->size, "init", &e);
    if (rc != CPIO_OK) {
        pr_err("init: boot module 0 is not a bundle with an \"init\" program (%s)", cpio_strerror(rc));
        return;
    }
    uint64_t quota = frame_allocator.free_frames * FRAME_SIZE;
    quota = quota > KERNEL_RESERVE * 2 ? quota - KERNEL_RESERVE : quota / 2;
    struct process *p = process_create(NULL, quota);
    if (!p)
        panic("init: cannot create the first process");
    uint64_t entry;
    if (load_elf(p, e.data, e.size, &entry) != SYS_OK)
        panic("init: cannot load init");
    if (load_region(p, INIT_STACK_TOP - INIT_STACK_PAGES * PAGE_SIZE, INIT_STACK_TOP, NULL, 0, 0,
                    CAP_R_READ | CAP_R_WRITE) != SYS_OK)
        panic("init: no memory for init's stack");

    struct frame_obj *info_frame = frame_create(p->quota, 1, 0);
    if (!info_frame)
        panic("init: no memory for init's boot information");
    struct init_bootinfo *info = phys_to_virt(info_frame->paddr);
    /* The mapping holds the page; the creation's reference goes below. */
    uint64_t bundle_base = ALIGN_DOWN(m->paddr, PAGE_SIZE);
    uint64_t bundle_pages = (ALIGN_UP(m->paddr + m->size, PAGE_SIZE) - bundle_base) / PAGE_SIZE;
    *info = (struct init_bootinfo){
        .magic = INIT_BOOTINFO_MAGIC,
        .bundle_vaddr = INIT_BUNDLE_VADDR + (m->paddr - bundle_base),
        .bundle_size = m->size,
        .first_free_slot = INIT_CAP_DEVMEM_BASE + INIT_DEVMEM_MAX,
    };
    arch_describe_devices(info);
    strlcpy(info->cmdline, kernel_cmdline, sizeof info->cmdline);
    if (vm_map_frame(p, info_frame, INIT_BOOTINFO_VADDR, CAP_R_READ) != SYS_OK)
        panic("init: cannot map the boot information");
    obj_put(&info_frame->obj);

    struct frame_obj *bundle_frame = frame_borrow(bundle_base, bundle_pages);
    if (!bundle_frame || vm_map_frame(p, bundle_frame, INIT_BUNDLE_VADDR, CAP_R_READ) != SYS_OK)
        panic("init: cannot map the boot bundle");

    struct thread *t = thread_create(p, entry, INIT_STACK_TOP, INIT_BOOTINFO_VADDR, INIT_PRIORITY);
    if (!t)
        panic("init: cannot create init's thread");
    give(p, INIT_CAP_SELF_PROCESS, &p->obj, CAP_R_ALL);
    give(p, INIT_CAP_SELF_THREAD, &t->obj, CAP_R_ALL);
    give(p, INIT_CAP_PLATFORM, (struct kobj *)platform_create(), CAP_R_ALL);
    give(p, INIT_CAP_BUNDLE, &bundle_frame->obj, CAP_R_READ);
    give(p, INIT_CAP_IOPORT_ALL, (struct kobj *)ioport_create(0, ARCH_PORT_SPACE), CAP_R_ALL);
    for (unsigned line = 0; line < INIT_IRQ_COUNT && line < arch_irq_lines(); line++)
        give(p, INIT_CAP_IRQ_BASE + line, (struct kobj *)irq_create(line), CAP_R_ALL);
    give(p, INIT_CAP_MSI, (struct kobj *)irq_msi_control_create(), CAP_R_ALL);
    for (unsigned i = 0; i < info->ndevmem; i++) {
        struct cap *c;
        struct frame_obj *w = devmem_create(info->devmem[i].paddr, info->devmem[i].size / PAGE_SIZE);
        if (!w || cap_empty_slot(p, INIT_CAP_DEVMEM_BASE + i, &c) != SYS_OK)
            panic("init: cannot give device-memory window %u", i);
        cap_install(c, &w->obj, CAP_R_READ | CAP_R_WRITE, devmem_badge(0, w->npages));
    }
    info->quota_bytes = p->quota->limit;
    pr_info("init: started process %u from the boot bundle (%llu KiB program, quota %llu MiB)", p->pid,
            (unsigned long long)(e.size >> 10), (unsigned long long)(quota >> 20));
    thread_start(t);
}
