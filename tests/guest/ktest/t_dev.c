/* Device capabilities: device-memory windows (CAP_DEVMEM), DMA pools and
 * their frames, MSI vectors, line trigger modes, I/O-port sub-ranges,
 * create_for. init gives run= programs MSI control (slot 6), device-memory
 * window 0 (slot 7, read/write), all I/O ports (slot 8) and, where one is
 * spare, an ISA interrupt line (slot 9); see servers/init/main.c.
 *
 * Device memory is only mapped, never read or written: window 0 is a hole
 * in the physical address space, and on Xen dom0 a hole may be real
 * hardware. Whether a mapping is really uncached is not observable from
 * here and is not tested. */
#include "ktest.h"

#define SLOT_MSI    6
#define SLOT_DEVMEM 7
#define SLOT_IOPORT 8
#define SLOT_IRQ    9

#define PG RT_PAGE_SIZE

static bool have_devmem(void)
{
    return sys_cap_info(SLOT_DEVMEM).ret == CAP_DEVMEM;
}

#define NEED_DEVMEM()                                                                 \
    do {                                                                              \
        if (!have_devmem())                                                           \
            return kt_fail("no device-memory window in slot %d", SLOT_DEVMEM);        \
    } while (0)

static long dev(uint64_t cap, uint64_t op, uint64_t a, uint64_t b, uint64_t c)
{
    return sys_device(cap, op, a, b, c).ret;
}

/* Window 0's pages. */
static uint64_t win_pages(void)
{
    return sys_device(SLOT_DEVMEM, SYS_DEV_DEVMEM_INFO, 0, 0, 0).r[1] / PG;
}

/* A derived part of window 0 in a fresh slot (0 on error). */
static uint64_t derive(uint64_t src, uint64_t first, uint64_t n)
{
    uint64_t s = kt_slot();
    if (!s || dev(src, SYS_DEV_DEVMEM_DERIVE, s, first, n) != 0)
        return 0;
    return s;
}

static bool devmem_info(void)
{
    NEED_DEVMEM();
    struct sys_result r = sys_device(SLOT_DEVMEM, SYS_DEV_DEVMEM_INFO, 0, 0, 0);
    CHECK_RC(r, SYS_OK);
    uint64_t pa = r.r[0], size = r.r[1];
    CHECK(size != 0);
    CHECK_EQ(pa % PG, 0);
    CHECK_EQ(size % PG, 0);
    CHECK(pa >= (1ull << 20));          /* never below 1 MiB */
    /* A part reports its own address and size. */
    uint64_t n = size / PG, first = n > 3 ? 2 : 0, cnt = n > 3 ? 2 : 1;
    uint64_t d = derive(SLOT_DEVMEM, first, cnt);
    CHECK(d != 0);
    r = sys_device(d, SYS_DEV_DEVMEM_INFO, 0, 0, 0);
    CHECK_RC(r, SYS_OK);
    CHECK_EQ(r.r[0], pa + first * PG);
    CHECK_EQ(r.r[1], cnt * PG);
    CHECK_EQ(sys_cap_info(d).ret, CAP_DEVMEM);
    /* Not device memory. */
    uint64_t f = kt_frame(1);
    CHECK(f != 0);
    CHECK_EQ(dev(f, SYS_DEV_DEVMEM_INFO, 0, 0, 0), SYS_ENOCAP);
    CHECK_EQ(dev(SLOT_MSI, SYS_DEV_DEVMEM_INFO, 0, 0, 0), SYS_ENOCAP);
    CHECK_EQ(dev(200, SYS_DEV_DEVMEM_INFO, 0, 0, 0), SYS_ENOCAP);       /* empty slot */
    CHECK_EQ(dev(SLOT_DEVMEM, 99, 0, 0, 0), SYS_EINVAL);
    return true;
}

static bool devmem_derive_bounds(void)
{
    NEED_DEVMEM();
    uint64_t n = win_pages(), s = kt_slot();
    CHECK(n >= 1 && s != 0);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, 0, 0), SYS_ERANGE);          /* zero pages */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, n, 1), SYS_ERANGE);          /* past the end */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, n - 1, 2), SYS_ERANGE);      /* runs past it */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, 0, n + 1), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, 1ull << 63, 1ull << 63), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, 1, ~0ull), SYS_ERANGE);      /* wraps */
    CHECK_EQ(sys_cap_info(s).ret, SYS_ENOCAP);
    /* The last page, and the whole window, are fine. */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, n - 1, 1), SYS_OK);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, s, 0, 1), SYS_EEXIST);          /* slot taken */
    uint64_t all = derive(SLOT_DEVMEM, 0, n);
    CHECK(all != 0);
    if (n >= 4) {
        /* A part of a part: bounds are the part's, not the window's. */
        uint64_t part = derive(SLOT_DEVMEM, 1, 2);
        CHECK(part != 0);
        uint64_t t = kt_slot();
        CHECK_EQ(dev(part, SYS_DEV_DEVMEM_DERIVE, t, 2, 1), SYS_ERANGE);
        CHECK_EQ(dev(part, SYS_DEV_DEVMEM_DERIVE, t, 1, 2), SYS_ERANGE);   /* overlaps its end */
        CHECK_EQ(dev(part, SYS_DEV_DEVMEM_DERIVE, t, 0, 3), SYS_ERANGE);
        CHECK_EQ(dev(part, SYS_DEV_DEVMEM_DERIVE, t, 1, 1), SYS_OK);
        struct sys_result r = sys_device(t, SYS_DEV_DEVMEM_INFO, 0, 0, 0);
        uint64_t base = sys_device(SLOT_DEVMEM, SYS_DEV_DEVMEM_INFO, 0, 0, 0).r[0];
        CHECK_EQ(r.r[0], base + 2 * PG);
        CHECK_EQ(r.r[1], PG);
    }
    /* Into slot 0, out of range slots. */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, 0, 0, 1), SYS_ERANGE);
    CHECK(dev(SLOT_DEVMEM, SYS_DEV_DEVMEM_DERIVE, SYS_CAP_SLOTS, 0, 1) < 0);
    return true;
}

