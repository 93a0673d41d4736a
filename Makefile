# pvkernel: an x86-64 microkernel that boots as a PVH guest.
#
#   make            build build/kernel.elf (configures with configs/defconfig if needed)
#   make run        boot it in QEMU (TARGET=microvm|microvm-pcie|q35|pc|xen, MEM=..., CMDLINE=...)
#   make test       host unit tests, fuzz smoke, boot tests on every target; ends with "N passed, M failed"
#   make defconfig | menuconfig | olddefconfig
#   make bench-boot boot-time table (scripts/bench-boot)
#   make bench-ipc  IPC round trips against Linux (scripts/bench-ipc)
#   make bench-blk  virtio-blk disk throughput and IOPS against Linux (scripts/bench-blk)
#   make bench-http HTTP requests/s and MB/s with wrk, the appliance against Linux (scripts/bench-http)
#   make bench-restart  driver recovery times over injected crashes and hangs (FAULTS=, HANGS=)
#   make bench-irqoff  longest interrupts-off stretch and deepest kernel stack (scripts/bench-irqoff)
#   make fuzz-build | fuzz | fuzz-smoke   libFuzzer harnesses (tests/fuzz/fuzz.mk)
#   make sdk        the SDK for out-of-tree programs in build/sdk (sdk/sdk.mk, sdk/README.md)
#   make install-sdk PREFIX=/p   make sdk, then copy it into /p (default /usr/local)
#
# Everything generated lives under build/.

BUILD      ?= build
CC         ?= gcc
HOSTCC     ?= gcc
LD         ?= ld
Q          := $(if $(V),,@)

BUNDLE     := $(BUILD)/bundle.cpio
CONFIG     := $(BUILD)/.config
AUTOCONF   := $(BUILD)/include/generated/autoconf.h
SYSINC     := $(BUILD)/sysinc

# --- kernel -----------------------------------------------------------------

