/* kvmclock: KVM's paravirtual clock, a pvclock structure KVM keeps current. */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"
#include "time.h"
#include "kvm.h"


static struct pvclock_time_info kvmclock __attribute__((aligned(64)));

/* Enables kvmclock for this CPU; returns its time info, or NULL when KVM
 * does not offer it. */
struct pvclock_time_info *kvmclock_init(void)
{
    if (hv.kind != HV_KVM || hv.max_leaf < hv.base + 1)
        return NULL;
    if (!(cpuid(hv.base + KVM_CPUID_FEATURES_OFFSET, 0).eax & KVM_FEATURE_CLOCKSOURCE2))
        return NULL;
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, ((uint64_t)&kvmclock - KERNEL_VIRT_BASE) | 1);
    for (int i = 0; i < 1000000 && kvmclock.tsc_to_system_mul == 0; i++)
        arch_relax();
    return kvmclock.tsc_to_system_mul ? &kvmclock : NULL;
}