static bool devmem_map_rules(void)
{
    NEED_DEVMEM();
    uint64_t n = win_pages();
    uint64_t cnt = n >= 4 ? 4 : n;
    uint64_t d = derive(SLOT_DEVMEM, 0, cnt);
    CHECK(d != 0);
    uint64_t va = kt_va(cnt);
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va + 8, CAP_R_READ), SYS_ERANGE);          /* unaligned */
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, KT_KADDR_DIRECT, CAP_R_READ), SYS_ERANGE); /* kernel */
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, USER_TOP - PG, CAP_R_READ), cnt > 1 ? SYS_ERANGE : SYS_OK);
    if (cnt == 1)
        sys_unmap(RT_SLOT_SELF_PROCESS, USER_TOP - PG);
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, 0, CAP_R_READ), SYS_ERANGE);
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_EXEC), SYS_ERIGHTS); /* never executable */
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC), SYS_ERIGHTS);
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va, CAP_R_WRITE), SYS_EINVAL);             /* write-only */
    /* A read-only copy maps read-only only. */
    uint64_t ro = kt_slot();
    CHECK_RC(sys_cap_copy(d, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_map(ro, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_ERIGHTS);
    /* Rights: a part keeps its parent's. */
    uint64_t ro_part = derive(ro, 0, 1);
    CHECK(ro_part != 0);
    CHECK_EQ(sys_cap_info(ro_part).r[0] & (CAP_R_WRITE | CAP_R_EXEC), 0);
    CHECK_RC(sys_map(ro_part, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_ERIGHTS);
    /* The good one. */
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va);
    CHECK_RC(sys_map(d, RT_SLOT_SELF_PROCESS, va, CAP_R_READ), SYS_EEXIST);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_EXEC), SYS_ERIGHTS);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va), SYS_OK);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va), SYS_ENOENT);
    return true;
}

static bool devmem_revoke_parts(void)
{
    NEED_DEVMEM();
    uint64_t n = win_pages();
    CHECK(n >= 2);
    uint64_t c = kt_slot();
    CHECK_RC(sys_cap_copy(SLOT_DEVMEM, c, CAP_R_READ | CAP_R_WRITE, 0), SYS_OK);
    uint64_t d1 = derive(c, 0, 2), d2 = derive(c, 1, 1), d3 = derive(d1, 1, 1);
    uint64_t e = kt_slot();
    CHECK(d1 && d2 && d3 && e);
    CHECK_RC(sys_cap_copy(d3, e, CAP_R_READ, 0), SYS_OK);
    uint64_t va1 = kt_va(2), va3 = kt_va(1), vae = kt_va(1);
    CHECK_RC(sys_map(d1, RT_SLOT_SELF_PROCESS, va1, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va1);
    CHECK_RC(sys_map(d3, RT_SLOT_SELF_PROCESS, va3, CAP_R_READ), SYS_OK);
    kt_track_mapping(va3);
    CHECK_RC(sys_map(e, RT_SLOT_SELF_PROCESS, vae, CAP_R_READ), SYS_OK);
    kt_track_mapping(vae);
    /* Revoking the copy takes every part with it, and their mappings. */
    long rc = sys_cap_revoke(c).ret;
    CHECK(rc >= 4);
    CHECK_EQ(sys_cap_info(d1).ret, SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(d2).ret, SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(d3).ret, SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(e).ret, SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(c).ret, CAP_DEVMEM);      /* the copy itself stays */
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va1), SYS_ENOENT);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va3), SYS_ENOENT);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, vae), SYS_ENOENT);
    /* Deleting a part deletes its mappings made through it too. */
    uint64_t d4 = derive(c, 0, 1), va4 = kt_va(1);
    CHECK(d4 != 0);
    CHECK_RC(sys_map(d4, RT_SLOT_SELF_PROCESS, va4, CAP_R_READ), SYS_OK);
    kt_track_mapping(va4);
    CHECK_RC(sys_cap_delete(c), SYS_OK);
    CHECK_EQ(sys_cap_info(d4).ret, CAP_DEVMEM);     /* delete, unlike revoke, leaves the children */
    CHECK_RC(sys_cap_delete(d4), SYS_OK);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va4), SYS_ENOENT);
    CHECK_EQ(sys_cap_info(SLOT_DEVMEM).ret, CAP_DEVMEM);
    return true;
}

/* --- DMA pools ----------------------------------------------------------------- */

static uint64_t pool_new(uint64_t bytes)
{
    uint64_t s = kt_slot();
    if (!s || dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, bytes, 0) != 0)
        return 0;
    return s;
}

static uint64_t dma_alloc(uint64_t pool, uint64_t npages)
{
    uint64_t s = kt_slot();
    if (!s || dev(pool, SYS_DEV_DMA_ALLOC, s, npages, 0) != 0)
        return 0;
    return s;
}

