# --- host fuzzing (libFuzzer; included from the top Makefile) ----------------
#
#   make fuzz-build                 build/fuzz/fuzz_<name> and the seed corpora
#   make fuzz [FUZZ_SECONDS=60]     each harness for FUZZ_SECONDS, corpus kept in build/fuzz/corpus/
#   make fuzz-smoke                 each harness briefly (tests/run-all does this)
#   make fuzz FUZZ_ONLY="acpi elf"  only some harnesses
#
# One harness per parser of untrusted input in kernel/lib/, servers/fs/,
# servers/httpd/ and the network server's input path (lwIP; see
# tests/fuzz/README.md).

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_ONLY    ?=
FUZZ_NAMES   := bootinfo memmap acpi elf cpio cmdline ext2 http netinput
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=c11 -O1 -g -Wall -Wextra -Werror -Ikernel/include -Ikernel/lib/include -Ihvabi -Itests/fuzz \
                -D__XEN_INTERFACE_VERSION__=0x00040d00 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_COMMON  := tests/fuzz/fuzz_common.c kernel/lib/diag.c kernel/lib/fmt.c

# The kernel/lib sources each harness links.
FUZZ_LIBS_bootinfo := kernel/lib/bootinfo.c kernel/lib/memmap.c
FUZZ_LIBS_memmap   := kernel/lib/memmap.c
FUZZ_LIBS_acpi     := kernel/lib/acpi.c
FUZZ_LIBS_elf      := kernel/lib/elf.c
FUZZ_LIBS_cpio     := kernel/lib/cpio.c
FUZZ_LIBS_cmdline  := kernel/lib/cmdline.c
FUZZ_LIBS_ext2     := $(wildcard servers/fs/*.c)
FUZZ_INCS_ext2     := -Iservers/fs
FUZZ_LIBS_http     := $(HTTPD_CORE_SRCS)
FUZZ_INCS_http     := -Iservers/httpd
FUZZ_LIBS_netinput := $(FUZZ_DIR)/lwip/liblwip.a
FUZZ_INCS_netinput := $(LWIP_HOST_CPPFLAGS)

# lwIP for the netinput harness: lwip.mk's sources and configuration,
# compiled by clang with the fuzzer's coverage and sanitizers (the unit
# tests' host library is gcc's, whose sanitizer runtime cannot mix).
FUZZ_LWIP_OBJS := $(patsubst $(LWIP_DIR)/%.c,$(FUZZ_DIR)/lwip/obj/%.o,$(LWIP_CORE_SRCS)) \
                  $(patsubst %.c,$(FUZZ_DIR)/lwip/obj/port/%.o,$(notdir $(LWIP_PORT_SRCS)))
FUZZ_LWIP_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer-no-link,address,undefined \
                    -fno-sanitize-recover=all -fno-omit-frame-pointer -MMD -MP

$(filter-out $(FUZZ_DIR)/lwip/obj/port/%,$(FUZZ_LWIP_OBJS)): $(FUZZ_DIR)/lwip/obj/%.o: $(LWIP_DIR)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(LWIP_HOST_CPPFLAGS) $(FUZZ_LWIP_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/lwip/obj/port/%.o: $(LWIP_PORT)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(LWIP_HOST_CPPFLAGS) $(FUZZ_LWIP_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/lwip/liblwip.a: $(FUZZ_LWIP_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^
-include $(FUZZ_LWIP_OBJS:.o=.d)

FUZZ_BINS  := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
FUZZ_SEEDS := $(FUZZ_DIR)/seeds/.stamp
FUZZ_RUN   := tests/fuzz/run --build $(FUZZ_DIR) $(FUZZ_ONLY)

.PHONY: fuzz-build fuzz fuzz-smoke

define fuzz_harness
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_COMMON) $(FUZZ_LIBS_$(1)) tests/fuzz/fuzz.h \
                       $(wildcard kernel/include/*.h servers/fs/*.h servers/httpd/*.h)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INCS_$(1)) -o $$@ tests/fuzz/fuzz_$(1).c $(FUZZ_COMMON) $(FUZZ_LIBS_$(1))
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_harness,$(n))))

# Seed corpora: small valid inputs written by a generator (no binaries in git).
$(FUZZ_SEEDS): tests/fuzz/gen_seeds.c
	@mkdir -p $(FUZZ_DIR)
	@echo "  SEEDS   $(FUZZ_DIR)/seeds"
	$(Q)$(HOSTCC) -std=c11 -D_DEFAULT_SOURCE -O1 -Wall -Wextra -Werror -D__XEN_INTERFACE_VERSION__=0x00040d00 \
	   -o $(FUZZ_DIR)/gen_seeds $<
	$(Q)rm -rf $(FUZZ_DIR)/seeds && $(FUZZ_DIR)/gen_seeds $(FUZZ_DIR)/seeds && touch $@

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)

fuzz: fuzz-build
	$(Q)$(FUZZ_RUN) --seconds $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	$(Q)$(FUZZ_RUN) --smoke
