/* The paravirtual clock ABI shared by KVM (kvmclock, MSR_KVM_SYSTEM_TIME_NEW)
 * and Xen (vcpu_time_info in the shared info page):
 *   ns = system_time + scale(tsc - tsc_timestamp)
 * where scale shifts by tsc_shift then multiplies by tsc_to_system_mul / 2^32.
 * The hypervisor bumps version (odd while updating). */
#ifndef HVABI_PVCLOCK_H
#define HVABI_PVCLOCK_H

#include <stdint.h>

struct pvclock_time_info {
    volatile uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};
_Static_assert(sizeof(struct pvclock_time_info) == 32, "pvclock ABI is 32 bytes");

#endif
