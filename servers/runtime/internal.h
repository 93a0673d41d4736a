/* Runtime-internal declarations (not for programs). */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

/* Sets up an empty heap at RT_HEAP_BASE; memory is mapped on first use. */
void rt_heap_init(void);

#endif
