/* Kernel bugs end here: message, backtrace, power-off with failure. */
#include "kernel.h"
#include "cpu.h"
#include "fmt.h"
#include "trap.h"

_Noreturn void panic(const char *fmt, ...)
{
    irq_disable();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("\nPANIC: %s\n", buf);
    print_backtrace(read_rbp());
    machine_poweroff(POWEROFF_FAILURE);
}
