/* kregs.h: register-hygiene helpers shared by ktest (t_regs.c) and kpartner
 * (roles KP_REGDUMP and KP_REGPING).
 *
 * struct kr_ctx holds every user register a thread has: the sixteen
 * general registers, xmm0-15, the upper halves of ymm0-15 (only where AVX
 * is usable), MXCSR, the x87 control word and two values on the x87
 * stack. kr_syscall(ctx) (and the other kr_* routines below) load all of
 * them from ctx->in in one assembly block, do one thing (a `syscall`, a
 * faulting write, a call to a code page that faults, a spin loop) and store
 * all of them into ctx->out, so no compiler-generated code runs in between.
 * kr_check() compares out with in and with what the ABI promises.
 *
 * Patterns: kr_pat(owner, reg, salt) = 0x5247 ("RG") << 48 | owner << 40 |
 * reg << 32 | salt. Every thread role in a test has its own owner number,
 * so a register that holds an "RG" value of another owner is another
 * thread's value, whatever register it came from. Message words use the
 * magic 0x4d53 ("MS") instead, so a legitimately received message is never
 * mistaken for a leak.
 *
 * Include with KREGS_IMPL defined in exactly one .c file of a program to
 * get the assembly routines and the check code. */
#ifndef KREGS_H
#define KREGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Indexes into kr_regs.gpr (and kr_dump.gpr). */
enum {
    KR_RAX, KR_RBX, KR_RCX, KR_RDX, KR_RSI, KR_RDI, KR_RBP, KR_RSP,
    KR_R8, KR_R9, KR_R10, KR_R11, KR_R12, KR_R13, KR_R14, KR_R15, KR_NGPR
};

/* ctx->flags */
#define KR_FPU 1ull     /* load and check x87/SSE state too */
#define KR_AVX 2ull     /* and the upper halves of ymm0-15 (only if kr_avx_usable()) */

struct kr_regs {
    uint64_t gpr[KR_NGPR];      /*   0 */
    uint64_t xmm[16][2];        /* 128 */
    uint64_t ymmh[16][2];       /* 384: bits 128-255 of ymm0-15 */
    uint32_t mxcsr;             /* 640 */
    uint32_t fcw;               /* 644: x87 control word (low 16 bits) */
    uint64_t st[2];             /* 648: two doubles (bit patterns); st[0] pushed first, st[1] on top */
    uint32_t fenv[7];           /* 664: out only: fnstenv image (FCW, FSW, full tag word, ...) */
    uint32_t pad;               /* 692 */
};

struct kr_ctx {
    struct kr_regs in;          /*    0: what the routine loads (in.gpr[KR_RSP] is set by it) */
    struct kr_regs out;         /*  696: what it found afterwards */
    uint64_t flags;             /* 1392: KR_FPU, KR_AVX */
    uint64_t owner;             /* 1400: the pattern owner of this thread (not read by the assembly) */
};

#define KR_O_OUT   696
#define KR_O_FLAGS 1392
_Static_assert(sizeof(struct kr_regs) == 696, "kregs.h assembly offsets");
_Static_assert(offsetof(struct kr_regs, mxcsr) == 640 && offsetof(struct kr_regs, fcw) == 644 &&
                   offsetof(struct kr_regs, st) == 648 && offsetof(struct kr_regs, fenv) == 664,
               "kregs.h assembly offsets");
_Static_assert(offsetof(struct kr_ctx, out) == KR_O_OUT && offsetof(struct kr_ctx, flags) == KR_O_FLAGS,
               "kregs.h assembly offsets");

/* What kr_dump_entry writes: a brand-new thread's registers exactly as it
 * got them. It is the thread's entry point (rdi = the struct kr_dump, any
 * rsp): it stores the general registers, then fxsave64 (its first FPU
 * instruction: the kernel gives it its initial FPU state right there),
 * then the upper ymm halves if flags has KR_AVX, sets done and exits. */
