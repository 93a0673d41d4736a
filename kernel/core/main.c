/* kernel_main: what the kernel does once the architecture has brought the
 * machine up (arch/x86_64/setup.c ends by calling it): the self-tests when
 * asked for, then the first process and the scheduler. */
#include "kernel.h"
#include "cmdline.h"
#include "kdebug.h"
#include "sched.h"
#include "selftest.h"
#include "arch/boot.h"
#include "arch/cpu.h"

void init_process_start(void);

_Noreturn void kernel_main(void)
{
    char filter[64];
    if (CONFIG_SELFTEST && cmdline_get(kernel_cmdline, "selftest", filter, sizeof filter))
        selftest_run(filter);
    if (cmdline_has(kernel_cmdline, "poweroff")) {
        pr_info("poweroff: requested on the command line");
        machine_poweroff(POWEROFF_SUCCESS);
    }
    arch_irq_disable();         /* from here on the kernel runs with interrupts off */
    arch_prepare_user_mode();
    kdebug_set_baseline();
    init_process_start();
    sched_start();
}
