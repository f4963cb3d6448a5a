#!/usr/bin/env bash
# minikbuild.sh - wall time of the mini-kbuild's helper step (30 generated
# crates, bitcode prebuilt) under `make -j2`, through: the helperlink client
# and daemon (fast and exact), the one-shot, and the Linux 7.1 two-step
# recipe. Median of N runs (default 3); the daemon is started fresh for each
# run, so its start-up and first helper parse are included. Measured and
# printed, never asserted. The cache is bypassed, so every run links.
# Usage: bench/minikbuild.sh [N] [CRATES]
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
count=${2:-30}
export HELPERLINK_DIR=$work/state
trap '"$bin/helperlink" --stop; rm -rf "$work"' EXIT
mk=$top/tests/fixtures/minikbuild
bash "$mk/gen_crates.sh" "$count" "$work/src"
make -s -j"$(nproc)" -f "$mk/Makefile" OUT="$work" bitcode

build_once() {  # RECIPE MODE
  rm -rf "$work/obj"
  make -s -j2 -f "$mk/Makefile" OUT="$work" OBJ=obj RECIPE="$1" MODE="$2" HLFLAGS=--no-cache \
    HELPERS="$fx/helpers.bc" HELPERLINK="$bin/helperlink" HELPERLINKD="$bin/helperlinkd" objects
}
median_s() {  # RECIPE MODE
  local times=() t0 t1
  for ((i = 0; i < runs; i++)); do
    "$bin/helperlink" --stop
    t0=$(date +%s%N)
    build_once "$1" "$2"
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

mainline=$(median_s mainline fast)
echo "mini-kbuild: $count crates ($(cat "$work"/bc/*.bc | wc -c) bytes of bitcode), make -j2, median of $runs, $(nproc) cores, $(date -u +%F)"
printf '| %-34s | %8s | %9s |\n' recipe "wall s" "vs 7.1"
printf '|%s|\n' "------------------------------------|----------|-----------"
row() { printf '| %-34s | %8s | %8.2fx |\n' "$1" "$2" "$(awk -v a="$mainline" -v b="$2" 'BEGIN {print a / b}')"; }
row "Linux 7.1 (llvm-link + clang -c)" "$mainline"
row "helperlinkd --oneshot, exact" "$(median_s oneshot exact)"
row "helperlinkd --oneshot, fast" "$(median_s oneshot fast)"
row "helperlink + daemon, exact" "$(median_s client exact)"
row "helperlink + daemon, fast" "$(median_s client fast)"