static bool dma_pool_create(void)
{
    NEED_DEVMEM();
    uint64_t used0 = kt_quota_used(), s = kt_slot(), ro = kt_slot();
    CHECK(s && ro);
    CHECK_RC(sys_cap_copy(SLOT_DEVMEM, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_EQ(dev(ro, SYS_DEV_DMA_POOL, s, 64 * 1024, 0), SYS_ERIGHTS);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, 0, 0), SYS_EINVAL);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, 4096 + 1, 0), SYS_EINVAL);
    uint64_t limit = sys_quota(RT_SLOT_SELF_PROCESS).r[1];
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, (limit / PG + 1) * PG, 0), SYS_ENOMEM);   /* more than we have */
    uint64_t f = kt_frame(1);
    CHECK_EQ(dev(f, SYS_DEV_DMA_POOL, s, PG, 0), SYS_ENOCAP);
    uint64_t before = kt_quota_used();
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, 64 * 1024, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(s).ret, CAP_DMAPOOL);
    CHECK(kt_quota_used() >= before + 64 * 1024);        /* the allowance is carved out */
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_POOL, s, 64 * 1024, 0), SYS_EEXIST);
    /* A pool is not device memory, nor a frame. */
    uint64_t t = kt_slot();
    CHECK_EQ(dev(s, SYS_DEV_DEVMEM_DERIVE, t, 0, 1), SYS_ENOCAP);
    CHECK_EQ(dev(s, SYS_DEV_DMA_POOL, t, PG, 0), SYS_ENOCAP);
    CHECK_RC(sys_map(s, RT_SLOT_SELF_PROCESS, kt_va(1), CAP_R_READ), SYS_ENOCAP);
    CHECK_RC(sys_cap_delete(s), SYS_OK);
    CHECK_RC(sys_cap_delete(f), SYS_OK);
    CHECK(kt_quota_back(used0, 1000));
    return true;
}

static bool dma_alloc_frames(void)
{
    NEED_DEVMEM();
    uint64_t pool = pool_new(512 * 1024);
    CHECK(pool != 0);
    uint64_t s = kt_slot();
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, s, 0, 0), SYS_EINVAL);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, s, SYS_FRAME_MAX_PAGES + 1, 0), SYS_EINVAL);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, s, SYS_DMA_BELOW_4G, 0), SYS_EINVAL);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_ALLOC, s, 1, 0), SYS_ENOCAP);
    uint64_t ro = kt_slot();
    CHECK_RC(sys_cap_copy(pool, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_EQ(dev(ro, SYS_DEV_DMA_ALLOC, s, 1, 0), SYS_ERIGHTS);
    CHECK_EQ(sys_cap_info(s).ret, SYS_ENOCAP);
    /* Four pages: a frame with READ, WRITE and PHYS, zeroed. */
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, s, 4, 0), SYS_OK);
    struct sys_result ci = sys_cap_info(s);
    CHECK_EQ(ci.ret, CAP_FRAME);
    CHECK_EQ(ci.r[0], CAP_R_READ | CAP_R_WRITE | CAP_R_PHYS);
    long pa = dev(s, SYS_DEV_DMA_PADDR, 0, 0, 0);
    CHECK(pa > 0);
    CHECK_EQ(pa % PG, 0);
    uint64_t va = kt_va(4);
    CHECK_RC(sys_map(s, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_EXEC), SYS_ERIGHTS);
    CHECK_RC(sys_map(s, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va);
    volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)va;
    for (unsigned i = 0; i < 4 * PG / 8; i++)
        CHECK_EQ(w[i], 0);
    for (unsigned i = 0; i < 4 * PG / 8; i++)
        w[i] = i * 3;
    for (unsigned i = 0; i < 4 * PG / 8; i += 97)
        CHECK_EQ(w[i], i * 3);
    /* Below 4 GiB, many times and of several sizes. */
    for (unsigned i = 0; i < 6; i++) {
        uint64_t npages = 1u << (i % 4);
        uint64_t b = kt_slot();
        CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, b, npages | SYS_DMA_BELOW_4G, 0), SYS_OK);
        long bpa = dev(b, SYS_DEV_DMA_PADDR, 0, 0, 0);
        CHECK(bpa > 0);
        CHECK((uint64_t)bpa + npages * PG <= (1ull << 32));
        CHECK_RC(sys_cap_delete(b), SYS_OK);
    }
    /* PADDR: refused without PHYS, on an ordinary frame (even asking for PHYS). */
    uint64_t nophys = kt_slot(), f = kt_frame(2), fcopy = kt_slot();
    CHECK(nophys && f && fcopy);
    CHECK_RC(sys_cap_copy(s, nophys, CAP_R_READ | CAP_R_WRITE, 0), SYS_OK);
    CHECK_EQ(dev(nophys, SYS_DEV_DMA_PADDR, 0, 0, 0), SYS_ERIGHTS);
    CHECK_EQ(dev(f, SYS_DEV_DMA_PADDR, 0, 0, 0), SYS_ERIGHTS);
    CHECK_EQ(sys_cap_info(f).r[0] & CAP_R_PHYS, 0);
    CHECK_RC(sys_cap_copy(f, fcopy, CAP_R_MASK, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(fcopy).r[0] & CAP_R_PHYS, 0);
    CHECK_EQ(dev(fcopy, SYS_DEV_DMA_PADDR, 0, 0, 0), SYS_ERIGHTS);
    CHECK_EQ(dev(SLOT_DEVMEM, SYS_DEV_DMA_PADDR, 0, 0, 0), SYS_ENOCAP);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_PADDR, 0, 0, 0), SYS_ENOCAP);
    /* A copy with PHYS keeps it (same address). */
    uint64_t pc = kt_slot();
    CHECK_RC(sys_cap_copy(s, pc, CAP_R_READ | CAP_R_PHYS, 0), SYS_OK);
    CHECK_EQ(dev(pc, SYS_DEV_DMA_PADDR, 0, 0, 0), pa);
    return true;
}

