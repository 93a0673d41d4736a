/* irqbench: interrupt-to-driver latency, for `make bench-ipc`. Reads one
 * 4 KiB block at a time from blk0 through the user-space virtio-blk
 * driver; for each completion, the latency is the driver's TSC when its
 * loop woke for the device interrupt (it writes it into the shared region,
 * driver_wake_tsc) minus the kernel's TSC when that interrupt's handler
 * started (kdebug SYS_KDEBUG_LAST_IRQ). Under `-icount shift=0` these are
 * guest instructions: interrupt handler, notification signal, the switch
 * to the driver's thread, the return to user mode and the driver's loop.
 * Prints "irqbench: irq_to_driver_insns=N vector=V samples=S" (the median)
 * and powers off. Slots: 3 platform, 5 the device manager. */
#include "blkclient.h"
#include "runtime.h"
#include "pvk/devinfo.h"

#define SLOT_PLATFORM 3
#define REGION_VA 0x0000002000000000ull
#define ROUNDS 1000
#define WARMUP 100

static struct blk_client bc;
static uint64_t sample[ROUNDS];

static void sort(uint64_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        uint64_t v = a[i];
        unsigned j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = blkc_open(&bc, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA);
    if (rc != 0) {
        printf("irqbench: cannot open blk0 (%ld)", rc);
        sys_poweroff(SLOT_PLATFORM, 1);
    }
    unsigned n = 0;
    uint64_t vector = 0;
    for (unsigned i = 0; i < WARMUP + ROUNDS; i++) {
        if (blkc_sync(&bc, BLK_OP_READ, 0, (i * 8) % (bc.capacity - 8), 0, 4096) != BLK_OK) {
            printf("irqbench: read %u failed", i);
            sys_poweroff(SLOT_PLATFORM, 1);
        }
        struct sys_result r = sys_kdebug(SLOT_PLATFORM, SYS_KDEBUG_LAST_IRQ, 0);
        uint64_t wake = bc.shared->driver_wake_tsc;
        if (r.ret != 0 || wake <= r.r[0] || i < WARMUP)
            continue;
        sample[n++] = wake - r.r[0];
        vector = r.r[1];
    }
    if (n == 0) {
        printf("irqbench: no samples (did the driver wake for an interrupt?)");
        sys_poweroff(SLOT_PLATFORM, 1);
    }
    sort(sample, n);
    printf("irqbench: irq_to_driver_insns=%llu vector=%llu samples=%u min=%llu max=%llu",
           (unsigned long long)sample[n / 2], (unsigned long long)vector, n, (unsigned long long)sample[0],
           (unsigned long long)sample[n - 1]);
    sys_poweroff(SLOT_PLATFORM, 0);
    return 0;
}
