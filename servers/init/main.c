/* init: the first process, and the services' supervisor. The kernel gives
 * it the boot bundle, all the memory left (as quota) and the machine's
 * capabilities. init reads the service manifest from the bundle (entry
 * "manifest", servers/init/manifest; format in runtime/manifest.h) and
 * starts every `service` line in order, each from its own ELF image with
 * only the capabilities its caps= names; with run=NAME,... on the kernel
 * command line it starts the device manager and those programs instead
 * (tests and benchmarks: privileged, and a fault powers the machine off).
 *
 * Supervision (policy in runtime/superv.c): a child's fault comes to init
 * as a message (badge: the service's index + 1), its death (an exit)
 * through a notification bound to init (bit: the index). The instance is
 * killed and everything it was given revoked, so init's quota goes back to
 * where it was; then it is started again as a fresh process from the
 * bundle (at once, after a back-off, or never: given up), as its manifest
 * line says. A service counts as ready once it has run SETTLE_MS without
 * failing (services have no ready message; drivers do, at devmgr).
 *
 * Control: the same endpoint answers the SUP_* protocol (pvk/service.h);
 * stop, start and restart only for control badges (CONTROL_BADGE). init
 * only ever replies, so no sender can block it. */
#include "cmdline.h"
#include "cpio.h"
#include "runtime.h"
#include "spawn.h"
#include "manifest.h"
#include "run.h"
#include "superv.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define MAX_SERVICES 32         /* death notification bits 0..31 */
#define MAX_GIVEN 12            /* capabilities derived for one instance */
#define DEVMGR_QUOTA_MAX (64u << 20)
#define SETTLE_MS 200           /* running this long without failing: ready */
#define NS_PER_MS 1000000ull

/* Badges on init's endpoint: faults carry the service's index + 1 (small
 * integers); control capabilities carry CONTROL_BADGE | n. */
#define CONTROL_BADGE 0xc7000000ull
#define IS_CONTROL(b) (((b) >> 24) == 0xc7)
/* The device manager treats badge 0xc1xxxx as privileged. */
#define DEVMGR_PRIV_BADGE 0xc10000ull

/* Slots a service gets (servers/README.md). */
#define SLOT_PLATFORM 3
#define SLOT_DEMO     3
#define SLOT_BUNDLE   4
#define SLOT_DEVMGR   PVK_SLOT_DEVMGR_CLIENT    /* 5 */
#define SLOT_CONTROL  10
/* run= programs: 6 MSI control, 7 device-memory window 0, 8 all I/O
 * ports, 9 a spare ISA interrupt line. */
#define PRIV_SLOT_MSI    6
#define PRIV_SLOT_DEVMEM 7
#define PRIV_SLOT_IOPORT 8
#define PRIV_SLOT_IRQ    9
/* The device manager's own layout (servers/devmgr/devmgr.h). */
#define DM_SLOT_BOOTINFO 3
#define DM_SLOT_BUNDLE   4
#define DM_SLOT_IOPORT   5
#define DM_SLOT_MSI      6
#define DM_SLOT_EP       7
#define DM_SLOT_PLATFORM 8

static const struct init_bootinfo *boot;
static const void *bundle;
static uint64_t supervisor_ep;
static uint64_t death_ntfn;
static uint64_t devmgr_ep;      /* the device manager's endpoint (0: none yet) */
static int devmgr_owner = -1;   /* the service that receives on it */
static uint64_t demo_ep, demo_client_ep;
/* Endpoints named by provides= (made once, kept across restarts). */
#define MAX_PROVIDED 8
static struct {
    char name[MANIFEST_NAME_MAX];
    uint64_t ep;
} provided[MAX_PROVIDED];
static unsigned nprovided;
static bool test_run;           /* run= on the command line */
static const struct service *run_main;  /* the first run= program: its end ends the system */
/* services=a,b with run=: what those services provide, given to every run=
 * program in PVK_SLOT_USES(0..) in that order. */
static char run_uses[MANIFEST_MAX_USES][MANIFEST_NAME_MAX];
static uint32_t run_nuses;
static unsigned badge_count;

struct service {
    char name[32];
    struct manifest_entry e;
    struct svc_track t;
    struct spawned s;
    bool running;
    bool critical;          /* a fault ends the system (run= programs) */
    bool privileged;        /* the run= slot layout */
    bool missing;           /* its program is not in the bundle */
    uint64_t running_at;    /* when the instance's spawn completed */
    uint64_t given[MAX_GIVEN];
    unsigned ngiven;
};
static struct service services[MAX_SERVICES];
static unsigned nservices;
static struct manifest manifest;

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

static unsigned long long us(uint64_t ns)
{
    return (unsigned long long)(ns / 1000);
}

/* Messages that make no sense: refused, the first few logged, then one in
 * a thousand (a flood must not flood the log). */
static void refused(const char *what, uint64_t label, uint64_t badge)
{
    static uint64_t count;
    if (++count <= 10 || count % 1000 == 0)
        printf("init: refused %s (label %#llx, badge %#llx; %llu refused so far)", what, (unsigned long long)label,
               (unsigned long long)badge, (unsigned long long)count);
}

