#!/usr/bin/env bash
# engine_modes.sh - per fixture crate, the median wall time (N runs) and the
# object size of helperlink's one-shot in fast and exact mode next to the
# Linux 7.1 two-step recipe (llvm-link-22 --internalize + clang-22 -c) and
# the codegen floor (clang-22 -Xclang -disable-llvm-passes -c crate.bc).
# Measured and printed, never asserted. Usage: bench/engine_modes.sh [N]
source "$(dirname "$0")/lib.sh"
runs=${1:-7}
trap 'rm -rf "$work"' EXIT
hl=$bin/helperlinkd

mainline() {
  llvm-link-22 --internalize --suppress-warnings "$1" "$2" -o "$work/m.bc"
  "${@:3}" -Wno-override-module -c "$work/m.bc" -o "$work/mainline.o"
}

echo "helperlink engine modes, median of $runs runs, $(nproc) cores, $(date -u +%F)"
printf '| %-8s | %-18s | %9s | %9s | %9s | %9s | %8s | %8s | %8s |\n' crate helpers "floor ms" "7.1 ms" "exact ms" "fast ms" "7.1 B" "exact B" "fast B"
printf '|%s|\n' "----------|--------------------|-----------|-----------|-----------|-----------|----------|----------|----------"
row() {
  local crate=$1 helpers=$2
  shift 2
  local bc=$fx/$crate.bc hb=$fx/$helpers.bc
  local floor seven exact fast
  floor=$(median_ms "$runs" "$@" -Wno-override-module -Xclang -disable-llvm-passes -c "$bc" -o "$work/floor.o")
  seven=$(median_ms "$runs" mainline "$bc" "$hb" "$@")
  exact=$(median_ms "$runs" "$hl" --oneshot --no-cache --mode exact --helpers "$hb" -o "$work/exact.o" "$bc" -- "$@")
  fast=$(median_ms "$runs" "$hl" --oneshot --no-cache --mode fast --helpers "$hb" -o "$work/fast.o" "$bc" -- "$@")
  printf '| %-8s | %-18s | %9s | %9s | %9s | %9s | %8s | %8s | %8s |\n' "$crate" "$helpers" \
    "$floor" "$seven" "$exact" "$fast" "$(stat -c %s "$work/mainline.o")" \
    "$(stat -c %s "$work/exact.o")" "$(stat -c %s "$work/fast.o")"
}
for crate in tiny mixed large; do
  row "$crate" helpers clang-22 -O2 -fno-PIE
  row "$crate" helpers_ai clang-22 -O2 -fno-PIE
done
row kcrate helpers_kernel clang-22 "${HELPER_CFLAGS_KERNEL[@]}"
row kcrate helpers_kernel_ai clang-22 "${HELPER_CFLAGS_KERNEL[@]}"