struct kr_dump {
    uint64_t gpr[KR_NGPR];      /*   0 */
    uint8_t fxsave[512];        /* 128 */
    uint64_t ymmh[16][2];       /* 640 */
    uint64_t flags;             /* 896: KR_AVX: dump the ymm upper halves */
    uint64_t done;              /* 904 */
    uint64_t pad[6];            /* 912 */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct kr_dump, fxsave) == 128 && offsetof(struct kr_dump, ymmh) == 640 &&
                   offsetof(struct kr_dump, flags) == 896 && offsetof(struct kr_dump, done) == 904,
               "kregs.h assembly offsets");
/* Offsets in the fxsave image. */
#define KR_FX_FCW   0
#define KR_FX_FSW   2
#define KR_FX_FTW   4       /* abridged: one bit per register, 1 = valid */
#define KR_FX_MXCSR 24
#define KR_FX_ST    32      /* ST0-7, 16 bytes apart, 10 used */
#define KR_FX_XMM   160

/* Initial state the ABI promises a new thread (Intel's init values). */
#define KR_MXCSR_INIT 0x1f80u
#define KR_FCW_INIT   0x037fu

#define KR_MAGIC 0x5247ull      /* "RG": a register pattern */
#define KR_MSG_MAGIC 0x4d53ull  /* "MS": a message word */

/* The absolute address kr_fault_write writes to (below 2 GiB, so the
 * instruction can name it without a register; nothing else is mapped there). */
#define KR_FAULT_VA  0x7e500000      /* plain numbers: the assembly uses them too */
#define KR_FAULT_VAL 0x600dbeef

static inline uint64_t kr_pat(unsigned owner, unsigned reg, unsigned salt)
{
    return KR_MAGIC << 48 | (uint64_t)(owner & 0xff) << 40 | (uint64_t)(reg & 0xff) << 32 | salt;
}

/* The owner of an "RG" value, or -1. */
static inline int kr_owner_of(uint64_t v)
{
    return (v >> 48) == KR_MAGIC ? (int)((v >> 40) & 0xff) : -1;
}

static inline uint64_t kr_msg(unsigned round, unsigned word)
{
    return KR_MSG_MAGIC << 48 | (uint64_t)round << 8 | word;
}

/* The routines (KREGS_IMPL). Each loads ctx->in, does its action, stores
 * ctx->out; the caller's callee-saved registers are kept (SysV ABI), and
 * the FPU is left reset (fninit, MXCSR 0x1f80) for compiled code. */
void kr_syscall(struct kr_ctx *c);      /* `syscall` with rax, rdi, ... from in */
void kr_fault_write(struct kr_ctx *c);  /* movl $KR_FAULT_VAL, KR_FAULT_VA */
void kr_call_gadget(struct kr_ctx *c);  /* call *kr_gadget (code the test placed) */
void kr_spin(struct kr_ctx *c);         /* kr_spinning = 1; ++kr_spin_count until kr_spin_go */
void kr_dump_entry(struct kr_dump *d);  /* thread entry point, see struct kr_dump */
/* thread_ctl(a, START) then thread_ctl(b, START) with nothing in between
 * that touches the FPU; returns the two results ORed (0 if both worked). */
long kr_start2(uint64_t a, uint64_t b);
extern char kr_fault_insn[];
extern uint64_t kr_gadget;
extern volatile uint64_t kr_spinning, kr_spin_go, kr_spin_count;

/* What kr_check expects of each general register. */
enum kr_how {
    KR_SAME,            /* as loaded (out == in) */
    KR_EQ,              /* the given value */
    KR_SAME_OR_EQ,      /* as loaded or the given value */
    KR_ANY,             /* anything but another owner's pattern (rcx, r11 after syscall) */
};
struct kr_want {
    uint8_t how[KR_NGPR];
    uint64_t val[KR_NGPR];
};

