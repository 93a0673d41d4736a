/* The service manifest (servers/runtime/manifest.c): a text file in the
 * boot bundle (entry "manifest", source servers/init/manifest), one line
 * per service, that says what the supervisors start and how they treat
 * it. Pure code: also built and unit-tested on the host.
 *
 *   # comment
 *   service devmgr  program=devmgr priority=70 quota=64M restart=never caps=devices
 *   driver  blk     program=blk restart=always heartbeat=50 backoff=10 backoff-max=1000 max-failures=5 dma=5M
 *
 * A line is a kind (service: started by init; driver: started by devmgr
 * for each device of that type found: blk, net or console), a name (1..15
 * of [a-z0-9_-]) and key=value pairs:
 *   program=NAME     image in the bundle (default: the name)
 *   arg=N            main()'s argument (services)
 *   priority=N       1..254 (default 50 for services, 60 for drivers)
 *   quota=SIZE       kernel memory, bytes with an optional K/M/G suffix
 *                    (default 4M for services, 1M for drivers)
 *   dma=SIZE         DMA allowance (drivers; default 5M, console 1M)
 *   restart=always|on-failure|never   (default always): on-failure does
 *                    not restart a clean exit (status 0); never restarts
 *   heartbeat=MS     heartbeat period, 0 = none (default 0 services, 50 drivers)
 *   ready-timeout=MS time to report ready before it counts as hung (default 5000)
 *   backoff=MS       first back-off delay (default 10); doubles per failure
 *   backoff-max=MS   largest back-off delay (default 1000)
 *   max-failures=N   failures in a row (without becoming ready in between)
 *                    before it is declared failed (default 5; 1..1000)
 *   depends=a,b      services it needs (told when one fails for good)
 *   caps=a,b         named capability sets its supervisor gives it
 *                    (devices, platform, bundle, devmgr, demo-server,
 *                    demo-client, control, bootinfo); anything else is an error
 *   provides=NAME    services: the endpoint NAME, which init makes once and
 *                    keeps across restarts; the service receives on it
 *                    (slot PVK_SLOT_PROVIDED)
 *   uses=a,b         services: send capabilities to the endpoints a, b, in
 *                    slots PVK_SLOT_USES(0), (1), ... in this order, badged
 *                    PVK_BADGE_SERVICE_CLIENT | the user's index
 * A bad line (unknown kind or key, bad value, duplicate name, too many
 * entries) is reported with its line number and skipped; the rest is
 * kept. */
#ifndef RT_MANIFEST_H
#define RT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_MAX_ENTRIES 24
#define MANIFEST_NAME_MAX    16     /* including the NUL */
#define MANIFEST_MAX_DEPENDS 4
#define MANIFEST_MAX_USES    4
#define MANIFEST_MAX_ERRORS  8

enum manifest_kind { MANIFEST_SERVICE = 1, MANIFEST_DRIVER = 2 };
enum manifest_restart { RESTART_ALWAYS = 0, RESTART_ON_FAILURE = 1, RESTART_NEVER = 2 };

/* Capability sets (caps=), as bits. */
#define MANIFEST_CAP_DEVICES     (1u << 0)
#define MANIFEST_CAP_PLATFORM    (1u << 1)
#define MANIFEST_CAP_BUNDLE      (1u << 2)
#define MANIFEST_CAP_DEVMGR      (1u << 3)
#define MANIFEST_CAP_DEMO_SERVER (1u << 4)
#define MANIFEST_CAP_DEMO_CLIENT (1u << 5)
#define MANIFEST_CAP_CONTROL     (1u << 6)
#define MANIFEST_CAP_BOOTINFO    (1u << 7)   /* a read-only copy of the boot information (command line) */

struct manifest_entry {
    enum manifest_kind kind;
    char name[MANIFEST_NAME_MAX];
    char program[MANIFEST_NAME_MAX];
    uint64_t arg;
    uint32_t priority;
    uint64_t quota;
    uint64_t dma;
    enum manifest_restart restart;
    uint32_t heartbeat_ms;
    uint32_t ready_timeout_ms;
    uint32_t backoff_ms, backoff_max_ms;
    uint32_t max_failures;
    char depends[MANIFEST_MAX_DEPENDS][MANIFEST_NAME_MAX];
    uint32_t ndepends;
    uint32_t caps;              /* MANIFEST_CAP_* */
    char provides[MANIFEST_NAME_MAX];   /* "" : nothing */
    char uses[MANIFEST_MAX_USES][MANIFEST_NAME_MAX];
    uint32_t nuses;
    uint32_t line;              /* where it was defined (1-based) */
};

struct manifest_error {
    uint32_t line;
    char text[80];              /* "unknown key 'foo'", ... */
};

struct manifest {
    struct manifest_entry entries[MANIFEST_MAX_ENTRIES];
    uint32_t count;
    struct manifest_error errors[MANIFEST_MAX_ERRORS];
    uint32_t nerrors;           /* errors recorded (at most MANIFEST_MAX_ERRORS) */
    uint32_t bad_lines;         /* lines skipped (may exceed nerrors) */
};

/* Parses text[0..len) (need not be NUL-terminated; a NUL ends it). Never
 * fails as a whole: bad lines are skipped and recorded. Returns the number
 * of entries kept. */
uint32_t manifest_parse(const char *text, size_t len, struct manifest *out);
/* The entry with that kind and name, or NULL. */
const struct manifest_entry *manifest_find(const struct manifest *m, enum manifest_kind kind, const char *name);
/* An entry with the defaults of its kind (for programs not in the manifest). */
void manifest_defaults(struct manifest_entry *e, enum manifest_kind kind, const char *name);

#endif
