/* ext2 directories: entries read one at a time and checked against their
 * block, lookup by name, and path resolution from the root.
 *
 * An entry is 8 bytes (inode, record length, name length, type or the
 * high byte of the name length without FILETYPE) and its name. Rules
 * (anything else is EXT2_ECORRUPT): the record starts 4-aligned with 8
 * bytes left in its block, its length is a multiple of 4, at least
 * 8 + name length rounded up to 4, and ends inside the block; a used
 * entry (inode != 0) has a name of 1..255 bytes and an inode number in
 * 1..inodes_count. A directory's size is a multiple of the block size and
 * it has no holes. */
#include "ext2_internal.h"

#define DIRENT_HEADER 8u

int ext2_opendir(struct ext2_fs *fs, const struct ext2_inode *dir, struct ext2_dir_iter *it)
{
    ext2_memset(it, 0, sizeof *it);
    if (dir->type != EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_ENOTDIR, "inode %u is not a directory", dir->ino);
    if (dir->size % fs->block_size != 0)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u: size %llu not a multiple of the block size %u",
                         dir->ino, (unsigned long long)dir->size, fs->block_size);
    it->dir = *dir;
    return EXT2_OK;
}

/* Maps the directory block holding it->pos into it->pblk (a hole is
 * corrupt). */
static int map_dir_block(struct ext2_fs *fs, struct ext2_dir_iter *it)
{
    uint32_t lblk = (uint32_t)(it->pos / fs->block_size);
    if (it->mapped && it->lblk == lblk)
        return EXT2_OK;
    uint32_t pblk;
    int rc = ext2_bmap(fs, &it->dir, lblk, &pblk);
    if (rc != EXT2_OK)
        return rc;
    if (pblk == 0)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u: hole at logical block %u", it->dir.ino, lblk);
    it->lblk = lblk;
    it->pblk = pblk;
    it->mapped = true;
    return EXT2_OK;
}

/* Reads and checks the entry at it->pos; *rec_len gets its record length
 * and out its inode, type and name length (the name is read by the
 * caller only for used entries). */
static int read_entry_header(struct ext2_fs *fs, struct ext2_dir_iter *it, struct ext2_dirent *out,
                             uint32_t *rec_len)
{
    uint32_t ino = it->dir.ino;
    uint32_t in_block = (uint32_t)(it->pos % fs->block_size);
    unsigned long long pos = it->pos;
    if (in_block % 4 != 0 || fs->block_size - in_block < DIRENT_HEADER)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u, offset %llu: entry misaligned or at the block end",
                         ino, pos);
    int rc = map_dir_block(fs, it);
    uint8_t raw[DIRENT_HEADER];
    if (rc == EXT2_OK)
        rc = ext2_dev_read(fs, (uint64_t)it->pblk * fs->block_size + in_block, raw, sizeof raw,
                           "directory entry");
    if (rc != EXT2_OK)
        return rc;
    out->ino = ext2_le32(raw);
    *rec_len = ext2_le16(raw + 4);
    uint32_t name_len = raw[6];
    out->file_type = 0;
    if (fs->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
        out->file_type = raw[7];
    else
        name_len = ext2_le16(raw + 6);
    if (*rec_len < DIRENT_HEADER || *rec_len % 4 != 0)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u, offset %llu: record length %u (a multiple of 4, at least 8)",
                         ino, pos, *rec_len);
    if (*rec_len > fs->block_size - in_block)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u, offset %llu: record length %u crosses the block end",
                         ino, pos, *rec_len);
    if (name_len > EXT2_NAME_MAX || DIRENT_HEADER + ((name_len + 3) & ~3u) > *rec_len)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u, offset %llu: name length %u does not fit record length %u",
                         ino, pos, name_len, *rec_len);
    if (out->ino != 0 && (out->ino > fs->inodes_count || name_len == 0))
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u, offset %llu: entry for inode %u (1..%u) with a %u-byte name",
                         ino, pos, out->ino, fs->inodes_count, name_len);
    out->name_len = (uint8_t)name_len;
    return EXT2_OK;
}

