# kernel_flags.sh - the kernel codegen path, compiled but not run: a no_core
# crate built with kernel-like rustc flags and helpers built with kernel-like
# clang flags, through the one-shot in both modes. Objects must exist, carry
# no inlinable helper call (fast always; exact with annotated helpers), keep
# return thunks and retpolines, and use only the relocation kinds the
# mainline recipe's object uses (same code model and relocation model).
source "$(dirname "$0")/lib.sh"

CC=(clang-22 "${HELPER_CFLAGS_KERNEL[@]}")
relocs() {
  "$LLVM_BIN/llvm-readelf" -r "$1" | grep -oE 'R_X86_64_[A-Z0-9_]+' | sort -u
}
for helpers in helpers_kernel helpers_kernel_ai; do
  ref=$WORK/ref.$helpers.o
  mainline "$FX/kcrate.bc" "$FX/$helpers.bc" "$ref" "${CC[@]}"
  for mode in fast exact; do
    obj=$WORK/kcrate.$helpers.$mode.o
    "$HELPERLINKD" --oneshot --helpers "$FX/$helpers.bc" --mode "$mode" \
      --report "$obj.json" -o "$obj" "$FX/kcrate.bc" -- "${CC[@]}" ||
      fail "kcrate/$helpers/$mode: one-shot failed"
    ok
    check_counts "$obj.json" "kcrate/$helpers/$mode"
    check_symbols "$obj"
    left=$(inlinable_calls_left "$obj")
    if [[ $mode == fast || $helpers == helpers_kernel_ai ]]; then
      [[ $left -eq 0 ]] || fail "kcrate/$helpers/$mode: $left inlinable helper calls remain"
      ok
    fi
    disasm=$("$LLVM_BIN/llvm-objdump" -dr --no-show-raw-insn "$obj")
    grep -q '__x86_return_thunk' <<<"$disasm" ||
      fail "kcrate/$helpers/$mode: return thunks missing"
    if grep -qE '^\s+[0-9a-f]+:\s+ret' <<<"$disasm"; then
      fail "kcrate/$helpers/$mode: plain ret despite -mfunction-return=thunk-extern"
    fi
    ok
    extra=$(comm -23 <(relocs "$obj") <(relocs "$ref"))
    [[ -z $extra ]] || fail "kcrate/$helpers/$mode: relocation kinds mainline does not use: $extra"
    if relocs "$obj" | grep -q GOTPCREL; then
      fail "kcrate/$helpers/$mode: GOT relocation in a static, kernel-model object"
    fi
    ok
  done
done
finish
