/* Kernel command-line parsing (kernel/lib/cmdline.c). Pure code.
 *
 * A command line is a NUL-terminated string of options separated by spaces
 * or tabs. An option is either a flag ("selftest") or key=value
 * ("loglevel=3", "selftest=fault"). A value may be enclosed in double quotes
 * to contain spaces: console="com1 xen". Keys are case-sensitive and must
 * match whole (looking up "self" does not match "selftest"). When a key
 * appears more than once, the last occurrence wins. */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns true if key is present. If value is non-NULL and value_size > 0,
 * copies the option's value (without quotes; "" for a flag) into value,
 * truncated to value_size - 1 bytes and always NUL-terminated. */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t value_size);

/* Returns true if key is present (as a flag or with any value). */
bool cmdline_has(const char *cmdline, const char *key);

/* Parses key's value as an unsigned decimal number (or 0x-prefixed hex).
 * Returns true and stores it in *out only if key is present with a value
 * that is entirely a number that fits in 64 bits. */
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

/* Returns true if the comma-separated list value contains item exactly,
 * e.g. cmdline_list_has("com1,xen", "xen"). */
bool cmdline_list_has(const char *list, const char *item);

#endif
