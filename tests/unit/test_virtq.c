/* Tests for pvdrivers/virtio/virtq.c over the software device of
 * virtio_model.c: round trips (direct and indirect), notification and
 * interrupt suppression, a full queue, 16-bit index wrap-around; and a
 * malicious device: bad used ids, double completion, lengths past the
 * posted buffers, used->idx running ahead or backwards, the descriptor
 * table and avail ring rewritten under the driver. */
#include <string.h>

#include "suites.h"
#include "virtio_model.h"

#define F(b) VIRTIO_BIT(b)

struct rig {
    struct vm *m;
    struct virtio_transport t;
    struct virtio_dev d;
    struct virtq vq;
};

static const enum vm_kind kinds[] = { VM_MMIO1, VM_MMIO2, VM_PCI };

/* A device of `kind` with queue 0 of `size` up; ring features as given. */
static void bring_up(struct rig *r, enum vm_kind kind, bool event, bool indirect, uint16_t size)
{
    uint64_t f = (kind == VM_MMIO1 ? 0 : F(VIRTIO_F_VERSION_1)) |
                 (event ? F(VIRTIO_RING_F_EVENT_IDX) : 0) |
                 (indirect ? F(VIRTIO_RING_F_INDIRECT_DESC) : 0);
    memset(r, 0, sizeof *r);
    r->m = vm_create(kind, 2, f);
    ck_assert_int_eq(vm_probe(r->m, &r->t), 0);
    ck_assert_int_eq(virtio_dev_init(&r->d, &r->t, 0), 0);
    ck_assert_int_eq(virtio_dev_setup_queue(&r->d, &r->vq, 0, size, &r->m->mem, 8,
                                            VIRTIO_MSI_NO_VECTOR), 0);
    ck_assert_int_eq(virtio_dev_driver_ok(&r->d), 0);
    ck_assert_int_eq(r->vq.event_idx, event);
    ck_assert_int_eq(r->vq.use_indirect, indirect);
}

/* A request: out bytes "hello"+n, two writable segments of 4 and 8. */
struct req {
    uint8_t *out, *in1, *in2;
    struct virtq_buf b[3];
};

static void make_req(struct rig *r, struct req *q, unsigned n)
{
    q->out = vm_alloc(r->m, 8, &q->b[0].phys);
    q->in1 = vm_alloc(r->m, 4, &q->b[1].phys);
    q->in2 = vm_alloc(r->m, 8, &q->b[2].phys);
    memcpy(q->out, "hello", 5);
    q->out[5] = (uint8_t)n;
    q->b[0].len = 6;
    q->b[1].len = 4;
    q->b[2].len = 8;
}

START_TEST(test_round_trip)
{
    struct rig r;
    bring_up(&r, kinds[_i / 2], false, _i % 2, 64);
    struct req q[5];
    for (unsigned i = 0; i < 5; i++) {
        make_req(&r, &q[i], i);
        ck_assert_int_eq(virtq_add(&r.vq, q[i].b, 1, 2, &q[i]), 0);
    }
    ck_assert_uint_eq(virtq_num_free(&r.vq), _i % 2 ? 64 - 5 : 64 - 15);
    ck_assert(virtq_kick(&r.vq));
    ck_assert_uint_eq(r.m->q[0].notifies, 1);
    struct vm_req vr;
    ck_assert(vm_pop(r.m, 0, &vr));
    ck_assert_int_eq(vr.indirect, _i % 2);
    ck_assert_uint_eq(vr.nseg, 3);
    ck_assert_uint_eq(vr.out_len, 6);
    ck_assert_uint_eq(vr.in_len, 12);
    vm_push_used(r.m, 0, vr.head, 6);
    ck_assert_uint_eq(vm_run(r.m, 0), 4);
    uint32_t len;
    for (unsigned i = 0; i < 5; i++) {
        ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[i]);
        ck_assert_uint_eq(len, 6);
        ck_assert(memcmp(q[i].in1, "hell", 4) == 0);
        ck_assert_uint_eq(q[i].in2[0], 'o');
        ck_assert_uint_eq(q[i].in2[1], i);
    }
    ck_assert_ptr_null(virtq_get_used(&r.vq, &len));
    ck_assert_int_eq(virtq_error(&r.vq), 0);
    ck_assert_uint_eq(virtq_num_free(&r.vq), 64);
    vm_destroy(r.m);
}
END_TEST

