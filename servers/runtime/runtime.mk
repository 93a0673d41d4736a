# User programs and their runtime. Included by the top-level Makefile
# (which defines BUILD, CC, LD, Q); usable alone with
#   make -f Makefile -f servers/runtime/runtime.mk user
#
#   $(USER_RUNTIME)         build/user/libruntime.a: servers/runtime/*.c and
#                           the pure libraries user space shares with the kernel
#   $(call user_program,D)  a rule linking every D/*.c into build/user/<basename D>.elf;
#                           extra libraries for one program: set the target-specific
#                           USER_PROGRAM_LIBS on its .elf (and make them prerequisites)
#   user                    builds every program in USER_PROGRAM_DIRS
#                           (default: each servers/*/ with a main.c, except the
#                           lwIP programs in USER_LWIP_PROGRAM_DIRS: lwip.mk builds those)

BUILD      ?= build
CC         ?= gcc
LD         ?= ld
Q          ?= @

USER_BUILD   := $(BUILD)/user
USER_RUNTIME := $(USER_BUILD)/libruntime.a
USER_LDS     := servers/runtime/user.ld

# Freestanding C: no libc headers (-nostdinc; gcc's own stdint.h, stdarg.h
# etc. stay reachable), normal x86-64 user code generation (SSE allowed).
# User programs see the system-call ABI (uapi/) and the pure libraries
# (kernel/lib/include), never the kernel's own headers.
USER_CPPFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ipvdrivers/include -Ipvdrivers/client \
                 -Iservers/runtime -Ikernel/include/uapi -Ikernel/lib/include
USER_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
               -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing \
               -fno-common -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
               -Wshadow -Wvla -MMD -MP
USER_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --build-id=none \
                -T $(USER_LDS)
USER_LIBGCC  := $(shell $(CC) -print-libgcc-file-name)

USER_RUNTIME_SRCS := $(wildcard servers/runtime/*.c) $(wildcard pvdrivers/client/*.c) kernel/lib/fmt.c kernel/lib/elf.c \
                     kernel/lib/cpio.c kernel/lib/cmdline.c kernel/lib/string.c
USER_RUNTIME_OBJS := $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(USER_RUNTIME_SRCS))
USER_PROGRAMS     :=

$(USER_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	$(Q)$(CC) $(USER_CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(USER_RUNTIME): $(USER_RUNTIME_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# $(eval $(call user_program,DIR)): build/user/<basename DIR>.elf from DIR/*.c,
# added to USER_PROGRAMS and to the `user` target (wherever the call is).
define user_program
USER_PROGRAMS += $(USER_BUILD)/$(notdir $(1)).elf
user: $(USER_BUILD)/$(notdir $(1)).elf
$(USER_BUILD)/$(notdir $(1)).elf: $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(wildcard $(1)/*.c)) \
                                  $(USER_RUNTIME) $(USER_LDS)
	@echo "  LD      $$@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(USER_PROGRAM_LIBS) $(USER_RUNTIME) $(USER_LIBGCC)
-include $(patsubst %.c,$(USER_BUILD)/obj/%.d,$(wildcard $(1)/*.c))
endef

.PHONY: user user-clean
user:
user-clean:
	rm -rf $(USER_BUILD)

# Programs linked with liblwip.a (servers/net/lwip/lwip.mk adds them when
# scripts/setup has fetched lwIP).
USER_LWIP_PROGRAM_DIRS := servers/netsrv
USER_PROGRAM_DIRS ?= $(filter-out servers/runtime $(USER_LWIP_PROGRAM_DIRS), \
                       $(patsubst %/main.c,%,$(wildcard servers/*/main.c)))
$(foreach d,$(USER_PROGRAM_DIRS),$(eval $(call user_program,$(d))))

-include $(USER_RUNTIME_OBJS:.o=.d)
