/* Unit tests for servers/runtime/manifest.c: every key, the defaults,
 * each range limit, and malformed text (unknown kinds, keys, devices and
 * capability sets, bad numbers, overflowing sizes, duplicates, too many
 * entries, over-long lines, NULs, CRLF, no trailing newline), plus the
 * shipped servers/init/manifest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "suites.h"

static struct manifest m;

static uint32_t parse(const char *s)
{
    return manifest_parse(s, strlen(s), &m);
}

/* The error recorded for that line contains want. */
static void expect_error(uint32_t line, const char *want)
{
    for (uint32_t i = 0; i < m.nerrors; i++)
        if (m.errors[i].line == line) {
            ck_assert_msg(strstr(m.errors[i].text, want), "line %u: '%s' lacks '%s'", line, m.errors[i].text,
                          want);
            return;
        }
    ck_abort_msg("no error on line %u (want '%s')", line, want);
}

/* One line, rejected with an error containing want, nothing kept. */
static void bad(const char *line, const char *want)
{
    ck_assert_msg(parse(line) == 0, "kept: %s", line);
    ck_assert_uint_eq(m.bad_lines, 1);
    ck_assert_uint_eq(m.nerrors, 1);
    ck_assert_uint_eq(m.errors[0].line, 1);
    ck_assert_msg(strstr(m.errors[0].text, want), "'%s': error '%s' lacks '%s'", line, m.errors[0].text, want);
    ck_assert_uint_lt(strlen(m.errors[0].text), sizeof m.errors[0].text);
}

/* One line, kept. */
static const struct manifest_entry *good(const char *line)
{
    uint32_t n = parse(line);
    ck_assert_msg(n == 1 && m.bad_lines == 0, "'%s': %s", line, m.nerrors ? m.errors[0].text : "not kept");
    return &m.entries[0];
}

static void check_service_defaults(const struct manifest_entry *e, const char *name)
{
    ck_assert_int_eq(e->kind, MANIFEST_SERVICE);
    ck_assert_str_eq(e->name, name);
    ck_assert_str_eq(e->program, name);
    ck_assert_uint_eq(e->arg, 0);
    ck_assert_uint_eq(e->priority, 50);
    ck_assert_uint_eq(e->quota, 4u << 20);
    ck_assert_int_eq(e->restart, RESTART_ALWAYS);
    ck_assert_uint_eq(e->heartbeat_ms, 0);
    ck_assert_uint_eq(e->ready_timeout_ms, 5000);
    ck_assert_uint_eq(e->backoff_ms, 10);
    ck_assert_uint_eq(e->backoff_max_ms, 1000);
    ck_assert_uint_eq(e->max_failures, 5);
    ck_assert_uint_eq(e->ndepends, 0);
    ck_assert_uint_eq(e->caps, 0);
}

static void check_driver_defaults(const struct manifest_entry *e, const char *name, uint64_t dma)
{
    ck_assert_int_eq(e->kind, MANIFEST_DRIVER);
    ck_assert_str_eq(e->name, name);
    ck_assert_str_eq(e->program, name);
    ck_assert_uint_eq(e->priority, 60);
    ck_assert_uint_eq(e->quota, 1u << 20);
    ck_assert_uint_eq(e->dma, dma);
    ck_assert_int_eq(e->restart, RESTART_ALWAYS);
    ck_assert_uint_eq(e->heartbeat_ms, 50);
    ck_assert_uint_eq(e->ready_timeout_ms, 5000);
    ck_assert_uint_eq(e->backoff_ms, 10);
    ck_assert_uint_eq(e->backoff_max_ms, 1000);
    ck_assert_uint_eq(e->max_failures, 5);
    ck_assert_uint_eq(e->ndepends, 0);
    ck_assert_uint_eq(e->caps, 0);
}

/* --- defaults --- */

