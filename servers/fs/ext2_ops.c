/* ext2 namespace operations: create, mkdir, unlink, rmdir and rename, built
 * on the allocator (ext2_alloc.c), the block map (ext2_write.c) and the
 * entry changes (ext2_dirops.c). Everything is checked before the first
 * write (names, types, emptiness, link limits, a directory moved under
 * itself); a new inode is written before a name links it, a name is
 * removed before its inode is freed, and what a failed step allocated is
 * freed again. */
#include "ext2_internal.h"

#define MODE_REG 0x8000u
#define MODE_DIR 0x4000u
#define EXT2_WALK_MAX 65536u   /* ".." steps when checking a move */

/* Reads directory ino (EXT2_ENOTDIR if it is not one). */
static int read_dir(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *dir)
{
    int rc = ext2_read_inode(fs, ino, dir);
    if (rc == EXT2_OK && dir->type != EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_ENOTDIR, "inode %u is not a directory", ino);
    return rc;
}

/* Writable, a good name, dir_ino a directory (read into *dir). */
static int open_for_name(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len,
                         struct ext2_inode *dir)
{
    int rc = ext2_check_writable(fs);
    if (rc == EXT2_OK)
        rc = ext2_check_name(fs, name, len);
    if (rc == EXT2_OK)
        rc = read_dir(fs, dir_ino, dir);
    return rc;
}

/* The checks every new name takes: writable, a good name, dir a
 * directory without that name. */
static int check_new(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len, struct ext2_inode *dir)
{
    uint32_t ino;
    int rc = open_for_name(fs, dir_ino, name, len, dir);
    if (rc != EXT2_OK)
        return rc;
    rc = ext2_lookup(fs, dir, name, len, &ino);
    if (rc == EXT2_OK)
        return ext2_fail(fs, EXT2_EEXIST, "directory inode %u already has that name", dir_ino);
    return rc == EXT2_ENOENT ? EXT2_OK : rc;
}

/* Adds delta to the link count of inode ino (ctime now). */
static int add_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode in;
    int rc = ext2_read_inode(fs, ino, &in);
    if (rc != EXT2_OK)
        return rc;
    if (delta > 0 && in.links >= EXT2_LINK_MAX)
        return ext2_fail(fs, EXT2_EMLINK, "inode %u has %u links", ino, (unsigned)in.links);
    in.links = (uint16_t)(delta > 0 ? in.links + 1 : in.links > 0 ? in.links - 1 : 0);
    in.ctime = fs->now;
    return ext2_write_inode(fs, &in, false);
}

/* Frees inode in (no name links it any more): its blocks, a deletion
 * time, its bitmap bit and counts. */
static int release(struct ext2_fs *fs, struct ext2_inode *in)
{
    bool dir = in->type == EXT2_TYPE_DIR;
    int rc = ext2_free_blocks_from(fs, in, 0);
    in->links = 0;
    if (rc == EXT2_OK)
        in->size = 0;
    in->dtime = fs->now != 0 ? fs->now : 1;
    int wrc = ext2_write_inode(fs, in, false);
    if (rc == EXT2_OK)
        rc = wrc;
    if (rc == EXT2_OK)
        rc = ext2_free_inode(fs, in->ino, dir);
    return rc;
}

