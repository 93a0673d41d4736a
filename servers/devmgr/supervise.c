/* The device manager as the drivers' supervisor: their manifest lines,
 * restarts after a crash, an exit or a missed heartbeat (policy in
 * runtime/superv.c), the clients told, and the control protocol
 * (pvk/service.h). The kernel only reports; every decision is here. */
#include "cpio.h"
#include "devmgr.h"

struct manifest dm_manifest;

/* Restart lines are logged for the first LOG_FIRST restarts of a driver,
 * then one in LOG_EVERY (fault campaigns restart thousands of times). */
#define LOG_FIRST 20
#define LOG_EVERY 100

bool dm_log_restart(const struct device *d)
{
    uint32_t n = d->track.restarts;
    return n <= LOG_FIRST || n % LOG_EVERY == 0;
}

static const char *type_key(uint32_t type)
{
    return type == 1 ? "net" : type == 2 ? "blk" : type == 3 ? "console" : NULL;
}

/* The built-in manifest, used when the bundle has none. */
static const char fallback_manifest[] =
    "driver blk program=blk\n"
    "driver net program=net\n"
    "driver console program=console dma=1M\n";

void dm_load_manifest(void)
{
    struct cpio_entry e;
    const char *text = fallback_manifest;
    size_t len = sizeof fallback_manifest - 1;
    if (cpio_find(dm_bundle, dm_boot->bundle_size, "manifest", &e) == CPIO_OK) {
        text = (const char *)e.data;
        len = e.size;
    } else {
        printf("devmgr: no manifest in the bundle; built-in driver defaults");
    }
    manifest_parse(text, len, &dm_manifest);
    for (uint32_t i = 0; i < dm_manifest.nerrors; i++)
        printf("devmgr: manifest line %u: %s; line skipped", dm_manifest.errors[i].line, dm_manifest.errors[i].text);
}

const struct manifest_entry *dm_driver_entry(uint32_t type)
{
    const char *key = type_key(type);
    return key ? manifest_find(&dm_manifest, MANIFEST_DRIVER, key) : NULL;
}

static uint64_t us(uint64_t ns)
{
    return ns / 1000;
}

void dm_launch(struct device *d)
{
    svc_started(&d->track, (uint64_t)sys_time().ret);
    d->beat = (struct svc_heartbeat){ 0 };
    dm_start_driver(d);
    if (!d->running) {
        printf("devmgr: %s: driver %s did not start (generation %u)", d->name, d->driver,
               d->track.generation);
        dm_driver_ended(d, PVK_FAIL_START, 0, 0);
    }
}

void dm_watch(struct device *d, uint64_t ntfn)
{
    if (d->nwatch == DM_MAX_WATCH) {
        /* Full: the oldest watcher is dropped (it may have gone long ago). */
        sys_cap_delete(d->watch[0]);
        rt_slot_free((int)d->watch[0]);
        memmove(&d->watch[0], &d->watch[1], sizeof d->watch[0] * (DM_MAX_WATCH - 1));
        d->nwatch--;
    }
    d->watch[d->nwatch++] = ntfn;
}

void dm_tell_watchers(struct device *d, uint64_t bits)
{
    for (unsigned i = 0; i < d->nwatch; i++) {
        sys_signal(d->watch[i], bits);
        sys_cap_delete(d->watch[i]);
        rt_slot_free((int)d->watch[i]);
    }
    d->nwatch = 0;
}

void dm_driver_ended(struct device *d, enum pvk_svc_failure why, uint32_t vector, uint64_t address)
{
    static const char *const reason[] = {
        [PVK_FAIL_NONE] = "stopped", [PVK_FAIL_CRASH] = "it crashed", [PVK_FAIL_HANG] = "it missed a heartbeat",
        [PVK_FAIL_EXIT] = "it exited", [PVK_FAIL_START] = "it did not start", [PVK_FAIL_STOPPED] = "asked to",
    };
    dm_reclaim(d, reason[why]);
    if (d->ping) {
        sys_cap_delete(d->ping);
        rt_slot_free((int)d->ping);
        d->ping = 0;
    }
    dm_tell_watchers(d, PVK_NTFN_PEER_RESTARTED);
    uint64_t now = (uint64_t)sys_time().ret;
    enum svc_action a = svc_failed(&d->track, d->entry, why, vector, address, why == PVK_FAIL_EXIT ? 1 : 0, now);
    switch (a) {
    case SVC_RESTART_NOW:
        dm_launch(d);
        break;
    case SVC_RESTART_LATER:
        if (dm_log_restart(d))
            printf("devmgr: %s: %u failures in a row; restarting in %llu ms", d->name, d->track.streak,
                   (unsigned long long)((d->track.restart_at - now) / 1000000));
        break;
    case SVC_GIVE_UP:
        dm_tell_watchers(d, PVK_NTFN_PEER_READY);   /* waiting clients look it up: PVK_EFAILED */
        printf("devmgr: %s: driver %s FAILED for good after %u failures in a row (last: %s); its clients get "
               "PVK_EFAILED; SUP_START tries again",
               d->name, d->driver, d->track.streak, svc_failure_name(why));
        break;
    case SVC_LEAVE_STOPPED:
        dm_tell_watchers(d, PVK_NTFN_PEER_READY);
        printf("devmgr: %s: driver stopped (restart policy)", d->name);
        break;
    }
}

