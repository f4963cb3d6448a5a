# clang_outputs.sh - what clang-22 gives for the recipe's command on the
# merged bitcode, helperlink gives too: bitcode under -flto and -flto=thin
# (exact: byte for byte, ThinLTO summary included; fast: bitcode of the same
# kind that llvm-dis-22 and `ld.lld-22 -r` accept, with every helper call
# inlined), the driver's rejection of unused -I/-include under
# -Werror=unused-command-line-argument (one line, clang's words, no output),
# and its warnings for them otherwise (on stderr, as clang prints them, also
# from the daemon and from a cache hit).
source "$(dirname "$0")/lib.sh"

CC=(clang-22 "${HELPER_CFLAGS_KERNEL[@]}")
crate=$FX/kcrate.bc
helpers=$FX/helpers_kernel.bc

# ThinLTO bitcode carries a per-module summary with its hash; regular LTO
# bitcode has a summary and the "ThinLTO" module flag set to 0.
lto_kind() {
  local bc=$1 dis blocks
  blocks=$("$LLVM_BIN/llvm-bcanalyzer" "$bc") || fail "$bc: llvm-bcanalyzer rejects it"
  grep -q GLOBALVAL_SUMMARY_BLOCK <<<"$blocks" || {
    echo none
    return
  }
  dis=$("$LLVM_BIN/llvm-dis" "$bc" -o -) || fail "$bc: llvm-dis rejects it"
  if grep -qE '!"ThinLTO", i32 0' <<<"$dis"; then echo regular; else echo thin; fi
}

for lto in -flto=thin -flto; do
  ref=$WORK/ref$lto.o
  mainline "$crate" "$helpers" "$ref" "${CC[@]}" "$lto"
  [[ $(head -c 2 "$ref") == BC ]] || fail "$lto: clang-22 did not write bitcode (test setup)"
  want=$(lto_kind "$ref")
  [[ $want == thin || $want == regular ]] || fail "$lto: clang-22's bitcode has no summary"
  ok
  exact=$WORK/exact$lto.o
  "$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" --mode exact \
    -o "$exact" "$crate" -- "${CC[@]}" "$lto" || fail "$lto/exact: one-shot failed"
  cmp -s "$ref" "$exact" || fail "$lto/exact: bitcode differs from clang-22's"
  ok
  fast=$WORK/fast$lto.o
  "$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" --mode fast \
    -o "$fast" "$crate" -- "${CC[@]}" "$lto" || fail "$lto/fast: one-shot failed"
  [[ $(lto_kind "$fast") == "$want" ]] ||
    fail "$lto/fast: $(lto_kind "$fast") LTO bitcode where clang-22 writes $want"
  "$LLVM_BIN/llvm-dis" "$fast" -o "$WORK/fast$lto.ll" || fail "$lto/fast: llvm-dis-22 rejects it"
  left=$(grep -cE '(call|invoke) .*@rust_helper_' "$WORK/fast$lto.ll" || true)
  inlinable_left=$(grep -E '(call|invoke) .*@rust_helper_' "$WORK/fast$lto.ll" |
    grep -cvE "@$NOT_INLINABLE\\(" || true)
  [[ $inlinable_left -eq 0 ]] || fail "$lto/fast: $inlinable_left inlinable helper calls left ($left in all)"
  ok
  # What $(cmd_ld_single) does with it under CONFIG_LTO_CLANG.
  for obj in "$exact" "$fast"; do
    "$LLVM_BIN/ld.lld" -r -o "$obj.ld.o" "$obj" || fail "$lto: ld.lld-22 -r rejects $(basename "$obj")"
    header=$("$LLVM_BIN/llvm-readelf" -h "$obj.ld.o")
    grep -q 'REL (Relocatable file)' <<<"$header" ||
      fail "$lto: ld.lld-22 -r of $(basename "$obj") is not a relocatable ELF object"
    check_symbols "$obj.ld.o"
  done
done

# Driver diagnostics: kbuild's CLANG_FLAGS have
# -Werror=unused-command-line-argument; c_flags' -I and -include are unused
# on bitcode input (clang claims -D).
bad=(-Werror=unused-command-line-argument -I "$WORK" -include /dev/null -DX=1)
if mainline "$crate" "$helpers" "$WORK/ref-bad.o" "${CC[@]}" "${bad[@]}" 2>"$WORK/ref-bad.err"; then
  fail "clang-22 accepted unused -I under -Werror (test setup)"
fi
first=$(head -1 "$WORK/ref-bad.err")
[[ $first == *"error: argument unused during compilation"* ]] || fail "unexpected clang-22 error: $first"
for mode in exact fast; do
  out=$WORK/bad.$mode.o
  echo stale >"$out"
  if "$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" --mode "$mode" -o "$out" \
    "$crate" -- "${CC[@]}" "${bad[@]}" 2>"$WORK/bad.$mode.err"; then
    fail "$mode: accepted what clang-22 rejects: ${bad[*]}"
  fi
  [[ $(wc -l <"$WORK/bad.$mode.err") -eq 1 ]] || fail "$mode: error is not one line: $(cat "$WORK/bad.$mode.err")"
  grep -qF -- "$first" "$WORK/bad.$mode.err" ||
    fail "$mode: error '$(cat "$WORK/bad.$mode.err")' does not carry clang-22's '$first'"
  [[ ! -e $out ]] || fail "$mode: output left behind after a rejected command"
  ok
done

# Without -Werror the same flags are warnings, printed as clang prints them.
warn=(-I "$WORK" -include /dev/null)
mainline "$crate" "$helpers" "$WORK/ref-warn.o" "${CC[@]}" "${warn[@]}" 2>"$WORK/ref-warn.err" ||
  fail "clang-22 rejected unused -I without -Werror (test setup)"
grep -q warning "$WORK/ref-warn.err" || fail "clang-22 gave no warning (test setup)"
for mode in exact fast; do
  "$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" --mode "$mode" --report "$WORK/warn.$mode.json" \
    -o "$WORK/warn.$mode.o" "$crate" -- "${CC[@]}" "${warn[@]}" 2>"$WORK/warn.$mode.err" ||
    fail "$mode: rejected what clang-22 only warns about"
  diff "$WORK/ref-warn.err" "$WORK/warn.$mode.err" >&2 || fail "$mode: stderr differs from clang-22's"
  grep -qF '"warnings": [' "$WORK/warn.$mode.json" || fail "$mode: report carries no warnings"
  ok
done
exact_warn=$WORK/warn.exact.o
cmp -s "$WORK/ref-warn.o" "$exact_warn" || fail "exact object with warnings differs from clang-22's"
ok
# Through the daemon, twice: the second is a cache hit and warns again.
for run in miss hit; do
  "$HELPERLINK" --helpers "$helpers" --mode exact --report "$WORK/client.$run.json" \
    -o "$WORK/client.$run.o" "$crate" -- "${CC[@]}" "${warn[@]}" 2>"$WORK/client.$run.err" ||
    fail "client ($run) failed"
  grep -q "\"result\": \"$run\"" "$WORK/client.$run.json" || fail "client: expected a cache $run"
  diff "$WORK/ref-warn.err" "$WORK/client.$run.err" >&2 || fail "client ($run): stderr differs from clang-22's"
  ok
done
finish
