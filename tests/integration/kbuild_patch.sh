# kbuild_patch.sh - deploy/kbuild/helperlink.patch on Linux 7.1's real
# rules (../shared/linux-7.1 beside the repo): it applies with git apply and
# patch, changes only the helper step, and the patched rules, expanded and
# run by make in a stand-in for kbuild (tests/fixtures/kbuild/Makefile) for
# kernel.o, a built-in and a module object, give 7.1's command lines
# without HELPERLINK, helperlink's objects with it (byte-identical to the
# recipe's in exact mode), the recipe after one warning for a HELPERLINK
# that is not executable, the recipe after helperlink's one line for a CC
# it cannot stand in for, and a daemon that exits a minute after the build
# and is reused by the next make.
source "$(dirname "$0")/lib.sh"

top=$(cd "$HERE/../.." && pwd)
linux=$top/../shared/linux-7.1
patch_file=$top/deploy/kbuild/helperlink.patch
[[ -f $linux/scripts/Makefile.build && -f $linux/rust/Makefile ]] ||
  fail "the Linux 7.1 rules are missing: expected $linux/scripts/Makefile.build and rust/Makefile"
for tool in git patch make rustc llvm-link-22 clang-14 gcc; do
  command -v "$tool" >/dev/null || fail "this test needs $tool (not found in PATH)"
done

# The patch applies, with git and with patch(1).
cp -r "$linux" "$WORK/check"
(cd "$WORK/check" && git apply --check "$patch_file") || fail "git apply --check rejects the patch"
(cd "$WORK/check" && patch -p1 --dry-run <"$patch_file" >/dev/null) || fail "patch --dry-run rejects the patch"
tree=$WORK/linux
cp -r "$linux" "$tree"
(cd "$tree" && git apply "$patch_file") || fail "git apply failed"
[[ -f $tree/scripts/Makefile.helperlink ]] || fail "the patch does not add scripts/Makefile.helperlink"
grep -qx 'include $(srctree)/scripts/Makefile.helperlink' "$tree/scripts/Makefile.build" ||
  fail "the patched Makefile.build does not include Makefile.helperlink"
ok

# It removes only the helper step (three lines in each file) and keeps
# everything else those rules do.
removed=$(grep -E '^-[^-]' "$patch_file")
[[ $(wc -l <<<"$removed") -eq 6 ]] || fail "the patch removes other lines than the helper step: $removed"
[[ $(grep -c 'LLVM_LINK) --internalize' <<<"$removed") -eq 2 &&
  $(grep -c 'helpers$(if $(part-of-module),_module).bc -o' <<<"$removed") -eq 2 &&
  $(grep -c '$(CC) $(CLANG_FLAGS) $(KBUILD_CFLAGS) -Wno-override-module -c' <<<"$removed") -eq 2 ]] ||
  fail "the removed lines are not 7.1's helper step: $removed"
for file in rust/Makefile scripts/Makefile.build; do
  for text in '$(cmd_ld_single))' '$(rustc_objcopy)' '--sysroot=/dev/null' '-Zunstable-options' \
    'link_helper' 'part-of-module' 'part-of-builtin' '$(cmd_objtool)'; do
    want=$(grep -cF -- "$text" "$linux/$file" || true)
    got=$(grep -cF -- "$text" "$tree/$file" || true)
    [[ $got -eq $want ]] || fail "$file: '$text' occurs $got times after the patch, $want in 7.1"
  done
done
grep -qF '$(obj)/kernel.o: private link_helper = 1' "$tree/rust/Makefile" || fail "kernel.o no longer links the helpers"
ok

# The rule text, as kbuild would read it: cmd_rustc_o_rs from
# Makefile.build and cmd_rustc_library from rust/Makefile (each from its
# quiet_cmd_ line to the end of its definition), plus, patched, the include.
extract() {  # TREE OUT [INCLUDE]
  {
    [[ -z ${3:-} ]] || grep -x 'include $(srctree)/scripts/Makefile.helperlink' "$1/scripts/Makefile.build"
    awk '/^quiet_cmd_rustc_o_rs =/ {on = 1} on {print} on && /\$\(cmd_objtool\)$/ {exit}' "$1/scripts/Makefile.build"
    awk '/^quiet_cmd_rustc_library =/ {on = 1} on {print} on && /\$\(cmd_objtool\)$/ {exit}' "$1/rust/Makefile"
  } >"$2"
  grep -q 'cmd_rustc_o_rs =' "$2" && grep -q 'cmd_rustc_library =' "$2" || fail "cannot find the rules in $1"
}
extract "$linux" "$WORK/rules-7.1.mk"
extract "$tree" "$WORK/rules-patched.mk" include

