/* How init ends a run= boot (servers/init/run.c): the first program named
 * by run= is the main program; when it ends, the system powers off with a
 * status that says how, and init's log line says it for pvk-run. */
#ifndef INIT_RUN_H
#define INIT_RUN_H

#include <stdint.h>

#include "runtime.h"

/* Power-off statuses beside a program's own 0..255. */
#define RUN_STATUS_FAULT_BASE 256u  /* 256 + vector: a run= program faulted */
#define RUN_STATUS_SYSTEM     512u  /* the system could not run it (a critical service failed) */

/* The main program's thread ended without a fault message (slot: init's
 * capability to that thread): logs "init: run: NAME exited with status N"
 * and powers off with N (its exit code & 0xff), or, if it was killed
 * rather than exiting, "init: run: NAME faulted (killed ...)" and
 * RUN_STATUS_FAULT_BASE. */
_Noreturn void run_main_ended(const char *name, uint64_t thread_slot);

/* A run= program's fault message m (it waits for the reply): logs its
 * registers, a backtrace through its frame pointers (stack_slot: a
 * read-only capability to its stack, 0 if none) and "init: run: NAME
 * faulted (vector V (what), error E, address A, rip R)", then powers off
 * with RUN_STATUS_FAULT_BASE + V. */
_Noreturn void run_faulted(const char *name, uint64_t thread_slot, uint64_t stack_slot, const struct msg *m);

/* A critical part of a run= boot failed (why says what): logs it and
 * powers off with RUN_STATUS_SYSTEM. */
_Noreturn void run_system_failed(const char *why);

#endif
