/* The platform capability (see obj/platform.h): its operations are
 * power-off and the kdebug checks, decoded in core/syscall.c. */
#include "kernel.h"
#include "object.h"
#include "obj/platform.h"

struct platform_obj *platform_create(void)
{
    return obj_alloc(NULL, sizeof(struct platform_obj), CAP_PLATFORM);
}
