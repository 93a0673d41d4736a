/* The requests of one session (protocol in pvk/fsproto.h). Every value
 * from the message or the region is checked here: handles against the
 * session's table, offsets and lengths against FS_DATA_SIZE and the file,
 * paths copied out of the region and NUL-checked before use. */
#include "fssrv.h"

#define FS_ACCMODE 3u
#define FS_KNOWN_FLAGS (FS_ACCMODE | FS_O_CREAT | FS_O_EXCL | FS_O_TRUNC | FS_O_APPEND | FS_O_SYNC)

long fs_err(int rc)
{
    switch (rc) {
    case 0: return 0;
    case EXT2_ENOENT: return SYS_ENOENT;
    case EXT2_ENOTDIR: return FS_ENOTDIR;
    case EXT2_EISDIR: return FS_EISDIR;
    case EXT2_EINVAL: return SYS_EINVAL;
    case EXT2_ENAMETOOLONG: return FS_ENAMETOOLONG;
    case EXT2_ERANGE: return SYS_ERANGE;
    case EXT2_EROFS: return FS_EROFS;
    case EXT2_ENOSPC: return FS_ENOSPC;
    case EXT2_EEXIST: return FS_EEXIST;
    case EXT2_ENOTEMPTY: return FS_ENOTEMPTY;
    case EXT2_EMLINK: return SYS_ERANGE;
    default: {
        static uint64_t count;      /* rate-limited: a client can provoke these */
        if (++count <= 20 || count % 1000 == 0)
            printf("fs: %s: %s (%llu so far)", ext2_error_name(rc), ext2_reason(&fs), (unsigned long long)count);
        return FS_EIO;
    }
    }
}

/* Copies path field at off of the region into out (FS_PATH_MAX bytes):
 * 0, or FS_ENAMETOOLONG without a NUL in it, SYS_EINVAL if empty. */
static long get_path(const struct fs_session *s, uint32_t off, char *out)
{
    __builtin_memcpy(out, s->region + off, FS_PATH_MAX);
    uint32_t n = 0;
    while (n < FS_PATH_MAX && out[n])
        n++;
    if (n == FS_PATH_MAX)
        return FS_ENAMETOOLONG;
    return n ? 0 : SYS_EINVAL;
}

/* Splits path (modified) into its parent directory's inode number and the
 * last name (trailing slashes dropped). */
static long split(char *path, uint32_t *dir, const char **name, uint32_t *len)
{
    uint32_t n = 0;
    while (path[n])
        n++;
    while (n > 1 && path[n - 1] == '/')
        path[--n] = 0;
    uint32_t slash = n;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    *name = path + slash;
    *len = n - slash;
    if (*len == 0)
        return SYS_EINVAL;      /* "/" */
    char saved = path[slash];
    path[slash] = 0;
    struct ext2_inode d;
    int rc = ext2_resolve(&fs, path, &d);
    path[slash] = saved;
    if (rc)
        return fs_err(rc);
    if (d.type != EXT2_TYPE_DIR)
        return FS_ENOTDIR;
    *dir = d.ino;
    return 0;
}

/* Before a name is made: an entry left naming a free inode by a crash
 * (README: write ordering) is removed, so the name can be made again. */
static void drop_dangling(uint32_t dir, const char *name, uint32_t len)
{
    if (ext2_drop_dangling(&fs, dir, name, len) == 1)
        printf("fs: removed the entry '%.*s' of directory inode %u: it named a free inode (a crash's leftover)",
               (int)len, name, dir);
}

static uint32_t wire_type(enum ext2_type t)
{
    return t == EXT2_TYPE_REG ? FS_TYPE_FILE : t == EXT2_TYPE_DIR ? FS_TYPE_DIR
         : t == EXT2_TYPE_SYMLINK ? FS_TYPE_SYMLINK : FS_TYPE_OTHER;
}

static void put_stat(struct fs_session *s, const struct ext2_inode *ino)
{
    struct ext2_stat st;
    ext2_stat(ino, &st);
    struct fs_stat w = { .size = st.size, .mtime = st.mtime, .ino = st.ino, .type = wire_type(st.type),
                         .mode = st.mode & 0777u, .nlink = st.links };
    __builtin_memcpy(s->region + FS_STAT_OFFSET, &w, sizeof w);
}

