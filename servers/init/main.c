/* init: the first process. The kernel gives it the boot bundle, all the
 * memory left (as quota) and the machine's capabilities; init starts the
 * services named on the kernel command line (run=NAME,...; default: the
 * demo pair) from the bundle with their own ELF images and only the
 * capabilities they need, then supervises them: a fault in a child comes
 * to init as a message, and init reports it and stops that child. */
#include "cmdline.h"
#include "cpio.h"
#include "runtime.h"
#include "spawn.h"
#include "pvk/devinfo.h"

#define CHILD_QUOTA (4u << 20)
#define CHILD_PRIORITY 50
#define MAX_CHILDREN 8
#define DEVMGR_QUOTA (64u << 20)
#define DEVMGR_PRIORITY 70

static const struct init_bootinfo *boot;
static const void *bundle;
static uint64_t supervisor_ep;
static uint64_t devmgr_ep;      /* the device manager's endpoint (0: not running) */

struct child {
    char name[32];
    struct spawned s;
    bool critical;      /* a fault ends the system (test runs) */
};
static struct child children[MAX_CHILDREN];
static unsigned nchildren;

static struct child *start_at(const char *name, uint64_t arg, uint64_t quota, unsigned priority,
                              const struct spawn_caps *caps, unsigned ncaps)
{
    if (nchildren == MAX_CHILDREN)
        rt_panic("init: too many children");
    struct child *c = &children[nchildren];
    strlcpy(c->name, name, sizeof c->name);
    struct spawn_args a = {
        .bundle = bundle, .bundle_size = boot->bundle_size, .name = name, .quota = quota,
        .priority = priority, .arg = arg, .fault_ep = supervisor_ep,
        .fault_badge = nchildren + 1, .caps = caps, .ncaps = ncaps,
    };
    long rc = spawn(&a, &c->s);
    if (rc < 0) {
        printf("init: cannot start %s: error %ld", name, rc);
        return NULL;
    }
    printf("init: started %s as process slot %llu", name, (unsigned long long)c->s.process_slot);
    nchildren++;
    return c;
}

static struct child *start(const char *name, uint64_t arg, uint64_t quota, const struct spawn_caps *caps,
                           unsigned ncaps)
{
    return start_at(name, arg, quota, CHILD_PRIORITY, caps, ncaps);
}

/* The demo: a server and a client in two processes, talking over one
 * endpoint (server: receive right; client: send right, badged). */
static void start_demo(void)
{
    int ep = rt_slot_alloc(), client_ep = rt_slot_alloc();
    if (ep < 0 || client_ep < 0 || sys_create(CAP_ENDPOINT, (uint64_t)ep, 0).ret < 0 ||
        sys_cap_copy((uint64_t)ep, (uint64_t)client_ep, CAP_R_WRITE, 0xc11e47).ret < 0)
        rt_panic("init: cannot create the demo endpoint");
    struct spawn_caps server_caps[] = { { (uint64_t)ep, 3, CAP_R_READ } };
    struct spawn_caps client_caps[] = { { (uint64_t)client_ep, 3, CAP_R_WRITE } };
    start("demo", 0, CHILD_QUOTA, server_caps, 1);
    start("demo", 1, CHILD_QUOTA, client_caps, 1);
}

/* The device manager, if the bundle has one: it gets every device
 * capability (device memory, interrupt lines, MSI, I/O ports), the bundle
 * (it starts the drivers) and a copy of the boot information. */
static void start_devmgr(bool test_run)
{
    struct cpio_entry e;
    if (cpio_find(bundle, boot->bundle_size, "devmgr", &e) != CPIO_OK)
        return;
    int info = rt_slot_alloc(), ep = rt_slot_alloc();
    if (info < 0 || ep < 0 || sys_create(CAP_FRAME, (uint64_t)info, 1).ret != 0 ||
        sys_create(CAP_ENDPOINT, (uint64_t)ep, 0).ret != 0)
        rt_panic("init: cannot set up the device manager");
    const uint64_t scratch = 0x0000003000000000ull;
    if (sys_map((uint64_t)info, RT_SLOT_SELF_PROCESS, scratch, CAP_R_READ | CAP_R_WRITE).ret != 0)
        rt_panic("init: cannot map the device manager's boot information");
    memcpy((void *)scratch, boot, sizeof *boot);
    sys_unmap(RT_SLOT_SELF_PROCESS, scratch);
    struct spawn_caps caps[8 + INIT_IRQ_COUNT + INIT_DEVMEM_MAX];
    unsigned n = 0;
    caps[n++] = (struct spawn_caps){ (uint64_t)info, 3, CAP_R_READ };
    caps[n++] = (struct spawn_caps){ INIT_CAP_BUNDLE, 4, CAP_R_READ };
    caps[n++] = (struct spawn_caps){ INIT_CAP_IOPORT_ALL, 5, CAP_R_ALL };
    caps[n++] = (struct spawn_caps){ INIT_CAP_MSI, 6, CAP_R_ALL };
    caps[n++] = (struct spawn_caps){ (uint64_t)ep, 7, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT };
    if (test_run)
        caps[n++] = (struct spawn_caps){ INIT_CAP_PLATFORM, 8, CAP_R_WRITE };
    for (unsigned i = 0; i < INIT_IRQ_COUNT; i++)
        if (sys_cap_info(INIT_CAP_IRQ_BASE + i).ret == CAP_IRQ)
            caps[n++] = (struct spawn_caps){ INIT_CAP_IRQ_BASE + i, INIT_CAP_IRQ_BASE + i, CAP_R_ALL };
    for (unsigned i = 0; i < boot->ndevmem && i < INIT_DEVMEM_MAX; i++)
        caps[n++] = (struct spawn_caps){ INIT_CAP_DEVMEM_BASE + i, INIT_CAP_DEVMEM_BASE + i, CAP_R_READ | CAP_R_WRITE };
    uint64_t quota = boot->quota_bytes / 3 < DEVMGR_QUOTA ? boot->quota_bytes / 3 : DEVMGR_QUOTA;
    struct child *c = start_at("devmgr", 0, quota, DEVMGR_PRIORITY, caps, n);
    if (c) {
        c->critical = test_run;
        devmgr_ep = (uint64_t)ep;
    }
}

