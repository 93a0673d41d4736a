/* The disk side of the file server: blk0 through the block client library
 * (which re-issues what a restarted driver did not complete), the cache's
 * device callbacks (unit reads, staged writes with up to FSSRV_WSLOTS in
 * flight, barriers with the device's flush), the unit phases the cache's
 * write ordering needs, and bulk reads of file data that bypass the cache
 * for contiguous runs of blocks. The blk data area: FSSRV_WSLOTS write
 * slots of FSSRV_WSLOT_UNITS units, then the read area. */
#include "fssrv.h"

#include "pvk/service.h"

#define IO_TIMEOUT_NS 15000000000ull
_Static_assert(EXT2_PHASE_UNIT == BC_UNIT, "the phase map counts cache units");
#define WRITE_ID(slot) (0xf5000000ull + (slot))     /* apart from blkc_sync's ids (1, 2, ...) */

struct fs_disk disk;
struct bcache cache;
static struct bc_entry cache_ent[FSSRV_CACHE_UNITS];
static uint32_t cache_hash[FSSRV_CACHE_UNITS * 2], cache_scratch[FSSRV_CACHE_UNITS];

/* One read into the read area, waited for (no write is in flight: writes
 * happen only inside a sync, which ends with a barrier). */
static int read_sync(uint64_t off, uint32_t len)
{
    int32_t st = blkc_sync(&disk.bc, BLK_OP_READ, 0, off / 512, FSSRV_READ_AREA, len);
    disk.reads++;
    disk.read_bytes += len;
    if (st != BLK_OK) {
        printf("fs: disk read of %u bytes at %llu failed (%d)", len, (unsigned long long)off, st);
        return EXT2_EIO;
    }
    return 0;
}

/* The bytes of [off, off + len) that lie on the device, sector-rounded. */
static uint32_t clamp_len(uint64_t off, uint32_t len)
{
    if (off >= disk.bytes)
        return 0;
    if (disk.bytes - off < len)
        len = (uint32_t)(disk.bytes - off);
    return (len + 511u) & ~511u;
}

/* The cache's read: n units from first (zeros past the device's end). */
static int c_read(void *ctx, uint64_t first, uint32_t n, uint8_t *buf)
{
    (void)ctx;
    uint64_t off = first * BC_UNIT;
    uint32_t want = n * BC_UNIT, len = clamp_len(off, want);
    if (want > FSSRV_READ_MAX)
        return EXT2_EIO;
    if (len && read_sync(off, len))
        return EXT2_EIO;
    __builtin_memcpy(buf, blkc_data(&disk.bc, FSSRV_READ_AREA), len);
    __builtin_memset(buf + len, 0, want - len);
    return 0;
}

/* Takes one write completion (false when none came in time). */
static bool wait_one(void)
{
    struct blk_cpl cpl;
    if (!blkc_wait(&disk.bc, &cpl, sys_time().ret + IO_TIMEOUT_NS)) {
        printf("fs: %u disk writes not completed in %llu s", disk.inflight, IO_TIMEOUT_NS / 1000000000ull);
        for (unsigned s = 0; s < FSSRV_WSLOTS; s++)
            disk.wbusy[s] = false;
        disk.inflight = 0;
        disk.werr = EXT2_EIO;
        return false;
    }
    uint64_t s = cpl.id - WRITE_ID(0);
    if (cpl.id < WRITE_ID(0) || s >= FSSRV_WSLOTS || !disk.wbusy[s])
        return true;        /* a completion we did not wait for (a read's) */
    disk.wbusy[s] = false;
    disk.inflight--;
    if (cpl.status != BLK_OK && !disk.werr) {
        printf("fs: disk write failed (%d)", cpl.status);
        disk.werr = EXT2_EIO;
    }
    return true;
}

/* The cache's write: the units copied into a free write slot (waiting for
 * one if all are busy) and submitted; completion is the barrier's. */
