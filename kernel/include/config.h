/* Every boolean Kconfig option as 0 or 1, so C code can test it with a
 * plain `if (CONFIG_X)` (the generated autoconf.h omits unset options). */
#ifndef CONFIG_H
#define CONFIG_H

#ifndef CONFIG_CONSOLE_SERIAL
#define CONFIG_CONSOLE_SERIAL 0
#endif
#ifndef CONFIG_CONSOLE_XEN
#define CONFIG_CONSOLE_XEN 0
#endif
#ifndef CONFIG_CONSOLE_DEBUGCON
#define CONFIG_CONSOLE_DEBUGCON 0
#endif
#ifndef CONFIG_XEN
#define CONFIG_XEN 0
#endif
#ifndef CONFIG_KVM
#define CONFIG_KVM 0
#endif
#ifndef CONFIG_SELFTEST
#define CONFIG_SELFTEST 0
#endif
#ifndef CONFIG_IRQOFF_TRACE
#define CONFIG_IRQOFF_TRACE 0
#endif
#ifndef CONFIG_LOG_LEVEL
#define CONFIG_LOG_LEVEL 2
#endif

#endif
