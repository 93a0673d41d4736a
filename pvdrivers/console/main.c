/* Console driver (pvdrivers/include/pvk/conproto.h): virtio-console port 0
 * (receiveq 0, transmitq 1; no MULTIPORT), or, where the machine has no
 * virtio console, the 16550 UART at COM1 that the kernel also logs to
 * (PVK_TRANSPORT_UART: the device manager hands over its eight I/O ports
 * and its interrupt line).
 *
 * Output: CON_WRITE bytes go to the transmit queue (or the UART's
 * transmitter, byte by byte) before the reply. Input: the device's bytes
 * collect in a ring here; CON_READ takes from it and never blocks. A reader
 * that opened and found nothing is signalled when input arrives.
 *
 * The UART is shared with the kernel's log, so it is never reprogrammed:
 * the kernel set 115200 8N1 with FIFOs; the driver only enables the
 * receive interrupt (IER bit 0) and OUT2 (the PC's interrupt gate) and
 * reads the receiver. Output goes through the same transmitter. An edge
 * lost while the line is masked is caught by draining again after the ack,
 * and while a reader waits a slow timer polls as well. */
#include <linux/virtio_console.h>
#include "drv.h"
#include "conclient.h"

#define RX_BUFS     16
#define RX_BUF_SIZE 256
#define TX_BUFS     8
#define TX_BUF_SIZE 512         /* >= CON_WRITE_MAX */
#define IN_RING     4096        /* input ring (a power of two) */
#define TX_WAIT_NS  1000000000ull   /* for a free transmit buffer */
#define TX_SETTLE_NS 100000000ull   /* for the device to take a write */

/* 16550 registers (offsets from the base port). */
enum { UART_RBR = 0, UART_THR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
       UART_SCR = 7 };
#define LSR_DR        0x01
#define LSR_THR_EMPTY 0x20
#define MCR_OUT2      0x08
#define IER_RDA       0x01
#define UART_SPIN     100000
#define POLL_IRQ_NS   200000000ull      /* backup poll while a reader waits (interrupt bound) */
#define POLL_NOIRQ_NS 20000000ull       /* ... and without an interrupt */

_Static_assert(TX_BUF_SIZE >= CON_WRITE_MAX, "one write fits a transmit buffer");

/* The buffers' and the input ring's bookkeeping, checked at the top of
 * every loop iteration (con_check): the ring's indices at most IN_RING
 * apart; with virtio, every transmit buffer free or in the device
 * (ntx_free + tx_busy == TX_BUFS), every receive buffer in the device or
 * held (rx_posted + nheld == rx_bufs). This is the state fault injection's
 * FI_CORRUPT damages (fi_set_state; only the ring's word in UART mode): the
 * check turns the damage into an exit before a wrong index hands a reader
 * stale bytes or writes past the held list. */
struct con_acct {
    uint32_t in_head, in_tail;  /* input not read yet: free-running */
    uint32_t ntx_free, tx_busy;
    uint32_t nheld, rx_posted;
};

struct con {
    bool uart;
    uint16_t port;
    /* virtio */
    struct virtq rxq, txq;
    uint8_t *rx;                /* RX_BUFS buffers, DMA memory */
    uint64_t rx_phys;
    uint8_t *tx;                /* TX_BUFS buffers, DMA memory */
    uint64_t tx_phys;
    uint16_t tx_free[TX_BUFS];
    /* A received buffer whose bytes did not all fit the ring waits here
     * (not given back to the device: it holds the rest of the input). */
    uint16_t held[RX_BUFS];
    uint32_t held_off[RX_BUFS], held_len[RX_BUFS];
    unsigned rx_bufs;           /* receive buffers in circulation */
    struct con_acct acct;
    /* Input not read yet. */
    uint8_t in[IN_RING];
    bool waiting[DRV_MAX_CLIENTS];
    bool timer_armed;
};
static struct con C;

static const char *con_check(struct drv *d)
{
    (void)d;
    const struct con_acct *a = &C.acct;
    if (a->in_head - a->in_tail > IN_RING)
        return "input ring: indices more than its size apart";
    if (C.uart)
        return NULL;
    if (a->ntx_free > TX_BUFS || a->tx_busy > TX_BUFS || a->ntx_free + a->tx_busy != TX_BUFS)
        return "transmit buffers: free + in the device != all";
    if (a->nheld > RX_BUFS || a->rx_posted > RX_BUFS || a->nheld + a->rx_posted != C.rx_bufs)
        return "receive buffers: held + in the device != all";
    return NULL;
}

static uint32_t in_used(void) { return C.acct.in_head - C.acct.in_tail; }
static uint32_t in_space(void) { return IN_RING - in_used(); }
static void in_put(uint8_t b) { C.in[C.acct.in_head++ % IN_RING] = b; }

