/* Reporting problems found in untrusted input (see phys.h). */
#include <stdarg.h>
#include "phys.h"

void diag_report(const struct diag *d, const char *fmt, ...)
{
    if (d == NULL || d->report == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->report(d->ctx, fmt, ap);
    va_end(ap);
}
