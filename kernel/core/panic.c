/* Kernel bugs end here: message, backtrace, power-off with failure. */
#include "kernel.h"
#include "fmt.h"
#include "arch/cpu.h"

_Noreturn void panic(const char *fmt, ...)
{
    arch_irq_disable();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("\nPANIC: %s\n", buf);
    arch_backtrace_here();
    machine_poweroff(POWEROFF_FAILURE);
}
