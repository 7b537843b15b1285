# decouple: build, test, install.  See README.md.
#
#   make                 library, tool, tests (build/)
#   make check           every test: gcc build, ASan+UBSan, TSan, clang build, check-vm
#   make check-vm        the VM's tests, on Debian's kernel under QEMU (tests/vm/)
#   make bench           install what it needs, build, run the evaluation
#   make install PREFIX=/usr/local DESTDIR=
#   make SAN=asan|tsan   a sanitizer build into build-asan/ or build-tsan/
#   make stress          randomized mixes, gcc and ASan builds, DC_STRESS_SECONDS each

ARCH    ?= $(shell uname -m)
CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?=
VERSION := 0.1.0

ifeq ($(SAN),)
BUILD   ?= build
else
BUILD   ?= build-$(SAN)
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
LIB_DIRS  := lib/core lib/forward lib/io lib/common
TOOL_DIRS := tools tools/common tools/partition tools/measure tools/bench
CPPFLAGS := -D_GNU_SOURCE -Iinclude $(addprefix -I,$(LIB_DIRS)) -Iarch/$(ARCH)
TOOL_CPPFLAGS := $(addprefix -I,$(TOOL_DIRS))
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -fPIC -pthread $(WARN)
LDLIBS   := -luring -pthread -lm

ifeq ($(SAN),asan)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
endif

LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)) $(wildcard arch/$(ARCH)/*.c) $(wildcard arch/$(ARCH)/*.S)
TOOL_SRC := $(filter-out tools/main.c,$(foreach d,$(TOOL_DIRS),$(wildcard $(d)/*.c)))
TEST_SRC := $(wildcard tests/*.c)
EX_SRC   := $(wildcard examples/*.c)
BENCH_SRC := $(wildcard microbench/*.c)

LIB_OBJ  := $(patsubst %,$(BUILD)/obj/%.o,$(LIB_SRC))
TOOL_OBJ := $(patsubst %,$(BUILD)/obj/%.o,$(TOOL_SRC))
TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC)) $(BUILD)/tests/layering
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EX_SRC))
BENCHES  := $(patsubst microbench/%.c,$(BUILD)/microbench/%,$(BENCH_SRC))
HDRS     := $(wildcard include/*.h $(addsuffix /*.h,$(LIB_DIRS) $(TOOL_DIRS)) arch/$(ARCH)/*.h tests/*.h)

.PHONY: all lib check check-vm vm-tests stress bench install uninstall clean
all: $(BUILD)/libdecouple.a $(BUILD)/libdecouple.so $(BUILD)/decouple $(TESTS) $(EXAMPLES) $(BENCHES)
lib: $(BUILD)/libdecouple.a $(BUILD)/libdecouple.so

$(BUILD)/obj/%.c.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/tools/%.c.o: tools/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_CPPFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# One relocatable object in the archive: a program that uses any of the
# library links all of it, so that the plug-ins' constructors (core.h,
# DC_PLUGIN) run even though nothing calls them by name.
$(BUILD)/libdecouple.o: $(LIB_OBJ)
	$(LD) -r -o $@ $^
$(BUILD)/libdecouple.a: $(BUILD)/libdecouple.o
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libdecouple.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libdecouple.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/libdctool.a: $(TOOL_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/decouple: $(BUILD)/obj/tools/main.c.o $(BUILD)/libdctool.a $(BUILD)/libdecouple.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%: tests/%.c $(HDRS) $(BUILD)/libdctool.a $(BUILD)/libdecouple.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libdctool.a $(BUILD)/libdecouple.a $(LDLIBS)
# The layering test reads this build's objects (tests/layering/rules).
$(BUILD)/tests/layering: tests/layering/check.sh tests/layering/rules $(LIB_OBJ) $(TOOL_OBJ)
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec "%s/tests/layering/check.sh" "%s" "$$@"\n' "$(CURDIR)" "$(BUILD)" > $@
	chmod +x $@
$(BUILD)/microbench/%: microbench/%.c $(HDRS) $(BUILD)/libdctool.a $(BUILD)/libdecouple.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libdctool.a $(BUILD)/libdecouple.a $(LDLIBS)
$(BUILD)/examples/%: examples/%.c $(HDRS) $(BUILD)/libdecouple.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libdecouple.a $(LDLIBS)

# The test suite: the gcc build, both sanitizer builds, and a clang build
# (compiled with -Werror, run once).  One summary line at the end.
#
# With QEMU installed (scripts/install-deps.sh), the tests of
# tests/vm/tests.list also run on Debian's kernel in a VM (check-vm).
HAVE_QEMU := $(shell command -v qemu-system-x86_64 >/dev/null 2>&1 && [ "$(ARCH)" = x86_64 ] && echo 1)
check:
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory SAN=asan all
	$(MAKE) --no-print-directory SAN=tsan all
	$(MAKE) --no-print-directory CC=clang BUILD=build-clang all
	$(if $(HAVE_QEMU),$(MAKE) --no-print-directory vm-tests)
	tests/runner.sh build build-asan:asan build-tsan:tsan $(if $(HAVE_QEMU),@vm:build-vm)

# The VM's tests, built static into build-vm/, and check-vm on its own.
VM_TESTS := $(shell grep -v -e '^\#' -e '^$$' tests/vm/tests.list)
vm-tests:
	$(MAKE) --no-print-directory BUILD=build-vm LDFLAGS=-static build-vm/decouple \
		$(addprefix build-vm/tests/,$(VM_TESTS))
check-vm: vm-tests
	tests/runner.sh @vm:build-vm

# tests/stress.c for DC_STRESS_SECONDS (default 600) in the gcc build, then
# under ASan+UBSan (docs/internals.md).  make check runs it for its default 8 s.
DC_STRESS_SECONDS ?= 600
stress:
	$(MAKE) --no-print-directory build/tests/stress
	$(MAKE) --no-print-directory SAN=asan build-asan/tests/stress
	DC_STRESS_SECONDS=$(DC_STRESS_SECONDS) build/tests/stress
	DC_TEST_SANITIZER=asan DC_STRESS_SECONDS=$(DC_STRESS_SECONDS) build-asan/tests/stress

bench:
	scripts/install-deps.sh
	$(MAKE) --no-print-directory all
	build/decouple bench --out results

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 include/decouple.h include/decouple-io.h include/decouple-simdev.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libdecouple.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libdecouple.so $(DESTDIR)$(PREFIX)/lib/libdecouple.so.$(VERSION)
	ln -sf libdecouple.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libdecouple.so.0
	ln -sf libdecouple.so.0 $(DESTDIR)$(PREFIX)/lib/libdecouple.so
	install -m 755 $(BUILD)/decouple $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' libdecouple.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdecouple.pc
	for s in 1 3 7; do for f in man/*.$$s; do [ -e "$$f" ] && install -m 644 $$f $(DESTDIR)$(PREFIX)/share/man/man$$s/; done; done; true

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/decouple.h $(DESTDIR)$(PREFIX)/include/decouple-io.h \
	      $(DESTDIR)$(PREFIX)/include/decouple-simdev.h $(DESTDIR)$(PREFIX)/lib/libdecouple.* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdecouple.pc $(DESTDIR)$(PREFIX)/bin/decouple

clean:
	rm -rf build build-asan build-tsan build-clang build-vm