/* ---- capability sets ---------------------------------------------------- */

struct capset {
    struct spawn_caps c[8 + INIT_IRQ_COUNT + INIT_DEVMEM_MAX];
    unsigned n;
};

static void put(struct service *sv, struct capset *cs, uint64_t from, uint64_t to, unsigned rights)
{
    for (unsigned i = 0; i < cs->n; i++) {
        if (cs->c[i].to == to) {
            printf("init: %s: two capabilities for slot %llu; the second left out", sv->name,
                   (unsigned long long)to);
            return;
        }
    }
    if (cs->n < sizeof cs->c / sizeof cs->c[0])
        cs->c[cs->n++] = (struct spawn_caps){ from, to, rights };
}

/* A slot the instance's teardown revokes and frees. */
static uint64_t given_slot(struct service *sv)
{
    if (sv->ngiven == MAX_GIVEN)
        return 0;
    int s = rt_slot_alloc();
    if (s < 0)
        return 0;
    sv->given[sv->ngiven++] = (uint64_t)s;
    return (uint64_t)s;
}

/* A send capability to the device manager, badged privileged. */
static uint64_t devmgr_copy(struct service *sv)
{
    /* The same badge for every instance of a service: the drivers know a
     * client by the badge devmgr mints from it, so a restarted service's
     * open replaces its dead instance's (and its region) instead of taking
     * another client slot and another region out of the driver's DMA pool. */
    uint64_t s = devmgr_ep ? given_slot(sv) : 0;
    if (!s || sys_cap_copy(devmgr_ep, s, CAP_R_WRITE | CAP_R_GRANT,
                           DEVMGR_PRIV_BADGE | ((uint64_t)(sv - services) + 1)).ret != 0) {
        printf("init: %s: no device manager to give it; slot %d left empty", sv->name, SLOT_DEVMGR);
        return 0;
    }
    return s;
}

/* A send capability to init's control endpoint, badged for control. */
static uint64_t control_copy(struct service *sv)
{
    uint64_t s = given_slot(sv);
    if (!s || sys_cap_copy(supervisor_ep, s, CAP_R_WRITE, CONTROL_BADGE | (++badge_count & 0xffffffu)).ret != 0)
        return 0;
    return s;
}

/* A frame of the instance's (revoked with it) holding a copy of the boot
 * information; 0 if it cannot be made. */
static uint64_t bootinfo_copy(struct service *sv)
{
    uint64_t info = given_slot(sv);
    if (!info || sys_create(CAP_FRAME, info, 1).ret != 0)
        return 0;
    const uint64_t scratch = 0x0000003000000000ull;
    if (sys_map(info, RT_SLOT_SELF_PROCESS, scratch, CAP_R_READ | CAP_R_WRITE).ret != 0)
        return 0;
    memcpy((void *)scratch, boot, sizeof *boot);
    sys_unmap(RT_SLOT_SELF_PROCESS, scratch);
    return info;
}

/* The endpoint provides= names (made on first use, by provider or user,
 * and kept for good); 0 if it cannot be made. */
static uint64_t provided_ep(const char *name)
{
    for (unsigned i = 0; i < nprovided; i++)
        if (!strcmp(provided[i].name, name))
            return provided[i].ep;
    int ep = nprovided < MAX_PROVIDED ? rt_slot_alloc() : -1;
    if (ep < 0 || sys_create(CAP_ENDPOINT, (uint64_t)ep, 0).ret != 0) {
        printf("init: cannot make the endpoint '%s' (at most %u names)", name, MAX_PROVIDED);
        return 0;
    }
    memcpy(provided[nprovided].name, name, MANIFEST_NAME_MAX);
    provided[nprovided].ep = (uint64_t)ep;
    return provided[nprovided++].ep;
}

/* provides= and uses=: the receive capability, and badged send capabilities
 * (revoked with the instance; the endpoints stay). */
static bool named_endpoints(struct service *sv, struct capset *cs)
{
    if (sv->e.provides[0]) {
        uint64_t ep = provided_ep(sv->e.provides);
        if (!ep)
            return false;
        put(sv, cs, ep, PVK_SLOT_PROVIDED, CAP_R_READ);
    }
    for (uint32_t i = 0; i < sv->e.nuses; i++) {
        bool known = false;
        for (uint32_t k = 0; k < manifest.count; k++)
            known |= !strcmp(manifest.entries[k].provides, sv->e.uses[i]);
        if (!known && sv->t.generation <= 1)
            printf("init: %s uses '%s', which no manifest service provides; its calls will wait", sv->name,
                   sv->e.uses[i]);
        uint64_t ep = provided_ep(sv->e.uses[i]), s = ep ? given_slot(sv) : 0;
        if (!s || sys_cap_copy(ep, s, CAP_R_WRITE | CAP_R_GRANT,
                               PVK_BADGE_SERVICE_CLIENT | ((uint64_t)(sv - services) + 1)).ret != 0) {
            printf("init: %s: cannot give it '%s'", sv->name, sv->e.uses[i]);
            return false;
        }
        put(sv, cs, s, PVK_SLOT_USES(i), CAP_R_WRITE | CAP_R_GRANT);
    }
    return true;
}

