/* The kernel clock: TSC cycles scaled to nanoseconds. The scale comes from
 * the hypervisor when it publishes one (kvmclock, Xen vcpu_time_info),
 * from CPUID leaf 0x15 when the CPU reports its crystal, or from counting
 * PIT ticks. */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"
#include "time.h"

uint64_t entry_tsc;                 /* (also read by syscall.S) */
static uint64_t tsc_khz;
uint64_t ns_per_cycle_q32;          /* nanoseconds per cycle, 32.32 fixed point (and syscall.S) */
static const char *source = "none";

void time_early_init(void)
{
    entry_tsc = rdtsc();
}

uint64_t time_entry_tsc(void)
{
    return entry_tsc;
}

uint64_t pvclock_tsc_khz(const struct pvclock_time_info *p)
{
    if (!p->tsc_to_system_mul)
        return 0;
    uint64_t khz = (1000000ull << 32) / p->tsc_to_system_mul;
    if (p->tsc_shift < 0)
        khz <<= -p->tsc_shift;
    else
        khz >>= p->tsc_shift;
    return khz;
}

static uint64_t cpuid_tsc_khz(void)
{
    if (cpuid(0, 0).eax < 0x15)
        return 0;
    struct cpuid_regs r = cpuid(0x15, 0);   /* eax/ebx = TSC/crystal ratio, ecx = crystal Hz */
    if (!r.eax || !r.ebx || !r.ecx)
        return 0;
    return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

void time_init(void)
{
    struct pvclock_time_info *pv = NULL;
    if (CONFIG_KVM && hv.kind == HV_KVM && (pv = kvmclock_init()) != NULL) {
        tsc_khz = pvclock_tsc_khz(pv);
        source = "kvmclock";
    } else if (CONFIG_XEN && hv.kind == HV_XEN && (pv = xen_vcpu0_time()) != NULL) {
        tsc_khz = pvclock_tsc_khz(pv);
        source = "xen";
    }
    if (!tsc_khz && (tsc_khz = cpuid_tsc_khz()) != 0)
        source = "cpuid";
    if (!tsc_khz && (tsc_khz = pit_calibrate_tsc_khz()) != 0)
        source = "pit";
    if (!tsc_khz) {
        tsc_khz = 1000000;
        source = "assumed";
        pr_warn("time: no way to measure the TSC rate; assuming 1 GHz");
    }
    ns_per_cycle_q32 = (1000000ull << 32) / tsc_khz;
    pr_info("time: clock source %s, TSC %llu.%03llu MHz", source,
            (unsigned long long)(tsc_khz / 1000), (unsigned long long)(tsc_khz % 1000));
}

uint64_t tsc_delta_to_ns(uint64_t cycles)
{
    return (uint64_t)(((unsigned __int128)cycles * ns_per_cycle_q32) >> 32);
}

uint64_t time_since_boot_ns(void)
{
    if (!ns_per_cycle_q32)
        return TIME_UNKNOWN;
    return tsc_delta_to_ns(rdtsc() - entry_tsc);
}

uint64_t time_tsc_khz(void)
{
    return tsc_khz;
}

const char *time_source_name(void)
{
    return source;
}

void time_delay_ns(uint64_t ns)
{
    uint64_t start = rdtsc();
    uint64_t cycles = ns * tsc_khz / 1000000;
    while (rdtsc() - start < cycles)
        arch_relax();
}
