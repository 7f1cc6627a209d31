# mdlgate - build, test, run.
#
#   make            build build/mdlgate and build/libmdlgate.a (installs deps first)
#   make test       build and run every test (unit, conformance, interop)
#   make test SANITIZE=1   the same with ASan + UBSan (objects in build/san)
#   make run        start the service on embedded defaults
#   make bench      run the benchmarks: verification (in process, and over HTTP with wrk) and
#                   screening (tests/bench/screen.sh; make bench SCREEN_ROWS=100000 for a quick run),
#                   on SQLite and on a local PostgreSQL (SCREEN_PG_ROWS claims)
#   make fuzz       build the libFuzzer target (clang); make fuzz-run FUZZ_SECONDS=60
#   make deps       install missing Debian packages (apt-get, non-interactive)

SHELL := /bin/bash
SHARED ?= $(abspath ../shared)
export MDLG_SHARED := $(SHARED)

ifeq ($(SANITIZE),1)
B := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT := -O1
else
B := build
SANFLAGS :=
OPT := -O2
endif

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-missing-field-initializers
# libpq-fe.h lives in /usr/include/postgresql on Debian (only src/store includes it).
PG_CFLAGS := -I/usr/include/postgresql
CFLAGS := -std=gnu11 $(OPT) -g $(WARN) $(SANFLAGS) -Iinclude -Isrc -Itests/support $(PG_CFLAGS) -MMD -MP
LDFLAGS := $(SANFLAGS)
LIBS := -lssl -lcrypto -lcbor -lsodium -ljansson -lmicrohttpd -lcurl -lsqlite3 -lz -lpthread
LIBS += -lidn2 -licui18n -licuuc -lpsl
LIBS += -lpq

# nodejs/npm (tests/interop) only when node/npm are not on PATH: a NodeSource nodejs (as on the
# dev/CI machines) bundles npm and Conflicts: npm, so asking apt for Debian's npm there fails.
NODE_PKGS := $(if $(shell command -v node 2>/dev/null),,nodejs) $(if $(shell command -v npm 2>/dev/null),,npm)
DEB_PKGS := build-essential libssl-dev libcbor-dev libmicrohttpd-dev libsodium-dev libsqlite3-dev \
            libjansson-dev libcmocka-dev libcurl4-openssl-dev zlib1g-dev clang \
            libclang-rt-14-dev xxd python3 python3-yaml $(NODE_PKGS)
DEB_PKGS += libidn2-dev libicu-dev libpsl-dev
# headless browser for tests/cli/web_browser.sh (driven by npm playwright-core, tests/web/)
DEB_PKGS += chromium
# libpq for the PostgreSQL store; the server for the tests (tests/support/with-postgres.sh).
DEB_PKGS += libpq-dev postgresql
# wrk for the HTTP figure of make bench (tests/bench/http.sh); valgrind for its instruction
# counts per request (callgrind)
DEB_PKGS += wrk valgrind
# the openssl tool: make run renews expiring demo certificates (src/cli/run-demo.sh); tests
DEB_PKGS += openssl

LIB_SRCS := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRCS := $(wildcard src/cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/obj/%.o)
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(B)/obj/%.o)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)

.SECONDARY:
.PHONY: all deps test unit-test interop-test run bench bench-screen fuzz fuzz-run clean check-includes
.DEFAULT_GOAL := all

all: deps $(B)/mdlgate $(B)/libmdlgate.a

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# src/coverage/coverage_data.c embeds this file with .incbin (no header dependency to see).
$(B)/obj/src/coverage/coverage_data.o: state-coverage/coverage.rec

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libmdlgate.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/mdlgate: $(CLI_OBJS) $(B)/libmdlgate.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libmdlgate.a $(LIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(B)/libmdlgate.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(B)/libmdlgate.a $(LIBS) -lcmocka

test: deps check-includes $(B)/mdlgate $(TEST_BINS)
	@tests/support/with-postgres.sh tests/run-tests.sh $(B) $(TEST_BINS)

check-includes:
	@tests/check-includes.sh

# Starts the service on 127.0.0.1:8080; the first start creates a demo configuration in var/
# (demo IACA, API key printed once). See README "Running the service" and src/cli/run-demo.sh.
run: all
	@src/cli/run-demo.sh $(B)

# mdlgate bench (in process) and, from the same run, the HTTP figure: wrk against mdlgate serve
# on a loopback ephemeral port (tests/bench/http.sh prints the method; BENCH_* variables there).
bench: all
	@tests/bench/http.sh $(B)
	@SCREEN_ROWS=$(SCREEN_ROWS) tests/bench/screen.sh $(B)
	@SCREEN_ROWS=$(SCREEN_PG_ROWS) SCREEN_POSTGRES=1 SCREEN_JSON=$(B)/bench_screen_pg.json \
	    tests/bench/screen.sh $(B)

# The screening figures alone: SCREEN_ROWS synthetic claims batch-screened into an empty ledger,
# then single screenings against it (tests/bench/screen.sh prints the method; SCREEN_* there).
SCREEN_ROWS ?= 1000000
# The PostgreSQL figures of make bench: the same two on a throwaway local server, over fewer
# claims by default (a 1M-row PostgreSQL ledger took 9 minutes to build, 552.8 s, on the nearly
# idle dev machine, longer under load; make bench SCREEN_PG_ROWS=1000000 for the full figure).
SCREEN_PG_ROWS ?= 100000
bench-screen: all
	@SCREEN_ROWS=$(SCREEN_ROWS) tests/bench/screen.sh $(B)

FUZZ_SECONDS ?= 60
fuzz: deps $(EMAIL_DISPOSABLE_INC)
	$(MAKE) -f tests/fuzz/fuzz.mk FLIBS="$(LIBS)" FPGFLAGS="$(PG_CFLAGS)"

fuzz-run: fuzz
	tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build

include src/fraud/fraud.mk
include src/api/api.mk
-include $(shell find build -name '*.d' 2>/dev/null)