/* The device manager's set: every device capability, its endpoint, a copy
 * of the boot information. */
static bool devices_caps(struct service *sv, struct capset *cs)
{
    if (devmgr_owner >= 0 && devmgr_owner != (int)(sv - services)) {
        printf("init: %s: the devices already belong to %s; not given twice", sv->name,
               services[devmgr_owner].name);
        return false;
    }
    if (!devmgr_ep) {
        int ep = rt_slot_alloc();
        if (ep < 0 || sys_create(CAP_ENDPOINT, (uint64_t)ep, 0).ret != 0)
            return false;
        devmgr_ep = (uint64_t)ep;   /* kept across instances: clients' copies derive from it */
    }
    devmgr_owner = (int)(sv - services);
    uint64_t info = bootinfo_copy(sv);
    if (!info)
        return false;
    put(sv, cs, info, DM_SLOT_BOOTINFO, CAP_R_READ);
    if (sv->e.caps & MANIFEST_CAP_BUNDLE)
        put(sv, cs, INIT_CAP_BUNDLE, DM_SLOT_BUNDLE, CAP_R_READ);
    put(sv, cs, INIT_CAP_IOPORT_ALL, DM_SLOT_IOPORT, CAP_R_ALL);
    put(sv, cs, INIT_CAP_MSI, DM_SLOT_MSI, CAP_R_ALL);
    put(sv, cs, devmgr_ep, DM_SLOT_EP, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT);
    if (test_run || (sv->e.caps & MANIFEST_CAP_PLATFORM))
        put(sv, cs, INIT_CAP_PLATFORM, DM_SLOT_PLATFORM, CAP_R_WRITE);
    for (unsigned i = 0; i < INIT_IRQ_COUNT; i++)
        if (sys_cap_info(INIT_CAP_IRQ_BASE + i).ret == CAP_IRQ)
            put(sv, cs, INIT_CAP_IRQ_BASE + i, INIT_CAP_IRQ_BASE + i, CAP_R_ALL);
    for (unsigned i = 0; i < boot->ndevmem && i < INIT_DEVMEM_MAX; i++)
        put(sv, cs, INIT_CAP_DEVMEM_BASE + i, INIT_CAP_DEVMEM_BASE + i, CAP_R_READ | CAP_R_WRITE);
    return true;
}

/* The demo endpoint: made once, kept across the demo pair's restarts. */
static bool demo_endpoint(void)
{
    if (demo_ep)
        return true;
    int ep = rt_slot_alloc(), client = rt_slot_alloc();
    if (ep < 0 || client < 0 || sys_create(CAP_ENDPOINT, (uint64_t)ep, 0).ret < 0 ||
        sys_cap_copy((uint64_t)ep, (uint64_t)client, CAP_R_WRITE, 0xc11e47).ret < 0)
        return false;
    demo_ep = (uint64_t)ep;
    demo_client_ep = (uint64_t)client;
    return true;
}

/* A manifest service's set, from its caps=. */
static bool service_caps(struct service *sv, struct capset *cs)
{
    uint32_t caps = sv->e.caps;
    if (caps & MANIFEST_CAP_DEVICES)
        return devices_caps(sv, cs);
    if ((caps & (MANIFEST_CAP_DEMO_SERVER | MANIFEST_CAP_DEMO_CLIENT)) && !demo_endpoint()) {
        printf("init: %s: cannot create the demo endpoint", sv->name);
        return false;
    }
    if (caps & MANIFEST_CAP_DEMO_SERVER)
        put(sv, cs, demo_ep, SLOT_DEMO, CAP_R_READ);
    if (caps & MANIFEST_CAP_DEMO_CLIENT)
        put(sv, cs, demo_client_ep, SLOT_DEMO, CAP_R_WRITE);
    if (caps & MANIFEST_CAP_PLATFORM)
        put(sv, cs, INIT_CAP_PLATFORM, SLOT_PLATFORM, CAP_R_ALL);
    if (caps & MANIFEST_CAP_BUNDLE)
        put(sv, cs, INIT_CAP_BUNDLE, SLOT_BUNDLE, CAP_R_READ);
    if (caps & MANIFEST_CAP_DEVMGR) {
        uint64_t dm = devmgr_copy(sv);
        if (dm)
            put(sv, cs, dm, SLOT_DEVMGR, CAP_R_WRITE | CAP_R_GRANT);
    }
    if (caps & MANIFEST_CAP_CONTROL) {
        uint64_t ctl = control_copy(sv);
        if (!ctl)
            return false;
        put(sv, cs, ctl, SLOT_CONTROL, CAP_R_WRITE);
    }
    if (caps & MANIFEST_CAP_BOOTINFO) {
        uint64_t info = bootinfo_copy(sv);
        if (!info)
            return false;
        put(sv, cs, info, PVK_SLOT_BOOTINFO, CAP_R_READ);
    }
    return named_endpoints(sv, cs);
}

