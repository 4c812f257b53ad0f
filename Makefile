# wxface — the two commands a newcomer needs are `make demo` and `make test`.

CARGO    ?= cargo
CC       ?= cc
BUILD    := build
RELEASE  := target/release
CFLAGS_C := -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude
LDLIBS_C := -L$(RELEASE) -Wl,-rpath,$(abspath $(RELEASE)) -lwxface

# `make install` destinations (see scripts/install). DESTDIR stages a package: it is prepended
# to every path written, never to the paths written into wxface.pc and the CMake files.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR    ?=
INSTALL_ENV = PREFIX='$(PREFIX)' LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' DESTDIR='$(DESTDIR)'

# The demo terminates this user's contract in the simulator's built-in fixture.
DEMO_ORG  := DBES323aeb
DEMO_USER := U0000000001

.PHONY: all build install uninstall demo test lint header tools clean bench bench-peers soak asan FORCE \
	windows linux-arm64 cross test-cross cross-tools

all: build

build: $(RELEASE)/libwxface.so

# cargo decides what to rebuild; make then relinks the example only if the library file changed.
# The library's SONAME is libwxface.so.<ABI>: programs linked here load it through the
# $(RELEASE)/libwxface.so.<ABI> link that scripts/soname-link adds.
$(RELEASE)/libwxface.so: FORCE
	$(CARGO) build --release --workspace
	@scripts/soname-link $(RELEASE)

# The shared and static library, wxface.h and wxface.hpp, wxface.pc and the CMake package
# (wxface::wxface, wxface::wxface_static) under PREFIX. Written by a script rather than
# cargo-c: see the measurement at the top of scripts/install.
install: build
	$(INSTALL_ENV) scripts/install install

# Removes exactly what `make install` wrote (same PREFIX, LIBDIR, INCLUDEDIR, DESTDIR).
uninstall:
	$(INSTALL_ENV) scripts/install uninstall

$(BUILD)/terminate_contract: examples/c/terminate_contract.c include/wxface.h $(RELEASE)/libwxface.so
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_C) -o $@ $< $(LDLIBS_C)

# Starts wxface-sim (keys and CA in build/demo-sim), runs the C example against it, stops it.
demo: tools $(BUILD)/terminate_contract
	$(RELEASE)/wxface-sim --state-dir $(BUILD)/demo-sim -- \
	  sh -c 'exec $(BUILD)/terminate_contract "$$WXFACE_SIM_CONFIG" $(DEMO_ORG) $(DEMO_USER)'

# Every suite: Rust unit and integration tests (against wxface-sim), the header checks, the
# C and C++ programs under tests/c and tests/cpp (also once under valgrind), the consumers of
# an installed tree (pkg-config, static, CMake: scripts/test-install), then the Python
# wrapper's pytest suite and the PHP wrapper's PHPUnit suite (plus its opcache.preload run);
# both wrappers' suites run the README's install blocks (pip and the wheel in fresh venvs,
# Composer, PHP-FPM). The wrappers' tools are checked first, so that a fresh machine gets them
# before the long build.
test: tools
	@scripts/need python3=python3 php=php-cli phpunit=phpunit php-cgi=php-cgi cgi-fcgi=libfcgi-bin composer=composer
	@scripts/php-fpm >/dev/null
	$(CARGO) build --release --workspace
	@scripts/soname-link $(RELEASE)
	$(CARGO) test --release --workspace
	@echo "== valgrind over the C suite (one line per program run)"
	@cat target/tmp/valgrind-summary.txt
	scripts/test-install
	scripts/test-python
	scripts/test-php

# The lint gates CI runs before the tests: cargo fmt --check, clippy -D warnings, mypy --strict
# (Python package), php -l and phpcs PSR-12 (PHP package).
lint:
	scripts/lint

# The full load run: 8 threads x 500 calls on one client (make test runs 8 x 60).
soak: tools
	scripts/soak

# The C suite under AddressSanitizer + LeakSanitizer + UBSan (gcc), plus the Rust library
# under -Zsanitizer=address where a nightly toolchain and clang exist.
asan: tools
	scripts/asan

# Benchmark program (bench/): client CPU, calls/s, latency, creation, RSS, .so size, next to
# the floor (RSA-2048 sign + verify with aws-lc-rs, and openssl speed); query_user, update_user
# and terminate_contract next to the floor; what the Python and PHP wrappers add over C per
# call. Prints; asserts nothing.
bench:
	scripts/bench

# The same terminate calls from the Python (wechatpayv3) and Node (wechatpay-axios-plugin)
# SDKs, installed under build/peers, against one wxface-sim, next to wxface.
bench-peers:
	bench/peers/run

# The library for the POS terminals, cross-built here (scripts/cross-build; the toolchain is
# Debian's, installed by scripts/cross-setup when run as root):
#   make windows      dist/windows-x64 (x86_64-pc-windows-gnu, Windows 10 and later) and
#                     dist/windows7-x64 (x86_64-win7-windows-gnu, Windows 7 and 8 POS)
#   make linux-arm64  dist/linux-arm64 (aarch64-unknown-linux-gnu)
windows: cross-tools
	scripts/cross-build windows-x64
	scripts/cross-build windows7-x64

linux-arm64: cross-tools
	scripts/cross-build linux-arm64

cross: windows linux-arm64

# Tests what `make cross` built, under Wine and qemu-user: the crate's unit tests, the C suite's
# C and C++ programs against a wxface-sim on the loopback, the static and import-library links
# (scripts/cross-test). CI runs it after `make test`.
test-cross: tools windows linux-arm64
	$(CARGO) build --release --workspace
	scripts/cross-test windows-x64
	scripts/cross-test windows7-x64
	scripts/cross-test linux-arm64

cross-tools:
	@scripts/cross-setup

# Refreshes the committed generated files (include/wxface.h, the PHP header and classes, the
# Python ctypes declarations) from the sources.
header:
	WXFACE_UPDATE_HEADER=1 $(CARGO) build --release

tools:
	@scripts/need cc=gcc c++=g++ valgrind=valgrind nm=binutils cmake=cmake pkg-config=pkgconf

clean:
	$(CARGO) clean
	rm -rf $(BUILD) dist
