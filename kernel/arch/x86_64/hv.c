/* Hypervisor detection through the CPUID hypervisor leaves
 * (0x40000000 + n * 0x100). Xen may also present a Viridian (Hyper-V)
 * interface at the first base, so all bases are scanned and Xen or KVM
 * win over Hyper-V compatibility leaves. */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"
#include "cpuid.h"
#include "kvm.h"

struct hv_info hv;

static const struct {
    const char *sig;
    enum hv_kind kind;
} known[] = {
    { HV_SIGNATURE_XEN, HV_XEN },
    { KVM_CPUID_SIGNATURE, HV_KVM },
    { HV_SIGNATURE_TCG, HV_TCG },
    { HV_SIGNATURE_HYPERV, HV_HYPERV },
};

const char *hv_name(enum hv_kind kind)
{
    switch (kind) {
    case HV_NONE: return "none";
    case HV_KVM: return "KVM";
    case HV_XEN: return "Xen";
    case HV_TCG: return "QEMU TCG";
    case HV_HYPERV: return "Hyper-V";
    default: return "unknown hypervisor";
    }
}

void hv_detect(void)
{
    hv = (struct hv_info){ .kind = HV_NONE };
    if (!(cpuid(1, 0).ecx & CPUID_HYPERVISOR_PRESENT))
        return;     /* no hypervisor-present bit */
    hv.kind = HV_OTHER;
    bool found = false;
    for (uint32_t base = CPUID_HV_BASE_FIRST; base <= CPUID_HV_BASE_LAST; base += CPUID_HV_BASE_STEP) {
        struct cpuid_regs r = cpuid(base, 0);
        char sig[13];
        memcpy(sig, &r.ebx, 4);
        memcpy(sig + 4, &r.ecx, 4);
        memcpy(sig + 8, &r.edx, 4);
        sig[12] = '\0';
        if (r.eax < base || r.eax > base + 0xff)
            continue;   /* not a valid hypervisor range */
        for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
            if (memcmp(sig, known[i].sig, 12) != 0)
                continue;
            /* A Hyper-V interface is only the answer if nothing better follows. */
            if (!found || hv.kind == HV_HYPERV) {
                hv.kind = known[i].kind;
                hv.base = base;
                hv.max_leaf = r.eax;
                memcpy(hv.signature, sig, 13);
                found = true;
            }
        }
        if (!found && base == CPUID_HV_BASE_FIRST) {
            hv.base = base;
            hv.max_leaf = r.eax;
            memcpy(hv.signature, sig, 13);
        }
    }
}
