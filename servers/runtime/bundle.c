/* rt_bundle_file (bundle.h): maps the bundle once, then looks names up;
 * rt_kernel_cmdline: maps the boot information, copies, unmaps. */
#include "bundle.h"
#include "cpio.h"
#include "pvk/service.h"
#include "runtime.h"

static const uint8_t *bundle;
static size_t bundle_size;

/* Maps the frame in PVK_RUN_SLOT_BUNDLE at RT_BUNDLE_VA and checks that
 * arg's offset and size lie inside it. */
static bool map_bundle(uint64_t arg)
{
    if (bundle)
        return true;
    uint64_t offset = PVK_RUN_ARG_BUNDLE_OFFSET(arg), size = PVK_RUN_ARG_BUNDLE_SIZE(arg);
    struct sys_result info = sys_cap_info(PVK_RUN_SLOT_BUNDLE);
    if (info.ret != CAP_FRAME) {
        printf("bundle: no bundle in slot %d (was this program started with run=?)", PVK_RUN_SLOT_BUNDLE);
        return false;
    }
    long rc = sys_map(PVK_RUN_SLOT_BUNDLE, RT_SLOT_SELF_PROCESS, RT_BUNDLE_VA, CAP_R_READ).ret;
    if (rc != 0) {
        printf("bundle: cannot map the bundle: error %ld", rc);
        return false;
    }
    if (offset >= RT_PAGE_SIZE || size == 0 || size > (1ull << 40)) {
        printf("bundle: main()'s argument %#llx does not describe the bundle", (unsigned long long)arg);
        sys_unmap(RT_SLOT_SELF_PROCESS, RT_BUNDLE_VA);
        return false;
    }
    bundle = (const uint8_t *)(uintptr_t)(RT_BUNDLE_VA + offset);
    bundle_size = (size_t)size;
    return true;
}

bool rt_bundle_file(uint64_t arg, const char *name, const void **data, size_t *size)
{
    if (!name || !data || !size || !map_bundle(arg))
        return false;
    struct cpio_entry e;
    if (cpio_find(bundle, bundle_size, name, &e) != CPIO_OK)
        return false;
    *data = e.data;
    *size = e.size;
    return true;
}

bool rt_kernel_cmdline(char *buf, size_t size)
{
    if (!buf || size == 0)
        return false;
    buf[0] = '\0';
    if (sys_cap_info(PVK_SLOT_BOOTINFO).ret != CAP_FRAME ||
        sys_map(PVK_SLOT_BOOTINFO, RT_SLOT_SELF_PROCESS, RT_BOOTINFO_VA, CAP_R_READ).ret != 0)
        return false;
    const struct init_bootinfo *b = (const struct init_bootinfo *)(uintptr_t)RT_BOOTINFO_VA;
    bool ok = b->magic == INIT_BOOTINFO_MAGIC;
    if (ok) {
        size_t n = strnlen(b->cmdline, sizeof b->cmdline);
        if (n > size - 1)
            n = size - 1;
        memcpy(buf, b->cmdline, n);
        buf[n] = '\0';
    }
    sys_unmap(RT_SLOT_SELF_PROCESS, RT_BOOTINFO_VA);
    return ok;
}