START_TEST(test_out_of_order_completion)
{
    struct rig r;
    bring_up(&r, VM_PCI, true, false, 16);
    struct req q[4];
    struct vm_req vr[4];
    for (unsigned i = 0; i < 4; i++) {
        make_req(&r, &q[i], i);
        ck_assert_int_eq(virtq_add(&r.vq, q[i].b, 1, 2, &q[i]), 0);
    }
    virtq_kick(&r.vq);
    for (unsigned i = 0; i < 4; i++)
        ck_assert(vm_pop(r.m, 0, &vr[i]));
    for (unsigned i = 4; i-- > 0;)
        vm_push_used(r.m, 0, vr[i].head, i);
    uint32_t len;
    for (unsigned i = 4; i-- > 0;) {
        ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[i]);
        ck_assert_uint_eq(len, i);
    }
    /* The free list survived: the whole queue can be filled again. */
    for (unsigned i = 0; i < 5; i++)
        ck_assert_int_eq(virtq_add(&r.vq, q[0].b, 1, 2, &q[0]), 0);
    ck_assert_int_eq(virtq_add(&r.vq, q[0].b, 1, 2, &q[0]), -VIRTIO_ENOSPC);
    vm_destroy(r.m);
}
END_TEST

START_TEST(test_queue_full)
{
    struct rig r;
    bring_up(&r, VM_MMIO2, false, false, 8);
    struct req q;
    make_req(&r, &q, 0);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), -VIRTIO_ENOSPC);
    ck_assert_uint_eq(vm_run(r.m, 0), 8);
    uint32_t len;
    for (unsigned i = 0; i < 7; i++)
        ck_assert_ptr_nonnull(virtq_get_used(&r.vq, &len));
    ck_assert_uint_eq(virtq_num_free(&r.vq), 7);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 2, &q), 0);      /* 3 of 7 */
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 2, &q), 0);      /* 3 of 4 */
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 2, &q), -VIRTIO_ENOSPC);
    struct virtq_buf many[9];
    for (unsigned i = 0; i < 9; i++)
        many[i] = q.b[0];
    ck_assert_int_eq(virtq_add(&r.vq, many, 9, 0, &q), -VIRTIO_EINVAL);  /* never fits */
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 0, 0, &q), -VIRTIO_EINVAL);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, NULL), -VIRTIO_EINVAL);
    ck_assert_int_eq(virtq_error(&r.vq), 0);
    vm_destroy(r.m);
}
END_TEST

START_TEST(test_indirect_limits)
{
    struct rig r;
    bring_up(&r, VM_PCI, false, true, 4);
    struct req q;
    make_req(&r, &q, 0);
    /* Four 3-segment requests in a 4-entry queue: one descriptor each. */
    for (unsigned i = 0; i < 4; i++)
        ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 2, &q), 0);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), -VIRTIO_ENOSPC);
    ck_assert_uint_eq(vm_run(r.m, 0), 4);
    uint32_t len;
    for (unsigned i = 0; i < 4; i++)
        ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q);
    /* More segments than a table holds (8): a direct chain, if it fits. */
    struct virtq_buf many[9];
    for (unsigned i = 0; i < 9; i++)
        many[i] = q.b[0];
    ck_assert_int_eq(virtq_add(&r.vq, many, 9, 0, &q), -VIRTIO_EINVAL);
    ck_assert_int_eq(virtq_add(&r.vq, many, 8, 0, &q), 0);
    struct vm_req vr;
    ck_assert(vm_pop(r.m, 0, &vr));
    ck_assert(vr.indirect);
    ck_assert_uint_eq(vr.nseg, 8);
    vm_destroy(r.m);
}
END_TEST

START_TEST(test_event_idx_suppression)
{
    struct rig r;
    bring_up(&r, kinds[_i], true, false, 16);
    struct req q;
    make_req(&r, &q, 0);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert(virtq_kick(&r.vq));                  /* avail_event 0: crossed */
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert(!virtq_kick(&r.vq));                 /* the device has not caught up */
    ck_assert(!virtq_kick(&r.vq));                 /* nothing new */
    ck_assert_uint_eq(vm_run(r.m, 0), 2);          /* avail_event = 2 */
    uint32_t len;
    while (virtq_get_used(&r.vq, &len) != NULL)     /* used_event = 2 */
        ;
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert(virtq_kick(&r.vq));                  /* batch of two, one kick */
    ck_assert_uint_eq(r.m->q[0].notifies, 2);

    /* Interrupts: used_event follows what the driver consumed. */
    r.m->interrupts = 0;
    ck_assert_uint_eq(vm_run(r.m, 0), 2);
    ck_assert_uint_eq(r.m->interrupts, 1);        /* the first meets used_event; the second not */
    virtq_disable_cb(&r.vq);
    while (virtq_get_used(&r.vq, &len) != NULL)
        ;
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    virtq_kick(&r.vq);
    r.m->interrupts = 0;
    ck_assert_uint_eq(vm_run(r.m, 0), 1);
    ck_assert_uint_eq(r.m->interrupts, 0);
    ck_assert(!virtq_enable_cb(&r.vq));           /* one arrived meanwhile: poll first */
    ck_assert_ptr_nonnull(virtq_get_used(&r.vq, &len));
    ck_assert(virtq_enable_cb(&r.vq));
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    virtq_kick(&r.vq);
    ck_assert_uint_eq(vm_run(r.m, 0), 1);
    ck_assert_uint_eq(r.m->interrupts, 1);
    vm_destroy(r.m);
}
END_TEST

