/* Time keeping (kernel/core/time.c): a TSC-based monotonic clock whose rate
 * comes from the best source the platform has: kvmclock on KVM, Xen's
 * vcpu_time_info on Xen, CPUID leaf 0x15 or PIT calibration otherwise. */
#ifndef TIME_H
#define TIME_H

#include <stdint.h>
#include "pvclock.h"

#define TIME_UNKNOWN UINT64_MAX

/* Records the TSC at kernel entry; call first thing. */
void time_early_init(void);
/* Chooses the clock source and learns the TSC rate. Needs hypervisor
 * detection (and Xen's shared info) done. */
void time_init(void);

/* Nanoseconds since kernel entry, or TIME_UNKNOWN before time_init. */
uint64_t time_since_boot_ns(void);
/* Converts a TSC delta to nanoseconds (0 before time_init). */
uint64_t tsc_delta_to_ns(uint64_t cycles);
/* TSC rate in kHz (0 before time_init). */
uint64_t time_tsc_khz(void);
/* Name of the clock source in use ("kvmclock", "xen", "cpuid", "pit", ...). */
const char *time_source_name(void);
/* TSC value at kernel entry. */
uint64_t time_entry_tsc(void);

/* Busy-waits for ns nanoseconds (TSC based; needs time_init). */
void time_delay_ns(uint64_t ns);

/* TSC rate in kHz implied by a pvclock's multiplier and shift. */
uint64_t pvclock_tsc_khz(const struct pvclock_time_info *p);

#endif
