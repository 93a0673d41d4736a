/* kmain: the x86-64 boot sequence, from the PVH entry (boot.S) to
 * "ready": consoles, CPU tables, hypervisor detection, the memory map and
 * memory, ACPI, the clock, the interrupt controllers. Then kernel_main()
 * (core/main.c) takes over. */
#include "kernel.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "cpu.h"
#include "fmt.h"
#include "ktimer.h"
#include "memory.h"
#include "platform.h"
#include "time.h"
#include "arch/boot.h"

char kernel_cmdline[BOOT_CMDLINE_MAX];
static struct boot_info boot_info;

struct boot_info *boot_info_get(void)
{
    return &boot_info;
}
static struct phys_region memory_map[MEMMAP_MAX];
static unsigned memory_map_count;

static void diag_to_log(void *ctx, const char *fmt, va_list ap)
{
    char line[256];
    fmt_vsnprintf(line, sizeof line, fmt, ap);
    pr_warn("%s: %s", (const char *)ctx, line);
}

/* Consoles from the configuration, overridden by console=LIST on the
 * command line (com1, xen, debugcon). Serial first so early output shows. */
static void consoles_init(const char *cmdline)
{
    char list[64] = "";
    bool from_cmdline = cmdline && cmdline_get(cmdline, "console", list, sizeof list);
    bool want_serial = from_cmdline ? cmdline_list_has(list, "com1") : CONFIG_CONSOLE_SERIAL;
    bool want_xen = from_cmdline ? cmdline_list_has(list, "xen") : (CONFIG_XEN && CONFIG_CONSOLE_XEN);
    bool want_debugcon = from_cmdline ? cmdline_list_has(list, "debugcon") : CONFIG_CONSOLE_DEBUGCON;
    if (want_serial)
        serial_init();
    if (want_debugcon)
        debugcon_init();
    if (CONFIG_XEN && want_xen)
        xen_console_init();
}

static void print_memory_map(const struct phys_region *map, unsigned n, const char *origin)
{
    static const char *const names[] = { "?", "RAM", "reserved", "ACPI", "ACPI NVS", "unusable",
                                         "disabled", "persistent" };
    pr_info("memory map (%s), %u entries:", origin, n);
    for (unsigned i = 0; i < n; i++)
        pr_info("  [%#014llx-%#014llx) %s", (unsigned long long)map[i].base,
                (unsigned long long)(map[i].base + map[i].size),
                map[i].type < ARRAY_SIZE(names) ? names[map[i].type] : "other");
}

const struct phys_region *boot_memory_map(unsigned *count)
{
    *count = memory_map_count;
    return memory_map;
}

uint64_t boot_rsdp_paddr(void)
{
    return boot_info.rsdp_paddr;
}

/* The memory map comes from the start info (version 1) or, under Xen, from
 * XENMEM_memory_map. Without one the kernel cannot go on. */
static void memory_map_init(const struct diag *d)
{
    const char *origin = "PVH start info";
    if (boot_info.memmap_count) {
        memcpy(memory_map, boot_info.memmap, sizeof memory_map);
        memory_map_count = boot_info.memmap_count;
    } else if (CONFIG_XEN && hv.kind == HV_XEN && xen_hypercalls_ready) {
        int rc = xen_memory_map(memory_map, MEMMAP_MAX, &memory_map_count);
        if (rc < 0)
            panic("memory: no memory map in the start info and XENMEM_memory_map failed (%d)", rc);
        memory_map_count = memmap_sanitize(memory_map, memory_map_count, MEMMAP_MAX, d);
        origin = "Xen XENMEM_memory_map";
    }
    if (!memory_map_count || !memmap_ram_bytes(memory_map, memory_map_count))
        panic("memory: the boot loader gave no memory map with RAM; cannot continue");
    print_memory_map(memory_map, memory_map_count, origin);
}

static void print_boot_info(void)
{
    pr_info("boot: PVH start info v%u at %#llx, command line \"%s\"", boot_info.version,
            (unsigned long long)boot_info.start_info_paddr, boot_info.cmdline);
    for (unsigned i = 0; i < boot_info.module_count; i++)
        pr_info("boot: module %u at %#llx, %llu bytes, \"%s\"", i,
                (unsigned long long)boot_info.modules[i].paddr,
                (unsigned long long)boot_info.modules[i].size, boot_info.modules[i].cmdline);
}

void kmain(uint32_t start_info_paddr);

void arch_prepare_user_mode(void)
{
    memory_prepare_user_spaces();
    lapic_timer_use_oneshot(ktimer_interrupt);
}

void kmain(uint32_t start_info_paddr)
{
    time_early_init();
    /* Consoles need the command line, which needs the start info: parse it
     * silently first, then again with the log attached. */
    struct diag quiet = { 0 };
    int parse_rc = bootinfo_parse(start_info_paddr, &phys_access_kernel, &quiet, &boot_info);
    consoles_init(parse_rc == BOOTINFO_OK ? boot_info.cmdline : NULL);
    cpu_tables_init();
    usermode_init();
    pic_disable();
    cpu_features_init();
    hv_detect();
    if (CONFIG_XEN && hv.kind == HV_XEN && xen_init_hypercalls())
        consoles_init(parse_rc == BOOTINFO_OK ? boot_info.cmdline : NULL);

    kprintf("\npvkernel: x86-64 PVH microkernel\n");
    pr_info("hypervisor: %s (CPUID signature \"%s\" at %#x)", hv_name(hv.kind), hv.signature, hv.base);

    struct diag d = { .report = diag_to_log, .ctx = "boot" };
    if (parse_rc != BOOTINFO_OK)
        panic("boot: start info at %#x unusable (%s)", start_info_paddr,
              parse_rc == BOOTINFO_EMAGIC ? "bad magic" : "unreadable");
    bootinfo_parse(start_info_paddr, &phys_access_kernel, &d, &boot_info);
    strlcpy(kernel_cmdline, boot_info.cmdline, sizeof kernel_cmdline);
    uint64_t level;
    if (cmdline_get_u64(kernel_cmdline, "loglevel", &level) && level <= LOG_DEBUG)
        log_level = (int)level;
    print_boot_info();

    memory_map_init(&d);
    bootinfo_check_modules(&boot_info, memory_map, memory_map_count, &d);
    memory_init(&boot_info, memory_map, memory_map_count);
    acpi_platform_init(boot_info.rsdp_paddr);

    if (CONFIG_XEN && hv.kind == HV_XEN) {
        int rc = xen_map_shared_info();
        if (rc < 0)
            pr_warn("xen: cannot map shared info (%d); no Xen time info", rc);
    }
    time_init();
    lapic_init();
    ioapic_init();
    lapic_timer_start_periodic(100);
    arch_irq_enable();

    uint64_t ready_tsc = rdtsc();
    pr_info("ready: kernel entry to ready in %llu us; TSC at ready %llu (%llu since entry)",
            (unsigned long long)(tsc_delta_to_ns(ready_tsc - time_entry_tsc()) / 1000),
            (unsigned long long)ready_tsc, (unsigned long long)(ready_tsc - time_entry_tsc()));
    kernel_main();
}