/* The handle in MR1, its inode read: 0, FS_EBADF, or the read's error. */
static long handle_of(struct fs_session *s, const struct msg *m, struct fs_handle **h, struct ext2_inode *ino)
{
    uint64_t k = m->mr[FS_MR_HANDLE];
    if (k >= FS_MAX_HANDLES || !s->h[k].used)
        return FS_EBADF;
    *h = &s->h[k];
    if ((*h)->stale)
        return SYS_ENOENT;
    int rc = ext2_read_inode(&fs, (*h)->ino, ino);
    if (rc == EXT2_ENOENT) {
        (*h)->stale = true;
        return SYS_ENOENT;
    }
    return fs_err(rc);
}

/* FS_OPEN: resolves (or creates with FS_O_CREAT) the path; a free handle
 * of the session. Directories open read-only; symlinks and devices not. */
static long op_open(struct fs_session *s, const struct msg *m)
{
    char path[FS_PATH_MAX];
    uint64_t flags = m->mr[FS_MR_FLAGS], mode = m->mr[FS_MR_MODE];
    long rc = get_path(s, FS_PATH_OFFSET, path);
    if (rc)
        return rc;
    if ((flags & ~(uint64_t)FS_KNOWN_FLAGS) || (flags & FS_ACCMODE) == FS_ACCMODE || mode > 07777)
        return SYS_EINVAL;
    uint32_t k = 0;
    while (k < FS_MAX_HANDLES && s->h[k].used)
        k++;
    if (k == FS_MAX_HANDLES)
        return SYS_ENOMEM;
    bool writable = (flags & FS_ACCMODE) != FS_O_RDONLY;
    struct ext2_inode ino;
    int e = ext2_resolve(&fs, path, &ino);
    if (e == EXT2_ENOENT && (flags & FS_O_CREAT)) {
        uint32_t dir, len;
        const char *name;
        rc = split(path, &dir, &name, &len);
        if (rc)
            return rc;
        drop_dangling(dir, name, len);
        e = ext2_create(&fs, dir, name, len, (uint16_t)(mode & 0777u), &ino);
        if (e == EXT2_ENOSPC && disk.deferred.count && disk_sync() == 0)
            e = ext2_create(&fs, dir, name, len, (uint16_t)(mode & 0777u), &ino);
    } else if (e == 0 && (flags & FS_O_CREAT) && (flags & FS_O_EXCL)) {
        return FS_EEXIST;
    }
    if (e)
        return fs_err(e);
    if (ino.type == EXT2_TYPE_DIR && (writable || (flags & FS_O_TRUNC)))
        return FS_EISDIR;
    if (ino.type != EXT2_TYPE_DIR && ino.type != EXT2_TYPE_REG)
        return SYS_EINVAL;      /* symlinks are not followed; devices are not served */
    if ((flags & FS_O_TRUNC) && writable && ino.size) {
        e = ext2_truncate(&fs, &ino, 0);
        if (e)
            return fs_err(e);
    }
    s->h[k] = (struct fs_handle){ .used = true, .ino = ino.ino, .flags = (uint32_t)flags };
    return k;
}

/* The handle of an FS_READ (writing false) or FS_WRITE, its inode read:
 * 0; FS_EBADF (no such handle, or not open for that), FS_EISDIR (a read
 * of a directory), SYS_EINVAL (MR3 more than the data area) or
 * handle_of's error otherwise. */
static long io_handle(struct fs_session *s, const struct msg *m, bool writing, struct fs_handle **h,
                      struct ext2_inode *ino)
{
    long rc = handle_of(s, m, h, ino);
    if (rc)
        return rc;
    if (((*h)->flags & FS_ACCMODE) == (writing ? FS_O_RDONLY : FS_O_WRONLY))
        return FS_EBADF;
    if (!writing && ino->type != EXT2_TYPE_REG)
        return FS_EISDIR;
    if (m->mr[FS_MR_LEN] > FS_DATA_SIZE)
        return SYS_EINVAL;
    return 0;
}

/* FS_READ: up to MR3 bytes at MR2 into the data area (the bulk path of
 * blkio.c); the count. */
