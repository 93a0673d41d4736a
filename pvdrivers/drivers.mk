# Driver programs: every pvdrivers/<name>/ with a main.c becomes
# build/user/<name>.elf, linked with the driver skeleton (pvdrivers/lib)
# and the virtio library. Included by the top-level Makefile after
# pvdrivers/virtio/virtio.mk.

DRV_LIB_SRCS := $(wildcard pvdrivers/lib/*.c)
DRV_DIRS     := $(patsubst %/main.c,%,$(wildcard pvdrivers/*/main.c))

define driver_program
DRV_OBJS_$(notdir $(1)) := $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(wildcard $(1)/*.c) $(DRV_LIB_SRCS))
$$(DRV_OBJS_$(notdir $(1))): USER_CPPFLAGS += $(VIRTIO_CPPFLAGS) -Ipvdrivers/lib
$$(DRV_OBJS_$(notdir $(1))): | $(VIRTIO_SYSINC)
USER_PROGRAMS += $(USER_BUILD)/$(notdir $(1)).elf
user: $(USER_BUILD)/$(notdir $(1)).elf
$(USER_BUILD)/$(notdir $(1)).elf: $$(DRV_OBJS_$(notdir $(1))) $(VIRTIO_LIB) $(USER_RUNTIME) $(USER_LDS)
	@echo "  LD      $$@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(VIRTIO_LIB) $(USER_RUNTIME) $(USER_LIBGCC)
-include $$(DRV_OBJS_$(notdir $(1)):.o=.d)
endef

$(foreach d,$(DRV_DIRS),$(eval $(call driver_program,$(d))))