/* A fresh inode record in memory: type and permission bits, links, now. */
static void init_inode(const struct ext2_fs *fs, struct ext2_inode *in, uint32_t ino, uint16_t mode,
                       enum ext2_type type, uint16_t links)
{
    ext2_memset(in, 0, sizeof *in);
    in->ino = ino;
    in->mode = mode;
    in->type = type;
    in->links = links;
    in->atime = in->ctime = in->mtime = fs->now;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t name_len, uint16_t mode,
                struct ext2_inode *out)
{
    struct ext2_inode dir, in;
    uint32_t ino;
    int rc = check_new(fs, dir_ino, name, name_len, &dir);
    if (rc == EXT2_OK)
        rc = ext2_alloc_inode(fs, ext2_inode_group(fs, dir_ino), false, &ino);
    if (rc != EXT2_OK)
        return rc;
    init_inode(fs, &in, ino, (uint16_t)(MODE_REG | (mode & 07777u)), EXT2_TYPE_REG, 1);
    rc = ext2_write_inode(fs, &in, true);
    if (rc == EXT2_OK)
        rc = ext2_dir_add(fs, dir_ino, name, name_len, ino, EXT2_TYPE_REG);
    if (rc != EXT2_OK) {
        int err = rc;
        release(fs, &in);
        return err;
    }
    if (out != NULL)
        *out = in;
    return EXT2_OK;
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t name_len, uint16_t mode,
               struct ext2_inode *out)
{
    struct ext2_inode dir, in;
    uint32_t ino, block;
    int rc = check_new(fs, dir_ino, name, name_len, &dir);
    if (rc != EXT2_OK)
        return rc;
    if (dir.links >= EXT2_LINK_MAX)
        return ext2_fail(fs, EXT2_EMLINK, "directory inode %u has %u links", dir_ino, (unsigned)dir.links);
    if ((rc = ext2_alloc_inode(fs, ext2_inode_group(fs, dir_ino), true, &ino)) != EXT2_OK)
        return rc;
    if ((rc = ext2_alloc_block(fs, ext2_inode_group(fs, ino), &block)) != EXT2_OK) {
        ext2_free_inode(fs, ino, true);
        return rc;
    }
    init_inode(fs, &in, ino, (uint16_t)(MODE_DIR | (mode & 07777u)), EXT2_TYPE_DIR, 2);
    in.block[0] = block;
    in.size = fs->block_size;
    in.blocks_512 = fs->block_size / 512;
    /* "." and "..", the rest of the block in ".." */
    uint8_t raw[24];
    ext2_memset(raw, 0, sizeof raw);
    ext2_put32(raw, ino);
    ext2_put16(raw + 4, 12);
    raw[6] = 1;
    raw[7] = ext2_dir_ftype(fs, EXT2_TYPE_DIR);
    raw[8] = '.';
    ext2_put32(raw + 12, dir_ino);
    ext2_put16(raw + 16, fs->block_size - 12);
    raw[18] = 2;
    raw[19] = raw[7];
    raw[20] = raw[21] = '.';
    rc = ext2_dev_write(fs, (uint64_t)block * fs->block_size, raw, sizeof raw, "directory entry");
    if (rc == EXT2_OK)
        rc = ext2_write_inode(fs, &in, true);
    bool linked = false;
    if (rc == EXT2_OK)
        linked = (rc = ext2_dir_add(fs, dir_ino, name, name_len, ino, EXT2_TYPE_DIR)) == EXT2_OK;
    if (rc == EXT2_OK)
        rc = add_links(fs, dir_ino, +1);
    if (rc != EXT2_OK) {   /* undo, keeping the first failure's code and reason */
        int err = rc;
        uint32_t gone;
        if (linked)
            ext2_dir_remove(fs, dir_ino, name, name_len, &gone);
        release(fs, &in);
        return err;
    }
    if (out != NULL)
        *out = in;
    return EXT2_OK;
}

/* Looks name up in directory dir_ino (a checked name) into *dir and *in. */
static int lookup_name(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len,
                       struct ext2_inode *dir, struct ext2_inode *in)
{
    uint32_t ino;
    int rc = open_for_name(fs, dir_ino, name, len, dir);
    if (rc == EXT2_OK)
        rc = ext2_lookup(fs, dir, name, len, &ino);
    if (rc == EXT2_OK)
        rc = ext2_read_inode(fs, ino, in);
    if (rc == EXT2_OK && in->file_acl != 0)
        return ext2_fail(fs, EXT2_EUNSUPPORTED, "inode %u has an extended attribute block", ino);
    return rc;
}

/* Drops one link of non-directory in (ctime now), freeing it with the last. */
static int drop_file(struct ext2_fs *fs, struct ext2_inode *in)
{
    in->links = in->links > 0 ? (uint16_t)(in->links - 1) : 0;
    in->ctime = fs->now;
    if (in->links == 0)
        return release(fs, in);
    return ext2_write_inode(fs, in, false);
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t name_len)
{
    struct ext2_inode dir, in;
    uint32_t gone;
    int rc = lookup_name(fs, dir_ino, name, name_len, &dir, &in);
    if (rc == EXT2_OK && in.type == EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_EISDIR, "inode %u is a directory (rmdir)", in.ino);
    if (rc == EXT2_OK)
        rc = ext2_dir_remove(fs, dir_ino, name, name_len, &gone);
    if (rc == EXT2_OK)
        rc = drop_file(fs, &in);
    return rc;
}

/* Checks that directory in may go: empty. */
static int check_removable_dir(struct ext2_fs *fs, const struct ext2_inode *in)
{
    if (in->type != EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_ENOTDIR, "inode %u is not a directory", in->ino);
    int rc = ext2_dir_empty(fs, in);
    if (rc == 0)
        return ext2_fail(fs, EXT2_ENOTEMPTY, "directory inode %u is not empty", in->ino);
    return rc < 0 ? rc : EXT2_OK;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t name_len)
{
    struct ext2_inode dir, in;
    uint32_t gone;
    int rc = lookup_name(fs, dir_ino, name, name_len, &dir, &in);
    if (rc == EXT2_OK)
        rc = check_removable_dir(fs, &in);
    if (rc == EXT2_OK)
        rc = ext2_dir_remove(fs, dir_ino, name, name_len, &gone);
    if (rc == EXT2_OK)
        rc = release(fs, &in);
    if (rc == EXT2_OK)
        rc = add_links(fs, dir_ino, -1);
    return rc;
}

/* EXT2_EINVAL if directory moved is dir or one of dir's ancestors (walking
 * ".." up to the root, bounded). */