START_TEST(test_defaults_fn)
{
    struct manifest_entry e;
    memset(&e, 0xa5, sizeof e);
    manifest_defaults(&e, MANIFEST_SERVICE, "shell");
    check_service_defaults(&e, "shell");
    manifest_defaults(&e, MANIFEST_DRIVER, "blk");
    check_driver_defaults(&e, "blk", 5u << 20);
    manifest_defaults(&e, MANIFEST_DRIVER, "net");
    check_driver_defaults(&e, "net", 5u << 20);
    manifest_defaults(&e, MANIFEST_DRIVER, "console");
    check_driver_defaults(&e, "console", 1u << 20);
    /* a name too long for the entry is cut, still NUL-terminated */
    manifest_defaults(&e, MANIFEST_SERVICE, "abcdefghijklmnopqrstuvwxyz");
    ck_assert_str_eq(e.name, "abcdefghijklmno");
    ck_assert_str_eq(e.program, "abcdefghijklmno");
}
END_TEST

START_TEST(test_defaults_parsed)
{
    ck_assert_uint_eq(parse("service a\ndriver blk\ndriver net\ndriver console\n"), 4);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_uint_eq(m.nerrors, 0);
    check_service_defaults(&m.entries[0], "a");
    check_driver_defaults(&m.entries[1], "blk", 5u << 20);
    check_driver_defaults(&m.entries[2], "net", 5u << 20);
    check_driver_defaults(&m.entries[3], "console", 1u << 20);
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_uint_eq(m.entries[i].line, i + 1);
}
END_TEST

/* --- every key --- */

START_TEST(test_every_key)
{
    const struct manifest_entry *e =
        good("service web-1_x program=httpd arg=18446744073709551615 priority=200 quota=8M dma=2K "
             "restart=on-failure heartbeat=0 ready-timeout=250 backoff=20 backoff-max=3000 "
             "max-failures=7 depends=a,b-c,d_9,e caps=devices,platform,bundle,devmgr,control");
    ck_assert_int_eq(e->kind, MANIFEST_SERVICE);
    ck_assert_str_eq(e->name, "web-1_x");
    ck_assert_str_eq(e->program, "httpd");
    ck_assert_uint_eq(e->arg, UINT64_MAX);
    ck_assert_uint_eq(e->priority, 200);
    ck_assert_uint_eq(e->quota, 8u << 20);
    ck_assert_uint_eq(e->dma, 2048);
    ck_assert_int_eq(e->restart, RESTART_ON_FAILURE);
    ck_assert_uint_eq(e->heartbeat_ms, 0);
    ck_assert_uint_eq(e->ready_timeout_ms, 250);
    ck_assert_uint_eq(e->backoff_ms, 20);
    ck_assert_uint_eq(e->backoff_max_ms, 3000);
    ck_assert_uint_eq(e->max_failures, 7);
    ck_assert_uint_eq(e->ndepends, 4);
    ck_assert_str_eq(e->depends[0], "a");
    ck_assert_str_eq(e->depends[1], "b-c");
    ck_assert_str_eq(e->depends[2], "d_9");
    ck_assert_str_eq(e->depends[3], "e");
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEVICES | MANIFEST_CAP_PLATFORM | MANIFEST_CAP_BUNDLE |
                                   MANIFEST_CAP_DEVMGR | MANIFEST_CAP_CONTROL);
    ck_assert_uint_eq(e->line, 1);
}
END_TEST

START_TEST(test_caps_each)
{
    static const struct { const char *name; uint32_t bit; } caps[] = {
        {"devices", MANIFEST_CAP_DEVICES}, {"platform", MANIFEST_CAP_PLATFORM},
        {"bundle", MANIFEST_CAP_BUNDLE}, {"devmgr", MANIFEST_CAP_DEVMGR},
        {"demo-server", MANIFEST_CAP_DEMO_SERVER}, {"demo-client", MANIFEST_CAP_DEMO_CLIENT},
        {"control", MANIFEST_CAP_CONTROL}, {"bootinfo", MANIFEST_CAP_BOOTINFO},
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "service s caps=%s", caps[i].name);
        ck_assert_uint_eq(good(line)->caps, caps[i].bit);
    }
    ck_assert_uint_eq(good("service s caps=bundle,bundle")->caps, MANIFEST_CAP_BUNDLE);
}
END_TEST