/* A program that gets the platform (power-off), the bundle and the device
 * manager's endpoint: the test suite and benchmarks. Its fault ends the
 * run with a failure status. Slots: 3 platform, 4 bundle, 5 the device
 * manager (PVK_SLOT_DEVMGR_CLIENT), 6 MSI control, 7 device-memory window
 * 0 (read, write), 8 all I/O ports, 9 a spare ISA interrupt line (absent
 * where none is spare). */
#define PRIV_SLOT_MSI    6
#define PRIV_SLOT_DEVMEM 7
#define PRIV_SLOT_IOPORT 8
#define PRIV_SLOT_IRQ    9
static void start_privileged(const char *name)
{
    static unsigned count;
    int dm = rt_slot_alloc();
    if (dm < 0 || !devmgr_ep || sys_cap_copy(devmgr_ep, (uint64_t)dm, CAP_R_WRITE | CAP_R_GRANT,
                                              0xc10000ull | ++count).ret != 0)
        dm = 0;
    struct spawn_caps caps[8] = {
        { INIT_CAP_PLATFORM, 3, CAP_R_ALL },
        { INIT_CAP_BUNDLE, 4, CAP_R_READ },
    };
    unsigned n = 2;
    if (dm)
        caps[n++] = (struct spawn_caps){ (uint64_t)dm, PVK_SLOT_DEVMGR_CLIENT, CAP_R_WRITE | CAP_R_GRANT };
    /* For the kernel's device tests: MSI control, the first device-memory
     * window, the I/O ports, and one ISA line no virtio-mmio slot uses. */
    caps[n++] = (struct spawn_caps){ INIT_CAP_MSI, PRIV_SLOT_MSI, CAP_R_ALL };
    if (boot->ndevmem > 0)
        caps[n++] = (struct spawn_caps){ INIT_CAP_DEVMEM_BASE, PRIV_SLOT_DEVMEM, CAP_R_READ | CAP_R_WRITE };
    caps[n++] = (struct spawn_caps){ INIT_CAP_IOPORT_ALL, PRIV_SLOT_IOPORT, CAP_R_ALL };
    static const uint8_t spare[] = { 7, 6, 5, 3 };
    for (unsigned i = 0; i < sizeof spare; i++) {
        bool used = false;
        for (unsigned j = 0; j < boot->nmmio && j < INIT_MMIO_MAX; j++)
            used |= boot->mmio[j].gsi == spare[i];
        if (!used && sys_cap_info(INIT_CAP_IRQ_BASE + spare[i]).ret == CAP_IRQ) {
            caps[n++] = (struct spawn_caps){ INIT_CAP_IRQ_BASE + spare[i], PRIV_SLOT_IRQ, CAP_R_ALL };
            break;
        }
    }
    uint64_t quota = boot->quota_bytes / 2;
    uint64_t arg = ((boot->bundle_vaddr & 0xfff) << 48) | boot->bundle_size;
    struct child *c = start(name, arg, quota, caps, n);
    if (c)
        c->critical = true;
    else
        sys_poweroff(INIT_CAP_PLATFORM, 1);
}

/* Receives fault messages from children forever. */
static _Noreturn void supervise(void)
{
    for (;;) {
        struct msg m;
        if (ipc_recv(supervisor_ep, &m) < 0)
            continue;
        if (TAG_LABEL(m.tag) != LABEL_FAULT || m.badge == 0 || m.badge > nchildren) {
            m.tag = TAG(1, 0, 0);
            ipc_reply(&m);
            continue;
        }
        struct child *c = &children[m.badge - 1];
        printf("init: %s faulted: vector %llu, error %#llx, address %#llx, rip %#llx; stopping it", c->name,
               (unsigned long long)m.mr[FAULT_MR_VECTOR], (unsigned long long)m.mr[FAULT_MR_ERROR],
               (unsigned long long)m.mr[FAULT_MR_ADDR], (unsigned long long)m.mr[FAULT_MR_IP]);
        m.tag = TAG(1, 0, 0);   /* non-zero label: the kernel kills the thread */
        ipc_reply(&m);
        if (c->critical) {
            printf("init: %s was critical; powering off with failure", c->name);
            sys_poweroff(INIT_CAP_PLATFORM, 1);
        }
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
    int sup = rt_slot_alloc();
    if (sup < 0 || sys_create(CAP_ENDPOINT, (uint64_t)sup, 0).ret < 0)
        rt_panic("init: cannot create the supervisor endpoint");
    supervisor_ep = (uint64_t)sup;

    char run[128];
    bool have_run = cmdline_get(boot->cmdline, "run", run, sizeof run);
    char devices[8];
    if (!cmdline_get(boot->cmdline, "devices", devices, sizeof devices) || strcmp(devices, "off") != 0)
        start_devmgr(have_run);
    if (!have_run || strcmp(run, "demo") == 0) {
        start_demo();
    } else {
        char *name = run;
        for (char *p = run;; p++) {
            if (*p == ',' || *p == '\0') {
                bool last = *p == '\0';
                *p = '\0';
                if (*name)
                    start_privileged(name);
                if (last)
                    break;
                name = p + 1;
            }
        }
    }
    supervise();
}
