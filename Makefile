# wxface — the two commands a newcomer needs are `make demo` and `make test`.

CARGO    ?= cargo
CC       ?= cc
BUILD    := build
RELEASE  := target/release
CFLAGS_C := -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude
LDLIBS_C := -L$(RELEASE) -Wl,-rpath,$(abspath $(RELEASE)) -lwxface

# The demo terminates this user's contract in the simulator's built-in fixture.
DEMO_ORG  := DBES323aeb
DEMO_USER := U0000000001

.PHONY: all build demo test header tools clean

all: build

build:
	$(CARGO) build --release --workspace

$(BUILD)/terminate_contract: examples/c/terminate_contract.c include/wxface.h build
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -o $@ $< $(LDLIBS_C)

# Starts wxface-sim (keys and CA in build/demo-sim), runs the C example against it, stops it.
demo: tools $(BUILD)/terminate_contract
	$(RELEASE)/wxface-sim --state-dir $(BUILD)/demo-sim -- \
	  sh -c 'exec $(BUILD)/terminate_contract "$$WXFACE_SIM_CONFIG" $(DEMO_ORG) $(DEMO_USER)'

# Every suite: Rust unit and integration tests (against wxface-sim), the header checks, the
# C programs under tests/c (also once under valgrind), then the Python wrapper's pytest suite
# and the PHP wrapper's PHPUnit suite (plus its opcache.preload run).
test: tools
	$(CARGO) build --release --workspace
	$(CARGO) test --release --workspace
	@echo "== valgrind over the C suite (one line per program run)"
	@cat target/tmp/valgrind-summary.txt
	scripts/test-python
	scripts/test-php

# Refreshes the committed include/wxface.h and bindings/php/wxface.ffi.h from the sources.
header:
	WXFACE_UPDATE_HEADER=1 $(CARGO) build --release

tools:
	@scripts/need cc=gcc c++=g++ valgrind=valgrind nm=binutils

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
