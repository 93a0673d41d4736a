/* I/O-port ranges as capabilities (kernel/object/ioport.c). */
#ifndef OBJ_IOPORT_H
#define OBJ_IOPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "object.h"

struct ioport_obj {
    struct kobj obj;
    uint32_t base;
    uint32_t count;
};

struct ioport_obj *ioport_create(uint32_t base, uint32_t count);
/* True if the width bytes at port lie inside the range. Written so that
 * nothing can wrap around 2^64: port - base is only formed once port >=
 * base, and compared with count - width only once width <= count. */
static inline bool ioport_covers(const struct ioport_obj *io, uint64_t port, unsigned width)
{
    return port >= io->base && width <= io->count && port - io->base <= io->count - width;
}
/* Reads or writes (SYS_IO_* op, checked by the caller with ioport_covers). */
long ioport_access(struct ioport_obj *io, unsigned op, uint16_t port, uint32_t value);

#endif