/* A run= program's set: 3 platform, 4 bundle, 5 the device manager, 6 MSI
 * control, 7 device-memory window 0, 8 all I/O ports, 9 a spare ISA line
 * (absent where none is spare), 10 init's control endpoint, 12.. what
 * services= provides, 16 the boot information (read-only). */
static bool privileged_caps(struct service *sv, struct capset *cs)
{
    put(sv, cs, INIT_CAP_PLATFORM, SLOT_PLATFORM, CAP_R_ALL);
    put(sv, cs, INIT_CAP_BUNDLE, SLOT_BUNDLE, CAP_R_READ);
    if (devmgr_ep) {
        uint64_t dm = devmgr_copy(sv);
        if (dm)
            put(sv, cs, dm, SLOT_DEVMGR, CAP_R_WRITE | CAP_R_GRANT);
    }
    put(sv, cs, INIT_CAP_MSI, PRIV_SLOT_MSI, CAP_R_ALL);
    if (boot->ndevmem > 0)
        put(sv, cs, INIT_CAP_DEVMEM_BASE, PRIV_SLOT_DEVMEM, CAP_R_READ | CAP_R_WRITE);
    put(sv, cs, INIT_CAP_IOPORT_ALL, PRIV_SLOT_IOPORT, CAP_R_ALL);
    static const uint8_t spare[] = { 7, 6, 5, 3 };
    for (unsigned i = 0; i < sizeof spare; i++) {
        bool used = false;
        for (unsigned j = 0; j < boot->nmmio && j < INIT_MMIO_MAX; j++)
            used |= boot->mmio[j].gsi == spare[i];
        if (!used && sys_cap_info(INIT_CAP_IRQ_BASE + spare[i]).ret == CAP_IRQ) {
            put(sv, cs, INIT_CAP_IRQ_BASE + spare[i], PRIV_SLOT_IRQ, CAP_R_ALL);
            break;
        }
    }
    uint64_t ctl = control_copy(sv);
    if (ctl)
        put(sv, cs, ctl, SLOT_CONTROL, CAP_R_WRITE);
    uint64_t info = bootinfo_copy(sv);
    if (info)
        put(sv, cs, info, PVK_SLOT_BOOTINFO, CAP_R_READ);
    return named_endpoints(sv, cs);
}

/* ---- instances ---------------------------------------------------------- */

/* Everything derived for the instance (not the process itself). */
static void drop_given(struct service *sv)
{
    for (unsigned i = sv->ngiven; i-- > 0;) {
        sys_cap_revoke(sv->given[i]);
        sys_cap_delete(sv->given[i]);
        rt_slot_free((int)sv->given[i]);
    }
    sv->ngiven = 0;
}

/* Kills the running instance and takes back all of it: its thread and
 * process (their memory returns to init's quota) and every capability it
 * was given. */
static void teardown(struct service *sv)
{
    if (sv->running) {
        sys_thread_ctl(sv->s.thread_slot, SYS_THREAD_DEATH_NTFN, 0);   /* we know */
        sys_thread_ctl(sv->s.thread_slot, SYS_THREAD_KILL, 0);
        sys_cap_revoke(sv->s.thread_slot);
        sys_cap_revoke(sv->s.process_slot);
        sys_cap_delete(sv->s.thread_slot);
        sys_cap_delete(sv->s.process_slot);
        rt_slot_free((int)sv->s.thread_slot);
        rt_slot_free((int)sv->s.process_slot);
        if (sv->s.stack_slot) {
            sys_cap_delete(sv->s.stack_slot);
            rt_slot_free((int)sv->s.stack_slot);
            sv->s.stack_slot = 0;
        }
        sv->running = false;
    }
    drop_given(sv);
}

static void service_ended(struct service *sv, enum pvk_svc_failure why, uint32_t vector, uint64_t address,
                          uint32_t exit_status);

/* What init keeps for itself when run= programs share what is left. */
#define RUN_INIT_RESERVE (2ull << 20)
static unsigned run_programs_left;     /* run= programs not started yet (this one included) */

static uint64_t child_quota(const struct service *sv)
{
    if (sv->privileged) {
        /* An equal share of what the device manager and services= left. */
        struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
        uint64_t left = q.r[1] > q.r[0] + RUN_INIT_RESERVE ? q.r[1] - q.r[0] - RUN_INIT_RESERVE : 0;
        return left / (run_programs_left ? run_programs_left : 1);
    }
    if (sv->e.caps & MANIFEST_CAP_DEVICES) {
        uint64_t third = boot->quota_bytes / 3, q = sv->e.quota < DEVMGR_QUOTA_MAX ? sv->e.quota : DEVMGR_QUOTA_MAX;
        return third < q ? third : q;
    }
    return sv->e.quota;
}

/* Starts a fresh instance from the bundle, with its capabilities derived
 * again. A failure to start counts as a failure (PVK_FAIL_START). */
