/* The file server's parts (servers/fssrv): blkio.c (the disk through the
 * block client library, the cache's device side, bulk file reads),
 * session.c (users, regions, open files), ops.c (the requests), main.c
 * (start-up and the loop). Single-threaded; it only ever replies. */
#ifndef FSSRV_H
#define FSSRV_H

#include <stdbool.h>
#include <stdint.h>

#include "blkclient.h"
#include "runtime.h"
#include "../fs/bcache.h"
#include "../fs/ext2.h"
#include "pvk/fsproto.h"

#define FSSRV_BLK_VA     0x0000002000000000ull   /* blkclient's region (and 2 GiB after it) */
#define FSSRV_REGION_VA  0x0000004000000000ull   /* session i's region at + i * FSSRV_REGION_STRIDE */
#define FSSRV_REGION_STRIDE (4ull << 20)
#define FSSRV_CACHE_UNITS 1024u                  /* 4 MiB of cache */
#define FSSRV_READAHEAD  16u                     /* units a cache miss reads (64 KiB) */
#define FSSRV_WRITEBACK_MS 1000u                 /* dirty units written within this */
#define FSSRV_WSLOTS     4u                      /* writes in flight during a sync */
#define FSSRV_WSLOT_UNITS 64u                    /* 256 KiB each */
#define FSSRV_READ_AREA  (FSSRV_WSLOTS * FSSRV_WSLOT_UNITS * BC_UNIT)    /* offset in the blk data area */
#define FSSRV_READ_MAX   (960u * 1024u)          /* one disk read */

/* --- blkio.c --------------------------------------------------------------- */
struct fs_disk {
    struct blk_client bc;
    uint64_t bytes;
    bool flush;                 /* BLK_INFO_FLUSH: barriers send BLK_OP_FLUSH */
    bool wbusy[FSSRV_WSLOTS];
    uint32_t inflight;
    int werr;                   /* first write error since the last barrier */
    uint8_t *phase_map;         /* 2 bits per unit (NULL: all phase 0 but the superblock) */
    struct ext2_deferred deferred;  /* blocks and inodes freed since the last durable sync */
    uint64_t next_id;
    uint64_t reads, read_bytes, writes, write_bytes, flushes;
};
extern struct fs_disk disk;
extern struct bcache cache;
extern struct ext2_fs fs;

/* Opens blk0 and sets the cache up over it. 0 or the error. */
long disk_open(uint64_t devmgr_slot);
/* After the mount: the phase of every unit (inode tables 1, superblock and
 * descriptors 2, the rest 0). */
void disk_classify_setup(void);
/* The ext2 device over the cache. */
struct ext2_dev disk_ext2_dev(void);
/* Reads len bytes of regular file ino at offset into dst (contiguous
 * blocks read with one disk request; cached units win): *done gets the
 * count. An ext2 error code. */
int disk_read_file(const struct ext2_inode *ino, uint64_t offset, uint8_t *dst, uint32_t len, uint32_t *done);
/* bc_sync, tried twice (a request the driver's restart cut short is sent
 * again), then the deferred frees made and synced: 0 or FS_EIO. */
long disk_sync(void);
/* The same after a name was removed or moved (the caller synced before
 * it): inode tables first, then the other units in the order the core
 * changed them, then the superblock and descriptors. */
long disk_sync_removal(void);
/* After the mount: frees are kept until the sync that makes them safe
 * (ext2_deferred_*), so nothing freed is reused while the disk points to it. */
void disk_defer_setup(void);
/* Logs blkclient's restart report, if any. */
void disk_poll_status(void);

/* --- session.c --------------------------------------------------------------- */
struct fs_handle {
    bool used, stale;
    uint32_t ino;
    uint32_t flags;             /* FS_O_* as opened */
};
struct fs_session {
    bool live;
    uint32_t id;
    uint64_t frame;             /* slot of the region's frame (the original) */
    uint8_t *region;
    struct fs_handle h[FS_MAX_HANDLES];
};
/* The session of a request's badge and session id, or NULL (unknown). */
struct fs_session *session_of(uint64_t badge, uint64_t sid);
/* FS_SESSION: a new session for the badge's user (its old one closed, its
 * region reused), the region's frame to send in *cap_slot. */
long session_open(uint64_t badge, uint32_t *sid, uint64_t *cap_slot);
/* Marks handles whose inode is gone (after an unlink, rmdir or rename). */
void session_mark_stale(void);

/* --- ops.c ------------------------------------------------------------------- */
/* Handles one request of session s (label op); fills the reply words. */
void ops_handle(struct fs_session *s, uint64_t op, struct msg *m);
/* --- main.c ------------------------------------------------------------------ */
/* Seconds since 1970 for the times the core writes: the image's last
 * write time plus the time since boot (there is no real-time clock). */
uint32_t fs_clock(void);

/* ext2 error -> FS_E* / SYS_E*. */
long fs_err(int ext2_rc);

#endif
