/* Memory: map/unmap/protect checks, mappings keeping frames alive, shared
 * memory between processes, mapping into another process, the IPC buffer
 * losing its page. */
#include "ktest.h"

static bool t_map_checks(void)
{
    uint64_t f = kt_frame(1), f2 = kt_frame(2), va = kt_va(3);
    const uint64_t P = RT_SLOT_SELF_PROCESS, R = CAP_R_READ, RW = CAP_R_READ | CAP_R_WRITE;
    /* Addresses. */
    CHECK_RC(sys_map(f, P, va + 8, R), SYS_ERANGE);
    CHECK_RC(sys_map(f, P, va + 0x800, R), SYS_ERANGE);
    CHECK_RC(sys_map(f, P, 0, R), SYS_ERANGE);
    CHECK_RC(sys_map(f, P, KT_KADDR_DIRECT, R), SYS_ERANGE);
    CHECK_RC(sys_map(f, P, KT_KADDR_IMAGE, R), SYS_ERANGE);
    CHECK_RC(sys_map(f, P, USER_TOP, R), SYS_ERANGE);
    CHECK_RC(sys_map(f2, P, USER_TOP - RT_PAGE_SIZE, R), SYS_ERANGE);   /* 2 pages run past the top */
    CHECK_RC(sys_map(f, P, ~0ull & ~0xfffull, R), SYS_ERANGE);
    /* Rights. */
    CHECK_RC(sys_map(f, P, va, 0), SYS_EINVAL);
    CHECK_RC(sys_map(f, P, va, CAP_R_WRITE), SYS_EINVAL);
    CHECK_RC(sys_map(f, P, va, CAP_R_EXEC), SYS_EINVAL);
    CHECK_RC(sys_map(f, P, va, R | CAP_R_GRANT), SYS_EINVAL);
    CHECK_RC(sys_map(f, P, va, R | 0x100), SYS_EINVAL);
    /* Success, then everything that overlaps it. */
    CHECK_RC(sys_map(f, P, va + RT_PAGE_SIZE, RW), SYS_OK);
    kt_track_mapping(va + RT_PAGE_SIZE);
    CHECK_RC(sys_map(f, P, va + RT_PAGE_SIZE, RW), SYS_EEXIST);
    CHECK_RC(sys_map(f2, P, va, RW), SYS_EEXIST);                       /* overlaps at its 2nd page */
    CHECK_RC(sys_map(f2, P, va + RT_PAGE_SIZE, RW), SYS_EEXIST);
    CHECK_RC(sys_map(f, P, 0x400000, R), SYS_EEXIST);                   /* our own text */
    /* The failed 2-page map left nothing at va. */
    CHECK_RC(sys_map(f, P, va, R), SYS_OK);
    kt_track_mapping(va);
    /* The same frame mapped twice shares memory. */
    volatile uint64_t *a = (volatile uint64_t *)(uintptr_t)va, *b = (volatile uint64_t *)(uintptr_t)(va + RT_PAGE_SIZE);
    b[5] = 0x1234;
    CHECK_EQ(a[5], 0x1234);
    /* unmap / protect take the base address. */
    CHECK_RC(sys_unmap(P, va + 8), SYS_ENOENT);
    CHECK_RC(sys_unmap(P, va + 2 * RT_PAGE_SIZE), SYS_ENOENT);
    CHECK_RC(sys_unmap(P, KT_KADDR_DIRECT), SYS_ENOENT);
    CHECK_RC(sys_protect(P, va + 8, R), SYS_ENOENT);
    CHECK_RC(sys_protect(P, va, 0x10), SYS_EINVAL);
    CHECK_RC(sys_protect(P, va, CAP_R_WRITE), SYS_ERIGHTS);             /* no READ */
    CHECK_RC(sys_protect(P, va, RW), SYS_ERIGHTS);                      /* mapped R only */
    CHECK_RC(sys_protect(P, va + RT_PAGE_SIZE, R), SYS_OK);
    CHECK_RC(sys_protect(P, va + RT_PAGE_SIZE, RW), SYS_OK);            /* back up to what it was mapped with */
    CHECK_RC(sys_unmap(P, va), SYS_OK);
    CHECK_RC(sys_unmap(P, va), SYS_ENOENT);
    return true;
}