static void launch(struct service *sv)
{
    uint64_t t0 = now_ns();
    svc_started(&sv->t, t0);
    struct capset cs = { .n = 0 };
    bool ok = sv->privileged ? privileged_caps(sv, &cs) : service_caps(sv, &cs);
    long rc = SYS_ENOMEM;
    if (ok) {
        uint64_t arg = sv->e.arg;
        if (sv->privileged)
            arg = ((boot->bundle_vaddr & 0xfff) << 48) | boot->bundle_size;
        struct spawn_args a = {
            .bundle = bundle, .bundle_size = boot->bundle_size, .name = sv->e.program,
            .quota = child_quota(sv), .priority = sv->e.priority, .arg = arg,
            .fault_ep = supervisor_ep, .fault_badge = (uint64_t)(sv - services) + 1,
            .caps = cs.c, .ncaps = cs.n, .keep_stack = sv->privileged,    /* for run_faulted's backtrace */
        };
        rc = spawn(&a, &sv->s);
    }
    if (rc < 0) {
        if (rc == SYS_ENOMEM)
            printf("init: cannot start %s (generation %u): out of memory (it needs a quota of %llu KiB)", sv->name,
                   sv->t.generation, (unsigned long long)(child_quota(sv) >> 10));
        else
            printf("init: cannot start %s (generation %u): error %ld", sv->name, sv->t.generation, rc);
        drop_given(sv);
        if (sv->critical) {
            char why[64];
            snprintf(why, sizeof why, "%s could not start", sv->name);
            run_system_failed(why);
        }
        service_ended(sv, PVK_FAIL_START, 0, 0, 0);
        return;
    }
    sv->running = true;
    /* Its death, however it comes, is signalled to init (bit: its index). */
    int bit = rt_slot_alloc();
    if (bit >= 0 && sys_cap_copy(death_ntfn, (uint64_t)bit, CAP_R_WRITE, 1ull << (sv - services)).ret == 0)
        sys_thread_ctl(sv->s.thread_slot, SYS_THREAD_DEATH_NTFN, (uint64_t)bit);
    if (bit >= 0) {
        sys_cap_delete((uint64_t)bit);      /* the thread holds its own reference */
        rt_slot_free(bit);
    }
    uint64_t t1 = now_ns();
    sv->running_at = t1;
    if (sv->t.failed_at)
        printf("init: %s restarted (restart %u), %llu us after the failure (generation %u)", sv->name,
               sv->t.restarts, us(t1 - sv->t.failed_at), sv->t.generation);
    else
        printf("init: started %s (generation %u) in %llu us", sv->name, sv->t.generation, us(t1 - t0));
}

/* The names of the services whose depends= names sv, into buf. */
static void dependents(const struct service *sv, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < nservices; i++)
        for (uint32_t k = 0; k < services[i].e.ndepends; k++)
            if (strcmp(services[i].e.depends[k], sv->e.name) == 0 && len + 2 < size)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", services[i].name);
    if (!len)
        strlcpy(buf, "none", size);
}

/* The instance ended (already torn down): restart it or not. */
static void service_ended(struct service *sv, enum pvk_svc_failure why, uint32_t vector, uint64_t address,
                          uint32_t exit_status)
{
    uint64_t now = now_ns();
    enum svc_action a = svc_failed(&sv->t, &sv->e, why, vector, address, exit_status, now);
    switch (a) {
    case SVC_RESTART_NOW:
        launch(sv);
        break;
    case SVC_RESTART_LATER:
        printf("init: %s: %u failures in a row; restarting in %llu ms", sv->name, sv->t.streak,
               (unsigned long long)((sv->t.restart_at - now) / NS_PER_MS));
        break;
    case SVC_GIVE_UP: {
        char deps[128];
        dependents(sv, deps, sizeof deps);
        printf("init: %s FAILED for good after %u failures in a row; dependents: %s", sv->name, sv->t.streak,
               deps);
        break;
    }
    case SVC_LEAVE_STOPPED:
        printf("init: %s stopped (restart=%s)", sv->name,
               sv->e.restart == RESTART_NEVER ? "never" : "on-failure, clean exit");
        break;
    }
}

static void faulted(struct service *sv, struct msg *m)
{
    uint32_t vector = (uint32_t)m->mr[FAULT_MR_VECTOR];
    uint64_t addr = m->mr[FAULT_MR_ADDR];
    printf("init: %s CRASHED (generation %u): vector %u, error %#llx, address %#llx, rip %#llx", sv->name,
           sv->t.generation, vector, (unsigned long long)m->mr[FAULT_MR_ERROR], (unsigned long long)addr,
           (unsigned long long)m->mr[FAULT_MR_IP]);
    sys_thread_ctl(sv->s.thread_slot, SYS_THREAD_DEATH_NTFN, 0);
    if (sv->privileged)         /* a run= program: registers, the status line, power-off */
        run_faulted(sv->name, sv->s.thread_slot, sv->s.stack_slot, m);
    m->tag = TAG(1, 0, 0);      /* non-zero label: the kernel kills the thread */
    ipc_reply(m);
    if (sv->critical) {
        char why[64];
        snprintf(why, sizeof why, "%s crashed", sv->name);
        run_system_failed(why);
    }
    teardown(sv);
    service_ended(sv, PVK_FAIL_CRASH, vector, addr, 0);
}