/* Input arrived: wake the readers that found none. */
static void wake_readers(struct drv *d)
{
    if (!in_used())
        return;
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++) {
        if (C.waiting[i] && d->clients[i].open)
            drv_signal_client(&d->clients[i]);
        C.waiting[i] = false;
    }
}

static bool anyone_waiting(void)
{
    for (unsigned i = 0; i < DRV_MAX_CLIENTS; i++)
        if (C.waiting[i])
            return true;
    return false;
}

/* --- the UART ------------------------------------------------------------------ */

static uint8_t uart_in(unsigned reg)
{
    return (uint8_t)sys_ioport(PVK_SLOT_IOPORT, SYS_IO_IN1, C.port + reg, 0).ret;
}

static void uart_out(unsigned reg, uint8_t v)
{
    sys_ioport(PVK_SLOT_IOPORT, SYS_IO_OUT1, C.port + reg, v);
}

static void uart_putc(uint8_t c)
{
    for (int i = 0; i < UART_SPIN && !(uart_in(UART_LSR) & LSR_THR_EMPTY); i++)
        ;
    uart_out(UART_THR, c);
}

/* Moves what the receiver holds into the ring, as far as it has room (the
 * rest stays in the UART's FIFO). */
static void uart_drain(void)
{
    for (unsigned n = 0; n < IN_RING && in_space(); n++) {
        uint8_t lsr = uart_in(UART_LSR);
        if (lsr == 0xff || !(lsr & LSR_DR))
            break;
        in_put(uart_in(UART_RBR));
    }
}

static int uart_init(struct drv *d)
{
    C.uart = true;
    C.port = (uint16_t)d->info->uart_port;
    if (sys_cap_info(PVK_SLOT_IOPORT).ret != CAP_IOPORT) {
        drv_log(d, "no I/O ports for the UART");
        return -1;
    }
    /* The scratch register, as the kernel probes it: absent ports read 0xff. */
    uart_out(UART_SCR, 0x5a);
    if (uart_in(UART_SCR) != 0x5a) {
        drv_log(d, "no 16550 at %#x", C.port);
        return -1;
    }
    /* Line settings (speed, 8N1, FIFOs) stay as the kernel set them. */
    uart_out(UART_MCR, (uint8_t)(uart_in(UART_MCR) | MCR_OUT2));
    uart_out(UART_IER, d->nirq ? IER_RDA : 0);
    (void)uart_in(UART_IIR);
    uart_drain();
    fi_set_state(&C.acct, 2 * sizeof(uint32_t));   /* the input ring's indices: all UART mode has */
    drv_log(d, "16550 at %#x (shared with the kernel's log), %s", C.port,
            d->nirq ? "receive interrupt" : "polled input");
    return 0;
}

/* At 115200 baud a byte takes ~87 us: a long write answers heartbeat
 * pings as it goes (every 64 bytes, ~6 ms), so it is not taken for a hang. */
static void uart_write(struct drv *d, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 64 == 63)
            drv_poll_ping(d);
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

/* --- virtio-console -------------------------------------------------------------- */

static void post_rx(unsigned i)
{
    struct virtq_buf b = { C.rx_phys + (uint64_t)i * RX_BUF_SIZE, RX_BUF_SIZE };
    if (virtq_add(&C.rxq, &b, 0, 1, (void *)(uintptr_t)(i + 1)) == 0)
        C.acct.rx_posted++;
    else
        C.rx_bufs--;        /* the queue broke: out of circulation until the reset */
}

/* Copies the held buffers' bytes into the ring while it has room; buffers
 * emptied go back to the device. */
static void unhold(void)
{
    bool posted = false;
    while (C.acct.nheld && in_space()) {
        unsigned i = C.held[0];
        while (C.held_off[0] < C.held_len[0] && in_space())
            in_put(C.rx[i * RX_BUF_SIZE + C.held_off[0]++]);
        if (C.held_off[0] < C.held_len[0])
            break;
        C.acct.nheld--;
        memmove(&C.held[0], &C.held[1], C.acct.nheld * sizeof C.held[0]);
        memmove(&C.held_off[0], &C.held_off[1], C.acct.nheld * sizeof C.held_off[0]);
        memmove(&C.held_len[0], &C.held_len[1], C.acct.nheld * sizeof C.held_len[0]);
        post_rx(i);
        posted = true;
    }
    if (posted)
        virtq_kick(&C.rxq);
}

