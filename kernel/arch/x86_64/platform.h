/* What the x86-64 platform code offers to the rest of the kernel. */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include "acpi.h"
#include "memmap.h"

/* Consoles (serial.c). */
bool serial_init(void);
void debugcon_init(void);

/* CPU tables (gdt.c, idt.c). */
void cpu_tables_init(void);
void tss_set_rsp0(uint64_t rsp0);
struct unaligned_u64 *tss_rsp0_slot(void);

/* User mode (usermode.c): syscall MSRs, GS base, SSE on. */
void usermode_init(void);
/* FPU state (fpu.c): set up at boot; #NM from user mode is a thread's
 * first use. */
void fpu_init(void);
void fpu_trap_nm(void);
void cpu_features_init(void);
extern bool cpu_has_nx, cpu_has_x2apic, cpu_has_smep, cpu_has_smap, cpu_has_1g_pages;

/* Hypervisor detection (hv.c). */
enum hv_kind { HV_NONE, HV_KVM, HV_XEN, HV_TCG, HV_HYPERV, HV_OTHER };
struct hv_info {
    enum hv_kind kind;
    uint32_t base;          /* CPUID base leaf of the recognised interface */
    uint32_t max_leaf;
    char signature[13];
};
extern struct hv_info hv;
void hv_detect(void);
const char *hv_name(enum hv_kind kind);

/* Xen (xen.c). All return negative Xen error codes on failure. */
bool xen_init_hypercalls(void);
void xen_console_init(void);
int xen_memory_map(struct phys_region *out, unsigned cap, unsigned *count);
int xen_map_shared_info(void);
struct pvclock_time_info *xen_vcpu0_time(void);
void xen_shutdown(unsigned reason);
extern bool xen_hypercalls_ready;

/* KVM (kvm.c). */
struct pvclock_time_info *kvmclock_init(void);

/* PIT (pit.c): TSC rate by counting PIT ticks, 0 if no PIT answers. */
uint64_t pit_calibrate_tsc_khz(void);

/* ACPI-derived platform description (acpi_platform.c). */
#define ACPI_MAX_MMIO_DEVICES 32
struct platform_acpi {
    bool have_fadt, have_madt, have_s5;
    struct acpi_fadt_info fadt;
    struct acpi_madt_info madt;
    uint8_t s5_typa, s5_typb;
    struct acpi_mcfg_info mcfg;          /* PCI ECAM regions (count 0: none) */
    unsigned nmmio;                      /* virtio-mmio devices in the DSDT */
    struct acpi_mmio_device mmio[ACPI_MAX_MMIO_DEVICES];
};
extern struct platform_acpi platform_acpi;
void acpi_platform_init(uint64_t rsdp_paddr);

/* Local APIC and I/O APIC (apic.c, ioapic.c). */
void lapic_init(void);
void lapic_eoi(void);
void lapic_send_self_ipi(uint8_t vector);
void lapic_timer_start_periodic(uint32_t hz);
void lapic_timer_use_oneshot(void (*handler)(void));
void lapic_timer_oneshot_ns(uint64_t ns);
void lapic_timer_stop(void);
uint32_t lapic_id(void);
extern volatile uint64_t timer_ticks;
extern uint32_t timer_hz;
extern uint64_t timer_start_ns;     /* when the periodic timer started */
void ioapic_init(void);
unsigned ioapic_gsi_count(void);
bool ioapic_route(uint32_t gsi, uint8_t vector, unsigned mode);
void ioapic_mask(uint32_t gsi, bool masked);

/* Legacy PIC (pic.c): remapped to PIC_VECTOR_BASE and masked. */
void pic_disable(void);

/* Interrupt vectors. */
#define PIC_VECTOR_BASE 0x20
#define VEC_TIMER     0xf0
#define VEC_SELFTEST  0xf1
#define VEC_SPURIOUS  0xff
typedef void (*irq_handler)(uint8_t vector);
/* Interrupts that arrived on a vector nobody routed (trap.c). */
extern uint64_t unexpected_vectors;
void irq_set_handler(uint8_t vector, irq_handler h);

/* Power (power.c). */
bool debug_exit_present(void);

/* The sanitized memory map and the ACPI root pointer (setup.c). */
const struct phys_region *boot_memory_map(unsigned *count);
uint64_t boot_rsdp_paddr(void);

/* MMIO mapping (kernel/core/memory.c): maps [paddr, paddr+size) uncached
 * and returns its virtual address, or NULL. */
volatile void *mmio_map(uint64_t paddr, uint64_t size);

#endif