static void deaths(uint64_t bits)
{
    for (unsigned i = 0; i < nservices; i++) {
        struct service *sv = &services[i];
        if (!(bits >> i & 1) || !sv->running || sys_thread_ctl(sv->s.thread_slot, 0, 0).ret != SYS_EDEAD)
            continue;
        if (sv == run_main)
            run_main_ended(sv->name, sv->s.thread_slot);
        /* restart=on-failure restarts after a non-zero status or a kill,
         * not after status 0. */
        struct sys_result st = sys_thread_ctl(sv->s.thread_slot, SYS_THREAD_EXIT_STATUS, 0);
        uint32_t status = st.ret == SYS_THREAD_ENDED_EXIT ? (uint32_t)(st.r[0] & 0xff) : 256;
        if (st.ret == SYS_THREAD_ENDED_EXIT)
            printf("init: %s exited with status %u (generation %u)", sv->name, status, sv->t.generation);
        else
            printf("init: %s was killed (generation %u)", sv->name, sv->t.generation);
        teardown(sv);
        service_ended(sv, PVK_FAIL_EXIT, 0, 0, status);
    }
}

/* Back-offs due and services that settled; the next time (0: none). */
static uint64_t tick(uint64_t now)
{
    uint64_t next = 0;
    for (unsigned i = 0; i < nservices; i++) {
        struct service *sv = &services[i];
        uint64_t t = 0;
        if (sv->t.state == PVK_SVC_BACKOFF) {
            if (svc_due(&sv->t, now)) {
                launch(sv);
                now = now_ns();
                t = sv->running ? sv->running_at + SETTLE_MS * NS_PER_MS : sv->t.restart_at;
            } else {
                t = sv->t.restart_at;
            }
        } else if (sv->t.state == PVK_SVC_STARTING && sv->running) {
            uint64_t settled = sv->running_at + SETTLE_MS * NS_PER_MS;
            if (now >= settled)
                svc_ready(&sv->t, sv->running_at);  /* recovery: failure -> fresh instance running */
            else
                t = settled;
        }
        if (t && (!next || t < next))
            next = t;
    }
    return next;
}

/* ---- control ------------------------------------------------------------ */

static struct service *by_name(const uint64_t mr[2])
{
    char name[17];
    pvk_name_unpack(mr, name);
    for (unsigned i = 0; i < nservices; i++)
        if (strcmp(services[i].name, name) == 0)
            return &services[i];
    return NULL;
}

static void control(struct msg *m)
{
    uint64_t op = TAG_LABEL(m->tag), badge = m->badge;
    struct service *sv = NULL;
    if (op == SUP_LIST)
        sv = m->mr[0] < nservices ? &services[m->mr[0]] : NULL;
    else
        sv = by_name(m->mr);
    m->tag = TAG(0, 1, 0);
    if (!sv) {
        m->mr[0] = (uint64_t)SYS_ENOENT;
        return;
    }
    const struct svc_track *t = &sv->t;
    switch (op) {
    case SUP_LIST: {
        uint64_t w[SUP_LIST_LEN];
        svc_list_words(t, sv->name, t->state, w);
        msg_set_words(m, 0, w, SUP_LIST_LEN);
        return;
    }
    case SUP_STATS: {
        uint64_t w[SVC_STATS_WORDS];
        svc_stats_words(t, sys_quota(RT_SLOT_SELF_PROCESS).r[0], w);
        msg_set_words(m, 0, w, SVC_STATS_WORDS);
        return;
    }
    default:
        break;
    }
    const char *what = op == SUP_STOP ? "a stop" : op == SUP_START ? "a start" : "a restart";
    if (!IS_CONTROL(badge)) {
        refused(what, op, badge);
        m->mr[0] = (uint64_t)SYS_ERIGHTS;
        return;
    }
    if (sv->e.caps & MANIFEST_CAP_DEVICES && op != SUP_START) {
        /* Its drivers would be orphaned: not supported. */
        printf("init: refused %s of %s: the device manager is not stopped or restarted", what, sv->name);
        m->mr[0] = (uint64_t)SYS_EBUSY;
        return;
    }
    m->mr[0] = 0;
    if (op == SUP_STOP) {
        bool was = sv->running;
        teardown(sv);
        svc_stopped(&sv->t);
        if (was)
            printf("init: %s stopped on request (generation %u)", sv->name, sv->t.generation);
    } else if (op == SUP_START) {
        if (sv->running || sv->missing) {
            m->mr[0] = (uint64_t)(sv->running ? SYS_EEXIST : SYS_ENOENT);
            return;
        }
        sv->t.streak = 0;           /* a person asked: the give-up count starts over */
        sv->t.failed_at = 0;
        printf("init: %s: start asked for", sv->name);
        launch(sv);
        if (!sv->running)
            m->mr[0] = (uint64_t)SYS_ENOENT;
    } else if (sv->missing) {
        m->mr[0] = (uint64_t)SYS_ENOENT;
    } else {
        printf("init: %s: restart asked for (generation %u)", sv->name, sv->t.generation);
        teardown(sv);
        sv->t.failed_at = 0;        /* recovery measured from this request */
        service_ended(sv, PVK_FAIL_STOPPED, 0, 0, 0);
        if (!sv->running)
            m->mr[0] = (uint64_t)SYS_ENOENT;
    }
}

