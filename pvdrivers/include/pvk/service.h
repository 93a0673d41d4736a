/* Supervision: the protocol every supervisor (init for the services,
 * devmgr for the drivers) speaks, the states a service goes through, and
 * what a restarted service means to its clients. Shared by init, devmgr,
 * the drivers, the client libraries, the shell and the tests.
 *
 * Generations. Every start of a service is a new generation (1, 2, ...).
 * A client's capability to a service carries the generation it was opened
 * against (PVK_BADGE_GEN), and so does every shared ring (pvk_ring_hdr.
 * epoch = the driver's generation, written at open). When an instance
 * stops, its service endpoint is revoked (calls fail with SYS_EDEAD or
 * SYS_ENOCAP) and every client that looked it up with a notification gets
 * PVK_NTFN_PEER_RESTARTED signalled on it: nobody waits on a dead peer.
 * The client libraries turn all three into PVK_EPEER_RESTARTED, look the
 * service up again by name and re-handshake. A lookup answered SYS_EBUSY
 * (restarting) keeps the notification it carried, and the supervisor
 * signals PVK_NTFN_PEER_READY on it when the new instance is ready (or the
 * service failed for good or was stopped), so clients wait for the
 * restart instead of polling.
 *
 * Heartbeats. A supervised driver hands its supervisor, with DEVMGR_READY,
 * a capability to its own notification badged PVK_NTFN_PING; the
 * supervisor signals it once per heartbeat period and the driver answers
 * by signalling PVK_SLOT_HEARTBEAT (the supervisor's notification, badged
 * for that driver). A ping still unanswered one period later: the service
 * is hung, killed and restarted. */
#ifndef PVK_SERVICE_H
#define PVK_SERVICE_H

#include <stdint.h>

/* Errors above the kernel's SYS_E* (user-level protocols). */
#define PVK_EPEER_RESTARTED (-64)   /* the peer restarted: re-open and re-issue */
#define PVK_EFAILED         (-65)   /* the service failed for good (gave up restarting it) */
#define PVK_ESTOPPED        (-66)   /* the service was stopped by a person or a test */

/* Notification bits with a fixed meaning. */
#define PVK_NTFN_PEER_READY      (1ull << 61)   /* a client's notification: the service it waits for is
                                                   ready again (or failed for good, or stopped: look it up) */
#define PVK_NTFN_PING            (1ull << 62)   /* a driver's own notification: supervisor asks "alive?" */
#define PVK_NTFN_PEER_RESTARTED  (1ull << 63)   /* a client's notification: the peer it opened died */

/* Badges devmgr mints on a driver's service endpoint for clients. */
#define PVK_BADGE_CLIENT   0xc0000000ull           /* bits 31..30 = 11: a client */
#define PVK_BADGE_INJECT   (1ull << 40)            /* may arm fault injection (test programs only) */
#define PVK_BADGE_GEN(b)   (((b) >> 16) & 0x3fffu) /* generation it was opened against (mod 2^14) */
#define PVK_BADGE_CLIENT_ID(b) ((b) & 0xffffu)

/* Services' own endpoints (manifest provides= / uses=). init makes one
 * endpoint per provided name, once, and keeps it across the provider's
 * restarts, so users' capabilities stay valid: a call queued while the
 * provider restarts is answered by the next instance, and a call whose
 * provider died before replying returns SYS_EDEAD. A provider receives in
 * PVK_SLOT_PROVIDED; a user gets send+grant capabilities in
 * PVK_SLOT_USES(0..3), in the order its uses= lists them, each badged
 * PVK_BADGE_SERVICE_CLIENT | (its index in init's table + 1), the same for
 * every instance of the user. caps=bootinfo puts a read-only copy of the
 * boot information (struct init_bootinfo: the kernel command line) in
 * PVK_SLOT_BOOTINFO. */
#define PVK_SLOT_PROVIDED   11
#define PVK_SLOT_USES(i)    (12u + (i))
#define PVK_SLOT_BOOTINFO   16
#define PVK_BADGE_SERVICE_CLIENT 0x5e000000ull
#define PVK_BADGE_SERVICE_USER(b) ((uint32_t)((b) & 0xffffu))   /* the user's index + 1 */

/* What a program started with run= on the kernel command line (as pvk-run
 * does) finds in its slots. Its main() argument says where the boot bundle
 * starts in the frame in PVK_RUN_SLOT_BUNDLE and how long it is:
 * PVK_RUN_ARG_BUNDLE_OFFSET(arg), PVK_RUN_ARG_BUNDLE_SIZE(arg)
 * (runtime/bundle.h reads it). */