void kr_fill(struct kr_ctx *c, unsigned owner, unsigned salt, uint64_t flags);
void kr_set_syscall(struct kr_ctx *c, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t a4, uint64_t a5);
void kr_want_same(struct kr_want *w);                   /* every register as loaded */
void kr_want_syscall(struct kr_want *w, long rax);      /* rax = result, rcx/r11 any, rest as loaded */
void kr_want_msg(struct kr_want *w, uint64_t badge, uint64_t tag, uint64_t m0, uint64_t m1, uint64_t m2,
                 uint64_t m3);                          /* rdi, rsi, rdx, r10, r8, r9 = the message */
void kr_want_eq(struct kr_want *w, unsigned reg, uint64_t v);
/* Checks c->out: no register holds another owner's pattern, the general
 * registers are as w says, and with KR_FPU the x87/SSE (and AVX) state is
 * as loaded. False with the first difference in why (prefixed by what). */
bool kr_check(const struct kr_ctx *c, const struct kr_want *w, const char *what, char *why, size_t n);
bool kr_avx_usable(void);
extern const char *const kr_gpr_names[KR_NGPR];

#ifdef KREGS_IMPL

#define KR_S2(x) #x
#define KR_S(x) KR_S2(x)

uint64_t kr_gadget;
volatile uint64_t kr_spinning, kr_spin_go, kr_spin_count;
const uint32_t kr_mxcsr_default = KR_MXCSR_INIT;

const char *const kr_gpr_names[KR_NGPR] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Register loads and stores, in .irp loops over the struct kr_regs
 * layout (in at 0, out at KR_O_OUT). */