void dm_driver_ready(struct device *d, bool ok, uint64_t ping)
{
    if (d->ping) {
        sys_cap_delete(d->ping);
        rt_slot_free((int)d->ping);
    }
    d->ping = ping;
    if (!ok) {
        printf("devmgr: %s: driver %s failed to start", d->name, d->driver);
        dm_driver_ended(d, PVK_FAIL_START, 0, 0);
        return;
    }
    d->ready = true;
    dm_tell_watchers(d, PVK_NTFN_PEER_READY);      /* clients that found it restarting */
    bool after_failure = d->track.failed_at != 0;
    uint64_t now = (uint64_t)sys_time().ret;
    d->ready_at = now;
    svc_ready(&d->track, now);
    svc_alive(&d->beat, now);
    if (!after_failure) {
        if (d->track.generation == 1 || dm_log_restart(d))
            printf("devmgr: %s driver ready (generation %u, started in %llu us)", d->name, d->track.generation,
                   (unsigned long long)us(d->track.last_start_ns));
    } else if (dm_log_restart(d)) {
        printf("devmgr: %s driver restarted (generation %u, restart %u): ready %llu us after the failure",
               d->name, d->track.generation, d->track.restarts, (unsigned long long)us(d->track.last_recovery_ns));
    }
}

void dm_pong(struct device *d)
{
    svc_alive(&d->beat, (uint64_t)sys_time().ret);
}

/* One driver's timers at now; the next time it needs us (0: none). */
static uint64_t tick_one(struct device *d, uint64_t now)
{
    const struct manifest_entry *e = d->entry;
    if (!d->driver || !e)
        return 0;
    if (d->track.state == PVK_SVC_BACKOFF) {
        if (!svc_due(&d->track, now))
            return d->track.restart_at;
        dm_launch(d);
        return now;
    }
    if (d->track.state == PVK_SVC_STARTING && d->running) {
        uint64_t limit = d->track.started_at + (uint64_t)e->ready_timeout_ms * 1000000;
        if (now < limit)
            return limit;
        printf("devmgr: %s: driver HUNG: not ready %u ms after its start; killing it", d->name,
               e->ready_timeout_ms);
        dm_driver_ended(d, PVK_FAIL_HANG, 0, 0);
        return now;
    }
    if (d->track.state != PVK_SVC_READY || !e->heartbeat_ms || !d->ping)
        return 0;
    uint64_t next;
    switch (svc_beat(&d->beat, now, e->heartbeat_ms, &next)) {
    case SVC_BEAT_HUNG:
        if (d->track.hangs < LOG_FIRST || d->track.hangs % LOG_EVERY == 0)
            printf("devmgr: %s: driver HUNG: no sign of life in %u ms (heartbeat; generation %u); restarting it",
                   d->name, e->heartbeat_ms, d->track.generation);
        dm_driver_ended(d, PVK_FAIL_HANG, 0, 0);
        return now;
    case SVC_BEAT_PING:
        sys_signal(d->ping, 0);
        return next;
    case SVC_BEAT_WAIT:
        break;
    }
    return next;
}

uint64_t dm_tick(uint64_t now)
{
    uint64_t next = 0;
    for (unsigned i = 0; i < dm_ndevices; i++) {
        uint64_t t = tick_one(&dm_devices[i], now);
        if (t && (!next || t < next))
            next = t;
    }
    return next;
}

static struct device *by_name(const uint64_t mr[2])
{
    char name[17];
    pvk_name_unpack(mr, name);
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (strcmp(dm_devices[i].name, name) == 0)
            return &dm_devices[i];
    return NULL;
}

/* The driven devices, in order, for SUP_LIST's index. */
static struct device *nth_driven(uint64_t n)
{
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (dm_devices[i].entry && n-- == 0)
            return &dm_devices[i];
    return NULL;
}

void dm_control(struct msg *m, bool privileged)
{
    uint64_t op = TAG_LABEL(m->tag);
    struct device *d = op == SUP_LIST ? nth_driven(m->mr[0]) : by_name(m->mr);
    m->tag = TAG(0, 1, 0);
    if (!d || !d->entry) {
        m->mr[0] = (uint64_t)SYS_ENOENT;
        return;
    }
    const struct svc_track *t = &d->track;
    switch (op) {
    case SUP_LIST: {
        uint64_t w[SUP_LIST_LEN];
        svc_list_words(t, d->name, d->driver ? t->state : PVK_SVC_FAILED, w);
        msg_set_words(m, 0, w, SUP_LIST_LEN);
        return;
    }
    case SUP_STATS: {
        uint64_t w[SUP_STATS_LEN];
        svc_stats_words(t, sys_quota(RT_SLOT_SELF_PROCESS).r[0], w);
        w[8] = d->last_words;
        w[9] = d->ready ? d->ready_at : 0;
        msg_set_words(m, 0, w, SUP_STATS_LEN);
        return;
    }
    case SUP_STOP:
    case SUP_START:
    case SUP_RESTART:
        break;
    default:
        m->tag = TAG(SERVER_EBADOP, 0, 0);
        return;
    }
    if (!privileged) {
        printf("devmgr: refused %s of %s from an unprivileged client", op == SUP_STOP ? "a stop" :
               op == SUP_START ? "a start" : "a restart", d->name);
        m->mr[0] = (uint64_t)SYS_ERIGHTS;
        return;
    }
    if (!d->driver) {
        m->mr[0] = (uint64_t)SYS_ENOENT;
        return;
    }
    m->mr[0] = 0;
    if (op == SUP_STOP) {
        dm_reclaim(d, "stopped on request");
        dm_tell_watchers(d, PVK_NTFN_PEER_RESTARTED | PVK_NTFN_PEER_READY);
        svc_stopped(&d->track);
        printf("devmgr: %s: driver stopped on request", d->name);
    } else if (op == SUP_START) {
        if (d->running)
            m->mr[0] = (uint64_t)SYS_EEXIST;
        else
            dm_launch(d);
    } else {
        printf("devmgr: %s: restart asked for", d->name);
        dm_driver_ended(d, PVK_FAIL_STOPPED, 0, 0);
    }
}
