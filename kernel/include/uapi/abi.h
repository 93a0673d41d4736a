/* The system-call ABI shared by the kernel and the user runtime: error codes,
 * capability types and rights, the message tag, the IPC buffer, the fault
 * message and the capabilities init starts with. Layouts are pinned with
 * _Static_assert. Included by both sides; nothing here depends on either. */
#ifndef UAPI_ABI_H
#define UAPI_ABI_H

#include <stdint.h>

enum {
#define SYSCALL(nr, name, nargs) SYS_##name = nr,
#include "syscalls.def"
#undef SYSCALL
    SYS_COUNT
};

/* Errors (negative in rax). */
#define SYS_OK        0
#define SYS_EINVAL   (-1)   /* bad argument (value, alignment, op) */
#define SYS_ENOCAP   (-2)   /* slot empty or holds the wrong type of capability */
#define SYS_ERIGHTS  (-3)   /* capability lacks a needed right */
#define SYS_EFAULT   (-4)   /* bad user pointer */
#define SYS_ENOSYS   (-5)   /* no such system call */
#define SYS_ENOMEM   (-6)   /* quota or kernel memory exhausted */
#define SYS_EDEAD    (-7)   /* peer or object is gone (died, deleted, revoked) */
#define SYS_ETIMEOUT (-8)   /* deadline passed */
#define SYS_EBUSY    (-9)   /* would block (non-blocking operation) */
#define SYS_ERANGE   (-10)  /* slot number or address out of range */
#define SYS_EEXIST   (-11)  /* slot occupied / address already mapped */
#define SYS_ENOENT   (-12)  /* nothing mapped there */
#define SYS_ENOREPLY (-13)  /* reply without a caller to reply to */
#define SYS_EMSGSIZE (-14)  /* message longer than SYS_MSG_MAX words, or caps > SYS_MSG_CAPS_MAX */

/* Capability types. */
enum cap_type {
    CAP_NULL = 0,
    CAP_ENDPOINT = 1,
    CAP_NOTIFICATION = 2,
    CAP_PROCESS = 3,       /* address space + capability table */
    CAP_THREAD = 4,
    CAP_FRAME = 5,         /* 1..SYS_FRAME_MAX_PAGES contiguous 4 KiB frames */
    CAP_IRQ = 6,           /* one interrupt line (GSI) */
    CAP_IOPORT = 7,        /* a range of I/O ports */
    CAP_PLATFORM = 8,      /* power-off and other machine-wide controls */
    CAP_DEVMEM = 9,        /* a window of device memory (never RAM): mapped uncached */
    CAP_DMAPOOL = 10,      /* a DMA allowance: frames a device may use, freed only on release */
    CAP_TYPE_COUNT
};

/* Rights. Endpoint: WRITE = send/call, READ = receive, GRANT = transfer caps.
 * Notification: WRITE = signal, READ = wait/poll/bind. Frame: READ, WRITE,
 * EXEC = how it may be mapped. Process/thread: WRITE = control. */
#define CAP_R_READ   1u
#define CAP_R_WRITE  2u
#define CAP_R_GRANT  4u
#define CAP_R_EXEC   8u
#define CAP_R_ALL    15u
#define CAP_R_PHYS   16u    /* frame: may learn its physical address (DMA frames only) */
#define CAP_R_MASK   31u    /* every right there is */

/* Slots: each process has SYS_CAP_SLOTS slots; slot 0 is always empty. */
#define SYS_CAP_SLOTS 256

/* Message tag (rsi): label, length in words, number of caps to transfer. */
#define SYS_MSG_MAX       64    /* words: MR0..MR3 in registers, MR4.. in the IPC buffer */
#define SYS_MSG_REGS      4
#define SYS_MSG_CAPS_MAX  1
#define TAG(label, len, caps) (((uint64_t)(label) << 16) | ((uint64_t)(caps) << 8) | (uint64_t)(len))
#define TAG_LEN(tag)   ((unsigned)((tag) & 0xff))
#define TAG_CAPS(tag)  ((unsigned)(((tag) >> 8) & 0xff))
#define TAG_LABEL(tag) ((uint64_t)(tag) >> 16)

/* Labels the kernel itself sends. */
#define LABEL_FAULT   0xfa017ull   /* fault message to a thread's fault endpoint */
#define LABEL_NOTIFY  0x5167ull    /* recv returned a bound notification's bits in MR0 */

/* The per-thread IPC buffer: one page the thread registers with
 * set_ipc_buffer. mr[0..3] are not used (registers carry them). */
struct ipc_buffer {
    uint64_t mr[SYS_MSG_MAX];
    uint64_t send_cap;          /* slot of the cap to transfer when TAG_CAPS = 1 */
    uint64_t recv_slot;         /* empty slot where a received cap is placed (0: refuse caps) */
    uint64_t recv_cap_badge;    /* badge of the received cap (written by the kernel) */
    uint64_t reserved[61];
};
_Static_assert(sizeof(struct ipc_buffer) == 1024, "IPC buffer layout is ABI");
_Static_assert(__builtin_offsetof(struct ipc_buffer, send_cap) == 512, "IPC buffer layout is ABI");

