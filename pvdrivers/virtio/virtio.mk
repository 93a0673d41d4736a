# The virtio library every user-space driver links. Included by the
# top-level Makefile after servers/runtime/runtime.mk (USER_BUILD,
# USER_CPPFLAGS, USER_CFLAGS come from there).
#
#   $(VIRTIO_LIB)       build/user/libvirtio.a from pvdrivers/virtio/*.c
#   $(VIRTIO_CPPFLAGS)  what a driver adds to USER_CPPFLAGS: the library's
#                       headers and the Linux uapi virtio headers
#   $(VIRTIO_SYSINC)    order-only prerequisite of anything using them
#
# The virtio structures come from Debian's linux-libc-dev, used in place.
# -nostdinc hides /usr/include, so a folder of links in build/ exposes just
# linux/, asm/ and asm-generic/ (their <stdint.h> is gcc's own).

VIRTIO_SYSINC   := $(USER_BUILD)/sysinc
VIRTIO_CPPFLAGS := -isystem $(VIRTIO_SYSINC) -Ipvdrivers/virtio
VIRTIO_SRCS     := $(wildcard pvdrivers/virtio/*.c)
VIRTIO_OBJS     := $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(VIRTIO_SRCS))
VIRTIO_LIB      := $(USER_BUILD)/libvirtio.a

$(VIRTIO_SYSINC):
	$(Q)test -f /usr/include/linux/virtio_ring.h || \
	  { echo "error: Linux uapi headers missing; run scripts/setup (package linux-libc-dev)"; exit 1; }
	$(Q)mkdir -p $@
	$(Q)ln -sfn /usr/include/linux $@/linux
	$(Q)ln -sfn /usr/include/$(shell $(CC) -dumpmachine)/asm $@/asm
	$(Q)ln -sfn /usr/include/asm-generic $@/asm-generic

$(VIRTIO_OBJS): $(USER_BUILD)/obj/%.o: %.c | $(VIRTIO_SYSINC)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user, virtio)"
	$(Q)$(CC) $(USER_CPPFLAGS) $(VIRTIO_CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(VIRTIO_LIB): $(VIRTIO_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

-include $(VIRTIO_OBJS:.o=.d)