KERNEL_SRCS := $(filter-out kernel/arch/x86_64/asm-offsets.c, \
                 $(wildcard kernel/arch/x86_64/*.S kernel/arch/x86_64/*.c kernel/core/*.c \
                            kernel/object/*.c kernel/lib/*.c))
ASM_OFFSETS := $(BUILD)/include/generated/asm-offsets.h
KERNEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(KERNEL_SRCS)))

# Freestanding: no libc headers are reachable (-nostdinc); only gcc's own
# headers and the Xen public headers, through a folder of links in build/.
# Core code sees the architecture only through kernel/arch/x86_64/include
# (#include "arch/..."); the architecture's own headers sit beside its
# sources and are found from there alone.
KERNEL_CPPFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
                   -isystem $(SYSINC) -Ikernel/include -Ikernel/lib/include \
                   -Ikernel/arch/x86_64/include -Ihvabi -I$(BUILD)/include/generated \
                   -include $(AUTOCONF) -D__XEN_INTERFACE_VERSION__=0x00040d00 -DKERNEL
KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
                 -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -mno-sse -mno-mmx \
                 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing \
                 -fno-common -O2 -g -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
                 -Wshadow -Wvla -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

.PHONY: all kernel defconfig menuconfig olddefconfig setup run test unit-test boot-test \
        bench-boot bench-ipc bench-blk bench-http bench-restart bench-irqoff clean distclean \
        sdk install-sdk

all: kernel $(BUNDLE)
kernel: $(BUILD)/kernel.elf

$(BUILD)/kernel.elf: $(KERNEL_OBJS) $(BUILD)/kernel.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(BUILD)/kernel.ld -o $@ $(KERNEL_OBJS)

$(BUILD)/kernel.ld: kernel/arch/x86_64/kernel.ld kernel/arch/x86_64/include/arch/layout.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -D__ASSEMBLER__ -Ikernel/arch/x86_64/include $< -o $@

$(BUILD)/obj/%.o: %.c $(AUTOCONF) | $(SYSINC)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) -c $< -o $@

# Structure offsets for assembly, from the C definitions (Linux's trick).
# Its dependency file lists every header the offsets come from, so a change
# to any of them regenerates it (and every .S rebuilds after it).
$(ASM_OFFSETS): kernel/arch/x86_64/asm-offsets.c $(AUTOCONF) | $(SYSINC)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) -MT $@ -MF $@.d -S $< -o $@.s
	$(Q)(echo "/* Generated from $<. */"; \
	     sed -nE 's/.*->([A-Z0-9_]+) \$$?(-?[0-9]+).*/#define \1 \2/p' $@.s) > $@
	$(Q)rm -f $@.s

$(BUILD)/obj/%.o: %.S $(AUTOCONF) $(ASM_OFFSETS) | $(SYSINC)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_CPPFLAGS) -D__ASSEMBLER__ -MMD -MP -c $< -o $@

# Xen's public headers from Debian's libxen-dev, used in place.
$(SYSINC):
	$(Q)test -f /usr/include/xen/arch-x86/hvm/start_info.h || \
	  { echo "error: Xen public headers missing; run scripts/setup (package libxen-dev)"; exit 1; }
	$(Q)mkdir -p $@ && ln -sfn /usr/include/xen $@/xen

# --- configuration (Debian's kconfig-frontends) ------------------------------

KCONF_ENV := KCONFIG_CONFIG=.config

$(CONFIG):
	$(Q)mkdir -p $(BUILD)
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-conf --defconfig=$(CURDIR)/configs/defconfig $(CURDIR)/Kconfig >/dev/null

# New options in Kconfig take their defaults (no questions asked), then the
# headers are generated.
$(AUTOCONF): $(CONFIG) Kconfig
	$(Q)mkdir -p $(BUILD)/include/config $(BUILD)/include/generated
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-conf --olddefconfig $(CURDIR)/Kconfig >/dev/null
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-conf --silentoldconfig $(CURDIR)/Kconfig
	$(Q)touch $@

defconfig:
	$(Q)mkdir -p $(BUILD)
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-conf --defconfig=$(CURDIR)/configs/defconfig $(CURDIR)/Kconfig
menuconfig:
	$(Q)mkdir -p $(BUILD)
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-mconf $(CURDIR)/Kconfig
olddefconfig:
	$(Q)mkdir -p $(BUILD)
	$(Q)cd $(BUILD) && $(KCONF_ENV) kconfig-conf --olddefconfig $(CURDIR)/Kconfig

# --- user space: runtime, programs, the boot bundle ---------------------------

include servers/runtime/runtime.mk
include pvdrivers/virtio/virtio.mk
include pvdrivers/drivers.mk
include servers/net/lwip/lwip.mk
all: $(VIRTIO_LIB) fs-lib httpd-core
# The ext2 core (servers/fs/, no program yet) built freestanding with the
# user flags, so that it keeps building for the future file server.
FS_LIB_SRCS := $(wildcard servers/fs/*.c)
FS_LIB_OBJS := $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(FS_LIB_SRCS))
.PHONY: fs-lib
fs-lib: $(FS_LIB_OBJS)
# The file server links the core (its rule takes every .o prerequisite).
$(USER_BUILD)/fssrv.elf: $(FS_LIB_OBJS)
-include $(FS_LIB_OBJS:.o=.d)
# The HTTP core (servers/httpd/ without main.c, which runtime.mk links into
# the httpd program once it exists) built freestanding the same way.
HTTPD_CORE_SRCS := $(filter-out servers/httpd/main.c,$(wildcard servers/httpd/*.c))
HTTPD_CORE_OBJS := $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(HTTPD_CORE_SRCS))
.PHONY: httpd-core
httpd-core: $(HTTPD_CORE_OBJS)
-include $(HTTPD_CORE_OBJS:.o=.d)
# In-guest test programs live under tests/guest/ (mirroring servers/).
$(foreach d,$(patsubst %/main.c,%,$(wildcard tests/guest/*/main.c)),$(eval $(call user_program,$(d))))

# The bundle is the first boot module: a cpio archive of every program,
# named without .elf ("init", "demo", ...). The kernel starts "init".
# The service manifest (servers/init/manifest) goes in as "manifest".
BUNDLE_MANIFEST := servers/init/manifest
$(BUNDLE): $(USER_PROGRAMS) $(BUNDLE_MANIFEST)
	@echo "  CPIO    $@"
	$(Q)rm -rf $(BUILD)/bundle && mkdir -p $(BUILD)/bundle
	$(Q)for p in $(USER_PROGRAMS); do cp $$p $(BUILD)/bundle/$$(basename $$p .elf); done
	$(Q)cp $(BUNDLE_MANIFEST) $(BUILD)/bundle/manifest
	$(Q)cd $(BUILD)/bundle && ls | LC_ALL=C sort | cpio -o -H newc --quiet > ../bundle.cpio

