/* The console protocol (pvdrivers/console, client: pvdrivers/client/
 * conclient.h). Text is small, so it travels in IPC messages: the bytes in
 * MR1.. (8 per register, little-endian: byte i in MR(1 + i / 8) bits
 * 8 * (i % 8)).
 *
 *   CON_WRITE  MR0 = length (<= CON_WRITE_MAX), the bytes in MR1..
 *              -> MR0 = bytes taken, or a negative SYS_E* error
 *   CON_READ   MR0 = max bytes (<= CON_READ_MAX)
 *              -> MR0 = bytes (0: no input now), the bytes in MR1..
 *              It never blocks: the kernel's IPC holds one pending reply per
 *              server thread, and a new call releases an unanswered one, so a
 *              driver that serves several clients cannot keep a reader's
 *              reply. Instead, a reader that opened (CON_OPEN) and found no
 *              input is signalled (CON_INPUT_BIT on its notification) when
 *              input arrives; conc_read() in the client library waits so.
 *   CON_OPEN   carries the client's notification (one capability, write
 *              right) -> MR0 = 0 or a negative SYS_E* error (SYS_EBUSY:
 *              too many readers). Writers need not open.
 *
 * Input is one stream: several readers take from it in turn. */
#ifndef PVK_CONPROTO_H
#define PVK_CONPROTO_H

#define CON_WRITE 0xc001ull
#define CON_READ  0xc002ull
#define CON_OPEN  0xc003ull
#define CON_WRITE_MAX ((SYS_MSG_MAX - 1) * 8)
#define CON_READ_MAX  ((SYS_MSG_MAX - 1) * 8)
#define CON_INPUT_BIT 1ull

#endif
