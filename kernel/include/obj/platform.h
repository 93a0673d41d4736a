/* The platform capability (kernel/object/platform.c): machine-wide
 * controls (power-off) and the kernel's debug checks. */
#ifndef OBJ_PLATFORM_H
#define OBJ_PLATFORM_H

#include "object.h"

struct platform_obj {
    struct kobj obj;
};

struct platform_obj *platform_create(void);

#endif
