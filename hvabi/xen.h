/* Xen's public interface, used in place from Debian's libxen-dev
 * (/usr/include/xen, reached through build/sysinc/xen). The interface
 * version is set on the compiler command line (__XEN_INTERFACE_VERSION__).
 * Hypercalls go through the hypercall page: CPUID base + 2 gives, in ebx,
 * the MSR to write the page's physical address to; call page + 32 * nr. */
#ifndef HVABI_XEN_H
#define HVABI_XEN_H

#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/arch-x86/hvm/start_info.h>

#define XEN_CPUID_HYPERCALL_OFFSET 2    /* base + 2: eax pages, ebx MSR */
#define XEN_HYPERCALL_STUB_SIZE    32

#endif