#define KR_ASM_ROUTINE(name, action)                                                   \
    ".globl " name "\n"                                                                \
    ".type " name ", @function\n"                                                      \
    name ":\n"                                                                         \
    "    pushq %rbp\n"                                                                 \
    "    pushq %rbx\n"                                                                 \
    "    pushq %r12\n"                                                                 \
    "    pushq %r13\n"                                                                 \
    "    pushq %r14\n"                                                                 \
    "    pushq %r15\n"                                                                 \
    "    pushq %rdi\n"                  /* (%rsp) = ctx, found again afterwards */      \
    "    movq %rsp, 8*7(%rdi)\n"        /* in.gpr[KR_RSP]: rsp must come back */        \
    "    testq $1, kr_FLAGS(%rdi)\n"                                                   \
    "    jz 1f\n"                                                                      \
    "    fninit\n"                                                                     \
    "    fldcw 644(%rdi)\n"                                                            \
    "    ldmxcsr 640(%rdi)\n"                                                          \
    "    fldl 648(%rdi)\n"                                                             \
    "    fldl 656(%rdi)\n"                                                             \
    "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                              \
    "    movdqu 128+16*\\n(%rdi), %xmm\\n\n"                                           \
    "    .endr\n"                                                                      \
    "    testq $2, kr_FLAGS(%rdi)\n"                                                   \
    "    jz 1f\n"                                                                      \
    "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                              \
    "    vinsertf128 $1, 384+16*\\n(%rdi), %ymm\\n, %ymm\\n\n"                         \
    "    .endr\n"                                                                      \
    "1:  movq 8*0(%rdi), %rax\n"                                                       \
    "    movq 8*1(%rdi), %rbx\n"                                                       \
    "    movq 8*2(%rdi), %rcx\n"                                                       \
    "    movq 8*3(%rdi), %rdx\n"                                                       \
    "    movq 8*4(%rdi), %rsi\n"                                                       \
    "    movq 8*6(%rdi), %rbp\n"                                                       \
    "    movq 8*8(%rdi), %r8\n"                                                        \
    "    movq 8*9(%rdi), %r9\n"                                                        \
    "    movq 8*10(%rdi), %r10\n"                                                      \
    "    movq 8*11(%rdi), %r11\n"                                                      \
    "    movq 8*12(%rdi), %r12\n"                                                      \
    "    movq 8*13(%rdi), %r13\n"                                                      \
    "    movq 8*14(%rdi), %r14\n"                                                      \
    "    movq 8*15(%rdi), %r15\n"                                                      \
    "    movq 8*5(%rdi), %rdi\n"                                                       \
    action                                                                             \
    "    pushq %rdi\n"                                                                 \
    "    movq 8(%rsp), %rdi\n"                                                         \
    "    movq %rax, kr_OUT+8*0(%rdi)\n"                                                \
    "    movq %rbx, kr_OUT+8*1(%rdi)\n"                                                \
    "    movq %rcx, kr_OUT+8*2(%rdi)\n"                                                \
    "    movq %rdx, kr_OUT+8*3(%rdi)\n"                                                \
    "    movq %rsi, kr_OUT+8*4(%rdi)\n"                                                \
    "    movq %rbp, kr_OUT+8*6(%rdi)\n"                                                \
    "    movq %r8, kr_OUT+8*8(%rdi)\n"                                                 \
    "    movq %r9, kr_OUT+8*9(%rdi)\n"                                                 \
    "    movq %r10, kr_OUT+8*10(%rdi)\n"                                               \
    "    movq %r11, kr_OUT+8*11(%rdi)\n"                                               \
    "    movq %r12, kr_OUT+8*12(%rdi)\n"                                               \
    "    movq %r13, kr_OUT+8*13(%rdi)\n"                                               \
    "    movq %r14, kr_OUT+8*14(%rdi)\n"                                               \
    "    movq %r15, kr_OUT+8*15(%rdi)\n"                                               \
    "    popq %rax\n"                                                                  \
    "    movq %rax, kr_OUT+8*5(%rdi)\n"                                                \
    "    movq %rsp, kr_OUT+8*7(%rdi)\n"                                                \
    "    testq $1, kr_FLAGS(%rdi)\n"                                                   \
    "    jz 3f\n"                                                                      \
    "    stmxcsr kr_OUT+640(%rdi)\n"                                                   \
    "    fnstenv kr_OUT+664(%rdi)\n"                                                   \
    "    movzwl kr_OUT+664(%rdi), %eax\n"                                              \
    "    movl %eax, kr_OUT+644(%rdi)\n"                                                \
    "    fstpl kr_OUT+656(%rdi)\n"                                                     \
    "    fstpl kr_OUT+648(%rdi)\n"                                                     \
    "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                              \
    "    movdqu %xmm\\n, kr_OUT+128+16*\\n(%rdi)\n"                                    \
    "    .endr\n"                                                                      \
    "    testq $2, kr_FLAGS(%rdi)\n"                                                   \
    "    jz 2f\n"                                                                      \
    "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                              \
    "    vextractf128 $1, %ymm\\n, kr_OUT+384+16*\\n(%rdi)\n"                          \
    "    .endr\n"                                                                      \
    "    vzeroupper\n"                                                                 \
    "2:  fninit\n"                                                                     \
    "    ldmxcsr kr_mxcsr_default(%rip)\n"                                             \
    "3:  popq %rdi\n"                                                                  \
    "    popq %r15\n"                                                                  \
    "    popq %r14\n"                                                                  \
    "    popq %r13\n"                                                                  \
    "    popq %r12\n"                                                                  \
    "    popq %rbx\n"                                                                  \
    "    popq %rbp\n"                                                                  \
    "    ret\n"                                                                        \
    ".size " name ", . - " name "\n"

