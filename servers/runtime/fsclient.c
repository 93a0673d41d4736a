/* The file-system client library (fsclient.h) over the protocol of
 * pvk/fsproto.h. One session per process: the region the server hands
 * over at FS_SESSION is mapped at FSC_REGION_VA. The caller's fds index a
 * local table of server handles, each tagged with the session it was
 * opened in. When the server restarted (a call fails with SYS_EDEAD, or
 * the server answers SYS_EDEAD: it does not know the session) the library
 * opens a new session at once; the fds of the old one then fail once with
 * PVK_EPEER_RESTARTED (and are free afterwards), as do fsync and sync
 * (what they were to make durable may be lost). Path calls the new server
 * never saw are sent again. */
#include "fsclient.h"

#include "runtime.h"
#include "pvk/fsproto.h"
#include "pvk/service.h"

#define FSC_REGION_VA FS_CLIENT_VA
#define FSC_MAX_FDS 64

struct fsc_fd {
    bool used;
    uint32_t epoch;             /* the session it was opened in */
    uint64_t handle;            /* the server's */
};

static struct {
    uint64_t ep;
    uint64_t sid;
    uint32_t epoch;             /* sessions opened so far */
    int frame;                  /* slot of the region (0: none) */
    bool mapped;
    struct fsc_fd fd[FSC_MAX_FDS];
} fsc;

static struct fs_region_hdr *hdr(void)
{
    return (struct fs_region_hdr *)FSC_REGION_VA;
}

static uint8_t *data(void)
{
    return (uint8_t *)FSC_REGION_VA + FS_DATA_OFFSET;
}

/* Opens a session: the region received, mapped. 0 or an error. */
static long connect(void)
{
    if (fsc.mapped) {
        sys_unmap(RT_SLOT_SELF_PROCESS, FSC_REGION_VA);
        fsc.mapped = false;
    }
    if (fsc.frame) {
        sys_cap_delete((uint64_t)fsc.frame);
    } else {
        fsc.frame = rt_slot_alloc();
        if (fsc.frame < 0) {
            fsc.frame = 0;
            return SYS_ENOMEM;
        }
    }
    struct ipc_buffer *b = rt_ipc_buffer();
    struct msg m = { .tag = TAG(FS_SESSION, 1, 0), .mr = { FS_PROTO_VERSION } };
    b->recv_slot = (uint64_t)fsc.frame;
    long rc = ipc_call(fsc.ep, &m);
    b->recv_slot = 0;
    if (rc == 0 && (TAG_LABEL(m.tag) != 0 || (long)m.mr[0] < 0))
        rc = TAG_LABEL(m.tag) ? SYS_EINVAL : (long)m.mr[0];
    if (rc == 0 && (TAG_CAPS(m.tag) != 1 || m.mr[2] != FS_REGION_PAGES))
        rc = SYS_EINVAL;
    if (rc == 0)
        rc = sys_map((uint64_t)fsc.frame, RT_SLOT_SELF_PROCESS, FSC_REGION_VA, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc) {
        sys_cap_delete((uint64_t)fsc.frame);
        return rc;
    }
    fsc.mapped = true;
    fsc.sid = m.mr[1];
    fsc.epoch++;
    return 0;
}

long fs_init(uint64_t ep_slot)
{
    fsc.ep = ep_slot;
    for (unsigned i = 0; i < FSC_MAX_FDS; i++)
        fsc.fd[i].used = false;
    return connect();
}

/* One request: MR0 the session, MR1..3 as given; *r1 (may be NULL) gets
 * the reply's MR1. The result, or PVK_EPEER_RESTARTED when the server
 * restarted (a new session is then open); *unseen tells whether the
 * server never saw the request (it refused the session). */
static long call(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *r1, bool *unseen)
{
    *unseen = false;
    if (!fsc.mapped) {
        long rc = connect();
        if (rc)
            return rc;
        *unseen = true;
        return PVK_EPEER_RESTARTED;
    }
    struct msg m = { .tag = TAG(op, 4, 0), .mr = { fsc.sid, a1, a2, a3 } };
    long rc = ipc_call(fsc.ep, &m);
    if (rc == 0 && TAG_LABEL(m.tag) != 0)
        return SYS_EINVAL;
    if (rc == 0 && (long)m.mr[0] != SYS_EDEAD) {
        if (r1)
            *r1 = m.mr[1];
        return (long)m.mr[0];
    }
    if (rc != 0 && rc != SYS_EDEAD)
        return rc;
    *unseen = rc == 0;
    connect();
    return PVK_EPEER_RESTARTED;
}

/* A path call (the path copied into the region first): sent again once if
 * the server restarted before it saw it. */
static long path_call(uint64_t op, const char *p1, const char *p2, uint64_t a1, uint64_t a2)
{
    for (int tries = 0; tries < 2; tries++) {
        if (!fsc.mapped) {
            long c = connect();
            if (c)
                return c;
        }
        size_t n1 = strnlen(p1, FS_PATH_MAX), n2 = p2 ? strnlen(p2, FS_PATH_MAX) : 0;
        if (n1 >= FS_PATH_MAX || n2 >= FS_PATH_MAX)
            return FS_ENAMETOOLONG;
        memcpy(hdr()->path, p1, n1 + 1);
        if (p2)
            memcpy(hdr()->path2, p2, n2 + 1);
        bool unseen;
        long rc = call(op, a1, a2, 0, NULL, &unseen);
        if (rc != PVK_EPEER_RESTARTED || !unseen)
            return rc;
    }
    return PVK_EPEER_RESTARTED;
}