static bool dma_release_rules(void)
{
    NEED_DEVMEM();
    uint64_t used0 = kt_quota_used();
    uint64_t pool = pool_new(128 * 1024);
    CHECK(pool != 0);
    uint64_t a = dma_alloc(pool, 2), b = dma_alloc(pool, 1);
    CHECK(a && b);
    uint64_t nogrant = kt_slot();
    CHECK_RC(sys_cap_copy(pool, nogrant, CAP_R_READ | CAP_R_WRITE, 0), SYS_OK);
    CHECK_EQ(dev(nogrant, SYS_DEV_DMA_RELEASE, 0, 0, 0), SYS_ERIGHTS);
    CHECK_EQ(dev(a, SYS_DEV_DMA_RELEASE, 0, 0, 0), SYS_ENOCAP);
    uint64_t va = kt_va(2);
    CHECK_RC(sys_map(a, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(va);
    volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)va;
    w[0] = 0x1234;
    w[1023] = 0x5678;
    CHECK_RC(sys_cap_delete(a), SYS_OK);       /* only the mapping holds it now (and the pool) */
    CHECK_EQ(dev(pool, SYS_DEV_DMA_RELEASE, 0, 0, 0), 2);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_RELEASE, 0, 0, 0), 0);
    /* Still usable through the mapping until it goes. */
    CHECK_EQ(w[0], 0x1234);
    CHECK_EQ(w[1023], 0x5678);
    w[512] = 99;
    CHECK_EQ(w[512], 99);
    CHECK_EQ(dev(b, SYS_DEV_DMA_PADDR, 0, 0, 0) > 0, 1);    /* b's cap still holds its frame */
    /* The pool allocates again after a release. */
    uint64_t c = dma_alloc(pool, 1);
    CHECK(c != 0);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va), SYS_OK);
    CHECK_RC(sys_cap_delete(b), SYS_OK);
    CHECK_RC(sys_cap_delete(c), SYS_OK);
    CHECK_RC(sys_cap_delete(nogrant), SYS_OK);
    CHECK_RC(sys_cap_delete(pool), SYS_OK);
    CHECK(kt_quota_back(used0, 1000));
    return true;
}

static bool dma_quota_exact(void)
{
    NEED_DEVMEM();
    for (unsigned round = 0; round < 3; round++) {
        uint64_t used0 = kt_quota_used();
        uint64_t pool = pool_new(1024 * 1024);
        CHECK(pool != 0);
        uint64_t fr[8];
        for (unsigned i = 0; i < 8; i++) {
            fr[i] = kt_slot();
            CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, fr[i], (1u << (i % 5)) | (i & 1 ? SYS_DMA_BELOW_4G : 0), 0),
                     SYS_OK);
        }
        uint64_t mid = kt_quota_used();
        CHECK_EQ(mid - used0 >= 1024 * 1024, 1);
        if (round == 1)
            CHECK_EQ(dev(pool, SYS_DEV_DMA_RELEASE, 0, 0, 0), 8);
        if (round != 2)
            for (unsigned i = 0; i < 8; i++)
                CHECK_RC(sys_cap_delete(fr[i]), SYS_OK);
        CHECK_RC(sys_cap_delete(pool), SYS_OK);
        if (round == 2)         /* the pool went first: its frames live on in their caps */
            for (unsigned i = 0; i < 8; i++)
                CHECK_RC(sys_cap_delete(fr[i]), SYS_OK);
        if (!kt_quota_back(used0, 1000))
            return kt_fail("round %u: %lld bytes stay charged", round, (long long)(kt_quota_used() - used0));
    }
    return true;
}

static bool dma_allowance_exhausted(void)
{
    NEED_DEVMEM();
    uint64_t used0 = kt_quota_used();
    uint64_t pool = pool_new(8 * PG);
    CHECK(pool != 0);
    uint64_t mine = kt_quota_used();
    unsigned made = 0;
    long rc = 0;
    uint64_t fr[16];
    while (made < 16) {
        fr[made] = kt_slot();
        rc = dev(pool, SYS_DEV_DMA_ALLOC, fr[made], 1, 0);
        if (rc != 0)
            break;
        made++;
    }
    CHECK_EQ(rc, SYS_ENOMEM);
    CHECK(made >= 1 && made <= 8);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, kt_slot(), 8, 0), SYS_ENOMEM);
    CHECK_EQ(kt_quota_used(), mine);            /* the pool's allocations never touch ours */
    /* A frame deleted gives its room back to the pool (after a release). */
    CHECK_RC(sys_cap_delete(fr[0]), SYS_OK);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, fr[0], 1, 0), SYS_ENOMEM);     /* the pool still holds it */
    CHECK_EQ(dev(pool, SYS_DEV_DMA_RELEASE, 0, 0, 0), made);
    CHECK_EQ(dev(pool, SYS_DEV_DMA_ALLOC, fr[0], 1, 0), SYS_OK);
    for (unsigned i = 0; i < made; i++)
        sys_cap_delete(fr[i]);
    CHECK_RC(sys_cap_delete(pool), SYS_OK);
    CHECK(kt_quota_back(used0, 1000));
    return true;
}