# An object tree: kernel.o, a built-in and a module sample, and the two
# helper sets (different files, so the objects show which one was linked).
ot=$WORK/objtree
mkdir -p "$ot/rust/kernel" "$ot/rust/helpers" "$ot/samples/rust"
cp "$HERE/../fixtures/kernel/kcrate.rs" "$ot/rust/kernel/lib.rs"
cp "$HERE/../fixtures/kernel/kcrate.rs" "$ot/samples/rust/rust_minimal.rs"
cp "$HERE/../fixtures/kernel/kcrate.rs" "$ot/samples/rust/rust_print.rs"
cp "$FX/helpers_kernel.bc" "$ot/rust/helpers/helpers.bc"
cp "$FX/helpers_kernel_ai.bc" "$ot/rust/helpers/helpers_module.bc"
objects=(rust/kernel.o samples/rust/rust_minimal.o samples/rust/rust_print.o)
rust_flags=()
for flag in "${RUSTFLAGS_KERNEL[@]}"; do
  [[ $flag == --crate-type=lib || $flag == --emit=llvm-bc ]] || rust_flags+=("$flag")
done
cflags=("${HELPER_CFLAGS_KERNEL[@]:1}")  # without --target, which CLANG_FLAGS has

# kb RULES [make args...]: one build of the object tree, a make per dir
# as kbuild does (rust/ first), after removing the previous objects.
kb() {
  local rules=$1 d
  shift
  (cd "$ot" && rm -f steps.log rust/*.o rust/*.bc rust/*.rmeta rust/*.cmdline \
    samples/rust/*.o samples/rust/*.bc samples/rust/*.rmeta samples/rust/*.cmdline)
  for d in rust samples/rust; do
    make -C "$ot" -f "$HERE/../fixtures/kbuild/Makefile" RULES="$WORK/rules-$rules.mk" \
      LINUX="$tree" obj="$d" CLANG_FLAGS=--target=x86_64-linux-gnu \
      KBUILD_CFLAGS="${cflags[*]}" rust_flags="${rust_flags[*]}" "$@" || return 1
  done
}
# keep NAME: saves the objects and their command lines under $WORK/NAME.
keep() {
  local o
  mkdir -p "$WORK/$1"
  for o in "${objects[@]}"; do
    local flat=${o//\//_}
    [[ -f $ot/$o.cmdline ]] && cp "$ot/$o.cmdline" "$WORK/$1/$flat.cmdline"
    [[ -f $ot/$o ]] && cp "$ot/$o" "$WORK/$1/$flat"
  done
  return 0
}
same() {  # A B [cmdline|object]: every object (or command line) of A equals B's
  local o ext=
  [[ ${3:-object} == cmdline ]] && ext=.cmdline
  for o in "${objects[@]}"; do
    local flat=${o//\//_}$ext
    [[ -f $WORK/$1/$flat ]] || fail "$1: no $flat"
    cmp -s "$WORK/$1/$flat" "$WORK/$2/$flat" || fail "$1/$flat differs from $2's"
  done
}

# Without HELPERLINK the patched rules expand to 7.1's command lines, byte
# for byte (make -n: expanded, not run), and run to the same objects.
kb 7.1 -n >/dev/null || fail "make -n with the 7.1 rules failed"
keep dry-7.1
kb patched -n >/dev/null || fail "make -n with the patched rules failed"
keep dry-patched
same dry-patched dry-7.1 cmdline
grep -q 'llvm-link-22 --internalize --suppress-warnings samples/rust/rust_print.bc ./rust/helpers/helpers_module.bc -o samples/rust/rust_print.m.bc; clang-22 ' \
  "$WORK/dry-7.1/samples_rust_rust_print.o.cmdline" || fail "7.1's module command: $(cat "$WORK/dry-7.1/samples_rust_rust_print.o.cmdline")"
ok
kb 7.1 -s || fail "the 7.1 recipe failed"
keep recipe
for o in "${objects[@]}"; do
  [[ -f $ot/${o%.o}.m.bc ]] || fail "the recipe left no ${o%.o}.m.bc"
done
expected_steps=$(printf 'ld_single %s\nobjtool %s\n' rust/kernel.o rust/kernel.o \
  samples/rust/rust_minimal.o samples/rust/rust_minimal.o samples/rust/rust_print.o samples/rust/rust_print.o)
[[ $(cat "$ot/steps.log") == "$expected_steps" ]] || fail "7.1 steps: $(cat "$ot/steps.log")"
! cmp -s "$WORK/recipe/samples_rust_rust_minimal.o" "$WORK/recipe/samples_rust_rust_print.o" ||
  fail "the built-in and the module object are the same: the helper sets are not told apart"
kb patched -s || fail "the patched rules without HELPERLINK failed"
keep patched-plain
same patched-plain recipe
same patched-plain recipe cmdline
ok

# With HELPERLINK: one helperlink call per object, through the daemon,
# with the right helper set; exact mode gives the recipe's objects; the
# steps after it still run; kbuild's short line and V=1's full command.
export HELPERLINK_DIR=$WORK/state-kbuild
# (--no-cache: every object goes to the daemon, so its counters tell.)
hl=(HELPERLINK="$HELPERLINK" HELPERLINK_FLAGS=--no-cache)
kb patched "${hl[@]}" HELPERLINK_MODE=exact >"$WORK/out" 2>&1 || fail "make with HELPERLINK failed: $(cat "$WORK/out")"
keep hl-exact
same hl-exact recipe
for o in "${objects[@]}"; do
  [[ ! -e $ot/${o%.o}.m.bc ]] || fail "$o: the recipe ran (${o%.o}.m.bc exists)"
done
[[ $(cat "$ot/steps.log") == "$expected_steps" ]] || fail "helperlink steps: $(cat "$ot/steps.log")"
[[ $(stat_field requests) -eq 3 && $(stat_field exact) -eq 3 ]] ||
  fail "the daemon served $(stat_field requests) requests ($(stat_field exact) exact), want 3"
grep -qF "; $HELPERLINK --mode exact --no-cache --helpers ./rust/helpers/helpers_module.bc -o samples/rust/rust_print.o samples/rust/rust_print.bc -- clang-22 --target=x86_64-linux-gnu ${cflags[*]} -Wno-override-module || {" \
  "$WORK/hl-exact/samples_rust_rust_print.o.cmdline" ||
  fail "module command: $(cat "$WORK/hl-exact/samples_rust_rust_print.o.cmdline")"
grep -q -- "--helpers ./rust/helpers/helpers.bc -o samples/rust/rust_minimal.o " "$WORK/hl-exact/samples_rust_rust_minimal.o.cmdline" ||
  fail "built-in command: $(cat "$WORK/hl-exact/samples_rust_rust_minimal.o.cmdline")"
grep -q -- "--helpers rust/helpers/helpers.bc -o rust/kernel.o rust/kernel.bc -- " "$WORK/hl-exact/rust_kernel.o.cmdline" ||
  fail "kernel.o command: $(cat "$WORK/hl-exact/rust_kernel.o.cmdline")"
grep -qx '  RUSTC L rust/kernel.o' "$WORK/out" && grep -qx '  HLINK   rust/kernel.o' "$WORK/out" &&
  grep -qx '  RUSTC \[M\] samples/rust/rust_print.o' "$WORK/out" &&
  grep -qx '  HLINK   samples/rust/rust_print.o' "$WORK/out" || fail "short lines: $(cat "$WORK/out")"
[[ $(grep -c HLINK "$WORK/out") -eq 3 ]] || fail "not one HLINK line per object: $(cat "$WORK/out")"
kb patched "${hl[@]}" HELPERLINK_MODE=exact V=1 >"$WORK/out" 2>&1 || fail "make V=1 failed"
! grep -qx '  HLINK   .*' "$WORK/out" || fail "V=1 printed the short line"
grep -qF "$HELPERLINK --mode exact --no-cache --helpers ./rust/helpers/helpers.bc -o samples/rust/rust_minimal.o" "$WORK/out" ||
  fail "V=1 did not print the full command: $(cat "$WORK/out")"
keep hl-exact-v1
same hl-exact-v1 hl-exact cmdline  # V= does not change the saved command
kb patched "${hl[@]}" HELPERLINK_MODE=exact -s >"$WORK/out" 2>&1 || fail "make -s failed"
[[ ! -s $WORK/out ]] || fail "make -s printed: $(cat "$WORK/out")"
ok

# Fast mode (the default): every helper call inlined, no helper exported.
kb patched HELPERLINK="$HELPERLINK" -s || fail "make with HELPERLINK (fast) failed"
for o in "${objects[@]}"; do
  [[ $(inlinable_calls_left "$ot/$o") -eq 0 ]] || fail "$o: helper calls left in fast mode"
  check_symbols "$ot/$o"
  cmp -s "$ot/$o" "$WORK/recipe/${o//\//_}" && fail "$o: fast mode gave the recipe's object"
done
ok

# Life cycle: a daemon started by the build waits 60 s by default, and the
# next make reuses it; with a short timeout it is gone that soon after.
"$HELPERLINK" --stop
export HELPERLINK_DIR=$WORK/state-life
(unset HELPERLINK_IDLE_TIMEOUT && kb patched "${hl[@]}" -s) || fail "make (life cycle) failed"
"$HELPERLINK" --status | grep -q 'idle timeout 60 s' || fail "kbuild's daemon: $("$HELPERLINK" --status)"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon after the build"
"$HELPERLINK" --zero-stats >/dev/null
(unset HELPERLINK_IDLE_TIMEOUT && kb patched "${hl[@]}" -s) || fail "second make failed"
[[ $(daemon_pids "$HELPERLINK_DIR") == "$pid" ]] || fail "the second make did not reuse daemon $pid"
[[ $(stat_field requests) -eq 3 ]] || fail "the second make sent $(stat_field requests) requests to daemon $pid"
"$HELPERLINK" --stop
export HELPERLINK_DIR=$WORK/state-short
kb patched "${hl[@]}" HELPERLINK_IDLE_TIMEOUT=2 -s || fail "make with a 2 s timeout failed"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon after the 2 s build"
for _ in $(seq 60); do alive "$pid" || break; sleep 0.1; done
! alive "$pid" || fail "daemon $pid outlived its 2 s idle timeout by 4 s"
grep -q 'idle-timeout 2s' "$HELPERLINK_DIR/log" && grep -q 'stop: idle timeout' "$HELPERLINK_DIR/log" ||
  fail "log: $(cat "$HELPERLINK_DIR/log")"
ok

# A HELPERLINK that is not executable (missing, or no x bit): one warning,
# from the make that builds rust/, and 7.1's recipe and command lines.
touch "$WORK/not-executable"
for bad in "$WORK/not-executable" "$WORK/missing"; do
  kb patched HELPERLINK="$bad" -s >"$WORK/out" 2>&1 || fail "HELPERLINK=$bad: make failed: $(cat "$WORK/out")"
  [[ $(grep -c "HELPERLINK=$bad is not an executable file" "$WORK/out") -eq 1 && $(wc -l <"$WORK/out") -eq 1 ]] ||
    fail "HELPERLINK=$bad: want one warning, got: $(cat "$WORK/out")"
  keep "bad-$(basename "$bad")"
  same "bad-$(basename "$bad")" recipe
  same "bad-$(basename "$bad")" recipe cmdline
done
ok

# A CC helperlink cannot stand in for: its one line, then the recipe, so
# the result is 7.1's. clang-14 cannot read LLVM 22 bitcode: both fail.
export HELPERLINK_DIR=$WORK/state-cc
status_71=0
kb 7.1 CC=clang-14 -s >"$WORK/out-71" 2>&1 || status_71=$?
status_hl=0
kb patched CC=clang-14 HELPERLINK="$HELPERLINK" -s >"$WORK/out" 2>&1 || status_hl=$?
[[ $status_71 -ne 0 && $status_hl -ne 0 ]] || fail "clang-14: 7.1 exit $status_71, with helperlink $status_hl"
grep -qx 'helperlink: CC is clang 14: helperlink links with LLVM 22 and can stand in only for clang-22' "$WORK/out" ||
  fail "clang-14: $(cat "$WORK/out")"
[[ -f $ot/rust/kernel.m.bc && ! -f $ot/rust/kernel.o ]] || fail "clang-14: the recipe did not run"
diff <(grep -v '^helperlink: ' "$WORK/out") "$WORK/out-71" >/dev/null ||
  fail "clang-14: not the recipe's failure: $(cat "$WORK/out") against $(cat "$WORK/out-71")"
# gcc (kbuild's default CC) fails as the recipe does too.
status_71=0
kb 7.1 CC=gcc -s >"$WORK/out-71" 2>&1 || status_71=$?
status_hl=0
kb patched CC=gcc HELPERLINK="$HELPERLINK" -s >"$WORK/out" 2>&1 || status_hl=$?
[[ $status_71 -ne 0 && $status_hl -ne 0 ]] || fail "gcc: 7.1 exit $status_71, with helperlink $status_hl"
grep -qx 'helperlink: CC is gcc 12: helperlink links with LLVM 22 and can stand in only for clang-22' "$WORK/out" ||
  fail "gcc: $(cat "$WORK/out")"
diff <(grep -v '^helperlink: ' "$WORK/out") "$WORK/out-71" >/dev/null ||
  fail "gcc: not the recipe's failure: $(cat "$WORK/out") against $(cat "$WORK/out-71")"
# A compiler that is not clang but works: the recipe's object.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\n[ "$1" = --version ] && { echo "mycc 1.0"; exit 0; }\nexec clang-22 "$@"\n' >"$WORK/bin/mycc"
chmod +x "$WORK/bin/mycc"
PATH=$WORK/bin:$PATH kb patched CC=mycc HELPERLINK="$HELPERLINK" -s >"$WORK/out" 2>&1 || fail "mycc: make failed: $(cat "$WORK/out")"
[[ $(grep -c "^helperlink: CC is not clang (its --version says 'mycc 1.0')" "$WORK/out") -eq 3 ]] || fail "mycc: $(cat "$WORK/out")"
keep mycc
same mycc recipe
[[ -f $ot/rust/kernel.m.bc ]] || fail "mycc: the recipe did not run"
[[ -z $(daemon_pids "$HELPERLINK_DIR") ]] || fail "a CC helperlink cannot stand in for started a daemon"
ok
finish