START_TEST(test_provides_uses)
{
    const struct manifest_entry *e = good("service web provides=http uses=net,fs");
    ck_assert_str_eq(e->provides, "http");
    ck_assert_uint_eq(e->nuses, 2);
    ck_assert_str_eq(e->uses[0], "net");
    ck_assert_str_eq(e->uses[1], "fs");
    e = good("service a");
    ck_assert_str_eq(e->provides, "");
    ck_assert_uint_eq(e->nuses, 0);
    ck_assert_uint_eq(good("service a uses=a,b,c,d")->nuses, 4);
    bad("service a uses=a,b,c,d,e", "too many uses (at most 4)");
    bad("service a uses=net,,fs", "empty item in uses=");
    bad("service a uses=Net", "bad name 'Net' in uses");
    bad("service a provides=x,y", "bad name 'x,y' for provides");
    bad("service a provides=this-name-is-too-long", "for provides");
    bad("service a provides=net uses=fs,net", "cannot use what it provides: 'net'");
    bad("driver blk provides=blk", "provides and uses are for services");
    bad("driver net uses=fs", "provides and uses are for services");
    bad("service a provides=x provides=y", "given twice");
}
END_TEST

START_TEST(test_restart_values)
{
    ck_assert_int_eq(good("service s restart=always")->restart, RESTART_ALWAYS);
    ck_assert_int_eq(good("service s restart=on-failure")->restart, RESTART_ON_FAILURE);
    ck_assert_int_eq(good("service s restart=never")->restart, RESTART_NEVER);
    bad("service s restart=sometimes", "bad restart 'sometimes' (always, on-failure, never)");
    bad("service s restart=Always", "bad restart 'Always'");
}
END_TEST

START_TEST(test_sizes)
{
    ck_assert_uint_eq(good("service s quota=65536")->quota, 65536);
    ck_assert_uint_eq(good("service s quota=64K")->quota, 64u << 10);
    ck_assert_uint_eq(good("service s quota=64k")->quota, 64u << 10);
    ck_assert_uint_eq(good("service s quota=3m")->quota, 3u << 20);
    ck_assert_uint_eq(good("service s quota=4G")->quota, 4ull << 30);
    ck_assert_uint_eq(good("service s quota=1g")->quota, 1ull << 30);
    ck_assert_uint_eq(good("service s quota=4294967296")->quota, 4ull << 30);
    ck_assert_uint_eq(good("driver blk dma=0")->dma, 0);
    ck_assert_uint_eq(good("driver blk dma=4G")->dma, 4ull << 30);
    bad("service s quota=65535", "quota '65535' out of range (64K..4G)");
    bad("service s quota=63K", "quota '63K' out of range (64K..4G)");
    bad("service s quota=4294967297", "quota '4294967297' out of range (64K..4G)");
    bad("service s quota=5G", "out of range");
    bad("service s quota=99999999999G", "quota '99999999999G' too large");
    bad("service s quota=99999999999999999999999", "too large");
    bad("service s quota=17179869184G", "too large");      /* 2^34 G = 2^64 */
    bad("driver blk dma=4097M", "dma '4097M' out of range (0..4G)");
    bad("service s quota=M", "bad size 'M' for quota");
    bad("service s quota=1T", "bad size '1T'");
    bad("service s quota=1KB", "bad size '1KB'");
    bad("service s quota=-1K", "bad size '-1K'");
    bad("service s quota=65536 K", "expected key=value, got 'K'");
    bad("service s quota=0x10000", "bad size '0x10000'");
}
END_TEST