#define PVK_RUN_SLOT_PLATFORM 3     /* the platform: power-off */
#define PVK_RUN_SLOT_BUNDLE   4     /* the boot bundle (cpio), read-only frame */
#define PVK_RUN_SLOT_DEVMGR   5     /* the device manager's endpoint, privileged badge */
#define PVK_RUN_SLOT_MSI      6     /* MSI control */
#define PVK_RUN_SLOT_DEVMEM   7     /* device-memory window 0 */
#define PVK_RUN_SLOT_IOPORT   8     /* all I/O ports */
#define PVK_RUN_SLOT_IRQ      9     /* a spare ISA interrupt line (absent where none is spare) */
#define PVK_RUN_SLOT_CONTROL  10    /* init's control endpoint (SUP_*), control badge */
/* ... and PVK_SLOT_USES(i) for what services=a,b provides, PVK_SLOT_BOOTINFO
 * (the kernel command line: rt_kernel_cmdline in runtime/bundle.h). */
#define PVK_RUN_ARG_BUNDLE_OFFSET(arg) ((uint64_t)(arg) >> 48)
#define PVK_RUN_ARG_BUNDLE_SIZE(arg)   ((uint64_t)(arg) & 0xffffffffffffull)

/* Service states (SUP_LIST). */
enum pvk_svc_state {
    PVK_SVC_STOPPED = 0,    /* not running, by request (SUP_STOP) or policy "never" after it ended */
    PVK_SVC_STARTING = 1,   /* started, not ready yet */
    PVK_SVC_READY = 2,      /* serving */
    PVK_SVC_BACKOFF = 3,    /* failed; restarts when its back-off delay ends */
    PVK_SVC_FAILED = 4,     /* failed too often in a row: given up (SUP_START tries again) */
};

/* Why the last instance ended (SUP_LIST MR7 low byte). */
enum pvk_svc_failure {
    PVK_FAIL_NONE = 0,
    PVK_FAIL_CRASH = 1,     /* a fault: vector in bits 8..15 of MR7, address in MR8 */
    PVK_FAIL_HANG = 2,      /* missed a heartbeat */
    PVK_FAIL_EXIT = 3,      /* exited on its own */
    PVK_FAIL_START = 4,     /* could not start (image missing, no memory, its start-up failed) */
    PVK_FAIL_STOPPED = 5,   /* stopped or restarted on request */
};

/* The control protocol, on a supervisor's endpoint (init's control
 * endpoint for the services; devmgr's endpoint for the drivers). Names
 * travel in MR0..MR1 (16 bytes, NUL-padded).
 *
 *   SUP_LIST     MR0 = index -> MR0 = 0 (or SYS_ENOENT past the end),
 *                MR1..MR2 name, MR3 state, MR4 generation, MR5 restarts,
 *                MR6 time of the last failure to ready again (ns, 0: none),
 *                MR7 last failure (enum | vector << 8), MR8 its address
 *   SUP_STOP     name -> MR0 = 0 or error: kill it, leave it stopped
 *   SUP_START    name -> MR0 = 0 or error: start a stopped or failed service
 *   SUP_RESTART  name -> MR0 = 0 or error: kill and start again now
 *   SUP_STATS    name -> MR0 = 0, MR1 crashes, MR2 hangs, MR3 exits,
 *                MR4 generation, MR5 last recovery ns, MR6 supervisor quota
 *                used (bytes), MR7 state, MR8 time the last injected fault
 *                fired (the driver's last words, ns since boot; 0: none),
 *                MR9 time the running instance became ready (0: not yet)
 * Only holders of a control badge (init's shell and test programs) may
 * stop, start or restart; anyone may list. */
#define SUP_LIST    0x5001ull
#define SUP_STOP    0x5002ull
#define SUP_START   0x5003ull
#define SUP_RESTART 0x5004ull
#define SUP_STATS   0x5005ull
#define SUP_LIST_LEN 9
#define SUP_STATS_LEN 10

/* Fault injection, on a driver's service endpoint, from a client whose
 * badge has PVK_BADGE_INJECT (refused with SYS_ERIGHTS otherwise):
 *   PVK_FAULT_INJECT  MR0 = enum fi_kind (faultinj.h), MR1 = seed,
 *                     MR2 = window: the fault fires at fault point k, k
 *                     drawn from the seed in 1..window -> MR0 = 0 */
#define PVK_FAULT_INJECT 0xf1ull

/* Packs a name into two message registers (NUL-padded, cut at 16). */
static inline void pvk_name_pack(const char *name, uint64_t mr[2])
{
    mr[0] = mr[1] = 0;
    for (unsigned i = 0; i < 16 && name[i]; i++)
        mr[i / 8] |= (uint64_t)(uint8_t)name[i] << (8 * (i % 8));
}
/* Unpacks into out[17] (always NUL-terminated). */
static inline void pvk_name_unpack(const uint64_t mr[2], char out[17])
{
    for (unsigned i = 0; i < 16; i++)
        out[i] = (char)(mr[i / 8] >> (8 * (i % 8)));
    out[16] = 0;
}

#endif
