/* Basic system calls: null, unknown numbers, time, sleep, yield,
 * debug_write and its user-pointer checks, slot-number checks. */
#include "ktest.h"

static bool t_null(void)
{
    CHECK_RC(sys_null(), SYS_OK);
    /* Extra arguments are ignored. */
    CHECK_RC(sys_raw(SYS_null, 1, 2, 3, 4, 5, 6), SYS_OK);
    return true;
}

static bool t_enosys(void)
{
    const uint64_t bad[] = { SYS_COUNT, SYS_COUNT + 1, 40, 64, 255, 256, 1000, 0x7fffffff,
                             0x100000000ull, 0x8000000000000000ull, ~0ull };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_RC(sys_raw((long)bad[i], 1, 2, 3, 4, 5, 6), SYS_ENOSYS);
    return true;
}

static bool t_time(void)
{
    uint64_t a = kt_now(), b = kt_now();
    CHECK(a > 0);
    CHECK(b >= a);
    uint64_t deadline = kt_in(2 * MS);
    CHECK_RC(sys_sleep(deadline), SYS_OK);
    CHECK(kt_now() >= deadline);
    /* A deadline already passed (or 0) returns at once. */
    CHECK_RC(sys_sleep(1), SYS_OK);
    CHECK_RC(sys_sleep(0), SYS_OK);
    CHECK_RC(sys_yield(), SYS_OK);
    return true;
}

static const char hello[] = "ktest: debug_write says hello\n";

static bool t_debug_write(void)
{
    /* One line per call: the newline that ends it is consumed and counted,
     * so printf("x\n") makes exactly one line. */
    CHECK_RC(sys_debug_write((uint64_t)(uintptr_t)hello, sizeof hello - 1), (long)sizeof hello - 1);
    CHECK_RC(sys_debug_write((uint64_t)(uintptr_t)hello, 5), 5);
    /* Text after the first newline is left for the next call. */
    static const char two[] = "ktest: first of two\nktest: second of two\n";
    CHECK_RC(sys_debug_write((uint64_t)(uintptr_t)two, sizeof two - 1), 20);
    CHECK_RC(sys_debug_write((uint64_t)(uintptr_t)two + 20, sizeof two - 21), (long)sizeof two - 21);
    CHECK_RC(sys_debug_write((uint64_t)(uintptr_t)"\n", 1), 1);     /* an empty line */
    /* Longer than the kernel's line: cut to 255 bytes (the rest of the page is readable). */
    static char longline[600];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "ktest: long line ", 17);
    long r = sys_debug_write((uint64_t)(uintptr_t)longline, sizeof longline).ret;
    CHECK(r > 0 && r <= 255);
    return true;
}

static bool t_debug_write_efault(void)
{
    const struct { uint64_t ptr, len; } bad[] = {
        { 0, 1 },                               /* NULL */
        { 0x10, 4 },                            /* below USER_BASE */
        { KT_KADDR_DIRECT, 8 },                 /* kernel direct map */
        { KT_KADDR_IMAGE, 8 },                  /* kernel image */
        { 0xffffffff80100000ull, 8 },
        { 0x0000800000000000ull, 8 },           /* first non-canonical address */
        { 0x00007ffffffffff8ull, 64 },          /* runs past USER_TOP */
        { 0xfffffffffffffff0ull, 0x20 },        /* wraps around */
        { 0x0000000050000000ull, 8 },           /* unmapped user address */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sys_debug_write(bad[i].ptr, bad[i].len).ret != SYS_EFAULT)
            return kt_fail("debug_write(%#llx, %llu) = %ld, expected SYS_EFAULT",
                           (unsigned long long)bad[i].ptr, (unsigned long long)bad[i].len,
                           sys_debug_write(bad[i].ptr, bad[i].len).ret);
    /* A buffer that runs from a mapped page into an unmapped one. */
    uint64_t va = kt_map_new(1, NULL);
    CHECK(va != 0);
    memset((void *)(uintptr_t)va, 'y', RT_PAGE_SIZE);
    CHECK_RC(sys_debug_write(va + RT_PAGE_SIZE - 16, 100), SYS_EFAULT);
    CHECK_RC(sys_debug_write(va + RT_PAGE_SIZE - 16, ~0ull), SYS_EFAULT);
    CHECK_RC(sys_debug_write(va + RT_PAGE_SIZE, 1), SYS_EFAULT);
    /* Length 0 is fine anywhere in user space. */
    CHECK_RC(sys_debug_write(va, 0), 0);
    return true;
}