static long op_read(struct fs_session *s, const struct msg *m)
{
    struct fs_handle *h;
    struct ext2_inode ino;
    long rc = io_handle(s, m, false, &h, &ino);
    if (rc)
        return rc;
    uint64_t off = m->mr[FS_MR_OFFSET], len = m->mr[FS_MR_LEN];
    uint32_t done;
    int e = disk_read_file(&ino, off, s->region + FS_DATA_OFFSET, (uint32_t)len, &done);
    return e && !done ? fs_err(e) : (long)done;
}

/* FS_WRITE: MR3 bytes of the data area at MR2 (the end with FS_O_APPEND);
 * durable before the reply with FS_O_SYNC; the count written. */
static long op_write(struct fs_session *s, const struct msg *m)
{
    struct fs_handle *h;
    struct ext2_inode ino;
    long rc = io_handle(s, m, true, &h, &ino);
    if (rc)
        return rc;
    uint64_t off = m->mr[FS_MR_OFFSET], len = m->mr[FS_MR_LEN];
    if (h->flags & FS_O_APPEND)
        off = ino.size;
    if (off > (1ull << 40))
        return SYS_ERANGE;
    uint32_t done = 0;
    int e = ext2_write(&fs, &ino, off, s->region + FS_DATA_OFFSET, (uint32_t)len, &done);
    if (e == EXT2_ENOSPC && disk.deferred.count && disk_sync() == 0) {
        /* Space freed since the last sync is usable once that is durable. */
        uint32_t more = 0;
        e = ext2_write(&fs, &ino, off + done, s->region + FS_DATA_OFFSET + done, (uint32_t)len - done, &more);
        done += more;
    }
    if ((h->flags & FS_O_SYNC) == FS_O_SYNC && done) {
        long src = disk_sync();
        if (src)
            return src;
    }
    return e && !done ? fs_err(e) : (long)done;
}

/* FS_READDIR: entries from byte position MR2 (the cookie), at most MR3;
 * MR1 of the reply is the next cookie. */
static long op_readdir(struct fs_session *s, struct msg *m)
{
    struct fs_handle *h;
    struct ext2_inode ino;
    long rc = handle_of(s, m, &h, &ino);
    if (rc)
        return rc;
    uint64_t cookie = m->mr[FS_MR_OFFSET], max = m->mr[FS_MR_LEN];
    if (ino.type != EXT2_TYPE_DIR)
        return FS_ENOTDIR;
    if (max > FS_DIRENT_MAX || (cookie & 3) || cookie > ino.size)
        return SYS_EINVAL;
    struct ext2_dir_iter it;
    int e = ext2_opendir(&fs, &ino, &it);
    if (e)
        return fs_err(e);
    it.pos = cookie;
    struct fs_dirent *out = (struct fs_dirent *)(s->region + FS_DATA_OFFSET);
    uint64_t n = 0;
    while (n < max) {
        struct ext2_dirent d;
        e = ext2_readdir(&fs, &it, &d);
        if (e < 0)
            return n ? (long)n : fs_err(e);
        if (e == 0)
            break;
        struct fs_dirent w = { .ino = d.ino, .type = FS_TYPE_OTHER };
        __builtin_memcpy(w.name, d.name, d.name_len);
        w.name[d.name_len] = 0;
        struct ext2_inode child;
        if (ext2_read_inode(&fs, d.ino, &child) == 0)
            w.type = wire_type(child.type);
        __builtin_memcpy(&out[n], &w, sizeof w);
        n++;
        m->mr[1] = it.pos;
    }
    if (n == 0)
        m->mr[1] = it.pos;
    return (long)n;
}

