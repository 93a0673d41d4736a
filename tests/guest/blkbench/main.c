/* blkbench: the pvkernel side of `make bench-blk` (scripts/bench-blk; the
 * Linux side is tests/linux/blkbench.c and does the same): through the
 * user-space virtio-blk driver, SEQ_MIB MiB written front to back in 1 MiB
 * requests (wrapping over the disk; the time includes the final flush),
 * read back the same way, QD1_COUNT random 4 KiB reads one at a time and
 * QD32_COUNT with 32 in flight. Every 4 KiB block carries its number and
 * every read checks it, so wrong data fails instead of looking fast.
 * Prints "blkbench: seq_write_mbps=... seq_read_mbps=... rand4k_qd1_iops=...
 * rand4k_qd32_iops=..." (MB = 10^6 bytes) and powers off.
 * Slots: 3 platform, 5 the device manager. */
#include "blkclient.h"
#include "runtime.h"
#include "pvk/devinfo.h"

#define SLOT_PLATFORM 3
#define REGION_VA 0x0000002000000000ull
#define SEQ_CHUNK (1u << 20)
#define BLOCK 4096u
#define QD 32
#define SEED 0x5eed0b1c0ffee123ull
#define SEQ_MIB 512
#define QD1_COUNT 20000
#define QD32_COUNT 100000

static struct blk_client bc;
static uint64_t rng;

static uint64_t xorshift64s(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

static _Noreturn void fail(const char *what, long detail)
{
    printf("blkbench: %s failed (%ld)", what, detail);
    sys_poweroff(SLOT_PLATFORM, 1);
    for (;;)
        ;
}

/* Completes one request (waiting); its status must be OK. */
static struct blk_cpl wait_one(void)
{
    struct blk_cpl c;
    if (!blkc_wait(&bc, &c, now_ns() + 30000000000ull))
        fail("waiting for a completion", 0);
    if (c.status != BLK_OK)
        fail("a request", c.status);
    return c;
}

static void check_block(const void *p, uint64_t blockno)
{
    uint64_t got;
    memcpy(&got, p, 8);
    if (got != blockno)
        fail("a block's stamp", (long)got);
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = blkc_open(&bc, PVK_SLOT_DEVMGR_CLIENT, 0, REGION_VA);
    if (rc != 0)
        fail("opening blk0", rc);
    uint64_t size = bc.capacity * 512;
    size -= size % SEQ_CHUNK;
    if (size == 0)
        fail("the disk is smaller than 1 MiB", 0);
    uint64_t nblocks = size / BLOCK, seq_bytes = (uint64_t)SEQ_MIB << 20;
    printf("blkbench: blk0, region %llu MiB, %u MiB each way in 1 MiB requests, %u QD1 and %u QD%u random 4 KiB reads",
           (unsigned long long)(size >> 20), SEQ_MIB, QD1_COUNT, QD32_COUNT, QD);

    uint8_t *chunk = blkc_data(&bc, 0);
    rng = SEED;
    for (size_t i = 0; i < SEQ_CHUNK; i += 8) {
        uint64_t v = xorshift64s();
        memcpy(chunk + i, &v, 8);
    }
    uint64_t t0 = now_ns();
    for (uint64_t pos = 0; pos < seq_bytes; pos += SEQ_CHUNK) {
        uint64_t off = pos % size;
        for (uint64_t b = 0; b < SEQ_CHUNK / BLOCK; b++) {
            uint64_t blockno = off / BLOCK + b;
            memcpy(chunk + b * BLOCK, &blockno, 8);
        }
        struct blk_req r = { .id = pos, .sector = off / 512, .offset = blkc_offset(0), .len = SEQ_CHUNK,
                             .op = BLK_OP_WRITE };
        blkc_submit(&bc, &r);
        blkc_kick(&bc);
        wait_one();
    }
    if (blkc_sync(&bc, BLK_OP_FLUSH, 0, 0, 0, 0) != BLK_OK)
        fail("the flush", 0);
    uint64_t t1 = now_ns();
    uint64_t seq_write = seq_bytes * 1000 / (t1 - t0);     /* MB/s: bytes per us */

    t0 = now_ns();
    for (uint64_t pos = 0; pos < seq_bytes; pos += SEQ_CHUNK) {
        uint64_t off = pos % size;
        struct blk_req r = { .id = pos, .sector = off / 512, .offset = blkc_offset(0), .len = SEQ_CHUNK,
                             .op = BLK_OP_READ };
        blkc_submit(&bc, &r);
        blkc_kick(&bc);
        wait_one();
        for (uint64_t b = 0; b < SEQ_CHUNK / BLOCK; b++)
            check_block(chunk + b * BLOCK, off / BLOCK + b);
    }
    t1 = now_ns();
    uint64_t seq_read = seq_bytes * 1000 / (t1 - t0);

    rng = SEED;
    t0 = now_ns();
    for (unsigned i = 0; i < QD1_COUNT; i++) {
        uint64_t b = xorshift64s() % nblocks;
        struct blk_req r = { .id = i, .sector = b * (BLOCK / 512), .offset = blkc_offset(0), .len = BLOCK,
                             .op = BLK_OP_READ };
        blkc_submit(&bc, &r);
        blkc_kick(&bc);
        wait_one();
        check_block(chunk, b);
    }
    t1 = now_ns();
    uint64_t qd1 = (uint64_t)QD1_COUNT * 1000000000ull / (t1 - t0);

    rng = SEED ^ 0x32;
    uint64_t want[QD];
    unsigned submitted = 0, done = 0;
    t0 = now_ns();
    for (unsigned k = 0; k < QD; k++) {
        want[k] = xorshift64s() % nblocks;
        struct blk_req r = { .id = k, .sector = want[k] * (BLOCK / 512), .offset = blkc_offset((uint64_t)k * BLOCK),
                             .len = BLOCK, .op = BLK_OP_READ };
        blkc_submit(&bc, &r);
        submitted++;
    }
    blkc_kick(&bc);
    while (done < QD32_COUNT) {
        struct blk_cpl c = wait_one();
        unsigned k = (unsigned)c.id;
        check_block(blkc_data(&bc, (uint64_t)k * BLOCK), want[k]);
        done++;
        bool more = false;
        do {
            if (submitted < QD32_COUNT) {
                want[k] = xorshift64s() % nblocks;
                struct blk_req r = { .id = k, .sector = want[k] * (BLOCK / 512),
                                     .offset = blkc_offset((uint64_t)k * BLOCK), .len = BLOCK, .op = BLK_OP_READ };
                blkc_submit(&bc, &r);
                submitted++;
            }
            more = blkc_poll(&bc, &c);
            if (more) {
                if (c.status != BLK_OK)
                    fail("a request", c.status);
                k = (unsigned)c.id;
                check_block(blkc_data(&bc, (uint64_t)k * BLOCK), want[k]);
                done++;
            }
        } while (more && done < QD32_COUNT);
        blkc_kick(&bc);
    }
    t1 = now_ns();
    uint64_t qd32 = (uint64_t)QD32_COUNT * 1000000000ull / (t1 - t0);
    printf("blkbench: seq_write_mbps=%llu seq_read_mbps=%llu rand4k_qd1_iops=%llu rand4k_qd32_iops=%llu",
           (unsigned long long)seq_write, (unsigned long long)seq_read, (unsigned long long)qd1,
           (unsigned long long)qd32);
    sys_poweroff(SLOT_PLATFORM, 0);
    return 0;
}