__asm__(".text\n"
        ".set kr_OUT, " KR_S(KR_O_OUT) "\n"
        ".set kr_FLAGS, " KR_S(KR_O_FLAGS) "\n"
        KR_ASM_ROUTINE("kr_syscall", "    syscall\n")
        KR_ASM_ROUTINE("kr_fault_write", ".globl kr_fault_insn\n"
                                         "kr_fault_insn: movl $" KR_S(KR_FAULT_VAL) ", " KR_S(KR_FAULT_VA) "\n")
        KR_ASM_ROUTINE("kr_call_gadget", "    call *kr_gadget(%rip)\n")
        KR_ASM_ROUTINE("kr_spin", "    movq $1, kr_spinning(%rip)\n"
                                  "4:  incq kr_spin_count(%rip)\n"
                                  "    pause\n"
                                  "    cmpq $0, kr_spin_go(%rip)\n"
                                  "    je 4b\n")
        /* A new thread's entry: touches nothing before the stores. */
        ".globl kr_dump_entry\n"
        ".type kr_dump_entry, @function\n"
        "kr_dump_entry:\n"
        "    movq %rax, 8*0(%rdi)\n"
        "    movq %rbx, 8*1(%rdi)\n"
        "    movq %rcx, 8*2(%rdi)\n"
        "    movq %rdx, 8*3(%rdi)\n"
        "    movq %rsi, 8*4(%rdi)\n"
        "    movq %rdi, 8*5(%rdi)\n"
        "    movq %rbp, 8*6(%rdi)\n"
        "    movq %rsp, 8*7(%rdi)\n"
        "    movq %r8, 8*8(%rdi)\n"
        "    movq %r9, 8*9(%rdi)\n"
        "    movq %r10, 8*10(%rdi)\n"
        "    movq %r11, 8*11(%rdi)\n"
        "    movq %r12, 8*12(%rdi)\n"
        "    movq %r13, 8*13(%rdi)\n"
        "    movq %r14, 8*14(%rdi)\n"
        "    movq %r15, 8*15(%rdi)\n"
        "    fxsave64 128(%rdi)\n"
        "    testq $2, 896(%rdi)\n"
        "    jz 1f\n"
        "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    vextractf128 $1, %ymm\\n, 640+16*\\n(%rdi)\n"
        "    .endr\n"
        "1:  movq $1, 904(%rdi)\n"
        "    movl $25, %eax\n"                  /* SYS_exit */
        "    xorl %edi, %edi\n"
        "    syscall\n"
        "    ud2\n"
        ".size kr_dump_entry, . - kr_dump_entry\n"
        ".globl kr_start2\n"
        ".type kr_start2, @function\n"
        "kr_start2:\n"
        "    pushq %rbx\n"
        "    movq %rsi, %rbx\n"
        "    movl $22, %eax\n"                  /* SYS_thread_ctl */
        "    movl $1, %esi\n"                   /* SYS_THREAD_START */
        "    xorl %edx, %edx\n"
        "    syscall\n"
        "    movq %rbx, %rdi\n"
        "    movq %rax, %rbx\n"
        "    movl $22, %eax\n"
        "    movl $1, %esi\n"
        "    xorl %edx, %edx\n"
        "    syscall\n"
        "    orq %rbx, %rax\n"
        "    popq %rbx\n"
        "    ret\n"
        ".size kr_start2, . - kr_start2\n");
_Static_assert(SYS_exit == 25 && SYS_thread_ctl == 22 && SYS_THREAD_START == 1, "kregs.h assembly numbers");

static uint64_t kr_double_bits(double d)
{
    union { double d; uint64_t u; } v = { .d = d };
    return v.u;
}

void kr_fill(struct kr_ctx *c, unsigned owner, unsigned salt, uint64_t flags)
{
    memset(c, 0, sizeof *c);
    memset(&c->out, 0xee, sizeof c->out);
    c->owner = owner;
    c->flags = flags;
    for (unsigned i = 0; i < KR_NGPR; i++)
        c->in.gpr[i] = kr_pat(owner, i, salt);
    for (unsigned i = 0; i < 16; i++)
        for (unsigned l = 0; l < 2; l++) {
            c->in.xmm[i][l] = kr_pat(owner, 16 + 2 * i + l, salt);
            c->in.ymmh[i][l] = kr_pat(owner, 48 + 2 * i + l, salt);
        }
    /* Exceptions masked; FZ set and the rounding mode per owner (never the
     * default 0x1f80); precision control 53 bits (never the default 0x37f). */
    c->in.mxcsr = 0x9f80u ^ ((owner & 3u) << 13);
    c->in.fcw = 0x027fu | ((owner & 3u) << 10);
    c->in.st[0] = kr_double_bits((double)owner * 256.0 + (double)(salt & 0xff) + 0.5);
    c->in.st[1] = kr_double_bits(-(double)owner * 512.0 - (double)(salt & 0xff) - 0.25);
}