/* Each number key: below, at and above its limits; not a number. */
START_TEST(test_number_ranges)
{
    static const struct {
        const char *key;
        uint64_t lo, hi;
        size_t off;
    } keys[] = {
        {"priority", 1, 254, offsetof(struct manifest_entry, priority)},
        {"heartbeat", 0, 60000, offsetof(struct manifest_entry, heartbeat_ms)},
        {"ready-timeout", 1, 600000, offsetof(struct manifest_entry, ready_timeout_ms)},
        {"backoff", 0, 60000, offsetof(struct manifest_entry, backoff_ms)},
        {"max-failures", 1, 1000, offsetof(struct manifest_entry, max_failures)},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char line[128], want[96];
        uint32_t v;
        /* backoff-max given too, so that backoff's limit is its own */
        snprintf(line, sizeof line, "driver blk %s=%llu backoff-max=600000", keys[i].key, (unsigned long long)keys[i].lo);
        memcpy(&v, (const char *)good(line) + keys[i].off, sizeof v);
        ck_assert_uint_eq(v, keys[i].lo);
        snprintf(line, sizeof line, "driver blk %s=%llu backoff-max=600000", keys[i].key, (unsigned long long)keys[i].hi);
        memcpy(&v, (const char *)good(line) + keys[i].off, sizeof v);
        ck_assert_uint_eq(v, keys[i].hi);
        snprintf(line, sizeof line, "service s %s=%llu", keys[i].key, (unsigned long long)keys[i].hi + 1);
        snprintf(want, sizeof want, "%s '%llu' out of range (%llu..%llu)", keys[i].key,
                 (unsigned long long)keys[i].hi + 1, (unsigned long long)keys[i].lo, (unsigned long long)keys[i].hi);
        bad(line, want);
        if (keys[i].lo > 0) {
            snprintf(line, sizeof line, "service s %s=%llu", keys[i].key, (unsigned long long)keys[i].lo - 1);
            bad(line, "out of range");
        }
        snprintf(line, sizeof line, "service s %s=12x", keys[i].key);
        snprintf(want, sizeof want, "bad number '12x' for %s", keys[i].key);
        bad(line, want);
        snprintf(line, sizeof line, "service s %s=-1", keys[i].key);
        bad(line, "bad number '-1'");
        snprintf(line, sizeof line, "service s %s=99999999999999999999", keys[i].key);
        bad(line, "bad number");
        snprintf(line, sizeof line, "service s %s=4294967297", keys[i].key);   /* 2^32 + 1: no wrap to 1 */
        bad(line, "out of range");
    }
    ck_assert_uint_eq(good("service s arg=0")->arg, 0);
    ck_assert_uint_eq(good("service s arg=42")->arg, 42);
    bad("service s arg=18446744073709551616", "bad number '18446744073709551616' for arg");
    bad("service s arg=0x10", "bad number '0x10' for arg");
    bad("service s arg=+1", "bad number '+1' for arg");
}
END_TEST

START_TEST(test_backoff_max)
{
    const struct manifest_entry *e = good("service s backoff=100 backoff-max=100");
    ck_assert_uint_eq(e->backoff_ms, 100);
    ck_assert_uint_eq(e->backoff_max_ms, 100);
    e = good("service s backoff-max=0 backoff=0");
    ck_assert_uint_eq(e->backoff_max_ms, 0);
    e = good("service s backoff-max=600000");
    ck_assert_uint_eq(e->backoff_max_ms, 600000);
    bad("service s backoff-max=600001", "backoff-max '600001' out of range (0..600000)");
    bad("service s backoff=100 backoff-max=99", "backoff-max 99 below backoff 100");
    bad("service s backoff-max=5", "backoff-max 5 below backoff 10");     /* the default backoff */
    /* backoff above the default backoff-max, none given: the maximum follows */
    e = good("service s backoff=5000");
    ck_assert_uint_eq(e->backoff_ms, 5000);
    ck_assert_uint_eq(e->backoff_max_ms, 5000);
}
END_TEST