/* A pool deleted while its frame is mapped in a child: the frame lives on
 * until the child dies, then everything is back. */
static bool dma_pool_dies_before_child(void)
{
    NEED_DEVMEM();
    uint64_t used0 = kt_quota_used();
    uint64_t ep = kt_slot();
    CHECK(ep && sys_create(CAP_ENDPOINT, ep, 0).ret == 0);
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_AGENT, 0), caps, 1, 512 * 1024, 45, 0, 0, &p), 0);
    uint64_t pool = pool_new(64 * 1024);
    CHECK(pool != 0);
    uint64_t f = dma_alloc(pool, 4);
    CHECK(f != 0);
    const uint64_t cva = 0x0000004000000000ull;
    CHECK_RC(sys_map(f, p.process, cva, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    CHECK_RC(sys_cap_delete(f), SYS_OK);
    CHECK_RC(sys_cap_delete(pool), SYS_OK);
    /* The child still uses the frame: map it in the child and ask it to read. */
    struct msg m = { .tag = TAG(KP_OP_A_SLOTS, 1, 0), .mr = { 0 } };
    CHECK_EQ(ipc_call(ep, &m), SYS_OK);
    CHECK(kt_quota_used() > used0);
    sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0);
    sys_cap_delete(p.thread);
    sys_cap_delete(p.process);
    rt_slot_free((int)p.thread);
    rt_slot_free((int)p.process);
    CHECK_RC(sys_cap_delete(ep), SYS_OK);
    if (!kt_quota_back(used0, 3000))
        return kt_fail("%lld bytes stay charged after the child died", (long long)(kt_quota_used() - used0));
    CHECK_EQ(kt_kcheck(), 0);
    return true;
}

/* --- MSI ----------------------------------------------------------------------- */

static bool msi_alloc_exhaust(void)
{
    CHECK_EQ(sys_cap_info(SLOT_MSI).ret, CAP_IRQ);
    struct sys_result r = sys_irq_ctl(SLOT_MSI, SYS_IRQ_INFO, 0);
    CHECK_EQ(r.ret, SYS_IRQ_KIND_MSI_CONTROL);
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_INFO, 0), SYS_EINVAL);
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MODE, SYS_IRQ_MODE_EDGE), SYS_EINVAL);
    uint64_t ro = kt_slot(), n = kt_notification();
    CHECK_RC(sys_cap_copy(SLOT_MSI, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_irq_ctl(ro, SYS_IRQ_MSI_ALLOC, kt_slot()), SYS_ERIGHTS);
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_BIND, n), SYS_EINVAL);        /* the control binds nothing */
    uint64_t used0 = kt_quota_used();
    static int slots[256];
    static uint8_t seen[256];
    memset(seen, 0, sizeof seen);
    unsigned k = 0;
    long rc = 0;
    while (k < 200) {
        int s = rt_slot_alloc();
        if (s < 0)
            break;
        slots[k] = s;
        rc = sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, (uint64_t)s).ret;
        if (rc != 0) {
            rt_slot_free(s);
            break;
        }
        k++;
    }
    bool ok = true;
    if (rc != SYS_EBUSY)
        ok = kt_fail("allocation %u ended with %ld, not SYS_EBUSY", k, rc);
    if (ok && k == 0)
        ok = kt_fail("no MSI vector at all");
    for (unsigned i = 0; i < k && ok; i++) {
        struct sys_result mi = sys_irq_ctl((uint64_t)slots[i], SYS_IRQ_MSI_INFO, 0);
        struct sys_result in = sys_irq_ctl((uint64_t)slots[i], SYS_IRQ_INFO, 0);
        uint64_t vec = mi.r[1] & 0xff;
        if (mi.ret != 0 || (mi.r[0] & 0xfff00000ull) != 0xfee00000ull || vec < 0x80 || vec > 0xdf ||
            (mi.r[1] & ~0xffull) != 0)
            ok = kt_fail("vector %u: MSI_INFO %ld, address %#llx, data %#llx", i, mi.ret,
                         (unsigned long long)mi.r[0], (unsigned long long)mi.r[1]);
        else if (seen[vec]++)
            ok = kt_fail("vector %#llx handed out twice", (unsigned long long)vec);
        else if (in.ret != SYS_IRQ_KIND_MSI)
            ok = kt_fail("IRQ_INFO of an MSI vector: %ld", in.ret);
        else if (sys_irq_ctl((uint64_t)slots[i], SYS_IRQ_MSI_ALLOC, (uint64_t)slots[i]).ret != SYS_EINVAL)
            ok = kt_fail("an MSI vector allocated a vector");
    }
    for (unsigned i = 0; i < k; i++) {
        sys_cap_delete((uint64_t)slots[i]);
        rt_slot_free(slots[i]);
    }
    if (!ok)
        return false;
    printf("ktest: msi: %u vectors free for allocation", k);
    CHECK(kt_quota_back(used0, 1000));
    /* All back: as many again. */
    uint64_t s = kt_slot();
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, s), SYS_OK);
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, s), SYS_EEXIST);
    return true;
}