START_TEST(test_flag_suppression)
{
    struct rig r;
    bring_up(&r, VM_MMIO2, false, false, 16);
    struct req q;
    make_req(&r, &q, 0);
    vm_set_used_flags(r.m, 0, VRING_USED_F_NO_NOTIFY);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert(!virtq_kick(&r.vq));
    vm_set_used_flags(r.m, 0, 0);
    ck_assert_int_eq(virtq_add(&r.vq, q.b, 1, 0, &q), 0);
    ck_assert(virtq_kick(&r.vq));
    virtq_disable_cb(&r.vq);
    ck_assert_uint_eq(vm_avail(r.m, 0)->flags, VRING_AVAIL_F_NO_INTERRUPT);
    r.m->interrupts = 0;
    ck_assert_uint_eq(vm_run(r.m, 0), 2);
    ck_assert_uint_eq(r.m->interrupts, 0);
    ck_assert(!virtq_enable_cb(&r.vq));
    ck_assert_uint_eq(vm_avail(r.m, 0)->flags, 0);
    vm_destroy(r.m);
}
END_TEST

/* More than 65536 requests through a small queue: every 16-bit index
 * (avail, used, both event indexes) wraps; batches of varying size. */
START_TEST(test_wrap_around)
{
    struct rig r;
    bring_up(&r, kinds[_i % 3], true, _i >= 3, 16);
    struct req q[16];
    for (unsigned i = 0; i < 16; i++)
        make_req(&r, &q[i], i);
    unsigned done = 0, posted = 0, kicks = 0;
    uint32_t seed = 1;
    while (done < 70000) {
        seed = seed * 1103515245 + 12345;
        unsigned batch = 1 + (seed >> 16) % 5;
        for (unsigned b = 0; b < batch; b++) {
            int rc = virtq_add(&r.vq, q[posted % 16].b, 1, 2, &q[posted % 16]);
            if (rc == -VIRTIO_ENOSPC)
                break;
            CHECK_EQ(rc, 0);
            posted++;
        }
        kicks += virtq_kick(&r.vq);
        vm_run(r.m, 0);
        uint32_t len;
        void *tok;
        while ((tok = virtq_get_used(&r.vq, &len)) != NULL) {
            CHECK(tok == &q[done % 16]);
            CHECK_EQ(len, 6);
            done++;
        }
        CHECK_EQ(virtq_error(&r.vq), 0);
    }
    ck_assert_uint_eq(r.m->q[0].notifies, kicks);
    ck_assert_uint_lt(r.vq.avail_idx, done);      /* it wrapped */
    vm_destroy(r.m);
}
END_TEST

/* --- a malicious device ---------------------------------------------------- */

/* Two requests posted (3 descriptors each, direct), not yet completed. */
static void two_posted(struct rig *r, struct req *q, struct vm_req *vr)
{
    bring_up(r, VM_PCI, true, false, 16);
    for (unsigned i = 0; i < 2; i++) {
        make_req(r, &q[i], i);
        ck_assert_int_eq(virtq_add(&r->vq, q[i].b, 1, 2, &q[i]), 0);
    }
    virtq_kick(&r->vq);
    ck_assert(vm_pop(r->m, 0, &vr[0]));
    ck_assert(vm_pop(r->m, 0, &vr[1]));
}

static void assert_broken(struct rig *r, struct req *q)
{
    uint32_t len = 0xdead;
    ck_assert_ptr_null(virtq_get_used(&r->vq, &len));
    ck_assert_uint_eq(len, 0xdead);
    ck_assert_int_eq(virtq_error(&r->vq), -VIRTIO_EBROKEN);
    ck_assert_ptr_nonnull(virtq_broken_reason(&r->vq));
    ck_assert_int_eq(virtq_add(&r->vq, q[0].b, 1, 2, &q[0]), -VIRTIO_EBROKEN);
    ck_assert(!virtq_kick(&r->vq));
    ck_assert_ptr_null(virtq_get_used(&r->vq, &len));
    vm_destroy(r->m);
}

START_TEST(test_bad_used_id)
{
    struct rig r;
    struct req q[2];
    struct vm_req vr[2];
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, 16, 0);                   /* id == size */
    assert_broken(&r, q);
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, 0xffffffffu, 0);
    assert_broken(&r, q);
}
END_TEST