START_TEST(test_program_and_names)
{
    ck_assert_str_eq(good("service s program=abcdefghijklmno")->program, "abcdefghijklmno");
    bad("service s program=abcdefghijklmnop", "bad program 'abcdefghijklmnop'");
    bad("service s program=Demo", "bad program 'Demo'");
    bad("service s program=a/b", "bad program 'a/b'");
    ck_assert_str_eq(good("service abcdefghijklmno")->name, "abcdefghijklmno");
    bad("service abcdefghijklmnop", "bad name 'abcdefghijklmnop' (1..15 of a-z 0-9 _ -)");
    bad("service Demo", "bad name 'Demo'");
    bad("service de.mo", "bad name 'de.mo'");
    bad("service prio=5", "bad name 'prio=5'");
    bad("service", "missing name");
    bad("  driver   ", "missing name");
    bad("service s depends=abcdefghijklmnop", "bad name 'abcdefghijklmnop' in depends");
    bad("service s depends=a,b,c,d,e", "too many depends (at most 4)");
    bad("service s depends=a,,b", "empty item in depends=");
    bad("service s depends=a,", "empty item in depends=");
    bad("service s caps=,bundle", "empty item in caps=");
    bad("service s caps=bundle,root", "unknown capability set 'root'");
    bad("service s caps=Bundle", "unknown capability set 'Bundle'");
}
END_TEST

START_TEST(test_drivers)
{
    ck_assert_uint_eq(good("driver console program=con2 dma=2M heartbeat=0")->dma, 2u << 20);
    ck_assert_str_eq(m.entries[0].program, "con2");
    ck_assert_uint_eq(m.entries[0].heartbeat_ms, 0);
    bad("driver xyz", "unknown device type 'xyz' (blk, net, console)");
    bad("driver blk2 program=blk", "unknown device type 'blk2'");
    bad("driver BLK", "bad name 'BLK'");
    /* the same name as a service and as a driver is fine */
    ck_assert_uint_eq(parse("service blk\ndriver blk\n"), 2);
    ck_assert_ptr_eq(manifest_find(&m, MANIFEST_SERVICE, "blk"), &m.entries[0]);
    ck_assert_ptr_eq(manifest_find(&m, MANIFEST_DRIVER, "blk"), &m.entries[1]);
}
END_TEST

/* --- malformed lines --- */

START_TEST(test_unknown)
{
    ck_assert_uint_eq(parse("service a\n\n\n\n\n\nservice b heartbaet=50\nservice c\n"), 2);
    ck_assert_uint_eq(m.bad_lines, 1);
    ck_assert_uint_eq(m.nerrors, 1);
    ck_assert_uint_eq(m.errors[0].line, 7);
    ck_assert_str_eq(m.errors[0].text, "unknown key 'heartbaet'");
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, "b"));
    ck_assert_uint_eq(m.entries[1].line, 8);

    bad("servcie a", "unknown kind 'servcie' (service, driver)");
    bad("Service a", "unknown kind 'Service'");
    bad("service s =5", "expected key=value, got '=5'");
    bad("service s priority", "expected key=value, got 'priority'");
    bad("service s priority=", "empty value for 'priority'");
    bad("service s caps=", "empty value for 'caps'");
    bad("service s priority=5 priority=6", "key 'priority' given twice");
    bad("service s priority=5=6", "bad number '5=6'");
    /* a long word is cut in the text, which stays readable */
    bad("service s aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", "unknown key 'aaaa");
    ck_assert_ptr_nonnull(strstr(m.errors[0].text, "...'"));
}
END_TEST

START_TEST(test_duplicate)
{
    ck_assert_uint_eq(parse("service a priority=9\n# x\nservice a priority=10\ndriver net\ndriver net\n"), 2);
    ck_assert_uint_eq(m.entries[0].priority, 9);    /* the first one stays */
    ck_assert_uint_eq(m.bad_lines, 2);
    expect_error(3, "duplicate service 'a' (first on line 1)");
    expect_error(5, "duplicate driver 'net' (first on line 4)");
    /* a bad first line does not make the second a duplicate */
    ck_assert_uint_eq(parse("service a priority=0\nservice a priority=1\n"), 1);
    ck_assert_uint_eq(m.entries[0].line, 2);
}
END_TEST