static int c_write(void *ctx, uint64_t first, uint32_t n, const uint8_t *const *data)
{
    (void)ctx;
    if (n > FSSRV_WSLOT_UNITS)
        return EXT2_EIO;
    uint64_t off = first * BC_UNIT;
    uint32_t len = clamp_len(off, n * BC_UNIT);
    if (!len)
        return 0;
    unsigned s = FSSRV_WSLOTS;
    for (unsigned tries = 0; s == FSSRV_WSLOTS && tries <= FSSRV_WSLOTS; tries++) {
        for (unsigned k = 0; k < FSSRV_WSLOTS; k++)
            if (!disk.wbusy[k]) {
                s = k;
                break;
            }
        if (s == FSSRV_WSLOTS && !wait_one())
            return EXT2_EIO;
    }
    if (s == FSSRV_WSLOTS)
        return EXT2_EIO;
    uint64_t area = (uint64_t)s * FSSRV_WSLOT_UNITS * BC_UNIT;
    uint8_t *dst = blkc_data(&disk.bc, area);
    for (uint32_t i = 0; i < n && (uint64_t)i * BC_UNIT < len; i++) {
        uint32_t chunk = len - i * BC_UNIT < BC_UNIT ? len - i * BC_UNIT : BC_UNIT;
        __builtin_memcpy(dst + (uint64_t)i * BC_UNIT, data[i], chunk);
    }
    struct blk_req r = { .id = WRITE_ID(s), .sector = off / 512, .offset = blkc_offset(area), .len = len,
                         .op = BLK_OP_WRITE };
    while (!blkc_submit(&disk.bc, &r))
        if (!disk.inflight || !wait_one())
            return EXT2_EIO;
    disk.wbusy[s] = true;
    disk.inflight++;
    disk.writes++;
    disk.write_bytes += len;
    blkc_kick(&disk.bc);
    return 0;
}

/* The cache's barrier: every write completed, then the device's flush. */
static int c_barrier(void *ctx)
{
    (void)ctx;
    for (unsigned guard = 0; disk.inflight && guard < 4 * FSSRV_WSLOTS; guard++)
        if (!wait_one())
            break;
    int err = disk.werr;
    disk.werr = 0;
    if (err)
        return err;
    if (disk.flush) {
        disk.flushes++;
        int32_t st = blkc_sync(&disk.bc, BLK_OP_FLUSH, 0, 0, FSSRV_READ_AREA, 0);
        if (st != BLK_OK) {
            printf("fs: disk flush failed (%d)", st);
            return EXT2_EIO;
        }
    }
    return 0;
}

static unsigned c_classify(void *ctx, uint64_t u)
{
    (void)ctx;
    return ext2_phase_of(disk.phase_map, cache.dev_units, u);
}

long disk_open(uint64_t devmgr_slot)
{
    long rc = blkc_open(&disk.bc, devmgr_slot, 0, FSSRV_BLK_VA);
    if (rc)
        return rc;
    disk.bytes = disk.bc.capacity * 512;
    disk.flush = (disk.bc.info & BLK_INFO_FLUSH) != 0;
    static uint8_t *mem;      /* once: disk_open may be tried again */
    if (!mem)
        mem = malloc((size_t)FSSRV_CACHE_UNITS * BC_UNIT);
    if (!mem)
        return SYS_ENOMEM;
    struct bc_ops ops = { .read = c_read, .write = c_write, .barrier = c_barrier, .classify = c_classify,
                          .max_run = FSSRV_WSLOT_UNITS };
    bc_init(&cache, &ops, mem, cache_ent, FSSRV_CACHE_UNITS, cache_hash, FSSRV_CACHE_UNITS * 2, cache_scratch,
            disk.bytes);
    static uint8_t ra[FSSRV_READAHEAD * BC_UNIT];
    bc_set_readahead(&cache, ra, FSSRV_READAHEAD);
    return 0;
}

void disk_classify_setup(void)
{
    disk.phase_map = calloc(1, (size_t)(cache.dev_units + 3) / 4);
    if (!disk.phase_map) {
        printf("fs: no memory for the write-ordering map; inode tables written with the data");
        return;
    }
    int rc = ext2_phase_map(&fs, disk.phase_map, cache.dev_units);
    if (rc)
        printf("fs: write-ordering map incomplete (%s)", ext2_error_name(rc));
}

static int e_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    (void)ctx;
    return bc_read(&cache, off, buf, len);
}

static int e_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
    (void)ctx;
    return bc_write(&cache, off, buf, len);
}

struct ext2_dev disk_ext2_dev(void)
{
    return (struct ext2_dev){ .ctx = NULL, .bytes = disk.bytes, .read = e_read,
                              .write = (disk.bc.info & BLK_INFO_READONLY) ? NULL : e_write };
}