/* The server handle of fd: 0, FS_EBADF, or PVK_EPEER_RESTARTED once for
 * an fd of an earlier session (then freed). */
static long handle(long fd, uint64_t *h)
{
    if (fd < 0 || fd >= FSC_MAX_FDS || !fsc.fd[fd].used)
        return FS_EBADF;
    if (fsc.fd[fd].epoch != fsc.epoch) {
        fsc.fd[fd].used = false;
        return PVK_EPEER_RESTARTED;
    }
    *h = fsc.fd[fd].handle;
    return 0;
}

/* A handle call; PVK_EPEER_RESTARTED frees the fd. */
static long fd_call(long fd, uint64_t op, uint64_t a2, uint64_t a3, uint64_t *r1)
{
    uint64_t h;
    long rc = handle(fd, &h);
    if (rc)
        return rc;
    bool unseen;
    rc = call(op, h, a2, a3, r1, &unseen);
    if (rc == PVK_EPEER_RESTARTED)
        fsc.fd[fd].used = false;
    return rc;
}

long fs_open(const char *path, unsigned flags, unsigned mode)
{
    long fd = 0;
    while (fd < FSC_MAX_FDS && fsc.fd[fd].used)
        fd++;
    if (fd == FSC_MAX_FDS)
        return SYS_ENOMEM;
    long rc = path_call(FS_OPEN, path, NULL, flags, mode);
    if (rc < 0)
        return rc;
    fsc.fd[fd] = (struct fsc_fd){ .used = true, .epoch = fsc.epoch, .handle = (uint64_t)rc };
    return fd;
}

long fs_close(long fd)
{
    uint64_t h;
    long rc = handle(fd, &h);
    if (rc)
        return rc == PVK_EPEER_RESTARTED ? 0 : rc;
    bool unseen;
    rc = call(FS_CLOSE, h, 0, 0, NULL, &unseen);
    fsc.fd[fd].used = false;
    return rc == PVK_EPEER_RESTARTED ? 0 : rc;
}

long fs_read(long fd, void *buf, size_t len, uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < FS_DATA_SIZE ? len - done : FS_DATA_SIZE;
        long rc = fd_call(fd, FS_READ, offset + done, n, NULL);
        if (rc < 0)
            return done ? (long)done : rc;
        if ((size_t)rc > n)
            return done ? (long)done : SYS_EINVAL;
        memcpy((uint8_t *)buf + done, data(), (size_t)rc);
        done += (size_t)rc;
        if ((size_t)rc < n)
            break;
    }
    return (long)done;
}

long fs_write(long fd, const void *buf, size_t len, uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < FS_DATA_SIZE ? len - done : FS_DATA_SIZE;
        memcpy(data(), (const uint8_t *)buf + done, n);
        long rc = fd_call(fd, FS_WRITE, offset + done, n, NULL);
        if (rc < 0)
            return done ? (long)done : rc;
        if ((size_t)rc > n)
            return done ? (long)done : SYS_EINVAL;
        done += (size_t)rc;
        if ((size_t)rc < n)
            break;
    }
    return (long)done;
}

long fs_fsync(long fd)
{
    return fd_call(fd, FS_FSYNC, 0, 0, NULL);
}

long fs_ftruncate(long fd, uint64_t size)
{
    return fd_call(fd, FS_FTRUNCATE, size, 0, NULL);
}

long fs_fstat(long fd, struct fs_stat *st)
{
    long rc = fd_call(fd, FS_FSTAT, 0, 0, NULL);
    if (rc == 0)
        memcpy(st, &hdr()->stat, sizeof *st);
    return rc;
}

long fs_stat(const char *path, struct fs_stat *st)
{
    long rc = path_call(FS_STAT, path, NULL, 0, 0);
    if (rc == 0)
        memcpy(st, &hdr()->stat, sizeof *st);
    return rc;
}

long fs_readdir(long fd, uint64_t *cookie, struct fs_dirent *out, unsigned max)
{
    if (max > FS_DIRENT_MAX)
        max = FS_DIRENT_MAX;
    uint64_t next = *cookie;
    long rc = fd_call(fd, FS_READDIR, *cookie, max, &next);
    if (rc < 0)
        return rc;
    if ((unsigned long)rc > max)
        return SYS_EINVAL;
    memcpy(out, data(), (size_t)rc * sizeof *out);
    for (long i = 0; i < rc; i++)
        out[i].name[FS_NAME_MAX] = 0;
    *cookie = next;
    return rc;
}

long fs_mkdir(const char *path, unsigned mode)
{
    return path_call(FS_MKDIR, path, NULL, 0, mode);
}

long fs_rmdir(const char *path)
{
    return path_call(FS_RMDIR, path, NULL, 0, 0);
}

long fs_unlink(const char *path)
{
    return path_call(FS_UNLINK, path, NULL, 0, 0);
}

long fs_rename(const char *from, const char *to)
{
    return path_call(FS_RENAME, from, to, 0, 0);
}

long fs_sync(void)
{
    bool unseen;
    return call(FS_SYNC, 0, 0, 0, NULL, &unseen);
}
