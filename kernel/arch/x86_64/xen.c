/* Xen interfaces for a PVH guest: the hypercall page, the console,
 * the memory map (start info version 0 has none), shared info for time,
 * and shutdown. */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"
#include "time.h"
#include "xen.h"

/* Filled by Xen with one 32-byte call stub per hypercall (xen_page.S). */
extern char hypercall_page[];
bool xen_hypercalls_ready;

static long hypercall(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    long ret;
    register uint64_t r10 __asm__("r10") = 0;
    register uint64_t r8 __asm__("r8") = 0;
    __asm__ volatile("call *%[entry]"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : [entry] "r"(hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE)
                     : "memory", "rcx", "r11");
    return ret;
}

static uint64_t kernel_virt_to_phys(const void *p)
{
    return (uint64_t)p - KERNEL_VIRT_BASE;
}

/* Asks Xen to fill the hypercall page (CPUID base + 2 names the MSR). */
bool xen_init_hypercalls(void)
{
    if (hv.kind != HV_XEN || hv.max_leaf < hv.base + XEN_CPUID_HYPERCALL_OFFSET)
        return false;
    struct cpuid_regs r = cpuid(hv.base + XEN_CPUID_HYPERCALL_OFFSET, 0);
    if (r.eax < 1)
        return false;
    wrmsr(r.ebx, kernel_virt_to_phys(hypercall_page));
    xen_hypercalls_ready = true;
    return true;
}

static void xen_console_write(const char *s, size_t n)
{
    hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (uint64_t)s);
}

static struct console xen_console = { .name = "xen", .write = xen_console_write };

void xen_console_init(void)
{
    if (xen_hypercalls_ready)
        console_register(&xen_console);
}

/* Reads the guest memory map with XENMEM_memory_map into out (E820 layout). */
int xen_memory_map(struct phys_region *out, unsigned cap, unsigned *count)
{
    struct e820_entry { uint64_t addr, size; uint32_t type; } __attribute__((packed));
    static struct e820_entry raw[MEMMAP_MAX];
    struct xen_memory_map map = { .nr_entries = MEMMAP_MAX };
    set_xen_guest_handle(map.buffer, raw);
    *count = 0;
    if (!xen_hypercalls_ready)
        return -1;
    long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_memory_map, (uint64_t)&map, 0);
    if (rc < 0)
        return (int)rc;
    unsigned n = map.nr_entries < cap ? map.nr_entries : cap;
    if (n > MEMMAP_MAX)
        n = MEMMAP_MAX;
    for (unsigned i = 0; i < n; i++)
        out[i] = (struct phys_region){ raw[i].addr, raw[i].size, raw[i].type };
    *count = n;
    return 0;
}

static struct shared_info *shared_info;
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Places Xen's shared info page over shared_info_page (XENMAPSPACE_shared_info). */
int xen_map_shared_info(void)
{
    if (!xen_hypercalls_ready)
        return -1;
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = kernel_virt_to_phys(shared_info_page) >> 12,
    };
    long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0);
    if (rc < 0)
        return (int)rc;
    shared_info = (struct shared_info *)shared_info_page;
    return 0;
}

struct pvclock_time_info *xen_vcpu0_time(void)
{
    _Static_assert(sizeof(struct vcpu_time_info) == sizeof(struct pvclock_time_info),
                   "Xen vcpu_time_info is the pvclock layout");
    return shared_info ? (struct pvclock_time_info *)&shared_info->vcpu_info[0].time : NULL;
}

void xen_shutdown(unsigned reason)
{
    if (!xen_hypercalls_ready)
        return;
    struct sched_shutdown arg = { .reason = reason };
    hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&arg, 0);
}
