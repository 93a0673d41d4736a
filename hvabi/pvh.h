/* The PVH boot ABI: the loader (QEMU -kernel, Xen, Firecracker, Cloud
 * Hypervisor) finds the 32-bit entry point in an ELF note of type
 * XEN_ELFNOTE_PHYS32_ENTRY (name "Xen") and starts it in 32-bit protected
 * mode, paging off, with ebx = physical address of struct hvm_start_info
 * (xen/arch-x86/hvm/start_info.h). The note is emitted by
 * kernel/arch/x86_64/boot.S; the start info is parsed by
 * kernel/lib/bootinfo.c. */
#ifndef HVABI_PVH_H
#define HVABI_PVH_H

#define PVH_ELFNOTE_NAME         "Xen"
#define PVH_ELFNOTE_PHYS32_ENTRY 18     /* XEN_ELFNOTE_PHYS32_ENTRY in xen/elfnote.h */

#endif