/* A mapping keeps its frame alive after the last cap goes; unmapping frees it. */
static bool t_mapping_keeps_frame(void)
{
    struct sys_result q0 = sys_quota(RT_SLOT_SELF_PROCESS);
    uint64_t f = kt_frame(16), va = kt_va(16);
    CHECK(f != 0);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)va;
    p[0] = 11;
    p[16 * 512 - 1] = 22;
    CHECK_RC(sys_cap_delete(f), SYS_OK);
    CHECK_EQ(p[0], 11);
    CHECK_EQ(p[16 * 512 - 1], 22);
    struct sys_result q1 = sys_quota(RT_SLOT_SELF_PROCESS);
    CHECK(q1.r[0] >= q0.r[0] + 16 * RT_PAGE_SIZE);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, va), SYS_OK);
    struct sys_result q2 = sys_quota(RT_SLOT_SELF_PROCESS);
    /* The 16 pages are back (page tables may stay). */
    CHECK(q2.r[0] + 16 * RT_PAGE_SIZE <= q1.r[0]);
    /* A fresh frame is zeroed. */
    uint64_t va2 = kt_map_new(4, NULL);
    CHECK(va2 != 0);
    for (unsigned i = 0; i < 4 * 512; i++)
        if (((volatile uint64_t *)(uintptr_t)va2)[i] != 0)
            return kt_fail("word %u of a new frame is not zero", i);
    return true;
}

static bool t_big_frame(void)
{
    uint64_t va = kt_map_new(512, NULL);
    CHECK(va != 0);
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;
    for (unsigned i = 0; i < 512; i++)
        p[i * RT_PAGE_SIZE + (i & 0xfff)] = (uint8_t)i;
    for (unsigned i = 0; i < 512; i++)
        CHECK_EQ(p[i * RT_PAGE_SIZE + (i & 0xfff)], (uint8_t)i);
    return true;
}

static bool t_shared_memory(void)
{
    uint64_t f, va = kt_map_new(1, &f);
    CHECK(va != 0);
    volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)va;
    w[0] = 7;
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_WRITE }, { f, KP_SLOT_B, CAP_R_READ | CAP_R_WRITE } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_SHM, 0), caps, 2, 1 << 20, 45, 0, 0, &p), 0);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), 0);
    CHECK_EQ(m.mr[0], 7);
    CHECK_EQ(w[1], 22);             /* written by the partner */
    w[2] = 99;
    m.tag = TAG(0, 0, 0);
    CHECK_EQ(ipc_reply(&m), SYS_OK);
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(m.mr[0], 99);          /* read by the partner after our write */
    m.tag = TAG(0, 0, 0);
    CHECK_EQ(ipc_reply(&m), SYS_OK);
    CHECK(kt_wait_dead(p.thread, 2000));
    /* The partner's mapping went with it; ours is intact. */
    CHECK_EQ(w[1], 22);
    return true;
}

static bool t_shared_memory_readonly(void)
{
    /* A partner given a read-only frame cap cannot map it writable: it
     * reports the map error (label 1, MR0 = error). */
    uint64_t f, va = kt_map_new(1, &f);
    CHECK(va != 0);
    uint64_t ep = kt_endpoint();
    struct spawn_caps caps[] = { { ep, KP_SLOT_A, CAP_R_WRITE }, { f, KP_SLOT_B, CAP_R_READ } };
    struct kt_partner p;
    CHECK_EQ(kt_spawn("kpartner", KP_ARG(KP_SHM, 0), caps, 2, 1 << 20, 45, 0, 0, &p), 0);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), 1);
    CHECK_EQ((long)m.mr[0], SYS_ERIGHTS);
    m.tag = TAG(0, 0, 0);
    ipc_reply(&m);
    return true;
}

