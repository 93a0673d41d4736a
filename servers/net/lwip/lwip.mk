# lwIP 2.1 (Debian's source package, unpacked by scripts/setup into
# $(BUILD)/lwip; never in git), configured by servers/net/lwip/lwipopts.h
# and arch/cc.h. Included by the top-level Makefile (after runtime.mk).
#
#   $(LWIP_LIB)        build/user/liblwip.a: lwIP's core and port.c, freestanding
#                      (built by `all` when the sources are there)
#   $(LWIP_HOST_LIB)   build/lwip-host/liblwip.a: the same for the host, with
#                      the unit tests' sanitizers; $(LWIP_HOST_CPPFLAGS) to use it

LWIP_DIR     := $(BUILD)/lwip/src
# Written by scripts/setup after the version check.
LWIP_STAMP   := $(BUILD)/lwip/.version-ok
LWIP_PORT    := servers/net/lwip

# The core: IPv4, ARP over Ethernet, ICMP, UDP, TCP, DHCP (what lwipopts.h
# leaves off compiles to nothing). Not api/ (sockets, netconn), not apps/.
LWIP_CORE_SRCS := $(addprefix $(LWIP_DIR)/, \
    core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
    core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/timeouts.c \
    core/tcp.c core/tcp_in.c core/tcp_out.c core/udp.c \
    core/ipv4/etharp.c core/ipv4/dhcp.c core/ipv4/icmp.c core/ipv4/ip4.c \
    core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c)
LWIP_PORT_SRCS := $(LWIP_PORT)/port.c

# lwIP 2.1.3's core compiles clean under the project's own flags (USER_CFLAGS,
# -Werror included; the host build under -Wall -Wextra -Werror), so nothing
# is relaxed. Its objects go to their own folders (lwip-obj/, lwip-host/obj/).

# --- freestanding (user space) -------------------------------------------------

LWIP_LIB      := $(USER_BUILD)/liblwip.a
LWIP_CPPFLAGS := -I$(LWIP_PORT) -I$(LWIP_PORT)/freestanding -I$(LWIP_DIR)/include
LWIP_OBJS     := $(patsubst $(LWIP_DIR)/%.c,$(USER_BUILD)/lwip-obj/%.o,$(LWIP_CORE_SRCS)) \
                 $(patsubst %.c,$(USER_BUILD)/lwip-obj/port/%.o,$(notdir $(LWIP_PORT_SRCS)))

$(filter-out $(USER_BUILD)/lwip-obj/port/%,$(LWIP_OBJS)): $(USER_BUILD)/lwip-obj/%.o: $(LWIP_DIR)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CPPFLAGS) $(LWIP_CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(USER_BUILD)/lwip-obj/port/%.o: $(LWIP_PORT)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CPPFLAGS) $(LWIP_CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(LWIP_LIB): $(LWIP_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# --- host (unit tests) ----------------------------------------------------------

LWIP_HOST_LIB      := $(BUILD)/lwip-host/liblwip.a
LWIP_HOST_CPPFLAGS := -I$(LWIP_PORT) -I$(LWIP_DIR)/include
LWIP_HOST_CFLAGS   := -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer -MMD -MP
LWIP_HOST_OBJS     := $(patsubst $(LWIP_DIR)/%.c,$(BUILD)/lwip-host/obj/%.o,$(LWIP_CORE_SRCS)) \
                      $(patsubst %.c,$(BUILD)/lwip-host/obj/port/%.o,$(notdir $(LWIP_PORT_SRCS)))

$(filter-out $(BUILD)/lwip-host/obj/port/%,$(LWIP_HOST_OBJS)): $(BUILD)/lwip-host/obj/%.o: $(LWIP_DIR)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(LWIP_HOST_CPPFLAGS) $(LWIP_HOST_CFLAGS) -c $< -o $@

$(BUILD)/lwip-host/obj/port/%.o: $(LWIP_PORT)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(LWIP_HOST_CPPFLAGS) $(LWIP_HOST_CFLAGS) -c $< -o $@

$(LWIP_HOST_LIB): $(LWIP_HOST_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(LWIP_STAMP):
	@echo "error: lwIP sources missing ($(LWIP_DIR)); run scripts/setup (fetches Debian's lwip source package)"
	@exit 1

# `all` builds the library when the sources are there (scripts/setup fetched them),
# and the programs that link it (USER_LWIP_PROGRAM_DIRS, runtime.mk: the network
# server servers/netsrv), compiled with lwIP's headers.
all: $(if $(wildcard $(LWIP_STAMP)),$(LWIP_LIB))
ifneq ($(wildcard $(LWIP_STAMP)),)
$(foreach d,$(USER_LWIP_PROGRAM_DIRS),$(eval $(call user_program,$(d))))
$(foreach d,$(USER_LWIP_PROGRAM_DIRS),$(eval $(USER_BUILD)/obj/$(d)/%.o: USER_CPPFLAGS += $(LWIP_CPPFLAGS)))
$(foreach d,$(USER_LWIP_PROGRAM_DIRS),$(eval $(USER_BUILD)/$(notdir $(d)).elf: $(LWIP_LIB)))
$(foreach d,$(USER_LWIP_PROGRAM_DIRS),$(eval $(USER_BUILD)/$(notdir $(d)).elf: USER_PROGRAM_LIBS := $(LWIP_LIB)))
endif

-include $(LWIP_OBJS:.o=.d) $(LWIP_HOST_OBJS:.o=.d)