static bool msi_bind(void)
{
    uint64_t v = kt_slot(), n = kt_notification(), nro = kt_slot();
    CHECK(v && n && nro);
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, v), SYS_OK);
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_ACK, 0), SYS_EINVAL);           /* not bound yet */
    CHECK_RC(sys_cap_copy(n, nro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_BIND, nro), SYS_ERIGHTS);
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_BIND, v), SYS_ENOCAP);
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_BIND, n), SYS_OK);
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_ACK, 0), SYS_OK);              /* MSI: a no-op */
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_BIND, n), SYS_OK);              /* re-bind */
    CHECK_RC(sys_irq_ctl(v, SYS_IRQ_MODE, SYS_IRQ_MODE_EDGE), SYS_EINVAL);
    CHECK_RC(sys_irq_ctl(v, 99, 0), SYS_EINVAL);
    CHECK_EQ(sys_poll(n).r[0], 0);                                  /* nothing fired */
    /* The notification deleted under the binding; the vector deleted bound. */
    CHECK_RC(sys_cap_delete(nro), SYS_OK);
    CHECK_RC(sys_cap_delete(n), SYS_OK);
    CHECK_RC(sys_cap_delete(v), SYS_OK);
    return true;
}

static bool irq_mode_rules(void)
{
    if (sys_cap_info(SLOT_IRQ).ret != CAP_IRQ) {
        printf("ktest: note: no spare interrupt line in slot %d; irq_mode checks MSI only", SLOT_IRQ);
        uint64_t v = kt_slot();
        CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, v), SYS_OK);
        CHECK_RC(sys_irq_ctl(v, SYS_IRQ_MODE, SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_HIGH), SYS_EINVAL);
        return true;
    }
    struct sys_result in = sys_irq_ctl(SLOT_IRQ, SYS_IRQ_INFO, 0);
    CHECK_EQ(in.ret, SYS_IRQ_KIND_LINE);
    CHECK(in.r[0] < 16);
    static const uint64_t bad[] = {
        SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_LEVEL, SYS_IRQ_MODE_HIGH | SYS_IRQ_MODE_LOW,
        SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_LEVEL | SYS_IRQ_MODE_HIGH, 15, 16, 1ull << 63, ~0ull,
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sys_irq_ctl(SLOT_IRQ, SYS_IRQ_MODE, bad[i]).ret != SYS_EINVAL)
            return kt_fail("mode %#llx accepted", (unsigned long long)bad[i]);
    static const uint64_t good[] = {
        0, SYS_IRQ_MODE_EDGE, SYS_IRQ_MODE_LEVEL | SYS_IRQ_MODE_LOW, SYS_IRQ_MODE_HIGH,
        SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_HIGH,
    };
    for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++)
        if (sys_irq_ctl(SLOT_IRQ, SYS_IRQ_MODE, good[i]).ret != SYS_OK)
            return kt_fail("mode %#llx refused", (unsigned long long)good[i]);
    /* Applied at the bind (edge, active high: an unconnected pin stays quiet). */
    uint64_t c = kt_slot(), n = kt_notification(), ro = kt_slot();
    CHECK_RC(sys_cap_copy(SLOT_IRQ, c, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(SLOT_IRQ, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_irq_ctl(ro, SYS_IRQ_MODE, SYS_IRQ_MODE_EDGE), SYS_ERIGHTS);
    CHECK_RC(sys_irq_ctl(c, SYS_IRQ_ACK, 0), SYS_EINVAL);
    CHECK_RC(sys_irq_ctl(c, SYS_IRQ_BIND, n), SYS_OK);
    CHECK_RC(sys_irq_ctl(c, SYS_IRQ_ACK, 0), SYS_OK);
    CHECK_RC(sys_irq_ctl(c, SYS_IRQ_MSI_ALLOC, kt_slot()), SYS_EINVAL);
    CHECK_RC(sys_irq_ctl(c, SYS_IRQ_MSI_INFO, 0), SYS_EINVAL);
    kt_sleep_ms(5);
    CHECK_EQ(sys_poll(n).r[0], 0);
    CHECK_RC(sys_cap_delete(c), SYS_OK);
    CHECK_RC(sys_irq_ctl(SLOT_IRQ, SYS_IRQ_MODE, 0), SYS_OK);      /* the platform's default again */
    return true;
}

/* --- I/O ports ------------------------------------------------------------------- */

static bool ioport_derive_rules(void)
{
    CHECK_EQ(sys_cap_info(SLOT_IOPORT).ret, CAP_IOPORT);
    uint64_t a = kt_slot(), b = kt_slot(), c = kt_slot();
    CHECK(a && b && c);
    /* Port 0x80 (the POST port) is harmless to read everywhere. */
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, a, 0x80, 1), SYS_OK);
    CHECK(sys_ioport(a, SYS_IO_IN1, 0x80, 0).ret >= 0);
    CHECK_RC(sys_ioport(a, SYS_IO_IN1, 0x81, 0), SYS_ERANGE);
    CHECK_RC(sys_ioport(a, SYS_IO_IN1, 0x7f, 0), SYS_ERANGE);
    CHECK_RC(sys_ioport(a, SYS_IO_IN2, 0x80, 0), SYS_ERANGE);       /* 0x81 is outside */
    CHECK_RC(sys_ioport(a, SYS_IO_IN4, 0x80, 0), SYS_ERANGE);
    CHECK_RC(sys_ioport(a, SYS_IO_IN1, 0x10080, 0), SYS_ERANGE);
    CHECK_RC(sys_ioport(a, SYS_IO_IN1, 0x80 | (1ull << 32), 0), SYS_ERANGE);
    /* Derive outside the range refused, inside fine. */
    CHECK_EQ(dev(a, SYS_DEV_IOPORT_DERIVE, b, 0x80, 2), SYS_ERANGE);
    CHECK_EQ(dev(a, SYS_DEV_IOPORT_DERIVE, b, 0x7f, 1), SYS_ERANGE);
    CHECK_EQ(dev(a, SYS_DEV_IOPORT_DERIVE, b, 0x81, 1), SYS_ERANGE);
    CHECK_EQ(dev(a, SYS_DEV_IOPORT_DERIVE, b, 0x80, 0), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, b, 0xffff, 2), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, b, 0x10000, 1), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, b, 0x80 | (1ull << 32), 1), SYS_ERANGE);
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, b, 0, 0x10001), SYS_ERANGE);
    CHECK_EQ(dev(a, SYS_DEV_IOPORT_DERIVE, b, 0x80, 1), SYS_OK);
    CHECK(sys_ioport(b, SYS_IO_IN1, 0x80, 0).ret >= 0);
    /* A wider part: 2- and 4-byte reads inside, not across its end. */
    CHECK_EQ(dev(SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, c, 0x80, 4), SYS_OK);
    CHECK(sys_ioport(c, SYS_IO_IN4, 0x80, 0).ret >= 0);
    CHECK(sys_ioport(c, SYS_IO_IN2, 0x82, 0).ret >= 0);
    CHECK_RC(sys_ioport(c, SYS_IO_IN2, 0x83, 0), SYS_ERANGE);
    CHECK_RC(sys_ioport(c, SYS_IO_IN4, 0x81, 0), SYS_ERANGE);
    CHECK_EQ(dev(kt_notification(), SYS_DEV_IOPORT_DERIVE, kt_slot(), 0x80, 1), SYS_ENOCAP);
    /* Revoking the part takes its parts. */
    CHECK(sys_cap_revoke(a).ret >= 1);
    CHECK_EQ(sys_cap_info(b).ret, SYS_ENOCAP);
    return true;
}