/* mkdir, rmdir, unlink: path in the region. */
static long op_name(struct fs_session *s, uint64_t op, const struct msg *m)
{
    char path[FS_PATH_MAX];
    long rc = get_path(s, FS_PATH_OFFSET, path);
    if (rc)
        return rc;
    uint32_t dir, len;
    const char *name;
    rc = split(path, &dir, &name, &len);
    if (rc)
        return rc;
    int e;
    if (op == FS_MKDIR) {
        if (m->mr[FS_MR_MODE] > 07777)
            return SYS_EINVAL;
        drop_dangling(dir, name, len);
        e = ext2_mkdir(&fs, dir, name, len, (uint16_t)(m->mr[FS_MR_MODE] & 0777u), NULL);
        if (e == EXT2_ENOSPC && disk.deferred.count && disk_sync() == 0)
            e = ext2_mkdir(&fs, dir, name, len, (uint16_t)(m->mr[FS_MR_MODE] & 0777u), NULL);
        return fs_err(e);
    }
    /* A removal: alone in its sync, written in removal order (README). */
    if (disk_sync())
        return FS_EIO;
    e = op == FS_RMDIR ? ext2_rmdir(&fs, dir, name, len) : ext2_unlink(&fs, dir, name, len);
    if (e == EXT2_ENOENT && ext2_drop_dangling(&fs, dir, name, len) == 1)
        e = 0;      /* the name of a crash's leftover: gone now */
    if (e == 0) {
        session_mark_stale();
        if (disk_sync_removal())
            return FS_EIO;
    }
    return fs_err(e);
}

/* FS_RENAME: path to path2, bracketed like the other removals. */
static long op_rename(struct fs_session *s)
{
    char from[FS_PATH_MAX], to[FS_PATH_MAX];
    long rc = get_path(s, FS_PATH_OFFSET, from);
    if (!rc)
        rc = get_path(s, FS_PATH2_OFFSET, to);
    if (rc)
        return rc;
    uint32_t fdir, tdir, flen, tlen;
    const char *fname, *tname;
    rc = split(from, &fdir, &fname, &flen);
    if (!rc)
        rc = split(to, &tdir, &tname, &tlen);
    if (rc)
        return rc;
    if (disk_sync())
        return FS_EIO;
    drop_dangling(tdir, tname, tlen);
    int e = ext2_rename(&fs, fdir, fname, flen, tdir, tname, tlen);
    if (e == 0) {
        session_mark_stale();
        if (disk_sync_removal())
            return FS_EIO;
    }
    return fs_err(e);
}

/* Dispatch (fs.now set first); MR0 of the reply is the result. */
void ops_handle(struct fs_session *s, uint64_t op, struct msg *m)
{
    struct fs_handle *h;
    struct ext2_inode ino;
    long rc;
    fs.now = fs_clock();
    switch (op) {
    case FS_OPEN: rc = op_open(s, m); break;
    case FS_CLOSE:
        if (m->mr[FS_MR_HANDLE] >= FS_MAX_HANDLES || !s->h[m->mr[FS_MR_HANDLE]].used) {
            rc = FS_EBADF;
        } else {
            s->h[m->mr[FS_MR_HANDLE]] = (struct fs_handle){ 0 };
            rc = 0;
        }
        break;
    case FS_READ: rc = op_read(s, m); break;
    case FS_WRITE: rc = op_write(s, m); break;
    case FS_FSYNC:
        rc = handle_of(s, m, &h, &ino);
        if (!rc)
            rc = disk_sync();
        break;
    case FS_FTRUNCATE:
        rc = handle_of(s, m, &h, &ino);
        if (!rc && (h->flags & FS_ACCMODE) == FS_O_RDONLY)
            rc = FS_EBADF;
        if (!rc)
            rc = ino.type == EXT2_TYPE_REG ? fs_err(ext2_truncate(&fs, &ino, m->mr[FS_MR_OFFSET])) : FS_EISDIR;
        if (!rc && (h->flags & FS_O_SYNC) == FS_O_SYNC)
            rc = disk_sync();
        break;
    case FS_FSTAT:
        rc = handle_of(s, m, &h, &ino);
        if (!rc)
            put_stat(s, &ino);
        break;
    case FS_STAT: {
        char path[FS_PATH_MAX];
        rc = get_path(s, FS_PATH_OFFSET, path);
        if (!rc)
            rc = fs_err(ext2_resolve(&fs, path, &ino));
        if (!rc)
            put_stat(s, &ino);
        break;
    }
    case FS_READDIR: rc = op_readdir(s, m); break;
    case FS_MKDIR:
    case FS_RMDIR:
    case FS_UNLINK: rc = op_name(s, op, m); break;
    case FS_RENAME: rc = op_rename(s); break;
    case FS_SYNC: rc = disk_sync(); break;
    default: rc = SYS_EINVAL; break;
    }
    if (op != FS_READDIR)
        m->mr[1] = 0;
    m->mr[0] = (uint64_t)rc;
}
