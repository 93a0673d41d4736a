/* Local APIC: x2APIC (MSRs) where the CPU offers it, xAPIC (MMIO) otherwise.
 * The timer is calibrated against the TSC and runs periodically for now. */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"
#include "time.h"

enum {
    APIC_ID = 0x20, APIC_EOI = 0xb0, APIC_SVR = 0xf0, APIC_ICR_LOW = 0x300,
    APIC_ICR_HIGH = 0x310, APIC_LVT_TIMER = 0x320, APIC_TIMER_INIT = 0x380,
    APIC_TIMER_CURRENT = 0x390, APIC_TIMER_DIVIDE = 0x3e0,
};
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

static volatile uint32_t *xapic;
static bool x2apic;
volatile uint64_t timer_ticks;
uint32_t timer_hz;
uint64_t timer_start_ns;

static uint32_t apic_read(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : xapic[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        xapic[reg / 4] = v;
}

void lapic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return x2apic ? id : id >> 24;
}

/* Sends an interrupt with the given vector to this CPU. */
void lapic_send_self_ipi(uint8_t vector)
{
    if (x2apic) {
        wrmsr(0x83f, vector);       /* SELF IPI register */
        return;
    }
    apic_write(APIC_ICR_HIGH, 0);
    apic_write(APIC_ICR_LOW, (1u << 18) | (1u << 14) | vector);  /* shorthand self, assert */
}

static uint64_t apic_counts_per_ns_q32;   /* timer counts per ns, 32.32 fixed point */
static void (*oneshot_handler)(void);

static void timer_interrupt(uint8_t vector)
{
    (void)vector;
    timer_ticks++;
    lapic_eoi();
    if (oneshot_handler)
        oneshot_handler();
}

/* Switches the timer to one-shot mode: each expiry calls handler, which
 * arms the next one with lapic_timer_oneshot_ns. */
void lapic_timer_use_oneshot(void (*handler)(void))
{
    apic_write(APIC_TIMER_INIT, 0);
    apic_write(APIC_LVT_TIMER, VEC_TIMER);     /* one-shot, unmasked */
    oneshot_handler = handler;
}

void lapic_timer_oneshot_ns(uint64_t ns)
{
    uint64_t count = (uint64_t)(((unsigned __int128)ns * apic_counts_per_ns_q32) >> 32);
    if (count == 0)
        count = 1;
    if (count > 0xffffffffu)
        count = 0xffffffffu;
    apic_write(APIC_TIMER_INIT, (uint32_t)count);
}

void lapic_timer_stop(void)
{
    apic_write(APIC_TIMER_INIT, 0);
}

/* Enables the local APIC (software enable, spurious vector 0xff) and masks
 * its timer until lapic_timer_start_periodic. */
void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    x2apic = cpu_has_x2apic;
    if (x2apic) {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    } else {
        uint64_t paddr = platform_acpi.have_madt ? platform_acpi.madt.lapic_paddr : (base & ~0xfffull);
        if (!paddr)
            paddr = base & ~0xfffull;
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        xapic = mmio_map(paddr & 0xffffffffff000ull, PAGE_SIZE);
        BUG_ON(!xapic, "local APIC MMIO must map");
    }
    apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    irq_set_handler(VEC_TIMER, timer_interrupt);
    pr_info("apic: local APIC id %u in %s mode", lapic_id(), x2apic ? "x2APIC" : "xAPIC");
}

/* Measures the APIC timer rate against the TSC and starts a periodic
 * interrupt at hz on VEC_TIMER. */
void lapic_timer_start_periodic(uint32_t hz)
{
    apic_write(APIC_TIMER_DIVIDE, 0x3);     /* divide by 16 */
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    /* Two samples of (TSC, count), each bracketed by TSC reads and dated at
     * the midpoint: the cost of reading the counter (a VM exit, slow under
     * nested virtualization) cancels out of the difference. */
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    uint64_t tsc[2];
    uint32_t count[2];
    for (int i = 0; i < 2; i++) {
        time_delay_ns(500000);
        uint64_t before = rdtsc();
        count[i] = apic_read(APIC_TIMER_CURRENT);
        tsc[i] = before + (rdtsc() - before) / 2;
    }
    apic_write(APIC_TIMER_INIT, 0);
    uint64_t window_ns = tsc_delta_to_ns(tsc[1] - tsc[0]);
    uint64_t per_second = window_ns ? (uint64_t)(count[0] - count[1]) * 1000000000ull / window_ns : 0;
    if (per_second == 0) {
        pr_err("apic: timer does not count; no timer interrupts");
        return;
    }
    apic_counts_per_ns_q32 = (per_second << 32) / 1000000000u;
    uint64_t initial = per_second / hz;
    if (initial == 0)
        initial = 1;
    if (initial > 0xffffffffu)
        initial = 0xffffffffu;
    timer_hz = hz;
    timer_start_ns = time_since_boot_ns();
    apic_write(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
    apic_write(APIC_TIMER_INIT, (uint32_t)initial);
    pr_info("apic: timer %llu kHz (after divide-by-16), periodic at %u Hz",
            (unsigned long long)(per_second / 1000), hz);
}