/* Fault message (label LABEL_FAULT): MR0 vector, MR1 error code, MR2 fault
 * address (CR2 for page faults), MR3 instruction pointer. The faulting
 * thread waits for the reply: label 0 resumes it (after the handler fixed
 * the cause), any other label kills it. */
#define FAULT_MR_VECTOR 0
#define FAULT_MR_ERROR  1
#define FAULT_MR_ADDR   2
#define FAULT_MR_IP     3

/* thread_ctl operations. */
#define SYS_THREAD_START      1   /* arg unused */
#define SYS_THREAD_SUSPEND    2
#define SYS_THREAD_PRIORITY   3   /* arg = 0..SYS_PRIO_MAX, not above the caller's */
#define SYS_THREAD_FAULT_EP   4   /* arg = endpoint slot in the caller (0 = none) */
#define SYS_THREAD_KILL       5
#define SYS_THREAD_DEATH_NTFN 6   /* arg = notification slot in the caller (write right; 0 = none):
                                     signalled with its badge (or bit 0 if unbadged) when the
                                     thread dies, however it dies */
#define SYS_THREAD_EXIT_STATUS 7  /* arg unused; works on a dead thread (needs the write right):
                                     -> SYS_EBUSY while it lives, else SYS_THREAD_ENDED_*,
                                     rdi = the code it passed to sys_exit (0 unless EXIT) */
#define SYS_THREAD_READ_REGS  8   /* arg = user address of a struct sys_thread_regs: the user
                                     registers of a thread that is not the caller and not dead,
                                     as they were when it last entered the kernel (a fault
                                     handler reads the faulting thread's; needs the write right) */
#define SYS_THREAD_ENDED_EXIT   1   /* it called sys_exit */
#define SYS_THREAD_ENDED_KILLED 2   /* killed: by its fault handler, a thread_ctl, its process's end */
#define SYS_PRIO_MAX          255

/* SYS_THREAD_READ_REGS fills this (rcx and r11 hold what the syscall
 * instruction left there when the thread is in a system call). */
struct sys_thread_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};
_Static_assert(sizeof(struct sys_thread_regs) == 18 * 8, "thread register layout is ABI");

/* irq_ctl operations. An interrupt object is an I/O APIC line (GSI), an
 * MSI vector, or the MSI control capability init gets (which only allocates
 * vectors). Each line or vector signals bit 0 of its bound notification. */
#define SYS_IRQ_BIND     1   /* arg = notification slot (needs its write right) */
#define SYS_IRQ_ACK      2   /* line: unmask after handling; MSI: no-op */
#define SYS_IRQ_MODE     3   /* line: arg = SYS_IRQ_MODE_* trigger | polarity (0 = the
                                platform's default: ISA lines as the MADT says, edge/high;
                                others level/low, as PCI INTx); applied at the next bind */
#define SYS_IRQ_MSI_ALLOC 4  /* MSI control: arg = empty slot -> a new MSI vector object */
#define SYS_IRQ_MSI_INFO 5   /* MSI vector: -> 0, rdi = message address, rsi = message data
                                to program into the device's MSI or MSI-X entry */
#define SYS_IRQ_INFO     6   /* -> SYS_IRQ_KIND_*; rdi = GSI or vector */
#define SYS_IRQ_MODE_EDGE   1u
#define SYS_IRQ_MODE_LEVEL  2u
#define SYS_IRQ_MODE_HIGH   4u
#define SYS_IRQ_MODE_LOW    8u
#define SYS_IRQ_KIND_LINE   1
#define SYS_IRQ_KIND_MSI    2
#define SYS_IRQ_KIND_MSI_CONTROL 3

/* device operations (the `device` system call), by the capability given:
 *   DEVMEM_INFO   (devmem)          -> 0, rdi = physical address, rsi = size in bytes
 *   DEVMEM_DERIVE (devmem, dst, first_page, npages): a copy covering a
 *                 page-aligned part of the window, child of the source
 *   DMA_POOL      (devmem with write, dst, bytes): a DMA pool with an
 *                 allowance of bytes carved out of the caller's quota
 *                 (holding device memory is the authority to make one)
 *   DMA_ALLOC     (pool with write, dst, npages | SYS_DMA_BELOW_4G): a zeroed,
 *                 physically contiguous frame charged to the pool, capability
 *                 with READ | WRITE | PHYS; the pool keeps it alive
 *   DMA_RELEASE   (pool with grant) -> frames let go: the pool's hold on
 *                 every frame it made ends (memory returns to the pool once
 *                 no capability or mapping refers to a frame). The holder
 *                 resets the device first: a released frame may be reused.
 *   DMA_PADDR     (frame with PHYS) -> its physical address */
