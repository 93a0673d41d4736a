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
/* The range a capability covers: the object's, or the part its badge
 * names (IOPORT_PART | first << 32 | count, made by SYS_DEV_IOPORT_DERIVE). */
#define IOPORT_PART (1ull << 63)
static inline void ioport_cap_range(const struct ioport_obj *io, uint64_t badge, uint32_t *base, uint32_t *count)
{
    if (badge & IOPORT_PART) {
        *base = (uint32_t)((badge >> 32) & 0xffff);
        *count = (uint32_t)(badge & 0x1ffff);
    } else {
        *base = io->base;
        *count = io->count;
    }
}

/* True if the width bytes at port lie inside [base, base + count). Written so that
 * nothing can wrap around 2^64: port - base is only formed once port >=
 * base, and compared with count - width only once width <= count. */
static inline bool ioport_covers(uint32_t base, uint32_t count, uint64_t port, unsigned width)
{
    return port >= base && width <= count && port - base <= count - width;
}
/* Reads or writes (SYS_IO_* op, checked by the caller with ioport_covers). */
long ioport_access(struct ioport_obj *io, unsigned op, uint16_t port, uint32_t value);

#endif
