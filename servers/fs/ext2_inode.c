/* ext2 inodes: reading one from its group's table, the block map (direct,
 * single, double and triple indirect, walked iteratively), file reads with
 * holes, symlink targets and stat. */
#include "ext2_internal.h"

#define EXT2_NDIR_BLOCKS      12u
#define EXT2_IND_BLOCK        12u
#define EXT2_DIND_BLOCK       13u
#define EXT2_TIND_BLOCK       14u
#define EXT2_EXTENTS_FL       0x00080000u
#define EXT2_INLINE_DATA_FL   0x10000000u
#define EXT2_FAST_LINK_MAX    (EXT2_N_BLOCKS * 4u)   /* bytes of i_block */

static enum ext2_type type_of_mode(uint16_t mode)
{
    switch (mode & 0xF000u) {
    case 0x8000: return EXT2_TYPE_REG;
    case 0x4000: return EXT2_TYPE_DIR;
    case 0x2000: return EXT2_TYPE_CHR;
    case 0x6000: return EXT2_TYPE_BLK;
    case 0x1000: return EXT2_TYPE_FIFO;
    case 0xC000: return EXT2_TYPE_SOCK;
    case 0xA000: return EXT2_TYPE_SYMLINK;
    default: return EXT2_TYPE_UNKNOWN;
    }
}

/* The number of logical blocks the map of fs can address. */
static uint64_t max_logical_blocks(const struct ext2_fs *fs)
{
    uint64_t p = fs->ptrs_per_block;
    return EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
}

int ext2_inode_location(struct ext2_fs *fs, uint32_t ino, uint64_t *offset)
{
    if (ino == 0 || ino > fs->inodes_count)
        return ext2_fail(fs, EXT2_EINVAL, "inode %u out of range (1..%u)", ino, fs->inodes_count);
    uint32_t group = (ino - 1) / fs->inodes_per_group;
    uint32_t index = (ino - 1) % fs->inodes_per_group;
    struct ext2_group desc;
    int rc = ext2_read_group(fs, group, &desc);
    if (rc != EXT2_OK)
        return rc;
    *offset = (uint64_t)desc.inode_table * fs->block_size + (uint64_t)index * fs->inode_size;
    return EXT2_OK;
}

int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
    uint8_t raw[128];
    uint64_t offset;
    int rc = ext2_inode_location(fs, ino, &offset);
    if (rc == EXT2_OK)
        rc = ext2_dev_read(fs, offset, raw, sizeof raw, "inode table");
    if (rc != EXT2_OK)
        return rc;
    ext2_memset(out, 0, sizeof *out);
    out->ino = ino;
    out->mode = ext2_le16(raw + 0);
    out->type = type_of_mode(out->mode);
    out->uid = ext2_le16(raw + 2) | (uint32_t)ext2_le16(raw + 120) << 16;
    out->size = ext2_le32(raw + 4);
    out->atime = ext2_le32(raw + 8);
    out->ctime = ext2_le32(raw + 12);
    out->mtime = ext2_le32(raw + 16);
    out->dtime = ext2_le32(raw + 20);
    out->gid = ext2_le16(raw + 24) | (uint32_t)ext2_le16(raw + 122) << 16;
    out->links = ext2_le16(raw + 26);
    out->blocks_512 = ext2_le32(raw + 28);
    out->flags = ext2_le32(raw + 32);
    for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
        out->block[i] = ext2_le32(raw + 40 + 4 * i);
    out->file_acl = ext2_le32(raw + 104);
    if (out->type == EXT2_TYPE_REG && (fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
        out->size |= (uint64_t)ext2_le32(raw + 108) << 32;

    if (out->links == 0 && (out->mode == 0 || out->dtime != 0))
        return ext2_fail(fs, EXT2_ENOENT, "inode %u is free", ino);
    if (out->flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL))
        return ext2_fail(fs, EXT2_EUNSUPPORTED, "inode %u uses %s (flags 0x%x)", ino,
                         out->flags & EXT2_EXTENTS_FL ? "extents" : "inline data", out->flags);
    if (out->size > max_logical_blocks(fs) * fs->block_size)
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: size %llu past what the block map addresses",
                         ino, (unsigned long long)out->size);
    return EXT2_OK;
}

/* Checks a block pointer of inode found at logical block lblk, level
 * (0 = in the inode, 1.. = in an indirect block). 0 is a hole. */
static int check_pointer(struct ext2_fs *fs, const struct ext2_inode *inode, uint32_t lblk,
                         uint32_t level, uint32_t block)
{
    if (block == 0 || ext2_block_valid(fs, block))
        return EXT2_OK;
    return ext2_fail(fs, EXT2_ECORRUPT,
                     "inode %u: block pointer %u (logical block %u, level %u) past the end (%u blocks)",
                     inode->ino, block, lblk, level, fs->blocks_count);
}

