/* Platform consoles: the 16550 UART on COM1 and QEMU's debug port 0xe9. */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"

#define COM1 0x3f8
enum { UART_THR = 0, UART_IER = 1, UART_DLL = 0, UART_DLH = 1, UART_FCR = 2, UART_LCR = 3,
       UART_MCR = 4, UART_LSR = 5, UART_SCR = 7 };
#define LSR_THR_EMPTY 0x20
#define SPIN_LIMIT 100000   /* never hang the kernel on a stuck UART */

static void uart_putc(char c)
{
    for (int i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        arch_relax();
    outb(COM1 + UART_THR, (uint8_t)c);
}

static void uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static struct console uart_console = { .name = "com1", .write = uart_write };

/* Probes COM1 through its scratch register (absent or hypervisor-owned
 * ports read back 0xff), programs 115200 8N1 with FIFOs, and registers it.
 * Returns false if there is no usable UART. */
bool serial_init(void)
{
    outb(COM1 + UART_SCR, 0x5a);
    if (inb(COM1 + UART_SCR) != 0x5a)
        return false;
    outb(COM1 + UART_SCR, 0xa5);
    if (inb(COM1 + UART_SCR) != 0xa5)
        return false;
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);        /* DLAB: divisor follows */
    outb(COM1 + UART_DLL, 0x01);        /* 115200 baud */
    outb(COM1 + UART_DLH, 0x00);
    outb(COM1 + UART_LCR, 0x03);        /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);        /* FIFOs on, cleared, 14-byte threshold */
    outb(COM1 + UART_MCR, 0x03);        /* DTR, RTS */
    console_register(&uart_console);
    return true;
}

static void debugcon_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        outb(0xe9, (uint8_t)s[i]);
}

static struct console debugcon = { .name = "debugcon", .write = debugcon_write };

void debugcon_init(void)
{
    console_register(&debugcon);
}
