/* Port I/O for the I/O-port capability (kernel/object/ioport.c). */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>

#define ARCH_PORT_SPACE 0x10000u        /* ports 0 .. 0xffff */

/* Reads width bytes (1, 2 or 4) from port. */
uint32_t arch_port_in(unsigned width, uint16_t port);
/* Writes the low width bytes (1, 2 or 4) of value to port. */
void arch_port_out(unsigned width, uint16_t port, uint32_t value);

#endif
