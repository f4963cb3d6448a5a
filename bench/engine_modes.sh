#!/usr/bin/env bash
# engine_modes.sh - per fixture crate, the median wall time (N runs) and the
# object size of helperlink's one-shot in fast and exact mode next to the
# Linux 7.1 two-step recipe (llvm-link-22 --internalize + clang-22 -c) and
# the codegen floor (clang-22 -Xclang -disable-llvm-passes -c crate.bc).
# Measured and printed, never asserted. Usage: bench/engine_modes.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
"$top/scripts/build"
if ! command -v rustc >/dev/null && [[ -x $HOME/.cargo/bin/rustc ]]; then
  export PATH=$HOME/.cargo/bin:$PATH
fi
build=${HELPERLINK_BUILD_DIR:-$top/build}
fx=$build/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$top/tests/fixtures/build.sh" "$fx"
# shellcheck source=../tests/fixtures/flags.sh
source "$top/tests/fixtures/flags.sh"
hl=$build/bin/helperlinkd

# median_ms CMD... : runs CMD $runs times, prints the median wall time in ms.
median_ms() {
  local times=() t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}
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
  floor=$(median_ms "$@" -Wno-override-module -Xclang -disable-llvm-passes -c "$bc" -o "$work/floor.o")
  seven=$(median_ms mainline "$bc" "$hb" "$@")
  exact=$(median_ms "$hl" --oneshot --mode exact --helpers "$hb" -o "$work/exact.o" "$bc" -- "$@")
  fast=$(median_ms "$hl" --oneshot --mode fast --helpers "$hb" -o "$work/fast.o" "$bc" -- "$@")
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