static void reap_tx(void)
{
    uint32_t len;
    void *tok;
    while ((tok = virtq_get_used(&C.txq, &len)) != NULL) {
        C.tx_free[C.acct.ntx_free++] = (uint16_t)((uintptr_t)tok - 1);
        C.acct.tx_busy--;
    }
}

static int con_init(struct drv *d)
{
    if (!d->virtio)
        return uart_init(d);
    struct virtio_dev *v = &d->vdev;
    if (!C.rx) {
        void *virt;
        if (drv_dma_alloc(d, RX_BUFS * RX_BUF_SIZE, &virt, &C.rx_phys, NULL) != 0)
            return -VIRTIO_ENOMEM;
        C.rx = virt;
        if (drv_dma_alloc(d, TX_BUFS * TX_BUF_SIZE, &virt, &C.tx_phys, NULL) != 0)
            return -VIRTIO_ENOMEM;
        C.tx = virt;
    }
    int rc = virtio_dev_setup_queue(v, &C.rxq, 0, RX_BUFS, &d->mem, 0, d->vectors[0]);
    if (rc == 0)
        rc = virtio_dev_setup_queue(v, &C.txq, 1, TX_BUFS, &d->mem, 0, d->vectors[1]);
    if (rc != 0)
        return rc;
    C.acct.nheld = 0;
    C.acct.ntx_free = 0;
    C.acct.tx_busy = 0;
    C.acct.rx_posted = 0;
    for (unsigned i = TX_BUFS; i-- > 0;)
        C.tx_free[C.acct.ntx_free++] = (uint16_t)i;
    C.rx_bufs = RX_BUFS < C.rxq.size ? RX_BUFS : C.rxq.size;
    for (unsigned i = 0; i < RX_BUFS && i < C.rxq.size; i++)
        post_rx(i);
    fi_set_state(&C.acct, sizeof C.acct);
    virtq_disable_cb(&C.txq);       /* transmissions are reaped when buffers are needed */
    drv_log(d, "virtio-console port 0: receive queue of %u, transmit queue of %u", C.rxq.size, C.txq.size);
    return 0;
}

static void con_reset(struct drv *d)
{
    virtio_reset(&d->vdev);
    memset(&C.rxq, 0, sizeof C.rxq);
    memset(&C.txq, 0, sizeof C.txq);
    if (virtio_dev_init(&d->vdev, &d->t, d->ops->features) == 0 && con_init(d) == 0 &&
        virtio_dev_driver_ok(&d->vdev) == 0) {
        virtq_kick(&C.rxq);
        drv_log(d, "device reset and set up again");
    } else {
        rt_panic("%s: the device cannot be set up again after a reset", d->info->name);
    }
}

/* Takes the device's input into the ring. */
static void virtio_receive(struct drv *d)
{
    for (;;) {
        uint32_t len;
        void *tok;
        while ((tok = virtq_get_used(&C.rxq, &len)) != NULL) {
            unsigned i = (unsigned)((uintptr_t)tok - 1);
            C.held[C.acct.nheld] = (uint16_t)i;
            C.held_off[C.acct.nheld] = 0;
            C.held_len[C.acct.nheld] = len;
            C.acct.nheld++;
            C.acct.rx_posted--;
            unhold();
        }
        if (virtq_error(&C.rxq) || virtq_error(&C.txq)) {
            drv_log(d, "the device broke the queue protocol (%s): resetting it",
                    virtq_error(&C.rxq) ? virtq_broken_reason(&C.rxq) : virtq_broken_reason(&C.txq));
            d->ops->reset(d);
            return;
        }
        if (virtq_enable_cb(&C.rxq))
            break;
    }
}

/* Queues n bytes for the device; false if no buffer came free in time. */
static bool virtio_write(struct drv *d, const uint8_t *s, size_t n)
{
    reap_tx();
    uint64_t deadline = 0;
    while (!C.acct.ntx_free) {
        if (virtq_error(&C.txq)) {
            d->ops->reset(d);
            return false;
        }
        uint64_t now = (uint64_t)sys_time().ret;
        if (!deadline)
            deadline = now + TX_WAIT_NS;
        if (now >= deadline)
            return false;
        drv_poll_ping(d);
        sys_yield();
        reap_tx();
    }
    unsigned i = C.tx_free[--C.acct.ntx_free];
    memcpy(C.tx + (size_t)i * TX_BUF_SIZE, s, n);
    struct virtq_buf b = { C.tx_phys + (uint64_t)i * TX_BUF_SIZE, (uint32_t)n };
    if (virtq_add(&C.txq, &b, 1, 0, (void *)(uintptr_t)(i + 1)) != 0) {
        C.tx_free[C.acct.ntx_free++] = (uint16_t)i;
        return false;
    }
    C.acct.tx_busy++;
    virtq_kick(&C.txq);
    /* The device may take the buffer later (QEMU's virtio-pci handles the
     * doorbell in its I/O thread): wait a little, so that a write is out
     * when the reply says so (and before a power-off that follows). A host
     * that does not read gets the bytes when it does. */
    uint64_t until = (uint64_t)sys_time().ret + TX_SETTLE_NS;
    for (reap_tx(); C.acct.ntx_free < TX_BUFS && !virtq_error(&C.txq); reap_tx()) {
        if ((uint64_t)sys_time().ret >= until)
            break;
        drv_poll_ping(d);
        sys_yield();
    }
    return true;
}