int ext2_dir_next(struct ext2_fs *fs, struct ext2_dir_iter *it, struct ext2_dirent *out, uint32_t *rec_len,
                  uint64_t *at)
{
    if (it->sticky != 0)
        return it->sticky;
    if (it->pos >= it->dir.size)
        return 0;
    *at = it->pos;
    *rec_len = 0;
    int rc = read_entry_header(fs, it, out, rec_len);
    if (rc == EXT2_OK && out->ino != 0)
        rc = ext2_dev_read(fs, (uint64_t)it->pblk * fs->block_size + *at % fs->block_size + DIRENT_HEADER,
                           out->name, out->name_len, "directory entry name");
    if (rc != EXT2_OK) {
        it->sticky = rc;
        return rc;
    }
    it->pos += *rec_len;   /* at least 8: every call moves on */
    out->name[out->ino != 0 ? out->name_len : 0] = '\0';
    return 1;
}

int ext2_readdir(struct ext2_fs *fs, struct ext2_dir_iter *it, struct ext2_dirent *out)
{
    uint32_t rec_len;
    uint64_t at;
    int rc;
    while ((rc = ext2_dir_next(fs, it, out, &rec_len, &at)) == 1)
        if (out->ino != 0)
            return 1;
    return rc;
}

int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
                uint32_t name_len, uint32_t *ino)
{
    if (name_len == 0)
        return ext2_fail(fs, EXT2_EINVAL, "empty name");
    if (name_len > EXT2_NAME_MAX)
        return ext2_fail(fs, EXT2_ENAMETOOLONG, "name of %u bytes (at most %u)", name_len, EXT2_NAME_MAX);
    struct ext2_dir_iter it;
    struct ext2_dirent entry;
    int rc = ext2_opendir(fs, dir, &it);
    while (rc == EXT2_OK && (rc = ext2_readdir(fs, &it, &entry)) == 1) {
        if (entry.name_len == name_len && ext2_memcmp(entry.name, name, name_len) == 0) {
            *ino = entry.ino;
            return EXT2_OK;
        }
        rc = EXT2_OK;
    }
    if (rc == 0)
        return ext2_fail(fs, EXT2_ENOENT, "no entry of that name in directory inode %u", dir->ino);
    return rc;
}

int ext2_resolve(struct ext2_fs *fs, const char *path, struct ext2_inode *out)
{
    if (path == NULL)
        return ext2_fail(fs, EXT2_EINVAL, "no path");
    uint32_t length = 0;
    while (length <= EXT2_PATH_MAX && path[length] != '\0')
        length++;
    if (length > EXT2_PATH_MAX)
        return ext2_fail(fs, EXT2_ENAMETOOLONG, "path longer than %u bytes", EXT2_PATH_MAX);
    int rc = ext2_read_inode(fs, EXT2_ROOT_INO, out);
    uint32_t depth = 0, i = 0;
    while (rc == EXT2_OK) {
        while (path[i] == '/')
            i++;
        if (path[i] == '\0')
            break;
        uint32_t start = i;
        while (path[i] != '\0' && path[i] != '/')
            i++;
        uint32_t name_len = i - start;
        if (name_len > EXT2_NAME_MAX)
            return ext2_fail(fs, EXT2_ENAMETOOLONG, "path component at byte %u: %u bytes (at most %u)", start,
                             name_len, EXT2_NAME_MAX);
        if (++depth > EXT2_PATH_DEPTH)
            return ext2_fail(fs, EXT2_ENAMETOOLONG, "path of more than %u components", EXT2_PATH_DEPTH);
        if (out->type != EXT2_TYPE_DIR)
            return ext2_fail(fs, EXT2_ENOTDIR, "path component before byte %u: inode %u is %s", start,
                             out->ino, out->type == EXT2_TYPE_SYMLINK ? "a symlink (not followed)"
                                                                      : "not a directory");
        uint32_t ino;
        rc = ext2_lookup(fs, out, path + start, name_len, &ino);
        if (rc == EXT2_OK)
            rc = ext2_read_inode(fs, ino, out);
    }
    return rc;
}
