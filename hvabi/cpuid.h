/* Hypervisor detection through CPUID: leaf 1 ecx bit 31 says a hypervisor is
 * present; leaves 0x40000000 + n * 0x100 (n < 256) each start with the
 * highest leaf of that interface in eax and a 12-byte signature in ebx,
 * ecx, edx. Xen with Viridian puts Hyper-V's at the first base and its own
 * at 0x40000100. */
#ifndef HVABI_CPUID_H
#define HVABI_CPUID_H

#define CPUID_HYPERVISOR_PRESENT  (1u << 31)   /* leaf 1, ecx */
#define CPUID_HV_BASE_FIRST       0x40000000u
#define CPUID_HV_BASE_LAST        0x4000ff00u
#define CPUID_HV_BASE_STEP        0x100u

#define HV_SIGNATURE_XEN    "XenVMMXenVMM"
#define HV_SIGNATURE_TCG    "TCGTCGTCGTCG"    /* QEMU's TCG, without KVM */
#define HV_SIGNATURE_HYPERV "Microsoft Hv"

#endif
