/* Port I/O for the I/O-port capability (see arch/io.h). */
#include "cpu.h"
#include "arch/io.h"

uint32_t arch_port_in(unsigned width, uint16_t port)
{
    return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

void arch_port_out(unsigned width, uint16_t port, uint32_t value)
{
    if (width == 1)
        outb(port, (uint8_t)value);
    else if (width == 2)
        outw(port, (uint16_t)value);
    else
        outl(port, value);
}
