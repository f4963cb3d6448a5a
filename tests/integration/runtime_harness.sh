# runtime_harness.sh - the runtime benchmark's harness (bench/runtime.sh
# --check) builds every variant with the helperlinkd under test and its
# driver finds that all variants compute the same checksums and state. The
# check itself must catch a wrong variant: with two loops of one variant
# swapped, the driver has to fail and name that variant.
source "$(dirname "$0")/lib.sh"

build=$(cd "$(dirname "$HELPERLINKD")/.." && pwd)
rt=$WORK/runtime
out=$(HELPERLINK_RUNTIME_WORK=$rt bash "$HERE/../../bench/runtime.sh" --check "$build" 2>&1) ||
  fail "bench/runtime.sh --check failed: $out"
grep -q '^check 16 loops x 6 variants x 10 iteration counts agree$' <<<"$out" ||
  fail "driver did not report agreement: $out"
ok
[[ $(grep -c . <<<"$("$LLVM_BIN/llvm-nm" "$rt/runtime" | grep -E ' T [a-z_]+_bench_')") -eq 96 ]] ||
  fail "the driver binary does not hold 16 loops x 6 variants"
ok

# Swap two loops of fast_ai (same signature, different results).
"$LLVM_BIN/llvm-objcopy" --redefine-sym fast_ai_bench_atomic_add=fast_ai_bench_atomic64_inc_return \
  --redefine-sym fast_ai_bench_atomic64_inc_return=fast_ai_bench_atomic_add "$rt/fast_ai.o"
bash "$rt/link.sh" || fail "relinking the driver failed"
if err=$("$rt/runtime" check 2>&1); then
  fail "driver accepted a variant with swapped loops: $err"
fi
grep -q 'variant fast_ai returned' <<<"$err" || fail "driver did not name the wrong variant: $err"
ok
finish
