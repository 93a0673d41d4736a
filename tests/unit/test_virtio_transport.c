/* Tests for pvdrivers/virtio: transports and the device handshake, over the
 * software device of virtio_model.c (mmio v1, mmio v2, modern PCI); and a
 * malicious device: capabilities outside BARs, capability loops, a config
 * generation that never settles, a reset that never ends. */
#include <string.h>

#include "suites.h"
#include "virtio_model.h"

#define F(b) VIRTIO_BIT(b)
#define MODERN (F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_RING_F_INDIRECT_DESC))

static const enum vm_kind kinds[] = { VM_MMIO1, VM_MMIO2, VM_PCI };

static uint64_t offered(enum vm_kind k)
{
    uint64_t f = F(5) | F(9) | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_RING_F_INDIRECT_DESC);
    return k == VM_MMIO1 ? f : f | F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) | F(40);
}

START_TEST(test_handshake)
{
    enum vm_kind k = kinds[_i];
    struct vm *m = vm_create(k, 2, offered(k));
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(t.modern, k != VM_MMIO1);
    ck_assert_int_eq(virtio_dev_init(&d, &t, F(5) | F(7) | F(40)), 0);
    uint64_t want = F(5) | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_RING_F_INDIRECT_DESC);
    if (k != VM_MMIO1)                    /* ACCESS_PLATFORM taken although not asked */
        want |= F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) | F(40);
    ck_assert_uint_eq(d.features, want);
    ck_assert_uint_eq(m->drv_features, want);
    uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
    if (k != VM_MMIO1)
        st |= VIRTIO_CONFIG_S_FEATURES_OK;   /* legacy has no FEATURES_OK */
    ck_assert_uint_eq(m->status, st);

    struct virtq vq[2];
    memset(vq, 0, sizeof vq);
    ck_assert_int_eq(virtio_dev_setup_queues(&d, vq, 2, 1024, &m->mem, 4, NULL), 0);
    ck_assert_uint_eq(vq[0].size, 256);   /* min(device max 256, 1024) */
    ck_assert(m->q[0].ready && m->q[1].ready);
    ck_assert_uint_eq(m->q[0].num, 256);
    ck_assert_uint_eq(m->q[1].desc, vq[1].desc_phys);
    ck_assert_uint_eq(m->q[1].avail, vq[1].avail_phys);
    ck_assert_uint_eq(m->q[1].used, vq[1].used_phys);
    if (k == VM_MMIO1)
        ck_assert_uint_eq(vq[0].used_phys % 4096, 0);
    ck_assert_int_eq(virtio_dev_driver_ok(&d), 0);
    ck_assert_uint_eq(m->status, st | VIRTIO_CONFIG_S_DRIVER_OK);

    /* A third queue does not exist; a non-power-of-two size is refused. */
    struct virtq extra;
    memset(&extra, 0, sizeof extra);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &extra, 2, 64, &m->mem, 0, VIRTIO_MSI_NO_VECTOR),
                     -VIRTIO_ENODEV);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &extra, 0, 48, &m->mem, 0, VIRTIO_MSI_NO_VECTOR),
                     -VIRTIO_EINVAL);

    /* Reset: back to 0, queues gone; set up again on the same memory. */
    m->reset_delay = 5;
    ck_assert_int_eq(virtio_reset(&d), 0);
    ck_assert_uint_eq(m->status, 0);
    ck_assert(!m->q[0].ready);
    uint64_t before = vq[0].desc_phys;
    size_t pool_used = m->pool_used;
    ck_assert_int_eq(virtio_dev_init(&d, &t, F(5)), 0);
    ck_assert_int_eq(virtio_dev_setup_queues(&d, vq, 2, 1024, &m->mem, 4, NULL), 0);
    ck_assert_uint_eq(vq[0].desc_phys, before);
    ck_assert_uint_eq(m->pool_used, pool_used);
    ck_assert_int_eq(virtio_dev_driver_ok(&d), 0);
    vm_destroy(m);
}
END_TEST

START_TEST(test_features_ok_refused)
{
    enum vm_kind k = kinds[_i + 1];      /* the modern transports */
    struct vm *m = vm_create(k, 1, offered(k));
    m->refuse_features_ok = true;
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), -VIRTIO_EFEATURES);
    ck_assert(m->status & VIRTIO_CONFIG_S_FAILED);
    vm_destroy(m);
}
END_TEST

START_TEST(test_modern_needs_version_1)
{
    enum vm_kind k = kinds[_i + 1];
    struct vm *m = vm_create(k, 1, F(5));
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, F(5)), -VIRTIO_EFEATURES);
    ck_assert(m->status & VIRTIO_CONFIG_S_FAILED);
    ck_assert(!(m->status & VIRTIO_CONFIG_S_FEATURES_OK));
    vm_destroy(m);
}
END_TEST

