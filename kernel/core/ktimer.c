/* Kernel timers (see ktimer.h): an AVL tree by deadline, so arming and
 * cancelling are O(log n) and the first deadline is at hand in O(1). */
#include "kernel.h"
#include "ktimer.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "arch/irq.h"
#include "obj/thread.h"

static struct avl_tree timers = AVL_TREE_INIT;
uint64_t ktimer_hw_deadline;    /* what the hardware timer is armed for; 0 = none */

void ktimer_cancel(struct ktimer *t)
{
    if (!t->armed)
        return;
    avl_remove(&timers, &t->node);
    t->armed = false;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline, void (*expire)(struct ktimer *t))
{
    ktimer_cancel(t);
    t->node.key = deadline ? deadline : 1;
    t->expire = expire;
    t->armed = true;
    avl_insert(&timers, &t->node);
    ktimer_reprogram_for(this_cpu()->current);
}

/* Runs the expire callback of timers whose deadline has passed, at most
 * REAP_BUDGET of them (each O(log n)): however many a process armed for
 * the same moment, one interrupt does bounded work, and the timer is
 * re-armed at once for the rest (interrupts are on in between). */
static void expire_due(void)
{
    uint64_t now = time_since_boot_ns();
    struct avl_node *n;
    for (unsigned done = 0; done < REAP_BUDGET && (n = avl_first(&timers)) && n->key <= now; done++) {
        struct ktimer *t = container_of(n, struct ktimer, node);
        avl_remove(&timers, n);
        t->armed = false;
        t->expire(t);
    }
}

void ktimer_interrupt(void)
{
    ktimer_hw_deadline = 0;
    expire_due();
    sched_tick();
    ktimer_reprogram_for(this_cpu()->current);
}

/* An interrupt armed earlier than needed is kept (it re-arms when it
 * fires), so switching threads in IPC rarely touches the timer. A slice
 * that is already over is not armed for again: the interrupt that saw it
 * end asked for the reschedule, which happens on the way out of the kernel
 * (re-arming for it at once would only interrupt the kernel's interrupt
 * windows over and over). */
void ktimer_reprogram_for(struct thread *cur)
{
    struct avl_node *first = avl_first(&timers);
    uint64_t next = first ? first->key : UINT64_MAX;
    uint64_t now = time_since_boot_ns();
    if (cur && cur != this_cpu()->idle && cur->slice_end > now && cur->slice_end < next)
        next = cur->slice_end;
    if (ktimer_hw_deadline && ktimer_hw_deadline <= next && ktimer_hw_deadline > now)
        return;
    if (next == UINT64_MAX) {
        arch_timer_stop();
        ktimer_hw_deadline = 0;
        return;
    }
    arch_timer_oneshot_ns(next > now ? next - now : 1);
    ktimer_hw_deadline = next;
}

/* Besides the tree: the hardware timer, when armed for the future, is
 * armed no later than the first timer (every ktimer_arm re-arms it for an
 * earlier timer; cancelling only moves the first one later). syscall.S's
 * notification fast path relies on this when it keeps the timer armed. */
int ktimer_check(void)
{
    int rc = avl_check(&timers);
    if (rc)
        return rc;
    struct avl_node *first = avl_first(&timers);
    if (first && ktimer_hw_deadline > time_since_boot_ns() && ktimer_hw_deadline > first->key)
        return -100;
    return 0;
}