# --- host unit tests (Check) -------------------------------------------------

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_EXTRA := $(wildcard pvdrivers/virtio/*.c) servers/devmgr/pci.c \
              servers/runtime/manifest.c servers/runtime/superv.c servers/netsrv/ipaddr.c servers/netsrv/csum.c \
              $(wildcard servers/fs/*.c) $(HTTPD_CORE_SRCS)              # pure user-space code
UNIT_LIBS := $(filter-out kernel/lib/string.c,$(wildcard kernel/lib/*.c))    # the host libc has its own strings
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Ikernel/include -Ikernel/lib/include \
               -Ikernel/arch/x86_64/include -Ihvabi -Itests/unit -Ipvdrivers/virtio \
               -Ipvdrivers/include -Iservers/devmgr -Iservers/runtime -Iservers/fs -Iservers/netsrv \
               -Iservers/httpd -D__XEN_INTERFACE_VERSION__=0x00040d00 -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer

$(BUILD)/unit-tests: $(UNIT_SRCS) $(UNIT_LIBS) $(UNIT_EXTRA) kernel/object/cap.c $(LWIP_HOST_LIB) \
                     $(wildcard kernel/include/*.h kernel/include/*/*.h kernel/lib/include/*.h tests/unit/*.h \
                                pvdrivers/virtio/*.h pvdrivers/include/pvk/*.h servers/devmgr/pci.h \
                                servers/runtime/manifest.h servers/runtime/superv.h servers/fs/*.h \
                                servers/httpd/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(LWIP_HOST_CPPFLAGS) -o $@ $(UNIT_SRCS) $(UNIT_LIBS) $(UNIT_EXTRA) \
	   kernel/object/cap.c $(LWIP_HOST_LIB) $$(pkg-config --cflags --libs check)

include tests/fuzz/fuzz.mk
include sdk/sdk.mk

# --- running and testing -----------------------------------------------------

setup:
	$(Q)scripts/setup

# The devices `make run` gives the guest (DEVICES=none for none): a disk and
# a network card on QEMU's user network, virtio-mmio on microvm, virtio-pci
# elsewhere (with the IOMMU under Xen); the device manager starts a driver for
# each. The disk is an ext2 image made from the folder WWW (default
# servers/httpd/www, the appliance's site) with mke2fs -d each time; the file
# server mounts it and the web server serves it. Host port HTTP_PORT (default
# 8080) is forwarded to the guest's port 80 (httpd); the URL is printed
# before QEMU starts.
RUN_TARGET := $(or $(TARGET),microvm)
RUN_WWW    := $(or $(WWW),servers/httpd/www)
RUN_DISK   := $(BUILD)/run-www.img
RUN_PORT   := $(or $(HTTP_PORT),8080)
comma      := ,
RUN_PCI    := $(if $(filter xen,$(RUN_TARGET)),iommu_platform=on$(comma))disable-legacy=on
RUN_NET    := -netdev user$(comma)id=n0$(comma)hostfwd=tcp:127.0.0.1:$(RUN_PORT)-:80
RUN_DEVICES := $(if $(filter none,$(DEVICES)),,-- -drive file=$(RUN_DISK),if=none,id=d0,format=raw \
    $(if $(filter microvm,$(RUN_TARGET)),-device virtio-blk-device$(comma)drive=d0 $(RUN_NET) -device virtio-net-device$(comma)netdev=n0,\
    -device virtio-blk-pci$(comma)drive=d0$(comma)$(RUN_PCI) $(RUN_NET) -device virtio-net-pci$(comma)netdev=n0$(comma)$(RUN_PCI)))

run: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(if $(filter none,$(DEVICES)),true,scripts/mkimage $(RUN_WWW) $(RUN_DISK))
	$(Q)$(if $(filter none,$(DEVICES)),,echo "run: serving $(RUN_WWW) at http://127.0.0.1:$(RUN_PORT)/ once the guest logs 'httpd: ready' (Ctrl-A X quits)")
	$(Q)scripts/run-qemu --target $(RUN_TARGET) $(if $(MEM),--mem $(MEM)) \
	   --bundle $(BUNDLE) $(if $(CMDLINE),--cmdline "$(CMDLINE)") $(RUN_DEVICES)

unit-test: setup
	$(Q)$(MAKE) --no-print-directory $(BUILD)/unit-tests
	$(Q)CK_VERBOSITY=normal $(BUILD)/unit-tests

boot-test: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/boot/run-all

test: setup
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/unit-tests
	$(Q)tests/run-all

bench-ipc: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench-ipc

bench-restart: setup
	$(Q)scripts/bench-restart $(if $(FAULTS),--faults $(FAULTS)) $(if $(HANGS),--hangs $(HANGS))

bench-blk: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench-blk

bench-http: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench-http

bench-boot: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench-boot

bench-irqoff: setup
	$(Q)scripts/bench-irqoff

clean:
	rm -rf $(BUILD)/obj $(BUILD)/kernel.elf $(BUILD)/kernel.ld $(BUILD)/unit-tests $(BUILD)/test-logs \
	       $(BUILD)/user $(BUILD)/bundle $(BUNDLE) $(BUILD)/lwip-host

distclean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJS:.o=.d) $(ASM_OFFSETS).d
