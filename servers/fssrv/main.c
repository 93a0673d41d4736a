/* fssrv: the ext2 file server. Opens blk0 through the device manager
 * (caps=devmgr), mounts the ext2 file system on it (the pure core in
 * servers/fs, through a 4 MiB write-back cache) and serves the protocol of
 * pvk/fsproto.h on the endpoint the manifest's provides=fs gives it
 * (PVK_SLOT_PROVIDED). Without a disk, or with no usable ext2 on it, it
 * logs one line saying why and stays up answering every request with
 * FS_EIO: a client's fs_init then fails at once instead of waiting forever
 * on an endpoint nobody receives on. Dirty cache units are written within
 * FSSRV_WRITEBACK_MS (a timer on a bound notification), on eviction, and
 * before FS_FSYNC, FS_SYNC and writes to FS_O_SYNC files answer. */
#include "fssrv.h"

#include "pvk/devinfo.h"
#include "pvk/service.h"

#define NS_PER_MS 1000000ull
#define TIMER_BIT 1ull

struct ext2_fs fs;
static uint32_t clock_base;
static uint64_t timer_ntfn;
static bool timer_armed;

uint32_t fs_clock(void)
{
    return clock_base + (uint32_t)((uint64_t)sys_time().ret / 1000000000ull);
}

/* The superblock's last write and mount times, the later one. */
static uint32_t image_time(void)
{
    uint8_t t[8];
    if (bc_read(&cache, 1024 + 44, t, sizeof t))
        return 0;
    uint32_t mtime = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
    uint32_t wtime = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
    return mtime > wtime ? mtime : wtime;
}

/* The write-back timer, if it is not running. */
static void arm_timer(void)
{
    if (!timer_armed &&
        sys_timer_set(timer_ntfn, (uint64_t)sys_time().ret + FSSRV_WRITEBACK_MS * NS_PER_MS, TIMER_BIT).ret == 0)
        timer_armed = true;
}

static bool dirtying(uint64_t op)
{
    return op == FS_OPEN || op == FS_WRITE || op == FS_FTRUNCATE || op == FS_MKDIR || op == FS_RMDIR ||
           op == FS_UNLINK || op == FS_RENAME;
}

/* One message: the reply in *m; false when there is nobody to answer. */
static bool handle(struct msg *m)
{
    uint64_t op = TAG_LABEL(m->tag);
    if (op == LABEL_NOTIFY && m->badge == 0) {
        timer_armed = false;
        disk_poll_status();
        if (cache.ndirty && disk_sync()) {
            printf("fs: write-back failed; %u units stay dirty, trying again", cache.ndirty);
            arm_timer();
        }
        return false;
    }
    if (op == FS_SESSION) {
        uint32_t sid = 0;
        uint64_t frame = 0;
        long rc = m->mr[0] == FS_PROTO_VERSION ? session_open(m->badge, &sid, &frame) : SYS_EINVAL;
        m->mr[0] = (uint64_t)rc;
        m->mr[1] = sid;
        m->mr[2] = FS_REGION_PAGES;
        m->tag = TAG(0, 3, rc == 0);
        if (rc == 0)
            rt_ipc_buffer()->send_cap = frame;
        return true;
    }
    if (op < FS_OPEN || op > FS_SYNC) {
        m->tag = TAG(SERVER_EBADOP, 0, 0);
        return true;
    }
    struct fs_session *s = session_of(m->badge, m->mr[FS_MR_SESSION]);
    if (!s) {
        m->mr[0] = (uint64_t)SYS_EDEAD;
        m->tag = TAG(0, 1, 0);
        return true;
    }
    ops_handle(s, op, m);
    disk_poll_status();
    m->tag = TAG(0, 2, 0);
    if (dirtying(op) && cache.ndirty)
        arm_timer();
    return true;
}