START_TEST(test_too_many)
{
    static char text[64 * 40];
    size_t n = 0;
    for (int i = 0; i < MANIFEST_MAX_ENTRIES + 3; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "service s%d\n", i);
    ck_assert_uint_eq(manifest_parse(text, n, &m), MANIFEST_MAX_ENTRIES);
    ck_assert_uint_eq(m.count, MANIFEST_MAX_ENTRIES);
    ck_assert_uint_eq(m.bad_lines, 3);
    ck_assert_uint_eq(m.nerrors, 3);
    expect_error(MANIFEST_MAX_ENTRIES + 1, "too many entries (at most 24)");
    expect_error(MANIFEST_MAX_ENTRIES + 3, "'s26' left out");
    ck_assert_str_eq(m.entries[MANIFEST_MAX_ENTRIES - 1].name, "s23");
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, "s24"));
    /* a bad extra line reports what is wrong with it */
    n += (size_t)snprintf(text + n, sizeof text - n, "service t bogus=1\n");
    manifest_parse(text, n, &m);
    expect_error(MANIFEST_MAX_ENTRIES + 4, "unknown key 'bogus'");
}
END_TEST

START_TEST(test_many_errors)
{
    static char text[64 * 40];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "bogus %d\nservice s%d\n", i, i);
    ck_assert_uint_eq(manifest_parse(text, n, &m), 20);
    ck_assert_uint_eq(m.bad_lines, 20);
    ck_assert_uint_eq(m.nerrors, MANIFEST_MAX_ERRORS);
    for (uint32_t i = 0; i < MANIFEST_MAX_ERRORS; i++)
        ck_assert_uint_eq(m.errors[i].line, 2 * i + 1);
}
END_TEST

START_TEST(test_long_line)
{
    char text[600];
    /* exactly 255 characters: fine (comment padding) */
    memset(text, ' ', sizeof text);
    memcpy(text, "service a #", 11);
    text[255] = '\n';
    memcpy(text + 256, "service b\n", 10);
    ck_assert_uint_eq(manifest_parse(text, 266, &m), 2);
    ck_assert_uint_eq(m.bad_lines, 0);
    /* 256: too long, skipped whole (including what looks like a line in it) */
    memset(text, ' ', sizeof text);
    memcpy(text, "service a", 9);
    memcpy(text + 100, "service x", 9);
    text[256] = '\n';
    memcpy(text + 257, "service b\n", 10);
    ck_assert_uint_eq(manifest_parse(text, 267, &m), 1);
    ck_assert_str_eq(m.entries[0].name, "b");
    ck_assert_uint_eq(m.entries[0].line, 2);
    ck_assert_uint_eq(m.bad_lines, 1);
    expect_error(1, "line too long (more than 255 characters)");
    /* a long last line without a newline */
    memset(text, 'x', sizeof text);
    ck_assert_uint_eq(manifest_parse(text, sizeof text, &m), 0);
    expect_error(1, "line too long");
    /* CRs count toward the length */
    memset(text, '\r', sizeof text);
    memcpy(text, "service a", 9);
    text[256] = '\n';
    ck_assert_uint_eq(manifest_parse(text, 257, &m), 0);
    ck_assert_uint_eq(m.bad_lines, 1);
}
END_TEST

/* --- the text as a whole --- */

START_TEST(test_empty)
{
    memset(&m, 0xa5, sizeof m);
    ck_assert_uint_eq(manifest_parse("", 0, &m), 0);
    ck_assert_uint_eq(m.count, 0);
    ck_assert_uint_eq(m.nerrors, 0);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_uint_eq(manifest_parse("service a", 0, &m), 0);
    ck_assert_uint_eq(manifest_parse(NULL, 10, &m), 0);
    ck_assert_uint_eq(parse("\n\n   \n\t\n# only comments\n   # indented\n\r\n"), 0);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, "a"));
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, NULL));
    ck_assert_ptr_null(manifest_find(NULL, MANIFEST_SERVICE, "a"));
}
END_TEST

START_TEST(test_comments_whitespace)
{
    ck_assert_uint_eq(parse("# head\n\tservice\t a  \tpriority=9 # the end=bogus\n"
                            "service b#comment right after\n"
                            "service c priority=7# no space\n"), 3);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_uint_eq(m.entries[0].priority, 9);
    ck_assert_uint_eq(m.entries[0].line, 2);
    ck_assert_str_eq(m.entries[1].name, "b");
    ck_assert_uint_eq(m.entries[2].priority, 7);
}
END_TEST