/* Mapping into a process through its cap; page tables are charged to it. */
static bool t_map_other_process(void)
{
    uint64_t p = kt_slot(), f = kt_frame(1);
    CHECK_RC(sys_create(CAP_PROCESS, p, 128 * 1024), SYS_OK);
    struct sys_result q0 = sys_quota(p);
    CHECK_RC(sys_map(f, p, 0x400000, CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC), SYS_OK);
    struct sys_result q1 = sys_quota(p);
    CHECK(q1.r[0] > q0.r[0]);       /* page tables + the mapping record */
    CHECK_RC(sys_map(f, p, 0x400000, CAP_R_READ), SYS_EEXIST);
    CHECK_RC(sys_protect(p, 0x400000, CAP_R_READ), SYS_OK);
    CHECK_RC(sys_unmap(p, 0x400000), SYS_OK);
    CHECK_RC(sys_unmap(p, 0x400000), SYS_ENOENT);
    /* The very top page of user space is mappable. */
    CHECK_RC(sys_map(f, p, USER_TOP - RT_PAGE_SIZE, CAP_R_READ), SYS_OK);
    /* Exhaust its quota with page tables: SYS_ENOMEM, and nothing breaks. */
    long rc = 0;
    unsigned n = 0;
    for (uint64_t va = 0x1000000000ull; n < 200; va += 0x8000000000ull, n++) {
        rc = sys_map(f, p, va, CAP_R_READ).ret;
        if (rc != 0)
            break;
    }
    CHECK_EQ(rc, SYS_ENOMEM);
    CHECK(n > 0);
    /* A dead process: deleting the cap of a never-run process destroys it. */
    uint64_t p2 = kt_slot(), p2copy = kt_slot();
    CHECK_RC(sys_create(CAP_PROCESS, p2, 128 * 1024), SYS_OK);
    CHECK_RC(sys_cap_copy(p2, p2copy, CAP_R_ALL, 0), SYS_OK);
    uint64_t t = kt_slot();
    CHECK_RC(sys_thread_create(p2, t, 0x400000, 0x500000, 0, 1), SYS_OK);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_KILL, 0), SYS_OK);      /* its only thread: it dies */
    CHECK_RC(sys_map(f, p2, 0x400000, CAP_R_READ), SYS_EDEAD);
    CHECK_RC(sys_thread_create(p2, kt_slot(), 0x400000, 0x500000, 0, 1), SYS_EDEAD);
    CHECK_RC(sys_cap_give(p2, f, 5, CAP_R_ALL), SYS_EDEAD);
    CHECK_RC(sys_unmap(p2, 0x400000), SYS_ENOENT);
    struct sys_result q = sys_quota(p2);
    CHECK_EQ(q.ret, SYS_OK);
    return true;
}

/* Unmapping the page a thread registered as its IPC buffer: the kernel
 * forgets the buffer, so long messages arrive cut to 4 words. */
struct lr {
    uint64_t ep;
    long rc;
    uint64_t tag;
    volatile bool registered, unmapped, done;
};
static struct lr lr;
static uint64_t lr_page;

static void ipcbuf_recv_fn(uint64_t arg)
{
    (void)arg;
    lr.rc = sys_set_ipc_buffer(lr_page).ret;
    if (lr.rc != 0) {
        lr.done = true;
        return;
    }
    lr.registered = true;
    while (!lr.unmapped)            /* ktest unmaps the page meanwhile */
        sys_sleep(kt_in(MS / 2));
    struct msg m = { 0 };
    lr.rc = ipc_recv_until(lr.ep, kt_in(3000 * MS), &m);
    lr.tag = m.tag;
    lr.done = true;
}

