/* The file-system client API of the file server (servers/fssrv),
 * implemented in servers/runtime/fsclient.c over the protocol in
 * pvk/fsproto.h: calls over IPC to the server's endpoint (manifest
 * uses=fs: PVK_SLOT_USES(i)), file data through a region shared with the
 * server. Paths are absolute ("/www/index.html"), at most FS_PATH_MAX - 1
 * bytes. Errors are negative: SYS_E* (syscall.h), the PVK_E* of
 * pvk/service.h, and the FS_E* below. Single-threaded.
 *
 *   fs_init(PVK_SLOT_USES(1));
 *   long fd = fs_open("/www/index.html", FS_O_RDONLY, 0);
 *   struct fs_stat st; fs_fstat(fd, &st);
 *   long n = fs_read(fd, buf, sizeof buf, 0);     // at offset 0
 *   fs_close(fd);
 *
 * Durability: a write is acknowledged when it is in the server's cache; it
 * is durable (survives a crash of the file server, the block driver or the
 * machine) once fs_fsync on the file returned 0, or at once for a file
 * opened with FS_O_SYNC. A file-server restart makes the open handles of
 * the dead instance fail once with PVK_EPEER_RESTARTED (then FS_EBADF;
 * fs_close of one returns 0); open them again. fs_fsync and fs_sync also return PVK_EPEER_RESTARTED
 * once after a restart (what they were to make durable may be lost); path
 * calls (open, stat, mkdir, ...) the new instance never saw are sent again
 * by the library. A server without a disk or ext2 answers FS_EIO, from
 * fs_init on. Limits: 64 open fds per process (the server: 32 per
 * client), an unlinked file's open handles read SYS_ENOENT. */
#ifndef RT_FSCLIENT_H
#define RT_FSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#define FS_PATH_MAX 256
#define FS_CLIENT_VA 0x0000005000000000ull   /* the session's region (keep 1 MiB + 4 KiB free there) */
#define FS_NAME_MAX 255

#define FS_O_RDONLY 0x0u
#define FS_O_WRONLY 0x1u
#define FS_O_RDWR   0x2u
#define FS_O_CREAT  0x40u
#define FS_O_EXCL   0x80u
#define FS_O_TRUNC  0x200u
#define FS_O_APPEND 0x400u
#define FS_O_SYNC   0x101000u   /* every write durable before it returns */

/* Errors of their own (beside SYS_ENOENT, SYS_EINVAL, SYS_ENOMEM, ...): */
#define FS_EEXIST    (-90)
#define FS_ENOTDIR   (-91)
#define FS_EISDIR    (-92)
#define FS_ENOTEMPTY (-93)
#define FS_ENOSPC    (-94)
#define FS_EIO       (-95)  /* the disk failed, or the image is corrupt (the log says what) */
#define FS_EROFS     (-96)  /* mounted read-only (an image the server will not write) */
#define FS_ENAMETOOLONG (-97)
#define FS_EBADF     (-98)

#define FS_TYPE_FILE    1u
#define FS_TYPE_DIR     2u
#define FS_TYPE_SYMLINK 3u
#define FS_TYPE_OTHER   4u

struct fs_stat {
    uint64_t size;
    uint64_t mtime;     /* seconds since 1970 */
    uint32_t ino;
    uint32_t type;      /* FS_TYPE_* */
    uint32_t mode;      /* permission bits (0777) */
    uint32_t nlink;
};

struct fs_dirent {
    uint32_t ino;
    uint32_t type;      /* FS_TYPE_* */
    char name[FS_NAME_MAX + 1];
};

/* Connects to the file server through the endpoint in slot ep_slot (a
 * session; the server's region mapped at FS_CLIENT_VA). 0 or an error. */
long fs_init(uint64_t ep_slot);

long fs_open(const char *path, unsigned flags, unsigned mode);
long fs_close(long fd);
/* pread/pwrite: the count transferred (0 at the end of the file), or an
 * error. Any length: the library splits it over the shared region. */
long fs_read(long fd, void *buf, size_t len, uint64_t offset);
long fs_write(long fd, const void *buf, size_t len, uint64_t offset);
long fs_fsync(long fd);
long fs_ftruncate(long fd, uint64_t size);
long fs_fstat(long fd, struct fs_stat *st);
long fs_stat(const char *path, struct fs_stat *st);
/* Directory entries of the open directory fd from *cookie on (start with
 * 0): up to max entries into out, *cookie advanced; 0 at the end. */
long fs_readdir(long fd, uint64_t *cookie, struct fs_dirent *out, unsigned max);
long fs_mkdir(const char *path, unsigned mode);
long fs_rmdir(const char *path);
long fs_unlink(const char *path);
long fs_rename(const char *from, const char *to);
/* Everything written so far durable (all files). */
long fs_sync(void);

#endif
