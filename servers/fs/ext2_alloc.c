/* ext2 allocation: blocks and inodes from the group bitmaps, the free
 * counts in the group descriptors and the superblock, inode records
 * written back, and the device writes every other writing file goes
 * through.
 *
 * Consistency rules of the write side (every writing file follows them):
 * - nothing is trusted: a block the bitmap offers is checked against its
 *   group's metadata (superblock and descriptor copies with the resize
 *   reserve, bitmaps, inode table) before it is used, an inode it offers
 *   must have no links; either is EXT2_ECORRUPT and nothing is written;
 * - a free count of 0 skips the group (a count that disagrees with the
 *   bitmap cannot make the search loop: it visits each group once); the
 *   superblock's counts never wrap;
 * - order: a new block is zeroed before it is marked used; data and inode
 *   records are written before a directory entry links them; an entry is
 *   unlinked before its inode and blocks are freed; on failure what was
 *   allocated is freed again, so `e2fsck -fn` stays clean (a device error
 *   part way is the exception: the device writes through, in order);
 * - every write is checked to lie inside the file system. */
#include "ext2_internal.h"

#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010u
#define BITMAP_CHUNK   64u   /* bytes of a bitmap read at a time */
#define DESC_FREE_BLOCKS 12u
#define DESC_FREE_INODES 14u
#define DESC_USED_DIRS   16u
#define SB_FREE_BLOCKS   12u
#define SB_FREE_INODES   16u

static const uint8_t zeros[4096];   /* the largest block */

int ext2_check_writable(struct ext2_fs *fs)
{
    if (fs->read_only)
        return ext2_fail(fs, EXT2_EROFS, "mounted read-only (unknown ro_compat features)");
    if (fs->dev.write == NULL)
        return ext2_fail(fs, EXT2_EROFS, "the device cannot write");
    return EXT2_OK;
}

int ext2_dev_write(struct ext2_fs *fs, uint64_t offset, const void *buf, uint32_t len, const char *what)
{
    uint64_t end = (uint64_t)fs->blocks_count * fs->block_size;
    if (offset > end || len > end - offset)
        return ext2_fail(fs, EXT2_ECORRUPT, "%s: write of bytes %llu..%llu past the file system (%llu bytes)",
                         what, (unsigned long long)offset, (unsigned long long)offset + len,
                         (unsigned long long)end);
    int rc = ext2_check_writable(fs);
    if (rc != EXT2_OK)
        return rc;
    if (fs->dev.write(fs->dev.ctx, offset, buf, len) != 0)
        return ext2_fail(fs, EXT2_EIO, "%s: device write of %u bytes at %llu failed", what, len,
                         (unsigned long long)offset);
    return EXT2_OK;
}

int ext2_zero_block(struct ext2_fs *fs, uint32_t block)
{
    return ext2_dev_write(fs, (uint64_t)block * fs->block_size, zeros, fs->block_size, "new block");
}

/* True if group holds a copy of the superblock and descriptor table: every
 * group without sparse_super, else 0, 1 and the powers of 3, 5 and 7. */
static bool group_has_super(const struct ext2_fs *fs, uint32_t group)
{
    if (!(fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER) || group <= 1)
        return true;
    static const uint32_t bases[] = { 3, 5, 7 };
    for (uint32_t i = 0; i < 3; i++) {
        uint64_t power = bases[i];
        while (power < group)
            power *= bases[i];
        if (power == group)
            return true;
    }
    return false;
}

bool ext2_block_is_meta(const struct ext2_fs *fs, uint32_t block, const struct ext2_group *desc)
{
    uint32_t group = (block - fs->first_data_block) / fs->blocks_per_group;
    uint64_t meta_end = block - (block - fs->first_data_block) % fs->blocks_per_group;
    if (group_has_super(fs, group)) {
        meta_end += 1 + (uint64_t)fs->gdt_blocks;
        if (fs->feature_compat & EXT2_FEATURE_COMPAT_RESIZE_INODE)
            meta_end += fs->reserved_gdt_blocks;
    }
    return block < meta_end || block == desc->block_bitmap || block == desc->inode_bitmap ||
           (block >= desc->inode_table && block - desc->inode_table < fs->inode_table_blocks);
}

/* Where block's bit is: its group's descriptor, the byte offset of its
 * bitmap byte and the bit. */