#define SYS_DEV_DEVMEM_INFO   1
#define SYS_DEV_DEVMEM_DERIVE 2
#define SYS_DEV_DMA_POOL      3
#define SYS_DEV_DMA_ALLOC     4
#define SYS_DEV_DMA_RELEASE   5
#define SYS_DEV_DMA_PADDR     6
#define SYS_DEV_IOPORT_DERIVE 7   /* (ioport, dst, first port, count): a copy covering part of the range */
#define SYS_DMA_BELOW_4G (1ull << 32)
/* ioport operations (access width in bytes: 1, 2, 4). */
#define SYS_IO_IN1 1
#define SYS_IO_IN2 2
#define SYS_IO_IN4 3
#define SYS_IO_OUT1 4
#define SYS_IO_OUT2 5
#define SYS_IO_OUT4 6

/* kdebug operations (need the platform capability with the write right):
 * the kernel's own checks and counters, for tests and benchmarks. */
#define SYS_KDEBUG_CHECK  1   /* run the kernel's invariant checks -> number of violations
                                 (each one logged as a "kcheck:" line) */
#define SYS_KDEBUG_STATS  2   /* -> 0; rdi = deepest kernel-stack use seen (bytes),
                                 rsi = longest interrupts-off stretch seen (TSC ticks, 0 when
                                 the kernel was built without CONFIG_IRQOFF_TRACE),
                                 rdx = free physical frames, r10 = live threads,
                                 r8 = live kernel objects */
#define SYS_KDEBUG_RESET  3   /* -> 0: restart the two high-water marks of STATS */
#define SYS_KDEBUG_LAST_IRQ 4 /* -> 0; rdi = TSC when the last device interrupt's handler
                                 started, rsi = its vector (interrupt-to-driver latency) */

/* The largest frame object, in 4 KiB pages. */
#define SYS_FRAME_MAX_PAGES 512

/* create: arg per type. Frame: number of 4 KiB pages (1..SYS_FRAME_MAX_PAGES, contiguous).
 * Process: quota in bytes moved from the caller's. Others: ignored. */

/* User address space: [USER_BASE, USER_TOP). */
#define USER_BASE 0x0000000000001000ull
/* The last page below 2^47 is never user memory: a syscall at its very end
 * would make sysret return to a non-canonical address, which faults in
 * kernel mode on Intel CPUs (the CVE-2012-0217 class). */
#define USER_TOP  0x00007ffffffff000ull

/* Capabilities init starts with (slots). */
#define INIT_CAP_SELF_PROCESS 1
#define INIT_CAP_SELF_THREAD  2
#define INIT_CAP_PLATFORM     3
#define INIT_CAP_BUNDLE       4    /* read-only frame: the boot bundle (cpio) */
#define INIT_CAP_IOPORT_ALL   5    /* I/O ports 0..0xffff */
#define INIT_CAP_MSI          6    /* MSI control: allocates MSI vectors */
#define INIT_CAP_IRQ_BASE     16   /* GSI n at slot 16 + n, for n < INIT_IRQ_COUNT */
#define INIT_IRQ_COUNT        48
#define INIT_CAP_DEVMEM_BASE  64   /* device-memory window i at slot 64 + i (boot info lists them) */
#define INIT_DEVMEM_MAX       16
#define INIT_ECAM_MAX         4
#define INIT_MMIO_MAX         32
/* Where init finds its boot information: mapped read-only by the kernel. */
#define INIT_BOOTINFO_VADDR   0x0000000000200000ull

struct init_bootinfo {
    uint64_t magic;                 /* INIT_BOOTINFO_MAGIC */
    uint64_t bundle_vaddr;          /* the bundle, mapped read-only here */
    uint64_t bundle_size;
    uint64_t quota_bytes;           /* init's kernel-memory quota */
    uint64_t first_free_slot;
    char cmdline[256];              /* the kernel command line */
    uint64_t rsdp_paddr;            /* ACPI root pointer (0: none) */
    uint32_t ndevmem;               /* device-memory windows, capabilities at INIT_CAP_DEVMEM_BASE */
    uint32_t necam;                 /* PCI ECAM regions (ACPI MCFG) */
    struct { uint64_t paddr, size; } devmem[INIT_DEVMEM_MAX];
    struct {
        uint64_t paddr;             /* config space of bus bus_start, device 0, function 0 */
        uint16_t segment;
        uint8_t bus_start, bus_end;
        uint32_t reserved;
    } ecam[INIT_ECAM_MAX];
    uint32_t platform_flags;        /* INIT_PLATFORM_* */
    uint32_t nmmio;                 /* virtio-mmio slots the ACPI tables describe */
    struct {
        uint64_t paddr;
        uint32_t size;
        uint32_t gsi;               /* its interrupt line */
        uint32_t irq_mode;          /* SYS_IRQ_MODE_* as ACPI gives it */
        uint32_t reserved;
    } mmio[INIT_MMIO_MAX];
};
#define INIT_PLATFORM_XEN     1u    /* running as Xen's PVH dom0 */
#define INIT_PLATFORM_MICROVM 2u    /* hardware-reduced ACPI without a PCI host (microvm) */
#define INIT_BOOTINFO_MAGIC 0x696e6974626f6f74ull   /* "initboot" */
_Static_assert(sizeof(struct init_bootinfo) == 1408, "init boot info is ABI");

#endif