/* --- create_for ------------------------------------------------------------------ */

static bool create_for_rules(void)
{
    uint64_t used0 = kt_quota_used();
    uint64_t p = kt_slot(), ro = kt_slot(), f = kt_slot(), g = kt_slot(), e = kt_slot();
    CHECK(p && ro && f && g && e);
    CHECK_RC(sys_create(CAP_PROCESS, p, 256 * 1024), SYS_OK);
    uint64_t after_proc = kt_quota_used();
    struct sys_result q0 = sys_quota(p);
    CHECK_RC(q0, SYS_OK);
    CHECK_RC(sys_create_for(p, CAP_FRAME, f, 4), SYS_OK);
    struct sys_result q1 = sys_quota(p);
    CHECK(q1.r[0] >= q0.r[0] + 4 * PG);                 /* charged to the target */
    CHECK_EQ(kt_quota_used(), after_proc);              /* not to us */
    CHECK_EQ(sys_cap_info(f).ret, CAP_FRAME);           /* the cap is ours */
    CHECK_RC(sys_create_for(p, CAP_NOTIFICATION, g, 0), SYS_OK);
    CHECK(sys_quota(p).r[0] >= q1.r[0]);     /* (may fit a slab page already charged) */
    CHECK_EQ(kt_quota_used(), after_proc);
    /* Refused: endpoints, without the write right, bad types and sizes. */
    CHECK_RC(sys_create_for(p, CAP_ENDPOINT, e, 0), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(p, ro, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_create_for(ro, CAP_FRAME, e, 1), SYS_ERIGHTS);
    CHECK_RC(sys_create_for(f, CAP_FRAME, e, 1), SYS_ENOCAP);
    CHECK_RC(sys_create_for(p, CAP_FRAME, e, 0), SYS_EINVAL);
    CHECK_RC(sys_create_for(p, CAP_FRAME, e, SYS_FRAME_MAX_PAGES + 1), SYS_EINVAL);
    CHECK_RC(sys_create_for(p, CAP_IRQ, e, 0), SYS_EINVAL);
    CHECK_RC(sys_create_for(p, CAP_DMAPOOL, e, 0), SYS_EINVAL);
    CHECK_RC(sys_create_for(p, 200, e, 0), SYS_EINVAL);
    CHECK_RC(sys_create_for(p, CAP_FRAME, f, 1), SYS_EEXIST);
    CHECK_RC(sys_create_for(p, CAP_FRAME, e, 128), SYS_ENOMEM);        /* 512 KiB > its quota */
    CHECK_EQ(sys_cap_info(e).ret, SYS_ENOCAP);
    CHECK_EQ(kt_quota_used(), after_proc);
    /* Deleting gives it back to the target. */
    CHECK_RC(sys_cap_delete(f), SYS_OK);
    CHECK_RC(sys_cap_delete(g), SYS_OK);
    CHECK_EQ(sys_quota(p).r[0], q0.r[0]);
    /* A process created for another is paid from its quota. */
    CHECK_RC(sys_create_for(p, CAP_PROCESS, e, 64 * 1024), SYS_OK);
    CHECK(sys_quota(p).r[0] >= q0.r[0] + 64 * 1024);
    CHECK_RC(sys_cap_delete(e), SYS_OK);
    CHECK_RC(sys_cap_delete(ro), SYS_OK);
    CHECK_RC(sys_cap_delete(p), SYS_OK);
    CHECK(kt_quota_back(used0, 1000));
    return true;
}

/* --- a child holding device resources, spawned and killed many times -------------- */

static long agent(uint64_t ep, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct msg m = { .tag = TAG(op, 4, 0), .mr = { a0, a1, a2, a3 } };
    long rc = ipc_call(ep, &m);
    return rc < 0 ? rc : (long)m.mr[0];
}

#define CHURN_N 50

static unsigned churn_mode = 0xff, churn_n = CHURN_N;
static bool dev_child_churn(void)
{
    NEED_DEVMEM();
    uint64_t used0 = kt_quota_used();
    kt_kstats_reset();
    for (unsigned i = 0; i < churn_n; i++) {
        uint64_t ep = kt_slot(), n = kt_slot();
        CHECK(ep && n);
        CHECK_RC(sys_create(CAP_ENDPOINT, ep, 0), SYS_OK);
        CHECK_RC(sys_create(CAP_NOTIFICATION, n, 0), SYS_OK);
        struct spawn_caps caps[] = {
            { ep, KP_SLOT_A, CAP_R_READ },
            { SLOT_MSI, 5, CAP_R_ALL },
            { n, 6, CAP_R_ALL },
            { SLOT_DEVMEM, 7, CAP_R_READ | CAP_R_WRITE },
        };
        struct kt_partner p;
        CHECK_EQ(kt_spawn_untracked("kpartner", KP_ARG(KP_AGENT, 0), caps, 4, 1024 * 1024, 45, 0, 0, &p), 0);
        long rc;
        if ((churn_mode & 1) && (rc = agent(ep, KP_OP_A_IRQ, 5, SYS_IRQ_MSI_ALLOC, 20, 0)) != 0)
            return kt_fail("round %u: MSI_ALLOC in the child: %ld", i, rc);
        if ((churn_mode & 2) && (rc = agent(ep, KP_OP_A_IRQ, 20, SYS_IRQ_BIND, 6, 0)) != 0)
            return kt_fail("round %u: bind in the child: %ld", i, rc);
        if ((churn_mode & 4) && (rc = agent(ep, KP_OP_A_DEVICE, 7, SYS_DEV_DMA_POOL, 21, 128 * 1024)) != 0)
            return kt_fail("round %u: DMA_POOL in the child: %ld", i, rc);
        for (unsigned k = 0; k < 3 && (churn_mode & 8); k++) {
            uint64_t slot = 22 + k, va = 0x0000005000000000ull + k * 0x100000;
            if ((rc = agent(ep, KP_OP_A_DEVICE, 21, SYS_DEV_DMA_ALLOC, slot,
                            (1u << k) | (k == 1 ? SYS_DMA_BELOW_4G : 0))) != 0)
                return kt_fail("round %u: DMA_ALLOC in the child: %ld", i, rc);
            if ((churn_mode & 16) && (rc = agent(ep, KP_OP_A_MAP, slot, va, CAP_R_READ | CAP_R_WRITE, 0)) != 0)
                return kt_fail("round %u: map in the child: %ld", i, rc);
        }
        /* Every other round the child lets its pool go first. */
        if ((i & 1) && (churn_mode & 4))
            CHECK_EQ(agent(ep, KP_OP_A_DELETE, 21, 0, 0, 0), 0);
        sys_thread_ctl(p.thread, SYS_THREAD_KILL, 0);
        sys_cap_delete(p.thread);
        sys_cap_delete(p.process);
        rt_slot_free((int)p.thread);
        rt_slot_free((int)p.process);
        sys_cap_delete(ep);
        sys_cap_delete(n);
    }
    /* All MSI vectors came back: allocate one more than a child held. */
    uint64_t v = kt_slot();
    CHECK_RC(sys_irq_ctl(SLOT_MSI, SYS_IRQ_MSI_ALLOC, v), SYS_OK);
    CHECK_RC(sys_cap_delete(v), SYS_OK);
    return kt_graph_after("dev_churn", used0);
}

const struct kt_test kt_dev_tests[] = {
    { "devmem_info", "DEVMEM_INFO of window 0 and of a part; not on other caps", devmem_info },
    { "devmem_derive", "DEVMEM_DERIVE past the end, overlapping, zero pages, wrapping: refused", devmem_derive_bounds },
    { "devmem_map", "device memory maps at good user addresses only, never executable, rights kept", devmem_map_rules },
    { "devmem_revoke", "parts of a window are revoked with their parent, mappings too", devmem_revoke_parts },
    { "dma_pool", "DMA_POOL needs devmem with write, a page-sized allowance within quota", dma_pool_create },
    { "dma_alloc", "DMA frames: zeroed, READ|WRITE|PHYS, below 4 GiB on request; PADDR needs PHYS", dma_alloc_frames },
    { "dma_release", "DMA_RELEASE needs grant; released frames stay usable while mapped", dma_release_rules },
    { "dma_quota", "pool create/alloc/release/delete in any order: quota back exactly", dma_quota_exact },
    { "dma_exhausted", "a pool's allowance runs out with SYS_ENOMEM, ours untouched", dma_allowance_exhausted },
    { "dma_pool_child", "a pool deleted with a frame mapped in a child: all back when it dies", dma_pool_dies_before_child },
    { "msi_alloc", "MSI vectors until SYS_EBUSY: distinct, 0xfee00000, data 0x80-0xdf; all freed", msi_alloc_exhaust },
    { "msi_bind", "an MSI vector binds to a notification with write; ack is a no-op", msi_bind },
    { "irq_mode", "IRQ_MODE: conflicting bits refused, good modes applied to a line at bind", irq_mode_rules },
    { "ioport_derive", "I/O port parts: access inside only, derive outside refused", ioport_derive_rules },
    { "create_for", "create_for charges the target, not the caller; endpoints and no write refused", create_for_rules },
    { "dev_churn", "50 children with a bound MSI vector and mapped DMA frames killed: all back", dev_child_churn },
};
KT_COUNT(kt_dev_tests);