static int check_not_ancestor(struct ext2_fs *fs, uint32_t moved, uint32_t dir)
{
    uint32_t cur = dir;
    /* a chain longer than the inode count has a cycle */
    uint32_t limit = fs->inodes_count < EXT2_WALK_MAX ? fs->inodes_count : EXT2_WALK_MAX;
    for (uint32_t steps = 0; steps <= limit; steps++) {
        if (cur == moved)
            return ext2_fail(fs, EXT2_EINVAL, "directory inode %u would move into its own subtree", moved);
        if (cur == EXT2_ROOT_INO)
            return EXT2_OK;
        struct ext2_inode in;
        uint32_t parent;
        int rc = read_dir(fs, cur, &in);
        if (rc == EXT2_OK)
            rc = ext2_lookup(fs, &in, "..", 2, &parent);
        if (rc != EXT2_OK)
            return rc;
        if (parent == cur)
            return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u is its own parent", cur);
        cur = parent;
    }
    return ext2_fail(fs, EXT2_ECORRUPT, "no root within %u \"..\" steps of directory inode %u", limit, dir);
}

int ext2_rename(struct ext2_fs *fs, uint32_t src_dir, const char *src_name, uint32_t src_len,
                uint32_t dst_dir, const char *dst_name, uint32_t dst_len)
{
    struct ext2_inode sdir, ddir, s, t;
    uint32_t tino, gone;
    int rc = lookup_name(fs, src_dir, src_name, src_len, &sdir, &s);
    if (rc == EXT2_OK)
        rc = ext2_check_name(fs, dst_name, dst_len);
    if (rc == EXT2_OK)
        rc = read_dir(fs, dst_dir, &ddir);
    if (rc != EXT2_OK)
        return rc;
    bool is_dir = s.type == EXT2_TYPE_DIR, moves = src_dir != dst_dir;
    if (!moves && src_len == dst_len && ext2_memcmp(src_name, dst_name, src_len) == 0)
        return EXT2_OK;
    if (is_dir && moves && (rc = check_not_ancestor(fs, s.ino, dst_dir)) != EXT2_OK)
        return rc;
    rc = ext2_lookup(fs, &ddir, dst_name, dst_len, &tino);
    bool replace = rc == EXT2_OK;
    if (rc != EXT2_OK && rc != EXT2_ENOENT)
        return rc;
    if (replace) {
        if (tino == s.ino)
            return EXT2_OK;   /* two names of one inode: nothing to do */
        if ((rc = ext2_read_inode(fs, tino, &t)) != EXT2_OK)
            return rc;
        if (t.file_acl != 0)
            return ext2_fail(fs, EXT2_EUNSUPPORTED, "inode %u has an extended attribute block", tino);
        if (is_dir && (rc = check_removable_dir(fs, &t)) != EXT2_OK)
            return rc;
        if (!is_dir && t.type == EXT2_TYPE_DIR)
            return ext2_fail(fs, EXT2_EISDIR, "inode %u is a directory", tino);
        rc = ext2_dir_set(fs, dst_dir, dst_name, dst_len, s.ino, s.type);
    } else {
        if (is_dir && moves && ddir.links >= EXT2_LINK_MAX)
            return ext2_fail(fs, EXT2_EMLINK, "directory inode %u has %u links", dst_dir, (unsigned)ddir.links);
        rc = ext2_dir_add(fs, dst_dir, dst_name, dst_len, s.ino, s.type);
    }
    if (rc != EXT2_OK)
        return rc;
    if ((rc = ext2_dir_remove(fs, src_dir, src_name, src_len, &gone)) != EXT2_OK) {
        if (!replace)   /* undo: the new name goes again */
            ext2_dir_remove(fs, dst_dir, dst_name, dst_len, &gone);
        return rc;
    }
    if (replace && t.type == EXT2_TYPE_DIR)
        rc = release(fs, &t);
    else if (replace)
        rc = drop_file(fs, &t);
    if (rc == EXT2_OK && replace && t.type == EXT2_TYPE_DIR)
        rc = add_links(fs, dst_dir, -1);   /* t's ".." is gone */
    if (rc == EXT2_OK && is_dir && moves) {
        rc = ext2_dir_set(fs, s.ino, "..", 2, dst_dir, EXT2_TYPE_DIR);
        if (rc == EXT2_OK)
            rc = add_links(fs, src_dir, -1);
        if (rc == EXT2_OK)
            rc = add_links(fs, dst_dir, +1);
    }
    if (rc == EXT2_OK && (rc = ext2_read_inode(fs, s.ino, &s)) == EXT2_OK) {
        s.ctime = fs->now;
        rc = ext2_write_inode(fs, &s, false);
    }
    return rc;
}

int ext2_drop_dangling(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t name_len)
{
    struct ext2_inode dir, in;
    uint32_t ino;
    int rc = open_for_name(fs, dir_ino, name, name_len, &dir);
    if (rc == EXT2_OK)
        rc = ext2_lookup(fs, &dir, name, name_len, &ino);
    if (rc == EXT2_ENOENT)
        return 0;                       /* no such name */
    if (rc != EXT2_OK)
        return rc;
    rc = ext2_read_inode(fs, ino, &in);
    if (rc != EXT2_ENOENT)
        return rc == EXT2_OK ? 0 : rc;  /* a live inode (or a worse problem) */
    rc = ext2_dir_remove(fs, dir_ino, name, name_len, &ino);
    return rc == EXT2_OK ? 1 : rc;
}