START_TEST(test_crlf_and_end)
{
    ck_assert_uint_eq(parse("service a priority=9\r\ndriver blk\r\n\r\nservice c\r"), 3);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_uint_eq(m.entries[0].priority, 9);
    ck_assert_uint_eq(m.entries[2].line, 4);
    ck_assert_str_eq(m.entries[2].name, "c");
    /* no trailing newline */
    ck_assert_uint_eq(parse("service a\nservice b priority=3"), 2);
    ck_assert_uint_eq(m.entries[1].priority, 3);
    /* len cuts the text mid-line: only what is inside counts */
    const char *t = "service a\nservice b priority=33";
    ck_assert_uint_eq(manifest_parse(t, strlen(t) - 1, &m), 2);
    ck_assert_uint_eq(m.entries[1].priority, 3);
}
END_TEST

START_TEST(test_nul)
{
    const char t[] = "service a\nservice b pri\0ority=5\nservice c\n";
    ck_assert_uint_eq(manifest_parse(t, sizeof t - 1, &m), 1);
    ck_assert_uint_eq(m.bad_lines, 1);
    expect_error(2, "expected key=value, got 'pri'");
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, "c"));
    const char u[] = "service a\n\0service c\n";
    ck_assert_uint_eq(manifest_parse(u, sizeof u - 1, &m), 1);
    ck_assert_uint_eq(m.bad_lines, 0);
}
END_TEST

START_TEST(test_reparse_clears)
{
    parse("service a\nbogus\n");
    ck_assert_uint_eq(m.count, 1);
    parse("service b\n");
    ck_assert_uint_eq(m.count, 1);
    ck_assert_uint_eq(m.nerrors, 0);
    ck_assert_uint_eq(m.bad_lines, 0);
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_SERVICE, "a"));
}
END_TEST

/* Every byte value in every position of a short line: no crash, no
 * unterminated error text, nothing kept that breaks the name rules. */