void kr_set_syscall(struct kr_ctx *c, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t a4, uint64_t a5)
{
    c->in.gpr[KR_RAX] = (uint64_t)nr;
    c->in.gpr[KR_RDI] = a0;
    c->in.gpr[KR_RSI] = a1;
    c->in.gpr[KR_RDX] = a2;
    c->in.gpr[KR_R10] = a3;
    c->in.gpr[KR_R8] = a4;
    c->in.gpr[KR_R9] = a5;
}

void kr_want_same(struct kr_want *w)
{
    memset(w, 0, sizeof *w);
}

void kr_want_eq(struct kr_want *w, unsigned reg, uint64_t v)
{
    w->how[reg] = KR_EQ;
    w->val[reg] = v;
}

void kr_want_syscall(struct kr_want *w, long rax)
{
    kr_want_same(w);
    kr_want_eq(w, KR_RAX, (uint64_t)rax);
    w->how[KR_RCX] = KR_ANY;
    w->how[KR_R11] = KR_ANY;
}

void kr_want_msg(struct kr_want *w, uint64_t badge, uint64_t tag, uint64_t m0, uint64_t m1, uint64_t m2,
                 uint64_t m3)
{
    kr_want_eq(w, KR_RDI, badge);
    kr_want_eq(w, KR_RSI, tag);
    kr_want_eq(w, KR_RDX, m0);
    kr_want_eq(w, KR_R10, m1);
    kr_want_eq(w, KR_R8, m2);
    kr_want_eq(w, KR_R9, m3);
}

static bool kr_bad(char *why, size_t n, const char *what, const char *fmt, ...)
    __attribute__((format(__printf__, 4, 5)));
