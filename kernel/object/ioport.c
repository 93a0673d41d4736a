/* I/O-port ranges (see obj/ioport.h). */
#include "kernel.h"
#include "object.h"
#include "arch/io.h"
#include "obj/ioport.h"

struct ioport_obj *ioport_create(uint32_t base, uint32_t count)
{
    struct ioport_obj *io = obj_alloc(NULL, sizeof *io, CAP_IOPORT);
    if (io) {
        io->base = base;
        io->count = count;
    }
    return io;
}

long ioport_access(struct ioport_obj *io, unsigned op, uint16_t port, uint32_t value)
{
    (void)io;
    switch (op) {
    case SYS_IO_IN1: return arch_port_in(1, port);
    case SYS_IO_IN2: return arch_port_in(2, port);
    case SYS_IO_IN4: return arch_port_in(4, port);
    case SYS_IO_OUT1: arch_port_out(1, port, value); return SYS_OK;
    case SYS_IO_OUT2: arch_port_out(2, port, value); return SYS_OK;
    default: arch_port_out(4, port, value); return SYS_OK;
    }
}
