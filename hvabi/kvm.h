/* KVM's paravirtual interface: CPUID leaves at the hypervisor base found by
 * signature "KVMKVMKVM\0\0\0", and the kvmclock MSR. */
#ifndef HVABI_KVM_H
#define HVABI_KVM_H

#define KVM_CPUID_SIGNATURE       "KVMKVMKVM\0\0\0"
#define KVM_CPUID_FEATURES_OFFSET 1         /* base + 1: feature bits in eax */
#define KVM_FEATURE_CLOCKSOURCE2  (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW   0x4b564d01 /* physical address of a pvclock | 1 */

#endif
