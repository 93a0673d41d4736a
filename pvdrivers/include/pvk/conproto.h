/* The console protocol: text is small, so it travels in IPC messages.
 *   CON_WRITE  MR0 = length, the bytes in MR1.. (up to CON_WRITE_MAX):
 *              -> MR0 = bytes taken
 *   CON_READ   MR0 = max bytes (<= CON_READ_MAX), MR1 = deadline (ns since
 *              boot, 0: none) -> MR0 = bytes (0 at the deadline), the bytes in
 *              MR1.. (blocks until input arrives) */
#ifndef PVK_CONPROTO_H
#define PVK_CONPROTO_H

#define CON_WRITE 0xc001ull
#define CON_READ  0xc002ull
#define CON_WRITE_MAX ((SYS_MSG_MAX - 1) * 8)
#define CON_READ_MAX  ((SYS_MSG_MAX - 1) * 8)

#endif