static int block_bit(struct ext2_fs *fs, uint32_t block, uint32_t *group, struct ext2_group *desc,
                     uint64_t *byte, uint8_t *mask)
{
    if (!ext2_block_valid(fs, block))
        return ext2_fail(fs, EXT2_ECORRUPT, "block %u past the file system (%u blocks)", block, fs->blocks_count);
    *group = (block - fs->first_data_block) / fs->blocks_per_group;
    uint32_t index = (block - fs->first_data_block) % fs->blocks_per_group;
    int rc = ext2_read_group(fs, *group, desc);
    *byte = (uint64_t)desc->block_bitmap * fs->block_size + index / 8;
    *mask = (uint8_t)(1u << (index % 8));
    return rc;
}

int ext2_check_data_block(struct ext2_fs *fs, uint32_t ino, uint32_t block)
{
    uint32_t group;
    struct ext2_group desc;
    uint64_t byte;
    uint8_t mask, bits;
    int rc = block_bit(fs, block, &group, &desc, &byte, &mask);
    if (rc != EXT2_OK)
        return rc;
    if (ext2_block_is_meta(fs, block, &desc))
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: block %u is a metadata block of group %u", ino, block, group);
    if ((rc = ext2_dev_read(fs, byte, &bits, 1, "block bitmap")) != EXT2_OK)
        return rc;
    if (!(bits & mask))
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: block %u is free in the bitmap", ino, block);
    return EXT2_OK;
}

/* Adds delta (+1 or -1) to the 16-bit count at field of group's
 * descriptor and, for the free counts, to the superblock's (which
 * saturates instead of wrapping; the descriptor's is checked first). */
static int adjust_count(struct ext2_fs *fs, uint32_t group, uint32_t field, int delta)
{
    uint8_t raw[4];
    uint64_t at = fs->gdt_offset + (uint64_t)group * EXT2_DESC_SIZE + field;
    int rc = ext2_dev_read(fs, at, raw, 2, "group descriptor");
    if (rc != EXT2_OK)
        return rc;
    uint32_t v = ext2_le16(raw);
    if ((delta < 0 && v == 0) || (delta > 0 && v == 0xFFFFu))
        return ext2_fail(fs, EXT2_ECORRUPT, "group descriptor %u: count at byte %u is %u", group, field, v);
    ext2_put16(raw, (uint32_t)((int)v + delta));
    if ((rc = ext2_dev_write(fs, at, raw, 2, "group descriptor")) != EXT2_OK || field == DESC_USED_DIRS)
        return rc;
    at = EXT2_SUPER_OFFSET + (field == DESC_FREE_BLOCKS ? SB_FREE_BLOCKS : SB_FREE_INODES);
    if ((rc = ext2_dev_read(fs, at, raw, 4, "superblock")) != EXT2_OK)
        return rc;
    v = ext2_le32(raw);
    if ((delta < 0 && v == 0) || (delta > 0 && v == 0xFFFFFFFFu))
        return EXT2_OK;
    ext2_put32(raw, (uint32_t)(v + (uint32_t)delta));
    return ext2_dev_write(fs, at, raw, 4, "superblock");
}

/* The descriptor count at field of group. */
static int read_count(struct ext2_fs *fs, uint32_t group, uint32_t field, uint32_t *v)
{
    uint8_t raw[2];
    int rc = ext2_dev_read(fs, fs->gdt_offset + (uint64_t)group * EXT2_DESC_SIZE + field, raw, 2,
                           "group descriptor");
    *v = ext2_le16(raw);
    return rc;
}

/* The first clear bit below nbits of the bitmap in block bitmap (*bit =
 * nbits if none); reads BITMAP_CHUNK bytes at a time. */
static int find_clear(struct ext2_fs *fs, uint32_t bitmap, uint32_t nbits, uint32_t *bit)
{
    uint8_t chunk[BITMAP_CHUNK];
    for (uint32_t base = 0; base < nbits; base += BITMAP_CHUNK * 8) {
        uint32_t bytes = (nbits - base + 7) / 8;
        if (bytes > BITMAP_CHUNK)
            bytes = BITMAP_CHUNK;
        int rc = ext2_dev_read(fs, (uint64_t)bitmap * fs->block_size + base / 8, chunk, bytes, "bitmap");
        if (rc != EXT2_OK)
            return rc;
        for (uint32_t i = 0; i < bytes; i++) {
            if (chunk[i] == 0xFF)
                continue;
            for (uint32_t b = 0; b < 8; b++) {
                uint32_t at = base + i * 8 + b;
                if (at < nbits && !(chunk[i] & (1u << b))) {
                    *bit = at;
                    return EXT2_OK;
                }
            }
        }
    }
    *bit = nbits;
    return EXT2_OK;
}

/* Sets (set) or clears bit of the bitmap in block bitmap; EXT2_ECORRUPT if
 * it already had that value. */
