/* The legacy 8259 PICs: firmware (SeaBIOS on q35/pc) leaves them delivering
 * IRQ 0-7 on vectors 8-15, which collide with CPU exceptions. They are
 * remapped to PIC_VECTOR_BASE.. and fully masked; the kernel uses the
 * local APIC and I/O APIC only. Spurious PIC vectors are ignored. */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static void ignore_pic_vector(uint8_t vector)
{
    (void)vector;   /* masked PICs still raise spurious IRQ 7/15: no EOI */
}

void pic_disable(void)
{
    outb(PIC1_CMD, 0x11);               /* ICW1: init, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, PIC_VECTOR_BASE);   /* ICW2: vector bases */
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04);              /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);              /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xff);              /* mask everything */
    outb(PIC2_DATA, 0xff);
    for (unsigned v = PIC_VECTOR_BASE; v < PIC_VECTOR_BASE + 16; v++)
        irq_set_handler((uint8_t)v, ignore_pic_vector);
}