/* Handles one message and replies (init never blocks on a sender). */
static void handle(struct msg *m)
{
    uint64_t label = TAG_LABEL(m->tag), badge = m->badge;
    if (label == LABEL_NOTIFY && badge == 0) {
        deaths(m->mr[0]);
        return;
    }
    if (label == LABEL_FAULT && badge >= 1 && badge <= nservices && services[badge - 1].running) {
        faulted(&services[badge - 1], m);
        return;
    }
    if (label == LABEL_FAULT) {
        refused("a fault message from no running service", label, badge);
        m->tag = TAG(1, 0, 0);
        ipc_reply(m);
        return;
    }
    switch (label) {
    case SUP_LIST:
    case SUP_STATS:
    case SUP_STOP:
    case SUP_START:
    case SUP_RESTART:
        control(m);
        ipc_reply(m);
        return;
    default:
        refused("an unknown message", label, badge);
        m->tag = TAG(SERVER_EBADOP, 1, 0);
        m->mr[0] = (uint64_t)SYS_EINVAL;
        ipc_reply(m);
        return;
    }
}

/* ---- start-up ----------------------------------------------------------- */

/* The default manifest, used when the bundle has none. */
static const char fallback_manifest[] =
    "service devmgr program=devmgr priority=70 quota=64M restart=never caps=devices,bundle\n"
    "service demo-server program=demo arg=0 caps=demo-server restart=on-failure\n"
    "service demo-client program=demo arg=1 caps=demo-client restart=never depends=demo-server\n";

static void load_manifest(void)
{
    struct cpio_entry e;
    const char *text = fallback_manifest;
    size_t len = sizeof fallback_manifest - 1;
    if (cpio_find(bundle, boot->bundle_size, "manifest", &e) == CPIO_OK) {
        text = (const char *)e.data;
        len = e.size;
    } else {
        printf("init: no manifest in the bundle; built-in defaults (devmgr and the demo pair)");
    }
    manifest_parse(text, len, &manifest);
    for (uint32_t i = 0; i < manifest.nerrors; i++)
        printf("init: manifest line %u: %s; line skipped", manifest.errors[i].line, manifest.errors[i].text);
    if (manifest.bad_lines > manifest.nerrors)
        printf("init: manifest: %u more bad lines skipped", manifest.bad_lines - manifest.nerrors);
}

static struct service *add(const struct manifest_entry *e, const char *name)
{
    if (nservices == MAX_SERVICES) {
        printf("init: too many services; %s not started", name);
        return NULL;
    }
    struct service *sv = &services[nservices++];
    memset(sv, 0, sizeof *sv);
    if (e)
        sv->e = *e;
    else
        manifest_defaults(&sv->e, MANIFEST_SERVICE, name);
    strlcpy(sv->name, name, sizeof sv->name);
    return sv;
}

/* Adds and starts a manifest service (or reports its missing program). */
static void start_entry(const struct manifest_entry *e)
{
    struct service *sv = add(e, e->name);
    if (!sv)
        return;
    struct cpio_entry ce;
    if (cpio_find(bundle, boot->bundle_size, e->program, &ce) != CPIO_OK) {
        printf("init: manifest line %u: service %s: no program '%s' in the bundle; not started", e->line, e->name,
               e->program);
        sv->missing = true;
        sv->t.state = PVK_SVC_FAILED;
        sv->t.last_failure = PVK_FAIL_START;
        return;
    }
    launch(sv);
}

/* The device manager for a run= boot: its manifest line, else defaults. */
static void start_devmgr_for_run(void)
{
    const struct manifest_entry *e = manifest_find(&manifest, MANIFEST_SERVICE, "devmgr");
    struct manifest_entry d;
    if (!e) {
        manifest_defaults(&d, MANIFEST_SERVICE, "devmgr");
        d.priority = 70;
        d.quota = DEVMGR_QUOTA_MAX;
        d.restart = RESTART_NEVER;
        d.caps = MANIFEST_CAP_DEVICES | MANIFEST_CAP_BUNDLE;
        e = &d;
    }
    struct cpio_entry ce;
    if (cpio_find(bundle, boot->bundle_size, e->program, &ce) != CPIO_OK)
        return;
    struct service *sv = add(e, e->name);
    if (!sv)
        return;
    sv->critical = true;
    launch(sv);
}

