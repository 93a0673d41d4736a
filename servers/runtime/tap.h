/* A small test API for programs (servers/runtime/tap.c): results as TAP
 * (the Test Anything Protocol, version 13) lines in the boot log (always
 * there, even while printf goes to a console), which
 * pvk-run turns into a TAP file or JUnit XML for CI dashboards:
 *
 *   ok 1 - name
 *   not ok 2 - name
 *   # diagnostic text
 *   ok 3 - name # SKIP why
 *   1..3
 *
 * Typical use:
 *
 *   tap_ok(sum == 4, "sum of two and two");
 *   tap_skip("disk", "no disk attached");
 *   return tap_done();         // prints the plan, returns 0 if all passed
 *
 * Names are cut at TAP_NAME_MAX bytes; a '#' in a name becomes '_' (it
 * would start a directive). Not thread-safe: one test thread at a time. */
#ifndef RT_TAP_H
#define RT_TAP_H

#include <stdbool.h>

#define TAP_NAME_MAX 200

/* Announces n tests up front ("1..n"); optional: tap_done prints the plan
 * at the end if this was not called. */
void tap_plan(unsigned n);
/* Reports one test; returns ok. */
bool tap_ok(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports a skipped test (it counts as passed in TAP). */
void tap_skip(const char *name, const char *why);
/* A diagnostic line ("# text"), e.g. why the last test failed. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Gives up: "Bail out! reason"; the run is a failure. */
void tap_bail_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Tests reported so far, and how many failed. */
unsigned tap_count(void);
unsigned tap_failed(void);
/* Ends the run: prints the plan if none was given, a diagnostic if the
 * count does not match the plan; returns the exit status (0 if every test
 * passed and the plan matched, 1 otherwise). */
int tap_done(void);

#endif
