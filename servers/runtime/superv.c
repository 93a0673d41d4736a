/* Restart policy (superv.h). Pure: no system calls, no library calls;
 * built into the user runtime and into the host unit tests.
 *
 * svc_failed records the ending (last_failure, last_address, failed_at
 * only if no failure is pending recovery, so that the recovery time runs
 * from the first failure of a run of failures), counts it by its kind,
 * and decides:
 *   PVK_FAIL_STOPPED (restarted on request): not a failure; restarts++,
 *                      streak unchanged, restart now
 *   restart=never                         -> leave stopped
 *   restart=on-failure and a clean exit   -> leave stopped
 *   streak > max-failures                 -> give up (FAILED)
 *   streak == 1                           -> restart now
 *   otherwise: after min(backoff << (streak - 2), backoff-max) ms (BACKOFF) */
#include "superv.h"

#define NS_PER_MS 1000000ull

void svc_started(struct svc_track *t, uint64_t now)
{
    t->generation++;
    t->state = PVK_SVC_STARTING;
    t->started_at = now;
    t->restart_at = 0;
}

void svc_ready(struct svc_track *t, uint64_t now)
{
    if (t->failed_at != 0) {
        t->last_recovery_ns = now >= t->failed_at ? now - t->failed_at : 0;
        t->failed_at = 0;
    }
    t->last_start_ns = now >= t->started_at ? now - t->started_at : 0;
    t->streak = 0;
    t->state = PVK_SVC_READY;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

enum svc_action svc_failed(struct svc_track *t, const struct manifest_entry *e, enum pvk_svc_failure why,
                           uint32_t vector, uint64_t address, long exit_status, uint64_t now)
{
    struct manifest_entry defaults;
    if (!e) {
        manifest_defaults(&defaults, MANIFEST_SERVICE, "");
        e = &defaults;
    }
    t->last_failure = (uint32_t)why | (vector & 0xffu) << 8;
    t->last_address = address;
    if (t->failed_at == 0)
        t->failed_at = now;
    t->restart_at = 0;

    switch (why) {
    case PVK_FAIL_CRASH: t->crashes++; break;
    case PVK_FAIL_HANG: t->hangs++; break;
    case PVK_FAIL_EXIT: t->exits++; break;
    case PVK_FAIL_START: t->start_failures++; break;
    case PVK_FAIL_STOPPED:
        t->restarts++;
        return SVC_RESTART_NOW;
    default: break;
    }
    if (t->streak < UINT32_MAX)
        t->streak++;

    if (e->restart == RESTART_NEVER || (e->restart == RESTART_ON_FAILURE && why == PVK_FAIL_EXIT && exit_status == 0)) {
        t->state = PVK_SVC_STOPPED;
        return SVC_LEAVE_STOPPED;
    }
    if (t->streak > e->max_failures) {
        t->state = PVK_SVC_FAILED;
        return SVC_GIVE_UP;
    }
    t->restarts++;
    if (t->streak == 1)
        return SVC_RESTART_NOW;

    uint32_t shift = t->streak - 2;
    uint64_t delay = e->backoff_max_ms;
    if (shift < 32) {
        uint64_t d = (uint64_t)e->backoff_ms << shift;     /* < 2^64: backoff is 32 bits */
        if (d < delay)
            delay = d;
    }
    t->restart_at = sat_add(now, delay * NS_PER_MS);        /* delay < 2^32: no overflow */
    t->state = PVK_SVC_BACKOFF;
    return SVC_RESTART_LATER;
}

void svc_stopped(struct svc_track *t)
{
    t->state = PVK_SVC_STOPPED;
    t->restart_at = 0;
}

bool svc_due(const struct svc_track *t, uint64_t now)
{
    return t->state == PVK_SVC_BACKOFF && now >= t->restart_at;
}

void svc_alive(struct svc_heartbeat *h, uint64_t now)
{
    h->alive_at = now;
    h->pinged_at = 0;
    h->extended = false;
}

enum svc_beat svc_beat(struct svc_heartbeat *h, uint64_t now, uint32_t period_ms, uint64_t *next)
{
    *next = 0;
    if (!period_ms)
        return SVC_BEAT_WAIT;
    uint64_t period = (uint64_t)period_ms * NS_PER_MS;
    if (h->pinged_at) {             /* one ping at a time: answered within the period? */
        uint64_t deadline = h->pinged_at + period;
        if (deadline < h->pinged_at)
            deadline = UINT64_MAX;
        uint64_t slack = period / SVC_PINGS_PER_PERIOD;
        if (now >= deadline && now - deadline > slack && !h->extended) {
            /* We are looking long after the deadline: the supervisor (or
             * the whole guest: a stalled vCPU) did not run, so the instance
             * may not have either. It gets another eighth of a period,
             * counted from now, before it is called hung. */
            h->pinged_at = now - (period - slack);
            h->extended = true;
            *next = now + slack;
            return SVC_BEAT_WAIT;
        }
        if (now >= deadline)
            return SVC_BEAT_HUNG;
        *next = deadline;
        return SVC_BEAT_WAIT;
    }
    uint64_t ping_at = h->alive_at + period / SVC_PINGS_PER_PERIOD;
    if (ping_at < h->alive_at)
        ping_at = UINT64_MAX;
    if (now < ping_at) {
        *next = ping_at;
        return SVC_BEAT_WAIT;
    }
    h->pinged_at = now ? now : 1;
    h->extended = false;
    *next = h->pinged_at + period < h->pinged_at ? UINT64_MAX : h->pinged_at + period;
    return SVC_BEAT_PING;
}

const char *svc_state_name(enum pvk_svc_state s)
{
    switch (s) {
    case PVK_SVC_STOPPED: return "stopped";
    case PVK_SVC_STARTING: return "starting";
    case PVK_SVC_READY: return "ready";
    case PVK_SVC_BACKOFF: return "backoff";
    case PVK_SVC_FAILED: return "failed";
    }
    return "?";
}

void svc_list_words(const struct svc_track *t, const char *name, uint32_t state, uint64_t w[SUP_LIST_LEN])
{
    w[0] = 0;
    pvk_name_pack(name, &w[1]);
    w[3] = state;
    w[4] = t->generation;
    w[5] = t->restarts;
    w[6] = t->last_recovery_ns;
    w[7] = t->last_failure;
    w[8] = t->last_address;
}

void svc_stats_words(const struct svc_track *t, uint64_t quota, uint64_t w[SVC_STATS_WORDS])
{
    w[0] = 0;
    w[1] = t->crashes;
    w[2] = t->hangs;
    w[3] = t->exits;
    w[4] = t->generation;
    w[5] = t->last_recovery_ns;
    w[6] = quota;
    w[7] = t->state;
}

const char *svc_failure_name(enum pvk_svc_failure f)
{
    switch (f) {
    case PVK_FAIL_NONE: return "none";
    case PVK_FAIL_CRASH: return "crash";
    case PVK_FAIL_HANG: return "hang";
    case PVK_FAIL_EXIT: return "exit";
    case PVK_FAIL_START: return "start";
    case PVK_FAIL_STOPPED: return "stopped";
    }
    return "?";
}