static int flip_bit(struct ext2_fs *fs, uint32_t bitmap, uint32_t bit, bool set, const char *what, uint32_t n)
{
    uint8_t byte;
    uint64_t at = (uint64_t)bitmap * fs->block_size + bit / 8;
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    int rc = ext2_dev_read(fs, at, &byte, 1, "bitmap");
    if (rc != EXT2_OK)
        return rc;
    if (((byte & mask) != 0) == set)
        return ext2_fail(fs, EXT2_ECORRUPT, "%s %u is already %s in the bitmap", what, n, set ? "used" : "free");
    byte = set ? (uint8_t)(byte | mask) : (uint8_t)(byte & ~mask);
    return ext2_dev_write(fs, at, &byte, 1, "bitmap");
}

int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *block)
{
    int rc = ext2_check_writable(fs);
    if (rc != EXT2_OK)
        return rc;
    if (goal >= fs->group_count)
        goal = 0;
    for (uint32_t n = 0; n < fs->group_count; n++) {   /* each group once */
        uint32_t g = (goal + n) % fs->group_count, free_count, bit;
        struct ext2_group desc;
        if ((rc = read_count(fs, g, DESC_FREE_BLOCKS, &free_count)) != EXT2_OK)
            return rc;
        if (free_count == 0)
            continue;
        uint32_t first = fs->first_data_block + g * fs->blocks_per_group;
        uint32_t nbits = fs->blocks_count - first < fs->blocks_per_group ? fs->blocks_count - first
                                                                         : fs->blocks_per_group;
        if ((rc = ext2_read_group(fs, g, &desc)) != EXT2_OK ||
            (rc = find_clear(fs, desc.block_bitmap, nbits, &bit)) != EXT2_OK)
            return rc;
        if (bit == nbits)
            continue;
        uint32_t b = first + bit;
        if (ext2_block_is_meta(fs, b, &desc))
            return ext2_fail(fs, EXT2_ECORRUPT, "block bitmap of group %u offers metadata block %u as free", g, b);
        if ((rc = ext2_zero_block(fs, b)) != EXT2_OK ||
            (rc = flip_bit(fs, desc.block_bitmap, bit, true, "block", b)) != EXT2_OK ||
            (rc = adjust_count(fs, g, DESC_FREE_BLOCKS, -1)) != EXT2_OK)
            return rc;
        *block = b;
        return EXT2_OK;
    }
    return ext2_fail(fs, EXT2_ENOSPC, "no free block in %u groups", fs->group_count);
}

int ext2_free_block(struct ext2_fs *fs, uint32_t block)
{
    uint32_t group;
    struct ext2_group desc;
    uint64_t byte;
    uint8_t mask;
    int rc = block_bit(fs, block, &group, &desc, &byte, &mask);
    if (rc != EXT2_OK)
        return rc;
    if (ext2_block_is_meta(fs, block, &desc))
        return ext2_fail(fs, EXT2_ECORRUPT, "freeing metadata block %u of group %u", block, group);
    if (fs->defer_free && fs->defer_free(fs->defer_ctx, EXT2_DEFER_BLOCK, block) == 0)
        return EXT2_OK;
    uint32_t index = (block - fs->first_data_block) % fs->blocks_per_group;
    if ((rc = flip_bit(fs, desc.block_bitmap, index, false, "block", block)) != EXT2_OK)
        return rc;
    return adjust_count(fs, group, DESC_FREE_BLOCKS, +1);
}