/* Copies the cached units overlapping [off, off + len) over the read area
 * (the cache holds newer bytes than the disk for dirty units). */
static void overlay_cached(uint64_t off, uint32_t len)
{
    uint8_t *area = blkc_data(&disk.bc, FSSRV_READ_AREA);
    for (uint64_t u = off / BC_UNIT; u * BC_UNIT < off + len; u++) {
        const uint8_t *p = bc_peek(&cache, u);
        if (!p)
            continue;
        uint64_t a = u * BC_UNIT > off ? u * BC_UNIT : off;
        uint64_t b = (u + 1) * BC_UNIT < off + len ? (u + 1) * BC_UNIT : off + len;
        __builtin_memcpy(area + (a - off), p + (a - u * BC_UNIT), b - a);
    }
}

int disk_read_file(const struct ext2_inode *ino, uint64_t offset, uint8_t *dst, uint32_t len, uint32_t *done)
{
    *done = 0;
    if (offset >= ino->size)
        return 0;
    if (ino->size - offset < len)
        len = (uint32_t)(ino->size - offset);
    uint32_t bs = fs.block_size, max_blocks = FSSRV_READ_MAX / bs;
    uint64_t pos = offset, end = offset + len;
    while (pos < end) {
        uint32_t lblk = (uint32_t)(pos / bs), first, n = 1, next;
        int rc = ext2_bmap(&fs, ino, lblk, &first);
        if (rc)
            return rc;
        uint64_t last_lblk = (end - 1) / bs;
        while (lblk + n <= last_lblk && n < max_blocks) {
            rc = ext2_bmap(&fs, ino, lblk + n, &next);
            if (rc)
                return rc;
            if (first ? next != first + n : next != 0)
                break;
            n++;
        }
        uint64_t run_end = ((uint64_t)lblk + n) * bs < end ? ((uint64_t)lblk + n) * bs : end;
        uint32_t skip = (uint32_t)(pos - (uint64_t)lblk * bs), bytes = (uint32_t)(run_end - pos);
        if (first == 0) {
            __builtin_memset(dst + (pos - offset), 0, bytes);
        } else {
            uint64_t dev_off = (uint64_t)first * bs;
            rc = read_sync(dev_off, n * bs);
            if (rc)
                return rc;
            overlay_cached(dev_off, n * bs);
            __builtin_memcpy(dst + (pos - offset), blkc_data(&disk.bc, FSSRV_READ_AREA + skip), bytes);
        }
        pos = run_end;
        *done = (uint32_t)(pos - offset);
    }
    return 0;
}

/* bc_sync_ordered (order NULL: bc_sync), tried twice. */
static long sync_twice(const uint8_t *order)
{
    for (int tries = 0; tries < 2; tries++)
        if ((order ? bc_sync_ordered(&cache, order, true) : bc_sync(&cache)) == 0)
            return 0;
    return FS_EIO;
}

/* After a durable sync: the frees kept back are made (the disk no longer
 * points to them) and their bitmaps and counts written. */
static long release_deferred(void)
{
    if (!disk.deferred.count)
        return 0;
    int rc = ext2_deferred_release(&fs, &disk.deferred);
    if (rc)
        printf("fs: releasing freed blocks and inodes: %s: %s", ext2_error_name(rc), ext2_reason(&fs));
    return sync_twice(NULL);
}

long disk_sync(void)
{
    long rc = sync_twice(NULL);
    return rc ? rc : release_deferred();
}

long disk_sync_removal(void)
{
    static const uint8_t order[BC_PHASES] = { 1, 0, 2 };
    long rc = sync_twice(order);
    return rc ? rc : release_deferred();
}

void disk_defer_setup(void)
{
    uint8_t *mem = malloc(ext2_deferred_bytes(&fs));
    if (!mem) {
        printf("fs: no memory to keep frees until they are durable; freed blocks are reused at once");
        return;
    }
    ext2_deferred_init(&disk.deferred, &fs, mem);
}

void disk_poll_status(void)
{
    static long last;
    long st = blkc_status(&disk.bc);
    if (st == PVK_EPEER_RESTARTED)
        printf("fs: the blk0 driver restarted; requests not completed were sent again");
    else if (st && st != last)
        printf("fs: blk0 unreachable (%ld)", st);
    if (st != PVK_EPEER_RESTARTED)
        last = st;
}
