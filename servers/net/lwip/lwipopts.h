/* lwIP configuration for this project (lwIP 2.1, see servers/net/README.md):
 * the raw callback API without an operating-system layer (NO_SYS), IPv4
 * with ARP, ICMP, UDP, TCP and DHCP, all memory from lwIP's own static
 * heap and pools (no malloc), sized for one HTTP server with many
 * connections. The same file serves the freestanding library
 * (build/user/liblwip.a) and the host build the unit tests use. */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

/* --- system layer: none; one thread drives lwIP ------------------------- */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0   /* single-threaded: no critical sections */
#define LWIP_TIMERS                 1   /* sys_check_timeouts(), on sys_now() (the port's) */
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_ALTCP                  0

/* --- memory: lwIP's own static heap and pools ---------------------------- */
#define MEM_LIBC_MALLOC             0
#define MEMP_MEM_MALLOC             0
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (1024 * 1024)  /* heap for PBUF_RAM (TCP send data) */
#define PBUF_POOL_SIZE              256            /* received frames in flight */
#define MEMP_NUM_PBUF               64             /* PBUF_REF/ROM headers */
#define MEMP_NUM_UDP_PCB            8
#define MEMP_NUM_TCP_PCB            64             /* concurrent connections */
#define MEMP_NUM_TCP_PCB_LISTEN     8
#define MEMP_NUM_TCP_SEG            1024           /* >= TCP_SND_QUEUELEN, plus out-of-order */
#define MEMP_NUM_REASSDATA          8
#define MEMP_NUM_FRAG_PBUF          32
#define MEMP_NUM_ARP_QUEUE          32

/* --- protocols ------------------------------------------------------------ */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define ARP_QUEUEING                1   /* keep packets sent while ARP resolves */
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define LWIP_ICMP                   1
#define LWIP_RAW                    0
#define LWIP_UDP                    1
#define LWIP_TCP                    1
#define LWIP_DHCP                   1
#define DHCP_DOES_ARP_CHECK         0   /* no 0.5-1 s ARP probe of the leased address (QEMU's and clouds' DHCP servers own their subnet); the lease is used at once */
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define IP_REASSEMBLY               1
#define IP_FRAG                     1

/* --- TCP, for an HTTP server: full-size segments, 64 KiB windows ---------- */
#define TCP_MSS                     1460
#define LWIP_WND_SCALE              1   /* RFC 7323 window scaling ... */
#define TCP_RCV_SCALE               1   /* ... so TCP_WND may be 64 KiB, not 65535 */
#define TCP_WND                     (64 * 1024)
#define TCP_SND_BUF                 (128 * 1024)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT                (32 * 1024)   /* writable again below this (lwIP wants it under 64 KiB) */
#define TCP_QUEUE_OOSEQ             1
#define LWIP_TCP_TIMESTAMPS         0
#define TCP_LISTEN_BACKLOG          1
#define SO_REUSE                    1   /* a listener may bind a port its closed connections still hold (TIME_WAIT) */

/* --- network interfaces -------------------------------------------------- */
#define LWIP_NETIF_STATUS_CALLBACK  1   /* told when DHCP brings the address up */
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_HAVE_LOOPIF            0
#define ETH_PAD_SIZE                0

/* --- checksums: all in software (the virtio-net driver offloads none yet) */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1  /* netsrv turns TCP sums off on a netif with offload */
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_UDP            1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_UDP          1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1

/* --- statistics and debugging --------------------------------------------- */
#define LWIP_STATS                  0
#define LWIP_STATS_DISPLAY          0

#endif