/* Answers every request with FS_EIO until deadline (signals ignored). */
static void refuse_until(uint64_t deadline)
{
    struct msg m;
    for (;;) {
        long r = ipc_recv_until(PVK_SLOT_PROVIDED, deadline, &m);
        if (r == SYS_ETIMEOUT)
            return;
        if (r < 0 || (TAG_LABEL(m.tag) == LABEL_NOTIFY && m.badge == 0))
            continue;
        m.tag = TAG(0, 1, 0);
        m.mr[0] = (uint64_t)FS_EIO;
        ipc_reply(&m);
    }
}

/* Opens blk0. No such device: SYS_ENOENT at once. Any other failure (the
 * driver restarting, its DMA allowance taken by a dead client's region
 * until the driver restarts) is tried again every second, requests
 * answered FS_EIO meanwhile. */
static long open_disk(void)
{
    long last = 0;
    for (;;) {
        long rc = disk_open(PVK_SLOT_DEVMGR_CLIENT);
        if (rc == 0) {
            if (last)
                printf("fs: blk0 opened");
            return 0;
        }
        if (rc == SYS_ENOENT)
            return rc;
        if (rc != last)
            printf("fs: blk0 cannot be opened (error %ld); trying again every second, answering FS_EIO meanwhile", rc);
        last = rc;
        refuse_until((uint64_t)sys_time().ret + 1000 * NS_PER_MS);
    }
}

/* Nothing to serve: every request is answered FS_EIO (signals ignored). */
static _Noreturn void refuse_all(void)
{
    struct msg m;
    long r = ipc_recv(PVK_SLOT_PROVIDED, &m);
    for (;;) {
        if (r < 0) {
            r = ipc_recv(PVK_SLOT_PROVIDED, &m);
            continue;
        }
        if (TAG_LABEL(m.tag) == LABEL_NOTIFY && m.badge == 0) {
            r = ipc_recv(PVK_SLOT_PROVIDED, &m);
            continue;
        }
        m.tag = TAG(0, 1, 0);
        m.mr[0] = (uint64_t)FS_EIO;
        r = ipc_reply_recv(PVK_SLOT_PROVIDED, &m);
    }
}

int main(uint64_t arg)
{
    (void)arg;
    long rc = open_disk();
    if (rc) {
        printf("fs: no disk to serve (blk0: error %ld); answering every request with FS_EIO", rc);
        refuse_all();
    }
    struct ext2_dev dev = disk_ext2_dev();
    int e = ext2_mount(&fs, &dev);
    if (e) {
        printf("fs: blk0 holds no usable ext2 file system (%s: %s); answering every request with FS_EIO",
               ext2_error_name(e), ext2_reason(&fs));
        blkc_close(&disk.bc);
        refuse_all();
    }
    clock_base = image_time();
    fs.now = fs_clock();
    disk_classify_setup();
    disk_defer_setup();
    int t = rt_slot_alloc();
    if (t < 0 || sys_create(CAP_NOTIFICATION, (uint64_t)t, 0).ret || sys_ntfn_bind((uint64_t)t).ret)
        rt_panic("fs: no timer notification");
    timer_ntfn = (uint64_t)t;
    printf("fs: ext2 on blk0: %u blocks of %u bytes, %u inodes, %u groups%s; cache %u KiB; serving",
           fs.blocks_count, fs.block_size, fs.inodes_count, fs.group_count,
           fs.read_only || !dev.write ? " (read-only)" : "", FSSRV_CACHE_UNITS * BC_UNIT / 1024);
    struct msg m;
    while (ipc_recv(PVK_SLOT_PROVIDED, &m) < 0)
        rt_panic("fs: cannot receive on the provided endpoint (slot %d)", PVK_SLOT_PROVIDED);
    for (;;) {
        long r;
        if (handle(&m)) {
            r = ipc_reply_recv(PVK_SLOT_PROVIDED, &m);
            rt_ipc_buffer()->send_cap = 0;
        } else {
            r = ipc_recv(PVK_SLOT_PROVIDED, &m);
        }
        while (r < 0) {
            r = ipc_recv(PVK_SLOT_PROVIDED, &m);
            if (r < 0 && r != SYS_ETIMEOUT)
                rt_panic("fs: receive failed (%ld)", r);
        }
    }
}