int ext2_alloc_inode(struct ext2_fs *fs, uint32_t goal, bool dir, uint32_t *ino)
{
    int rc = ext2_check_writable(fs);
    if (rc != EXT2_OK)
        return rc;
    if (goal >= fs->group_count)
        goal = 0;
    for (uint32_t n = 0; n < fs->group_count; n++) {
        uint32_t g = (goal + n) % fs->group_count, free_count, bit;
        struct ext2_group desc;
        if ((rc = read_count(fs, g, DESC_FREE_INODES, &free_count)) != EXT2_OK)
            return rc;
        if (free_count == 0)
            continue;
        if ((rc = ext2_read_group(fs, g, &desc)) != EXT2_OK ||
            (rc = find_clear(fs, desc.inode_bitmap, fs->inodes_per_group, &bit)) != EXT2_OK)
            return rc;
        if (bit == fs->inodes_per_group)
            continue;
        uint32_t i = g * fs->inodes_per_group + bit + 1;
        if (i < fs->first_ino)
            return ext2_fail(fs, EXT2_ECORRUPT, "inode bitmap offers reserved inode %u as free", i);
        uint64_t off;
        uint8_t raw[2];
        if ((rc = ext2_inode_location(fs, i, &off)) != EXT2_OK ||
            (rc = ext2_dev_read(fs, off + 26, raw, 2, "inode table")) != EXT2_OK)
            return rc;
        if (ext2_le16(raw) != 0)
            return ext2_fail(fs, EXT2_ECORRUPT, "inode %u is free in the bitmap but has %u links", i,
                             (unsigned)ext2_le16(raw));
        if ((rc = flip_bit(fs, desc.inode_bitmap, bit, true, "inode", i)) != EXT2_OK ||
            (rc = adjust_count(fs, g, DESC_FREE_INODES, -1)) != EXT2_OK ||
            (dir && (rc = adjust_count(fs, g, DESC_USED_DIRS, +1)) != EXT2_OK))
            return rc;
        *ino = i;
        return EXT2_OK;
    }
    return ext2_fail(fs, EXT2_ENOSPC, "no free inode in %u groups", fs->group_count);
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
    if (ino < fs->first_ino || ino > fs->inodes_count)
        return ext2_fail(fs, EXT2_EINVAL, "freeing inode %u (%u..%u)", ino, fs->first_ino, fs->inodes_count);
    if (fs->defer_free && fs->defer_free(fs->defer_ctx, dir ? EXT2_DEFER_DIR : EXT2_DEFER_INODE, ino) == 0)
        return EXT2_OK;
    uint32_t g = ext2_inode_group(fs, ino);
    struct ext2_group desc;
    int rc = ext2_read_group(fs, g, &desc);
    if (rc == EXT2_OK)
        rc = flip_bit(fs, desc.inode_bitmap, (ino - 1) % fs->inodes_per_group, false, "inode", ino);
    if (rc == EXT2_OK)
        rc = adjust_count(fs, g, DESC_FREE_INODES, +1);
    if (rc == EXT2_OK && dir)
        rc = adjust_count(fs, g, DESC_USED_DIRS, -1);
    return rc;
}

int ext2_write_inode(struct ext2_fs *fs, const struct ext2_inode *in, bool fresh)
{
    uint8_t raw[128];
    uint64_t off;
    int rc = ext2_inode_location(fs, in->ino, &off);
    if (rc != EXT2_OK)
        return rc;
    if (fresh) {
        ext2_memset(raw, 0, sizeof raw);
        if (fs->inode_size > 128) {   /* the large part: zeros, i_extra_isize 32 like mke2fs */
            uint8_t extra[4] = { fs->inode_size >= 160 ? 32 : 0, 0, 0, 0 };
            if ((rc = ext2_dev_write(fs, off + 128, zeros, fs->inode_size - 128, "inode table")) != EXT2_OK ||
                (rc = ext2_dev_write(fs, off + 128, extra, 4, "inode table")) != EXT2_OK)
                return rc;
        }
    } else if ((rc = ext2_dev_read(fs, off, raw, sizeof raw, "inode table")) != EXT2_OK) {
        return rc;
    }
    ext2_put16(raw + 0, in->mode);
    ext2_put16(raw + 2, in->uid & 0xFFFFu);
    ext2_put32(raw + 4, (uint32_t)in->size);
    ext2_put32(raw + 8, in->atime);
    ext2_put32(raw + 12, in->ctime);
    ext2_put32(raw + 16, in->mtime);
    ext2_put32(raw + 20, in->dtime);
    ext2_put16(raw + 24, in->gid & 0xFFFFu);
    ext2_put16(raw + 26, in->links);
    ext2_put32(raw + 28, in->blocks_512);
    ext2_put32(raw + 32, in->flags);
    for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
        ext2_put32(raw + 40 + 4 * i, in->block[i]);
    ext2_put32(raw + 104, in->file_acl);
    if (in->type == EXT2_TYPE_REG)
        ext2_put32(raw + 108, (uint32_t)(in->size >> 32));
    ext2_put16(raw + 120, in->uid >> 16);
    ext2_put16(raw + 122, in->gid >> 16);
    return ext2_dev_write(fs, off, raw, sizeof raw, "inode table");
}

int ext2_release(struct ext2_fs *fs, unsigned what, uint32_t n)
{
    int (*saved)(void *, unsigned, uint32_t) = fs->defer_free;
    fs->defer_free = NULL;
    int rc = what == EXT2_DEFER_BLOCK ? ext2_free_block(fs, n) : ext2_free_inode(fs, n, what == EXT2_DEFER_DIR);
    fs->defer_free = saved;
    return rc;
}
