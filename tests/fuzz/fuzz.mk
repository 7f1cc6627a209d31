# Builds the libFuzzer target with clang, ASan and UBSan:
#   make fuzz            -> build/fuzz/fuzz_verify
#   make fuzz-run        -> runs it for FUZZ_SECONDS (tests/fuzz/run.sh)
FCC := clang
FPGFLAGS ?= -I/usr/include/postgresql
FFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
          -fno-sanitize-recover=all -fno-omit-frame-pointer -Iinclude -Isrc $(FPGFLAGS) \
          -Wall -Wextra -Werror -Wno-missing-field-initializers
FLIB_SRCS := $(filter-out src/cli/%,$(wildcard src/*/*.c))
FLIB_OBJS := $(FLIB_SRCS:%.c=build/fuzz/obj/%.o)
# FLIBS comes from the Makefile's LIBS (make fuzz passes it), so the two never drift.
FLIBS ?= $(error run this through `make fuzz`, which passes FLIBS)

build/fuzz/fuzz_verify: tests/fuzz/fuzz_verify.c $(FLIB_OBJS)
	@mkdir -p $(dir $@)
	$(FCC) $(FFLAGS) -fsanitize=fuzzer -o $@ $^ $(FLIBS)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FCC) $(FFLAGS) -c $< -o $@