START_TEST(test_reset_timeout)
{
    struct vm *m = vm_create(VM_MMIO2, 1, offered(VM_MMIO2));
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    m->reset_delay = VIRTIO_RESET_POLLS + 1;
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), -VIRTIO_ETIMEDOUT);
    vm_destroy(m);
}
END_TEST

START_TEST(test_config_space)
{
    enum vm_kind k = kinds[_i];
    struct vm *m = vm_create(k, 2, offered(k));
    uint64_t cap = 0x123456789abcull;
    memcpy(m->cfg, &cap, 8);
    m->cfg[20] = 0x5a;
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    uint64_t v = 0;
    ck_assert_int_eq(virtio_dev_config_read(&d, 0, &v, 8), 0);
    ck_assert_uint_eq(v, cap);
    uint8_t b = 0;
    ck_assert_int_eq(virtio_dev_config_read(&d, 20, &b, 1), 0);
    ck_assert_uint_eq(b, 0x5a);
    uint16_t w = 0xbeef;
    ck_assert_int_eq(virtio_dev_config_write(&d, 30, &w, 2), 0);
    ck_assert_uint_eq(m->cfg[30] | m->cfg[31] << 8, 0xbeef);
    uint8_t big[3];
    ck_assert_int_eq(virtio_dev_config_read(&d, 0xff, big, 3), -VIRTIO_ERANGE);
    ck_assert_int_eq(virtio_dev_config_read(&d, 0xfffffffe, big, 3), -VIRTIO_ERANGE);
    ck_assert_int_eq(virtio_dev_config_write(&d, 0x100, big, 1), -VIRTIO_ERANGE);
    if (k != VM_MMIO1) {                 /* legacy has no generation to watch */
        m->gen_unstable = true;
        ck_assert_int_eq(virtio_dev_config_read(&d, 0, &v, 8), -VIRTIO_EAGAIN);
    }
    vm_destroy(m);
}
END_TEST

START_TEST(test_isr)
{
    enum vm_kind k = kinds[_i];
    struct vm *m = vm_create(k, 2, offered(k));
    struct virtio_transport t;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    m->isr = 3;
    ck_assert_uint_eq(virtio_transport_isr(&t), 3);
    ck_assert_uint_eq(m->isr, 0);        /* acknowledged (MMIO) / read-to-clear (PCI) */
    ck_assert_uint_eq(virtio_transport_isr(&t), 0);
    vm_destroy(m);
}
END_TEST

START_TEST(test_msix_vectors)
{
    struct vm *m = vm_create(VM_PCI, 1, offered(VM_PCI));
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert(t.has_msix);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    ck_assert_int_eq(virtio_dev_set_config_vector(&d, 0), 0);
    ck_assert_uint_eq(m->config_msix, 0);
    struct virtq vq[2];
    memset(vq, 0, sizeof vq);
    const uint16_t vec[2] = { 1, 2 };
    ck_assert_int_eq(virtio_dev_setup_queues(&d, vq, 2, 64, &m->mem, 0, vec), 0);
    ck_assert_uint_eq(m->q[0].msix, 1);
    ck_assert_uint_eq(m->q[1].msix, 2);
    /* The device cannot take vector 9: it reads back NO_VECTOR. */
    ck_assert_int_eq(virtio_reset(&d), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq[0], 0, 64, &m->mem, 0, 9), -VIRTIO_ENODEV);
    ck_assert(!m->q[0].ready);
    ck_assert_int_eq(virtio_dev_set_config_vector(&d, 9), -VIRTIO_ENODEV);
    /* INTx mode. */
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq[0], 0, 64, &m->mem, 0, VIRTIO_MSI_NO_VECTOR), 0);
    ck_assert_uint_eq(m->q[0].msix, VIRTIO_MSI_NO_VECTOR);
    vm_destroy(m);

    m = vm_create(VM_MMIO2, 1, offered(VM_MMIO2));
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    memset(vq, 0, sizeof vq);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq[0], 0, 64, &m->mem, 0, 1), -VIRTIO_EINVAL);
    ck_assert_int_eq(virtio_dev_set_config_vector(&d, 1), -VIRTIO_EINVAL);
    vm_destroy(m);
}
END_TEST

START_TEST(test_mmio_probe_rejects)
{
    struct vm *m = vm_create(VM_MMIO2, 0, offered(VM_MMIO2));   /* an empty slot */
    struct virtio_transport t;
    uint32_t id;
    ck_assert_int_eq(virtio_mmio_probe(&t, &m->io, VM_MMIO_BASE, VM_MMIO_LEN, &id), -VIRTIO_ENODEV);
    m->device_id = 2;
    ck_assert_int_eq(virtio_mmio_probe(&t, &m->io, VM_MMIO_BASE, 0x80, &id), -VIRTIO_ENODEV);
    ck_assert_int_eq(virtio_mmio_probe(&t, &m->io, VM_MMIO_BASE, VM_MMIO_LEN, &id), 0);
    /* A queue maximum beyond 32768 is not a queue. */
    m->q[0].num_max = 40000;
    struct virtio_dev d;
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    struct virtq vq;
    memset(&vq, 0, sizeof vq);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq, 0, 64, &m->mem, 0, VIRTIO_MSI_NO_VECTOR),
                     -VIRTIO_ENODEV);
    vm_destroy(m);
}
END_TEST

