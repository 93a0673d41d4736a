/* Console registry: the log goes to every registered console in order. */
#include "kernel.h"

static struct console *consoles;

/* Adds c to the list (once). Consoles are never removed. */
void console_register(struct console *c)
{
    for (struct console *it = consoles; it; it = it->next)
        if (it == c)
            return;
    c->next = NULL;
    struct console **tail = &consoles;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c;
}

void console_write(const char *s, size_t n)
{
    for (struct console *c = consoles; c; c = c->next)
        c->write(s, n);
}
