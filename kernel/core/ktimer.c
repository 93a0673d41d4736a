/* Kernel timers: a list sorted by deadline (thread timeouts, sleeps,
 * notification timers). The local APIC timer runs one-shot, ktimer_armed for the
 * earlier of the first deadline and the running thread's slice end. */
#include "kernel.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"
#include "time.h"

static struct ktimer *timers;
uint64_t ktimer_armed;      /* deadline the APIC is ktimer_armed for; 0 = none */

void ktimer_cancel(struct ktimer *t)
{
    if (!t->deadline)
        return;
    for (struct ktimer **pp = &timers; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->deadline = 0;
    t->next = NULL;
}

/* Arms t for deadline (ns since boot, > 0), replacing an earlier arming. */
void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
    ktimer_cancel(t);
    t->deadline = deadline ? deadline : 1;
    struct ktimer **pp = &timers;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    ktimer_reprogram();
}

/* Runs the expire callback of every timer whose deadline has passed. */
void ktimer_expire_due(void)
{
    uint64_t now = time_since_boot_ns();
    while (timers && timers->deadline <= now) {
        struct ktimer *t = timers;
        timers = t->next;
        t->next = NULL;
        t->deadline = 0;
        t->expire(t);
    }
}

/* The timer interrupt: nothing is ktimer_armed any more. */
void ktimer_fired(void)
{
    ktimer_armed = 0;
}

/* Arms the APIC for the next event: first deadline or slice end. An
 * interrupt ktimer_armed earlier than needed is kept (it re-arms when it fires),
 * so switching threads in IPC rarely touches the APIC. */
void ktimer_reprogram(void)
{
    struct cpu *cpu = this_cpu();
    uint64_t next = timers ? timers->deadline : UINT64_MAX;
    struct thread *cur = cpu->current;
    if (cur && cur != cpu->idle && cur->slice_end && cur->slice_end < next)
        next = cur->slice_end;
    uint64_t now = time_since_boot_ns();
    if (ktimer_armed && ktimer_armed <= next && ktimer_armed > now)
        return;
    if (next == UINT64_MAX) {
        lapic_timer_stop();
        ktimer_armed = 0;
        return;
    }
    lapic_timer_oneshot_ns(next > now ? next - now : 1);
    ktimer_armed = next;
}