/* --- a malicious PCI configuration space --------------------------------- */

static int probe_pci(struct vm *m)
{
    struct virtio_transport t;
    return virtio_pci_probe(&t, &m->io, &m->cfgio, m->bar_base, m->bar_size);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

START_TEST(test_pci_caps_outside_bars)
{
    struct vm *m = vm_create(VM_PCI, 1, offered(VM_PCI));
    ck_assert_int_eq(probe_pci(m), 0);
    put32(&m->pcicfg[0x80 + 12], VM_BAR_SIZE);                 /* notify: length past the BAR */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ERANGE);
    put32(&m->pcicfg[0x80 + 12], 0x1000);
    put32(&m->pcicfg[0x70 + 8], 0xfffffff0);                   /* device cfg: offset wraps */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ERANGE);
    put32(&m->pcicfg[0x70 + 8], 0x2000);
    ck_assert_int_eq(probe_pci(m), 0);
    m->pcicfg[0x50 + 4] = 5;                                   /* common cfg in an unmapped BAR */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    m->pcicfg[0x50 + 4] = 4;
    put32(&m->pcicfg[0x50 + 12], 8);                           /* common cfg too short */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ERANGE);
    vm_destroy(m);
}
END_TEST

START_TEST(test_pci_cap_list_malformed)
{
    struct vm *m = vm_create(VM_PCI, 1, offered(VM_PCI));
    m->pcicfg[0x81] = 0x60;                                    /* a loop back to the ISR cap */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    m->pcicfg[0x81] = 0x80;                                    /* a cap pointing at itself */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    m->pcicfg[0x81] = 0x10;                                    /* into the header */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    m->pcicfg[0x81] = 0xfc;                                    /* a cap running past 256 */
    m->pcicfg[0xfc] = 0x09;
    m->pcicfg[0xfe] = 16;
    m->pcicfg[0xff] = VIRTIO_PCI_CAP_DEVICE_CFG;
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ERANGE);
    m->pcicfg[0x81] = 0;
    m->pcicfg[6] = 0;                                          /* no capability list */
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    vm_destroy(m);
    /* Every dword of config space a capability (48, the walk's bound), none virtio's. */
    m = vm_create(VM_PCI, 1, offered(VM_PCI));
    m->pcicfg[0x34] = 0x40;
    for (unsigned pos = 0x40; pos < 0x100; pos += 4) {
        m->pcicfg[pos] = 0x05;
        m->pcicfg[pos + 1] = (uint8_t)(pos + 4 < 0x100 ? pos + 4 : 0);
    }
    ck_assert_int_eq(probe_pci(m), -VIRTIO_ENODEV);
    vm_destroy(m);
}
END_TEST

START_TEST(test_pci_notify_offset_outside)
{
    struct vm *m = vm_create(VM_PCI, 1, offered(VM_PCI));
    m->q[0].notify_off = 0x400;                                /* 0x400 * 4 = the notify length */
    struct virtio_transport t;
    struct virtio_dev d;
    ck_assert_int_eq(vm_probe(m, &t), 0);
    ck_assert_int_eq(virtio_dev_init(&d, &t, 0), 0);
    struct virtq vq;
    memset(&vq, 0, sizeof vq);
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq, 0, 64, &m->mem, 0, VIRTIO_MSI_NO_VECTOR),
                     -VIRTIO_ERANGE);
    ck_assert(!m->q[0].ready);
    m->q[0].notify_off = 0x3ff;                                /* the last slot fits */
    ck_assert_int_eq(virtio_dev_setup_queue(&d, &vq, 0, 64, &m->mem, 0, VIRTIO_MSI_NO_VECTOR), 0);
    vm_destroy(m);
}
END_TEST

Suite *virtio_transport_suite(void)
{
    Suite *s = suite_create("virtio_transport");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_handshake, 0, 3);
    tcase_add_loop_test(tc, test_features_ok_refused, 0, 2);
    tcase_add_loop_test(tc, test_modern_needs_version_1, 0, 2);
    tcase_add_test(tc, test_reset_timeout);
    tcase_add_loop_test(tc, test_config_space, 0, 3);
    tcase_add_loop_test(tc, test_isr, 0, 3);
    tcase_add_test(tc, test_msix_vectors);
    tcase_add_test(tc, test_mmio_probe_rejects);
    tcase_add_test(tc, test_pci_caps_outside_bars);
    tcase_add_test(tc, test_pci_cap_list_malformed);
    tcase_add_test(tc, test_pci_notify_offset_outside);
    suite_add_tcase(s, tc);
    return s;
}
