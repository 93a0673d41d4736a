/* TSC calibration against the 8254 PIT (1.193182 MHz), channel 0 read back
 * through latch commands (so it works without the port-0x61 gate that
 * microvm lacks). */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define CALIBRATE_TICKS 1193   /* ~1 ms */
#define ROUNDS 3

static uint16_t pit_read(void)
{
    outb(PIT_CMD, 0x00);        /* latch channel 0 */
    uint8_t lo = inb(PIT_CH0);
    uint8_t hi = inb(PIT_CH0);
    return (uint16_t)(lo | hi << 8);
}

/* Counts TSC cycles over CALIBRATE_TICKS PIT ticks. Returns the TSC rate in
 * kHz, or 0 if the PIT does not count (absent device). */
static uint64_t calibrate_once(void)
{
    outb(PIT_CMD, 0x34);        /* channel 0, lo/hi, mode 2, binary */
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    uint16_t start = pit_read();
    uint64_t deadline = rdtsc() + 100000000ull;
    uint16_t now;
    /* Wait for the first change so we start on a tick edge. */
    while ((now = pit_read()) == start)
        if (rdtsc() > deadline)
            return 0;
    start = now;
    uint64_t tsc0 = rdtsc();
    uint32_t elapsed = 0;
    uint16_t prev = start;
    while (elapsed < CALIBRATE_TICKS) {
        now = pit_read();
        elapsed += (uint16_t)(prev - now);  /* counts down, wraps at 0xffff */
        prev = now;
        if (rdtsc() - tsc0 > 10000000000ull)
            return 0;
    }
    uint64_t tsc1 = rdtsc();
    return (tsc1 - tsc0) * PIT_HZ / elapsed / 1000;
}

/* The median of ROUNDS measurements: a vCPU descheduled for longer than
 * the PIT's 55 ms wrap during one of them spoils only that one. */
uint64_t pit_calibrate_tsc_khz(void)
{
    uint64_t r[ROUNDS];
    for (int i = 0; i < ROUNDS; i++)
        if ((r[i] = calibrate_once()) == 0)
            return 0;
    for (int i = 1; i < ROUNDS; i++)
        for (int j = i; j > 0 && r[j - 1] > r[j]; j--) {
            uint64_t t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    return r[ROUNDS / 2];
}