START_TEST(test_hostile_bytes)
{
    char line[] = "service ab quota=64K caps=devices";
    for (size_t pos = 0; pos < sizeof line - 1; pos++) {
        for (int b = 0; b < 256; b++) {
            char t[sizeof line];
            memcpy(t, line, sizeof line);
            t[pos] = (char)b;
            manifest_parse(t, sizeof line - 1, &m);
            CHECK(m.count <= 1);
            CHECK(m.count + m.bad_lines <= 2);
            for (uint32_t i = 0; i < m.nerrors; i++)
                CHECK(memchr(m.errors[i].text, 0, sizeof m.errors[i].text) != NULL);
            for (uint32_t i = 0; i < m.count; i++) {
                CHECK(strlen(m.entries[i].name) >= 1 && strlen(m.entries[i].name) <= 15);
                CHECK(strspn(m.entries[i].name, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                      strlen(m.entries[i].name));
            }
        }
    }
}
END_TEST

/* --- the shipped manifest --- */

START_TEST(test_shipped_manifest)
{
    static char text[16384];
    FILE *f = fopen("servers/init/manifest", "r");
    ck_assert_msg(f != NULL, "servers/init/manifest (run from the top of the tree)");
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    ck_assert_uint_lt(n, sizeof text);
    ck_assert_uint_eq(manifest_parse(text, n, &m), 11);
    ck_assert_msg(m.bad_lines == 0, "line %u: %s", m.errors[0].line, m.errors[0].text);

    const struct manifest_entry *e = manifest_find(&m, MANIFEST_SERVICE, "devmgr");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "devmgr");
    ck_assert_uint_eq(e->priority, 70);
    ck_assert_uint_eq(e->quota, 64u << 20);
    ck_assert_int_eq(e->restart, RESTART_NEVER);
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEVICES | MANIFEST_CAP_BUNDLE);

    static const char *const drivers[] = {"blk", "net", "console"};
    for (int i = 0; i < 3; i++) {
        e = manifest_find(&m, MANIFEST_DRIVER, drivers[i]);
        ck_assert_ptr_nonnull(e);
        check_driver_defaults(e, drivers[i], i == 2 ? 1u << 20 : 5u << 20);
    }

    e = manifest_find(&m, MANIFEST_SERVICE, "shell");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "shell");
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEVMGR | MANIFEST_CAP_CONTROL | MANIFEST_CAP_PLATFORM);
    ck_assert_int_eq(e->restart, RESTART_ALWAYS);

    /* The network server: a service named like the driver type, its own program. */
    e = manifest_find(&m, MANIFEST_SERVICE, "net");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "netsrv");
    ck_assert_uint_eq(e->arg, 1000000201524002ull);   /* static fallback 10.0.2.15/24 gateway 10.0.2.2 */
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEVMGR | MANIFEST_CAP_BOOTINFO);
    ck_assert_str_eq(e->provides, "net");
    ck_assert_uint_eq(e->quota, 16u << 20);
    ck_assert_int_eq(e->restart, RESTART_ON_FAILURE);
    ck_assert_ptr_nonnull(manifest_find(&m, MANIFEST_DRIVER, "net"));

    /* The echo example: a user of "net". */
    e = manifest_find(&m, MANIFEST_SERVICE, "echo");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "echo");
    ck_assert_uint_eq(e->nuses, 1);
    ck_assert_str_eq(e->uses[0], "net");
    ck_assert_int_eq(e->restart, RESTART_ON_FAILURE);

    /* The web server: a user of "net" (slot 12) and "fs" (slot 13), in that order. */
    e = manifest_find(&m, MANIFEST_SERVICE, "httpd");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "httpd");
    ck_assert_uint_eq(e->arg, 80);
    ck_assert_uint_eq(e->nuses, 2);
    ck_assert_str_eq(e->uses[0], "net");
    ck_assert_str_eq(e->uses[1], "fs");
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_BOOTINFO);
    ck_assert_int_eq(e->restart, RESTART_ALWAYS);

    /* The file server: provides the endpoint "fs", stays stopped after a clean exit. */
    e = manifest_find(&m, MANIFEST_SERVICE, "fs");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "fssrv");
    ck_assert_str_eq(e->provides, "fs");
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEVMGR);
    ck_assert_int_eq(e->restart, RESTART_ON_FAILURE);

    e = manifest_find(&m, MANIFEST_SERVICE, "demo-server");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "demo");
    ck_assert_uint_eq(e->arg, 0);
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEMO_SERVER);
    ck_assert_int_eq(e->restart, RESTART_ON_FAILURE);

    e = manifest_find(&m, MANIFEST_SERVICE, "demo-client");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->program, "demo");
    ck_assert_uint_eq(e->arg, 1);
    ck_assert_uint_eq(e->caps, MANIFEST_CAP_DEMO_CLIENT);
    ck_assert_int_eq(e->restart, RESTART_NEVER);
    ck_assert_uint_eq(e->ndepends, 1);
    ck_assert_str_eq(e->depends[0], "demo-server");
    ck_assert_ptr_null(manifest_find(&m, MANIFEST_DRIVER, "devmgr"));
}
END_TEST

Suite *manifest_suite(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("keys");
    tcase_add_test(tc, test_defaults_fn);
    tcase_add_test(tc, test_defaults_parsed);
    tcase_add_test(tc, test_every_key);
    tcase_add_test(tc, test_caps_each);
    tcase_add_test(tc, test_restart_values);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_number_ranges);
    tcase_add_test(tc, test_backoff_max);
    tcase_add_test(tc, test_program_and_names);
    tcase_add_test(tc, test_drivers);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_test(tc, test_unknown);
    tcase_add_test(tc, test_duplicate);
    tcase_add_test(tc, test_too_many);
    tcase_add_test(tc, test_many_errors);
    tcase_add_test(tc, test_long_line);
    tcase_add_test(tc, test_hostile_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_comments_whitespace);
    tcase_add_test(tc, test_crlf_and_end);
    tcase_add_test(tc, test_nul);
    tcase_add_test(tc, test_provides_uses);
    tcase_add_test(tc, test_reparse_clears);
    tcase_add_test(tc, test_shipped_manifest);
    suite_add_tcase(s, tc);
    return s;
}
