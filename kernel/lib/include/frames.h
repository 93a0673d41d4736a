/* Physical frame allocator (kernel/lib/frames.c). Pure code: it never touches
 * the memory it manages, only a bitmap the caller provides, so it is tested
 * on the host.
 *
 * One bit per 4 KiB frame (1 = in use), one bitmap span per usable region.
 * Physical address 0 is never handed out, so 0 means "no frame". */
#ifndef FRAMES_H
#define FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE        4096u
#define FRAME_NONE        0u
#define FRAMES_MAX_REGIONS 64

struct frame_region {
    uint64_t base;          /* physical address of the first frame (4 KiB aligned) */
    uint64_t frames;        /* number of frames in the region */
    uint64_t free;          /* frames currently free */
    uint64_t next;          /* index where the next single-frame search starts */
    uint64_t *bitmap;       /* frames bits, rounded up to whole words */
};

struct frame_allocator {
    struct frame_region region[FRAMES_MAX_REGIONS];
    unsigned nregions;
    uint64_t total_frames;
    uint64_t free_frames;
};

/* A span of usable RAM handed to frame_alloc_init. */
struct frame_span {
    uint64_t base;
    uint64_t size;
};

/* Bytes of bitmap frame_alloc_init needs for these spans (after the same
 * rounding it applies: base up, end down, to 4 KiB). */
size_t frame_alloc_metadata_size(const struct frame_span *spans, unsigned n);

/* Sets up fa over the given spans of usable RAM; every frame starts free.
 * Spans are rounded inwards to whole frames; empty spans are skipped; spans
 * must be sorted by base and must not overlap. metadata must hold at least
 * frame_alloc_metadata_size() bytes, 8-byte aligned. Returns 0, or -1 if the
 * spans are unsorted/overlapping, exceed FRAMES_MAX_REGIONS or metadata is
 * too small (fa is then empty). */
int frame_alloc_init(struct frame_allocator *fa, const struct frame_span *spans, unsigned n,
                     void *metadata, size_t metadata_size);

/* Marks every managed frame that overlaps [base, base + size) as in use
 * (kernel image, boot modules, the bitmap itself...). Frames outside any
 * region are ignored. Safe on already-used frames. Returns frames newly
 * marked. */
uint64_t frame_alloc_reserve(struct frame_allocator *fa, uint64_t base, uint64_t size);

/* Allocates one frame and returns its physical address, or FRAME_NONE. */
uint64_t frame_alloc(struct frame_allocator *fa);

/* Allocates count contiguous frames whose first address is a multiple of
 * align bytes (a power of two >= 4096; 0 means 4096) and whose last byte is
 * below limit (0 means no limit). Returns the first address or FRAME_NONE. */
uint64_t frame_alloc_contig(struct frame_allocator *fa, uint64_t count, uint64_t align,
                            uint64_t limit);

/* Frees count frames starting at paddr. Returns 0, or -1 (nothing changed)
 * if paddr is unaligned, any frame is outside the managed regions, or any
 * frame is already free (double free). */
int frame_free(struct frame_allocator *fa, uint64_t paddr, uint64_t count);

/* True if the frame containing paddr is managed and in use. */
bool frame_in_use(const struct frame_allocator *fa, uint64_t paddr);

#endif