START_TEST(test_used_id_not_in_flight)
{
    struct rig r;
    struct req q[2];
    struct vm_req vr[2];
    uint32_t len;
    /* Double completion. */
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, vr[0].head, 1);
    vm_push_used(r.m, 0, vr[0].head, 1);
    ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[0]);
    assert_broken(&r, q);
    /* The second descriptor of a chain, not its head. */
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, (uint32_t)vr[0].head + 1, 0);
    assert_broken(&r, q);
    /* A free descriptor. */
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, 10, 0);
    assert_broken(&r, q);
}
END_TEST

START_TEST(test_used_len_too_long)
{
    struct rig r;
    struct req q[2];
    struct vm_req vr[2];
    uint32_t len;
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, vr[0].head, 12);          /* exactly the writable bytes: fine */
    vm_push_used(r.m, 0, vr[1].head, 13);
    ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[0]);
    ck_assert_uint_eq(len, 12);
    assert_broken(&r, q);
}
END_TEST

START_TEST(test_used_idx_jumps)
{
    struct rig r;
    struct req q[2];
    struct vm_req vr[2];
    uint32_t len;
    /* Ahead by more than the queue size. */
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, vr[0].head, 0);
    vm_used(r.m, 0)->idx = 17;
    assert_broken(&r, q);
    /* Ahead by more than the requests in flight (still < size). */
    two_posted(&r, q, vr);
    vm_used(r.m, 0)->idx = 3;
    assert_broken(&r, q);
    /* Backwards. */
    two_posted(&r, q, vr);
    vm_push_used(r.m, 0, vr[0].head, 0);
    ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[0]);
    vm_used(r.m, 0)->idx = 0;
    assert_broken(&r, q);
}
END_TEST

/* The device scribbles over the descriptor table, the avail ring and the
 * indirect tables after taking the requests; completing them by the right
 * ids must still give the right tokens and keep the free list whole. */
START_TEST(test_rings_rewritten)
{
    struct rig r;
    bring_up(&r, kinds[_i % 3], false, _i >= 3, 16);
    struct req q[4];
    struct vm_req vr[4];
    for (unsigned i = 0; i < 4; i++) {
        make_req(&r, &q[i], i);
        ck_assert_int_eq(virtq_add(&r.vq, q[i].b, 1, 2, &q[i]), 0);
        ck_assert(vm_pop(r.m, 0, &vr[i]));
    }
    volatile struct vring_desc *d = vm_desc(r.m, 0);
    volatile struct vring_avail *av = vm_avail(r.m, 0);
    for (unsigned i = 0; i < 16; i++) {
        d[i].addr = 0xdeadbeef00ull + i;
        d[i].len = 0xffffffffu;
        d[i].flags = 0xffff;
        d[i].next = (uint16_t)(0xfff0 + i);
        av->ring[i] = 0xbeef;
    }
    av->idx = 0x7777;
    if (r.vq.indirect != NULL)
        memset((void *)r.vq.indirect, 0xa5, 16u * 8 * 16);
    for (unsigned i = 0; i < 4; i++)
        vm_push_used(r.m, 0, vr[i].head, 5);
    uint32_t len;
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_ptr_eq(virtq_get_used(&r.vq, &len), &q[i]);
        ck_assert_uint_eq(len, 5);
    }
    ck_assert_uint_eq(virtq_num_free(&r.vq), 16);
    /* The driver rebuilt everything it posts from its own state. */
    unsigned n = 0;
    while (virtq_add(&r.vq, q[0].b, 1, 2, &q[0]) == 0)
        n++;
    ck_assert_uint_eq(n, _i >= 3 ? 16 : 5);
    ck_assert_int_eq(virtq_error(&r.vq), 0);
    vm_destroy(r.m);
}
END_TEST

Suite *virtq_suite(void)
{
    Suite *s = suite_create("virtq");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_round_trip, 0, 6);
    tcase_add_test(tc, test_out_of_order_completion);
    tcase_add_test(tc, test_queue_full);
    tcase_add_test(tc, test_indirect_limits);
    tcase_add_loop_test(tc, test_event_idx_suppression, 0, 3);
    tcase_add_test(tc, test_flag_suppression);
    tcase_add_loop_test(tc, test_wrap_around, 0, 6);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("malicious");
    tcase_add_test(bad, test_bad_used_id);
    tcase_add_test(bad, test_used_id_not_in_flight);
    tcase_add_test(bad, test_used_len_too_long);
    tcase_add_test(bad, test_used_idx_jumps);
    tcase_add_loop_test(bad, test_rings_rewritten, 0, 6);
    suite_add_tcase(s, bad);
    return s;
}