int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *inode, uint32_t lblk, uint32_t *pblk)
{
    uint64_t p = fs->ptrs_per_block;
    uint64_t rest = lblk;
    uint32_t depth, root;
    if (rest < EXT2_NDIR_BLOCKS) {
        depth = 0;
        root = inode->block[rest];
    } else if ((rest -= EXT2_NDIR_BLOCKS) < p) {
        depth = 1;
        root = inode->block[EXT2_IND_BLOCK];
    } else if ((rest -= p) < p * p) {
        depth = 2;
        root = inode->block[EXT2_DIND_BLOCK];
    } else if ((rest -= p * p) < p * p * p) {
        depth = 3;
        root = inode->block[EXT2_TIND_BLOCK];
    } else {
        return ext2_fail(fs, EXT2_ERANGE, "inode %u: logical block %u past the block map", inode->ino, lblk);
    }
    int rc = check_pointer(fs, inode, lblk, 0, root);
    uint32_t path[4] = { root, 0, 0, 0 };   /* the indirect blocks walked, for loops */
    uint32_t cur = root;
    for (uint32_t level = 1; rc == EXT2_OK && level <= depth && cur != 0; level++) {
        uint64_t span = 1;
        for (uint32_t i = level; i < depth; i++)
            span *= p;
        uint32_t index = (uint32_t)(rest / span % p);
        uint8_t raw[4];
        rc = ext2_dev_read(fs, (uint64_t)cur * fs->block_size + (uint64_t)index * 4, raw, 4,
                           "indirect block");
        if (rc != EXT2_OK)
            break;
        cur = ext2_le32(raw);
        rc = check_pointer(fs, inode, lblk, level, cur);
        for (uint32_t i = 0; rc == EXT2_OK && cur != 0 && i < level; i++)
            if (path[i] == cur)
                rc = ext2_fail(fs, EXT2_ECORRUPT, "inode %u: indirect block %u points to itself or a parent",
                               inode->ino, cur);
        path[level] = cur;
    }
    if (rc != EXT2_OK)
        return rc;
    *pblk = cur;
    return EXT2_OK;
}

int ext2_read(struct ext2_fs *fs, const struct ext2_inode *inode, uint64_t offset, void *buf,
              uint32_t len, uint32_t *done)
{
    uint8_t *out = buf;
    *done = 0;
    if (offset >= inode->size)
        return EXT2_OK;
    if (len > inode->size - offset)
        len = (uint32_t)(inode->size - offset);
    while (*done < len) {
        uint64_t pos = offset + *done;
        uint32_t lblk = (uint32_t)(pos / fs->block_size);
        uint32_t in_block = (uint32_t)(pos % fs->block_size);
        uint32_t chunk = fs->block_size - in_block;
        if (chunk > len - *done)
            chunk = len - *done;
        uint32_t pblk;
        int rc = ext2_bmap(fs, inode, lblk, &pblk);
        if (rc != EXT2_OK)
            return rc;
        if (pblk == 0)
            ext2_memset(out + *done, 0, chunk);
        else if ((rc = ext2_dev_read(fs, (uint64_t)pblk * fs->block_size + in_block, out + *done, chunk,
                                     "file data")) != EXT2_OK)
            return rc;
        *done += chunk;
    }
    return EXT2_OK;
}

int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *inode, char *buf, uint32_t cap)
{
    if (inode->type != EXT2_TYPE_SYMLINK)
        return ext2_fail(fs, EXT2_EINVAL, "inode %u is not a symlink", inode->ino);
    if (inode->size >= fs->block_size)
        return ext2_fail(fs, EXT2_ECORRUPT, "symlink inode %u: target of %llu bytes (at most %u)",
                         inode->ino, (unsigned long long)inode->size, fs->block_size - 1);
    uint32_t size = (uint32_t)inode->size;
    if (cap < size + 1)
        return ext2_fail(fs, EXT2_ERANGE, "symlink inode %u: target of %u bytes, buffer of %u", inode->ino,
                         size, cap);
    uint32_t acl_blocks = inode->file_acl != 0 ? fs->block_size / 512 : 0;
    if (inode->blocks_512 == acl_blocks) {   /* fast: the target is in i_block */
        if (size >= EXT2_FAST_LINK_MAX)
            return ext2_fail(fs, EXT2_ECORRUPT, "fast symlink inode %u: target of %u bytes (at most %u)",
                             inode->ino, size, EXT2_FAST_LINK_MAX - 1);
        for (uint32_t i = 0; i < size; i++)
            buf[i] = (char)(inode->block[i / 4] >> (8 * (i % 4)));
    } else {
        uint32_t done;
        int rc = ext2_read(fs, inode, 0, buf, size, &done);
        if (rc != EXT2_OK)
            return rc;
    }
    buf[size] = '\0';
    return EXT2_OK;
}

void ext2_stat(const struct ext2_inode *inode, struct ext2_stat *st)
{
    st->ino = inode->ino;
    st->type = inode->type;
    st->mode = inode->mode;
    st->links = inode->links;
    st->uid = inode->uid;
    st->gid = inode->gid;
    st->size = inode->size;
    st->atime = inode->atime;
    st->ctime = inode->ctime;
    st->mtime = inode->mtime;
    st->blocks_512 = inode->blocks_512;
}