static void start_run_program(const char *name)
{
    struct service *sv = add(NULL, name);
    if (!sv)
        run_system_failed("too many run= programs");
    strlcpy(sv->e.program, name, sizeof sv->e.program);
    sv->e.restart = RESTART_NEVER;
    sv->e.priority = 50;
    sv->privileged = sv->critical = true;
    memcpy(sv->e.uses, run_uses, sizeof run_uses);
    sv->e.nuses = run_nuses;
    if (!run_main)
        run_main = sv;
    launch(sv);
    if (run_programs_left)
        run_programs_left--;
}

/* services=a,b on a run= boot: starts those manifest services (by
 * name) and notes what each provides, for the run= programs' uses. */
static void start_services_for_run(char *list)
{
    char *name = list;
    for (char *p = list;; p++) {
        if (*p != ',' && *p != '\0')
            continue;
        bool last = *p == '\0';
        *p = '\0';
        const struct manifest_entry *e = *name ? manifest_find(&manifest, MANIFEST_SERVICE, name) : NULL;
        if (*name && !e)
            printf("init: services=: no service '%s' in the manifest; not started", name);
        if (e && e->provides[0] && run_nuses < MANIFEST_MAX_USES)
            strlcpy(run_uses[run_nuses++], e->provides, MANIFEST_NAME_MAX);
        else if (e && e->provides[0])
            printf("init: services=: more than %u services provide endpoints; '%s' is not given to run= programs",
                   MANIFEST_MAX_USES, name);
        if (e)
            start_entry(e);
        if (last)
            break;
        name = p + 1;
    }
}

/* run=demo: the device manager and the demo pair, unprivileged. */
static void start_demo_pair(void)
{
    static const char *const names[] = { "demo-server", "demo-client" };
    for (unsigned i = 0; i < 2; i++) {
        const struct manifest_entry *e = manifest_find(&manifest, MANIFEST_SERVICE, names[i]);
        struct manifest_entry d;
        if (!e) {
            manifest_defaults(&d, MANIFEST_SERVICE, names[i]);
            strlcpy(d.program, "demo", sizeof d.program);
            d.arg = i;
            d.caps = i ? MANIFEST_CAP_DEMO_CLIENT : MANIFEST_CAP_DEMO_SERVER;
            d.restart = i ? RESTART_NEVER : RESTART_ON_FAILURE;
            e = &d;
        }
        start_entry(e);
    }
}

int main(uint64_t arg)
{
    boot = (const struct init_bootinfo *)arg;
    if (boot->magic != INIT_BOOTINFO_MAGIC)
        rt_panic("init: bad boot information at %#llx", (unsigned long long)arg);
    rt_slot_set_first((int)boot->first_free_slot);
    bundle = (const void *)boot->bundle_vaddr;
    printf("init: up; bundle %llu bytes, quota %llu MiB, command line \"%s\"",
           (unsigned long long)boot->bundle_size, (unsigned long long)(boot->quota_bytes >> 20), boot->cmdline);
    int sup = rt_slot_alloc(), n = rt_slot_alloc();
    if (sup < 0 || sys_create(CAP_ENDPOINT, (uint64_t)sup, 0).ret < 0)
        rt_panic("init: cannot create the supervisor endpoint");
    if (n < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)n, 0).ret != 0 || sys_ntfn_bind((uint64_t)n).ret != 0)
        rt_panic("init: cannot create the death notification");
    supervisor_ep = (uint64_t)sup;
    death_ntfn = (uint64_t)n;
    load_manifest();

    char run[128];
    test_run = cmdline_get(boot->cmdline, "run", run, sizeof run);
    char devices[8];
    bool no_devices = cmdline_get(boot->cmdline, "devices", devices, sizeof devices) && strcmp(devices, "off") == 0;
    if (!test_run) {
        for (uint32_t i = 0; i < manifest.count; i++) {
            const struct manifest_entry *e = &manifest.entries[i];
            if (e->kind != MANIFEST_SERVICE)
                continue;
            if (no_devices && (e->caps & MANIFEST_CAP_DEVICES)) {
                printf("init: %s not started (devices=off)", e->name);
                continue;
            }
            start_entry(e);
        }
    } else {
        if (!no_devices)
            start_devmgr_for_run();
        char with[128];
        if (cmdline_get(boot->cmdline, "services", with, sizeof with))
            start_services_for_run(with);
        if (strcmp(run, "demo") == 0) {
            start_demo_pair();
        } else {
            run_programs_left = 1;
            for (const char *p = run; *p; p++)
                run_programs_left += *p == ',';
            char *name = run;
            for (char *p = run;; p++) {
                if (*p == ',' || *p == '\0') {
                    bool last = *p == '\0';
                    *p = '\0';
                    if (*name)
                        start_run_program(name);
                    if (last)
                        break;
                    name = p + 1;
                }
            }
        }
    }
    struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
    printf("init: %u services; supervising (quota used %llu KiB)", nservices, (unsigned long long)(q.r[0] >> 10));

    for (;;) {
        uint64_t next = tick(now_ns());
        struct msg m;
        rt_ipc_buffer()->recv_slot = 0;     /* init accepts no capabilities */
        if (ipc_recv_until(supervisor_ep, next, &m) < 0)
            continue;
        handle(&m);
    }
}