static bool t_slot_range(void)
{
    const uint64_t bad[] = { 0, SYS_CAP_SLOTS, SYS_CAP_SLOTS + 1, 1000, 0x100000000ull,
                             0x8000000000000001ull, ~0ull };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t s = bad[i];
        CHECK_RC(sys_cap_info(s), SYS_ERANGE);
        CHECK_RC(sys_cap_delete(s), SYS_ERANGE);
        CHECK_RC(sys_cap_revoke(s), SYS_ERANGE);
        CHECK_RC(sys_signal(s, 1), SYS_ERANGE);
        CHECK_RC(sys_poll(s), SYS_ERANGE);
        CHECK_RC(sys_nbsend(s, 0, 0, 0, 0, 0), SYS_ERANGE);
        CHECK_RC(sys_create(CAP_ENDPOINT, s, 0), SYS_ERANGE);
        CHECK_RC(sys_cap_copy(1, s, CAP_R_ALL, 0), SYS_ERANGE);
        CHECK_RC(sys_cap_move(s, 200), SYS_ERANGE);
        CHECK_RC(sys_thread_ctl(s, SYS_THREAD_START, 0), SYS_ERANGE);
        CHECK_RC(sys_quota(s), SYS_ERANGE);
        CHECK_RC(sys_map(s, 1, 0x50000000, CAP_R_READ), SYS_ERANGE);
        CHECK_RC(sys_unmap(s, 0x50000000), SYS_ERANGE);
        CHECK_RC(sys_poweroff(s, 1), SYS_ERANGE);
    }
    return true;
}

static bool t_initial_caps(void)
{
    struct sys_result r = sys_cap_info(RT_SLOT_SELF_PROCESS);
    CHECK_EQ(r.ret, CAP_PROCESS);
    CHECK_EQ(r.r[0], CAP_R_ALL);
    CHECK_EQ(r.r[1], 0);
    r = sys_cap_info(RT_SLOT_SELF_THREAD);
    CHECK_EQ(r.ret, CAP_THREAD);
    r = sys_cap_info(KT_SLOT_PLATFORM);
    CHECK_EQ(r.ret, CAP_PLATFORM);
    r = sys_cap_info(KT_SLOT_BUNDLE);
    CHECK_EQ(r.ret, CAP_FRAME);
    CHECK_EQ(r.r[0], CAP_R_READ);
    /* An empty slot. */
    uint64_t s = kt_slot();
    CHECK_RC(sys_cap_info(s), SYS_ENOCAP);
    CHECK_RC(sys_cap_delete(s), SYS_ENOCAP);
    CHECK_RC(sys_cap_revoke(s), SYS_ENOCAP);
    CHECK_RC(sys_cap_move(s, kt_slot()), SYS_ENOCAP);
    return true;
}

/* Registers the IPC buffer checks: alignment, mapping, writability, kernel
 * addresses. The runtime's buffer is registered again at the end. */
static bool t_set_ipc_buffer(void)
{
    uint64_t mine = (uint64_t)(uintptr_t)rt_ipc_buffer();
    uint64_t ro = kt_map_new(1, NULL);
    CHECK(ro != 0);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, ro, CAP_R_READ), SYS_OK);
    long r[7] = {
        sys_set_ipc_buffer(mine + 8).ret,                  /* misaligned */
        sys_set_ipc_buffer(0x50000000).ret,                /* unmapped */
        sys_set_ipc_buffer(ro).ret,                        /* read-only */
        sys_set_ipc_buffer(0x400000).ret,                  /* program text: read-only */
        sys_set_ipc_buffer(KT_KADDR_DIRECT).ret,           /* kernel */
        sys_set_ipc_buffer(KT_KADDR_IMAGE).ret,
        sys_set_ipc_buffer(0x0000800000000000ull).ret,     /* non-canonical */
    };
    long back = sys_set_ipc_buffer(mine).ret;
    CHECK_EQ(back, SYS_OK);
    CHECK_EQ(r[0], SYS_EINVAL);
    CHECK_EQ(r[1], SYS_EFAULT);
    CHECK_EQ(r[2], SYS_EFAULT);
    CHECK_EQ(r[3], SYS_EFAULT);
    CHECK_EQ(r[4], SYS_EFAULT);
    CHECK_EQ(r[5], SYS_EFAULT);
    CHECK_EQ(r[6], SYS_EFAULT);
    /* Another writable page works; then back to the runtime's. */
    uint64_t rw = kt_map_new(1, NULL);
    CHECK_RC(sys_set_ipc_buffer(rw), SYS_OK);
    CHECK_RC(sys_set_ipc_buffer(mine), SYS_OK);
    return true;
}

const struct kt_test kt_basic_tests[] = {
    { "null", "null returns 0", t_null },
    { "enosys", "unknown system call numbers return SYS_ENOSYS", t_enosys },
    { "time", "time is monotonic; sleep waits for its deadline; yield", t_time },
    { "debug_write", "debug_write returns the bytes written, lines cut at 255", t_debug_write },
    { "debug_write_efault", "debug_write rejects NULL, kernel, non-canonical, unmapped, wrapping buffers",
      t_debug_write_efault },
    { "slot_range", "slot 0 and slots >= 256 give SYS_ERANGE in every call", t_slot_range },
    { "initial_caps", "ktest's start-up caps have the right types; empty slots give SYS_ENOCAP",
      t_initial_caps },
    { "set_ipc_buffer", "set_ipc_buffer rejects misaligned, unmapped, read-only and kernel addresses",
      t_set_ipc_buffer },
};
KT_COUNT(kt_basic_tests);
