# helperlink.mk - kbuild glue for helperlink, included by the patched
# rust/Makefile and scripts/Makefile.build (see helperlink.patch).
#
# With `make HELPERLINK=/path/to/helperlink`, each Rust object's helper step
# is one helperlink call; without it, the Linux 7.1 two-step recipe runs
# unchanged. HELPERLINK_MODE (fast|exact, default fast) and
# HELPERLINK_FLAGS (extra client options, e.g. --report) are passed along.
#
# $(call rust_helpers_link,CRATE.bc,HELPERS.bc,OUT.o)

HELPERLINK_MODE ?= fast

ifdef HELPERLINK
rust_helpers_link = \
	$(HELPERLINK) --mode $(HELPERLINK_MODE) $(HELPERLINK_FLAGS) \
		--helpers $(2) -o $(3) $(1) -- \
		$(CC) $(CLANG_FLAGS) $(KBUILD_CFLAGS) -Wno-override-module
else
rust_helpers_link = \
	$(LLVM_LINK) --internalize --suppress-warnings $(1) $(2) \
		-o $(patsubst %.o,%.m.bc,$(3)); \
	$(CC) $(CLANG_FLAGS) $(KBUILD_CFLAGS) -Wno-override-module \
		-c $(patsubst %.o,%.m.bc,$(3)) -o $(3)
endif