static bool t_ipcbuf_unmapped(void)
{
    memset(&lr, 0, sizeof lr);
    lr.ep = kt_endpoint();
    lr_page = kt_map_new(1, NULL);
    CHECK(lr_page != 0);
    uint64_t t = kt_thread(ipcbuf_recv_fn, 0, KT_HELPER_PRIO, false);
    CHECK(t != 0 && kt_start(t) == 0);
    uint64_t end = kt_in(3000 * MS);
    while (!lr.registered && !lr.done && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(lr.registered);
    CHECK_RC(sys_unmap(RT_SLOT_SELF_PROCESS, lr_page), SYS_OK);
    lr.unmapped = true;
    CHECK_RC(sys_send(lr.ep, TAG(1, 20, 0), 1, 2, 3, 4), SYS_OK);
    end = kt_in(3000 * MS);
    while (!lr.done && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(lr.done);
    CHECK_EQ(lr.rc, SYS_OK);
    CHECK_EQ(TAG_LEN(lr.tag), 4);
    return true;
}

/* Write-protecting the page a thread registered as its IPC buffer: the
 * kernel looks the buffer up at each use, so it never writes through the
 * read-only mapping (long messages arrive cut to 4 words, the page keeps
 * what was there). */
static bool t_ipcbuf_readonly(void)
{
    memset(&lr, 0, sizeof lr);
    lr.ep = kt_endpoint();
    lr_page = kt_map_new(1, NULL);
    CHECK(lr_page != 0);
    struct ipc_buffer *b = (struct ipc_buffer *)(uintptr_t)lr_page;
    for (unsigned i = 0; i < SYS_MSG_MAX; i++)
        b->mr[i] = 0xc0de0000 + i;
    uint64_t t = kt_thread(ipcbuf_recv_fn, 0, KT_HELPER_PRIO, false);
    CHECK(t != 0 && kt_start(t) == 0);
    uint64_t end = kt_in(3000 * MS);
    while (!lr.registered && !lr.done && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(lr.registered);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, lr_page, CAP_R_READ), SYS_OK);
    lr.unmapped = true;
    struct ipc_buffer *mine = rt_ipc_buffer();
    for (unsigned i = SYS_MSG_REGS; i < 20; i++)
        mine->mr[i] = 0x5e11d000 + i;
    CHECK_RC(sys_send(lr.ep, TAG(1, 20, 0), 1, 2, 3, 4), SYS_OK);
    end = kt_in(3000 * MS);
    while (!lr.done && kt_now() < end)
        kt_sleep_ms(1);
    CHECK(lr.done);
    CHECK_EQ(lr.rc, SYS_OK);
    CHECK_EQ(TAG_LEN(lr.tag), 4);
    for (unsigned i = 0; i < SYS_MSG_MAX; i++)
        CHECK_EQ(b->mr[i], 0xc0de0000 + i);
    return true;
}

/* A `syscall` instruction in the last two bytes below USER_TOP returns to
 * rip = USER_TOP, a non-canonical address. On Intel CPUs sysret then
 * faults in kernel mode with the user's rsp (CVE-2012-0217); the kernel
 * must return such a thread through iret instead (or refuse to map code
 * there). Here we check that the thread just takes a fault. */
extern char kt_jump_rax[];
__asm__(".text\n"
        ".globl kt_jump_rax\n"
        "kt_jump_rax:\n"
        "    movq %rdi, %rcx\n"
        "    xorl %eax, %eax\n"         /* SYS_null */
        "    jmp *%rcx\n");

static void top_syscall_fn(uint64_t target)
{
    ((void (*)(uint64_t))(uintptr_t)kt_jump_rax)(target);
}

static bool t_syscall_at_top(void)
{
    uint64_t f = kt_frame(1), ep = kt_endpoint();
    uint64_t wva = kt_va(1), top = USER_TOP - RT_PAGE_SIZE;
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, wva, CAP_R_READ | CAP_R_WRITE), SYS_OK);
    kt_track_mapping(wva);
    volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)wva;
    for (unsigned i = 0; i < RT_PAGE_SIZE; i++)
        code[i] = 0x90;             /* nop */
    code[RT_PAGE_SIZE - 2] = 0x0f;  /* syscall */
    code[RT_PAGE_SIZE - 1] = 0x05;
    /* The page just below 2^47 is never user memory (sysret to a
     * non-canonical address would fault in kernel mode on Intel). */
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, 0x00007ffffffff000ull, CAP_R_READ | CAP_R_EXEC), SYS_ERANGE);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_PROCESS, top, CAP_R_READ | CAP_R_EXEC), SYS_OK);
    kt_track_mapping(top);
    uint64_t t = kt_thread_run(top_syscall_fn, USER_TOP - 2, KT_HELPER_PRIO, ep);
    CHECK(t != 0);
    struct msg m;
    CHECK_EQ(kt_recv(ep, 3000, &m), SYS_OK);
    CHECK_EQ(TAG_LABEL(m.tag), LABEL_FAULT);
    /* #GP or #PF at (or just after) the top of user space. */
    CHECK(m.mr[FAULT_MR_VECTOR] == 13 || m.mr[FAULT_MR_VECTOR] == 14);
    CHECK(m.mr[FAULT_MR_IP] >= USER_TOP - 2);
    struct msg r = { .tag = TAG(1, 0, 0) };
    CHECK_EQ(ipc_reply(&r), SYS_OK);
    CHECK(kt_wait_dead(t, 2000));
    return true;
}

const struct kt_test kt_vm_tests[] = {
    { "map_checks", "map/unmap/protect: alignment, ranges, rights, overlaps (EEXIST), base addresses",
      t_map_checks },
    { "mapping_keeps_frame", "a mapping keeps its frame after the cap is deleted; unmap frees it; frames are zeroed",
      t_mapping_keeps_frame },
    { "big_frame", "a 512-page frame maps and every page is usable", t_big_frame },
    { "shared_memory", "a frame shared with a partner process: writes are seen both ways", t_shared_memory },
    { "shared_memory_readonly", "a partner with a read-only frame cap cannot map it writable",
      t_shared_memory_readonly },
    { "map_other_process", "map/protect/unmap in another process; its quota pays for page tables; dead: EDEAD",
      t_map_other_process },
    { "ipcbuf_unmapped", "unmapping a thread's IPC buffer page: it receives only 4 words afterwards",
      t_ipcbuf_unmapped },
    { "ipcbuf_readonly", "a write-protected IPC buffer page is never written by the kernel: 4 words arrive",
      t_ipcbuf_readonly },
    { "syscall_at_top", "the last page below 2^47 cannot be mapped; a syscall at USER_TOP - 2 returns, then faults",
      t_syscall_at_top },
};
KT_COUNT(kt_vm_tests);