static bool kr_bad(char *why, size_t n, const char *what, const char *fmt, ...)
{
    int k = snprintf(why, n, "%s: ", what);
    if (k < 0 || (size_t)k >= n)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + k, n - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

/* Another owner's pattern in value v of register name? */
static bool kr_foreign(const struct kr_ctx *c, uint64_t v, const char *name, unsigned idx, const char *part,
                       char *why, size_t n, const char *what)
{
    int o = kr_owner_of(v);
    if (o < 0 || (uint64_t)o == c->owner)
        return false;
    kr_bad(why, n, what, "%s%u (%s) = %#llx: owner %#x's pattern (another thread; this is %#llx)",
           name, idx, part, (unsigned long long)v, o, (unsigned long long)c->owner);
    return true;
}

bool kr_check(const struct kr_ctx *c, const struct kr_want *w, const char *what, char *why, size_t n)
{
    const struct kr_regs *in = &c->in, *out = &c->out;
    /* 1. Nothing of another thread anywhere. */
    for (unsigned i = 0; i < KR_NGPR; i++) {
        int o = kr_owner_of(out->gpr[i]);
        if (o >= 0 && (uint64_t)o != c->owner)
            return kr_bad(why, n, what, "%s = %#llx: owner %#x's pattern (another thread; this is %#llx)",
                          kr_gpr_names[i], (unsigned long long)out->gpr[i], o, (unsigned long long)c->owner);
    }
    if (c->flags & KR_FPU) {
        for (unsigned i = 0; i < 16; i++)
            for (unsigned l = 0; l < 2; l++)
                if (kr_foreign(c, out->xmm[i][l], "xmm", i, l ? "bits 64-127" : "bits 0-63", why, n, what))
                    return false;
        if (c->flags & KR_AVX)
            for (unsigned i = 0; i < 16; i++)
                for (unsigned l = 0; l < 2; l++)
                    if (kr_foreign(c, out->ymmh[i][l], "ymm", i, l ? "bits 192-255" : "bits 128-191", why, n,
                                   what))
                        return false;
    }
    /* 2. The general registers. */
    for (unsigned i = 0; i < KR_NGPR; i++) {
        uint64_t v = out->gpr[i];
        bool ok;
        switch (w->how[i]) {
        case KR_SAME: ok = v == in->gpr[i]; break;
        case KR_EQ: ok = v == w->val[i]; break;
        case KR_SAME_OR_EQ: ok = v == in->gpr[i] || v == w->val[i]; break;
        default: ok = true; break;
        }
        if (ok)
            continue;
        if (w->how[i] == KR_SAME)
            return kr_bad(why, n, what, "%s = %#llx, want it unchanged (%#llx)", kr_gpr_names[i],
                          (unsigned long long)v, (unsigned long long)in->gpr[i]);
        if (w->how[i] == KR_EQ)
            return kr_bad(why, n, what, "%s = %#llx, want %#llx (input %#llx)", kr_gpr_names[i],
                          (unsigned long long)v, (unsigned long long)w->val[i], (unsigned long long)in->gpr[i]);
        return kr_bad(why, n, what, "%s = %#llx, want its input %#llx or %#llx", kr_gpr_names[i],
                      (unsigned long long)v, (unsigned long long)in->gpr[i], (unsigned long long)w->val[i]);
    }
    if (!(c->flags & KR_FPU))
        return true;
    /* 3. x87 and SSE (and AVX) state exactly as loaded. */
    for (unsigned i = 0; i < 16; i++)
        if (out->xmm[i][0] != in->xmm[i][0] || out->xmm[i][1] != in->xmm[i][1])
            return kr_bad(why, n, what, "xmm%u = %#llx:%#llx, want %#llx:%#llx", i,
                          (unsigned long long)out->xmm[i][1], (unsigned long long)out->xmm[i][0],
                          (unsigned long long)in->xmm[i][1], (unsigned long long)in->xmm[i][0]);
    if (c->flags & KR_AVX)
        for (unsigned i = 0; i < 16; i++)
            if (out->ymmh[i][0] != in->ymmh[i][0] || out->ymmh[i][1] != in->ymmh[i][1])
                return kr_bad(why, n, what, "ymm%u upper = %#llx:%#llx, want %#llx:%#llx", i,
                              (unsigned long long)out->ymmh[i][1], (unsigned long long)out->ymmh[i][0],
                              (unsigned long long)in->ymmh[i][1], (unsigned long long)in->ymmh[i][0]);
    if (out->mxcsr != in->mxcsr)
        return kr_bad(why, n, what, "MXCSR = %#x, want %#x", out->mxcsr, in->mxcsr);
    if (out->fcw != in->fcw)
        return kr_bad(why, n, what, "x87 control word = %#x, want %#x", out->fcw, in->fcw);
    unsigned ftw = out->fenv[2] & 0xffff, top = (out->fenv[1] >> 11) & 7;
    if (ftw != 0x0fff || top != 6)
        return kr_bad(why, n, what, "x87 tag word %#x, TOP %u: want 0xfff, 6 (two values pushed)", ftw,
                      top);
    for (unsigned i = 0; i < 2; i++)
        if (out->st[i] != in->st[i])
            return kr_bad(why, n, what, "x87 stack value %u = %#llx, want %#llx", i,
                          (unsigned long long)out->st[i], (unsigned long long)in->st[i]);
    return true;
}

bool kr_avx_usable(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    if (!(c & (1u << 27)) || !(c & (1u << 28)))     /* OSXSAVE, AVX */
        return false;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;                           /* XCR0: SSE and AVX state enabled */
}

#endif /* KREGS_IMPL */
#endif