/* --- the driver ------------------------------------------------------------------ */

static void arm_poll(struct drv *d)
{
    if (!C.uart || C.timer_armed || !anyone_waiting())
        return;
    uint64_t after = d->nirq ? POLL_IRQ_NS : POLL_NOIRQ_NS;
    if (sys_timer_set(d->ntfn, (uint64_t)sys_time().ret + after, 1).ret == 0)
        C.timer_armed = true;
}

static void con_interrupt(struct drv *d)
{
    drv_fault_point(d);     /* the device's input and finished writes not taken yet */
    if (C.uart) {
        C.timer_armed = false;      /* a timer tick, or the line: either way look */
        uart_drain();
        if (d->nirq) {
            /* Unmask now and look once more: an edge while the line was
             * masked is lost, but its byte is not. */
            sys_irq_ctl(PVK_SLOT_IRQ0, SYS_IRQ_ACK, 0);
            (void)uart_in(UART_IIR);
            uart_drain();
        }
    } else {
        virtio_receive(d);
        reap_tx();
    }
    wake_readers(d);
    arm_poll(d);
}

static void con_request(struct drv *d, struct drv_client *c)
{
    (void)d;
    (void)c;        /* no doorbells: everything comes as messages */
}

static bool con_control(struct drv *d, struct drv_client *c, struct msg *m, uint64_t got)
{
    uint64_t label = TAG_LABEL(m->tag);
    if (got && label != CON_OPEN) {
        sys_cap_delete(got);
        rt_slot_free((int)got);
    }
    switch (label) {
    case CON_WRITE: {
        uint64_t n = m->mr[0];
        if (n > CON_WRITE_MAX || TAG_LEN(m->tag) < 1 + (n + 7) / 8) {
            m->tag = TAG(0, 1, 0);
            m->mr[0] = (uint64_t)SYS_EINVAL;
            return true;
        }
        uint8_t text[CON_WRITE_MAX];
        con_unpack(m, text, n);
        bool ok = true;
        if (C.uart)
            uart_write(d, text, n);
        else if (n)
            ok = virtio_write(d, text, n);
        drv_fault_point(d);     /* written, the writer not told */
        m->tag = TAG(0, 1, 0);
        m->mr[0] = ok ? n : (uint64_t)SYS_EBUSY;
        return true;
    }
    case CON_READ: {
        uint64_t max = m->mr[0] < CON_READ_MAX ? m->mr[0] : CON_READ_MAX;
        if (C.uart)
            uart_drain();
        uint8_t text[CON_READ_MAX];
        size_t n = 0;
        while (n < max && in_used())
            text[n++] = C.in[C.acct.in_tail++ % IN_RING];
        if (!C.uart && C.acct.nheld)
            unhold();
        if (n == 0 && max && c) {
            C.waiting[c - d->clients] = true;
            arm_poll(d);
        }
        m->tag = TAG(0, 1 + (n + 7) / 8, 0);
        m->mr[0] = n;
        con_pack(m, text, n);
        return true;
    }
    case CON_OPEN:
        c = drv_client_open(d, m, got);
        if (c) {
            C.waiting[c - d->clients] = false;
            m->tag = TAG(0, 1, 0);
            m->mr[0] = 0;
        } else if (got) {
            sys_cap_delete(got);        /* refused: not kept */
            rt_slot_free((int)got);
        }
        return true;
    default:
        m->tag = TAG(SERVER_EBADOP, 1, 0);
        m->mr[0] = (uint64_t)SYS_EINVAL;
        return true;
    }
}

static const struct drv_ops con_ops = {
    .name = "console",
    .device_type = 3,       /* VIRTIO_ID_CONSOLE */
    .features = 0,          /* port 0 only: no MULTIPORT, no SIZE, no EMERG_WRITE */
    .init = con_init,
    .interrupt = con_interrupt,
    .request = con_request,
    .control = con_control,
    .reset = con_reset,
    .check = con_check,
};

int main(uint64_t arg)
{
    (void)arg;
    return drv_main(&con_ops);
}
