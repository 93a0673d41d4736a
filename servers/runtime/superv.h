/* Restart policy (servers/runtime/superv.c): the bookkeeping both
 * supervisors (init for services, devmgr for drivers) keep per service,
 * and the decisions they take from it. Pure code: also built and
 * unit-tested on the host. Times are ns since boot (sys_time()).
 *
 * A failure (crash, hang, exit, failed start) ends an instance. The
 * streak counts failures since the service was last ready: the first
 * failure of a service that was ready restarts it at once (recovery time
 * matters), each further failure in a row waits backoff << (streak - 2),
 * at most backoff-max, and the failure that makes the streak exceed
 * max-failures declares it failed for good. Becoming ready resets the
 * streak. restart=never leaves it stopped after any ending;
 * restart=on-failure leaves a clean exit (status 0) stopped. */
#ifndef RT_SUPERV_H
#define RT_SUPERV_H

#include <stdbool.h>
#include <stdint.h>
#include "manifest.h"
#include "pvk/service.h"

struct svc_track {
    enum pvk_svc_state state;
    uint32_t generation;        /* starts so far (the running instance's number) */
    uint32_t streak;            /* failures since last ready */
    uint32_t restarts;          /* restarts after a failure or on request */
    uint32_t crashes, hangs, exits, start_failures;
    uint64_t started_at;        /* the instance's start */
    uint64_t failed_at;         /* the last failure (0: none pending recovery) */
    uint64_t restart_at;        /* PVK_SVC_BACKOFF: when to start again */
    uint64_t last_recovery_ns;  /* last failure -> ready again */
    uint64_t last_start_ns;     /* last start -> ready */
    uint32_t last_failure;      /* enum pvk_svc_failure | vector << 8 */
    uint64_t last_address;      /* crash: the faulting address */
};

enum svc_action {
    SVC_RESTART_NOW = 1,        /* start it again now */
    SVC_RESTART_LATER = 2,      /* state BACKOFF, restart_at set */
    SVC_GIVE_UP = 3,            /* state FAILED: log it, tell its dependents */
    SVC_LEAVE_STOPPED = 4,      /* state STOPPED (policy, or a clean exit with on-failure) */
};

/* A new instance was started: generation++, state STARTING. */
void svc_started(struct svc_track *t, uint64_t now);
/* It reported ready: state READY, streak 0; the start and (after a
 * failure) recovery times are recorded. */
void svc_ready(struct svc_track *t, uint64_t now);
/* The instance ended: why (enum pvk_svc_failure), the vector and address
 * for a crash, the exit status for an exit. Counts it and decides. */
enum svc_action svc_failed(struct svc_track *t, const struct manifest_entry *e, enum pvk_svc_failure why,
                           uint32_t vector, uint64_t address, long exit_status, uint64_t now);
/* Stopped on request (SUP_STOP): state STOPPED, nothing counted as a failure. */
void svc_stopped(struct svc_track *t);
/* True if a BACKOFF service is due (now >= restart_at). */
bool svc_due(const struct svc_track *t, uint64_t now);
/* Heartbeats. An instance that leaves a ping unanswered for a whole period
 * is hung. Pings go out one at a time, an eighth of a period after the
 * last sign of life (becoming ready, answering), so a hang is found
 * between one period and 9/8 of a period after it began (recovery: that
 * plus the restart), while a healthy instance that is slow to be scheduled
 * (a busy guest) still has the whole period to answer. A supervisor that
 * finds a deadline long passed (more than an eighth of a period: it did
 * not run, nor perhaps did anyone, as when the vCPU stalls) gives another
 * eighth of a period from then instead of calling the instance hung,
 * once per ping (a supervisor that is always late, as under a slow
 * nested hypervisor, must still catch a spinning instance). */
#define SVC_PINGS_PER_PERIOD 8
struct svc_heartbeat {
    uint64_t alive_at;          /* last sign of life */
    uint64_t pinged_at;         /* the unanswered ping's time (0: none) */
    bool extended;              /* that ping's deadline was moved once (a late look) */
};
enum svc_beat { SVC_BEAT_WAIT, SVC_BEAT_PING, SVC_BEAT_HUNG };
/* A sign of life at now: ready, or a ping answered. */
void svc_alive(struct svc_heartbeat *h, uint64_t now);
/* What to do at now with period_ms (0: no heartbeat, always WAIT with
 * *next 0): WAIT until *next, PING (recorded as sent at now; call again
 * at *next), or HUNG. */
enum svc_beat svc_beat(struct svc_heartbeat *h, uint64_t now, uint32_t period_ms, uint64_t *next);
/* "ready", "failed", ... for the log and the shell. */
/* The SUP_LIST and SUP_STATS answers (pvk/service.h) as message words
 * MR0.. (MR0 = 0): one encoding for every supervisor. quota: the
 * supervisor's own quota use. */
void svc_list_words(const struct svc_track *t, const char *name, uint32_t state, uint64_t w[SUP_LIST_LEN]);
#define SVC_STATS_WORDS 8
void svc_stats_words(const struct svc_track *t, uint64_t quota, uint64_t w[SVC_STATS_WORDS]);
const char *svc_state_name(enum pvk_svc_state s);
const char *svc_failure_name(enum pvk_svc_failure f);

#endif
