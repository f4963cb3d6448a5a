#!/usr/bin/env bash
# cache_hit.sh - median end-to-end latency of a local cache hit (client
# process start to object written) for a small crate (~200 KB of bitcode)
# and a large one (~2 MB object), next to ccache's direct-mode hit for a
# small C file (ccache clang-22 -O2 -c), all measured in this run.
# Measured and printed, never asserted. Usage: bench/cache_hit.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-101}
"$top/scripts/build"
if ! command -v rustc >/dev/null && [[ -x $HOME/.cargo/bin/rustc ]]; then
  export PATH=$HOME/.cargo/bin:$PATH
fi
build=${HELPERLINK_BUILD_DIR:-$top/build}
hl=$build/bin/helperlink
fx=$build/fixtures
work=$(mktemp -d)
export HELPERLINK_DIR=$work/state HELPERLINK_CACHE_DIR=$work/cache CCACHE_DIR=$work/ccache
trap '"$hl" --stop; rm -rf "$work"' EXIT
bash "$top/tests/fixtures/build.sh" "$fx"
gen=$top/tests/fixtures/minikbuild/gen_crates.sh
for spec in small:32 large:2000; do
  name=${spec%:*}
  CRATE_GROUPS=${spec#*:} bash "$gen" 1 "$work/$name"
  rustc --crate-type=lib --emit=llvm-bc -Copt-level=2 -Ccodegen-units=1 \
    -Cpanic=abort -Awarnings --crate-name "$name" "$work/$name/mk00.rs" -o "$work/$name.bc"
done

# median_ms CMD... : wall time of CMD over $runs runs (bash's clock, no
# extra process per sample), median in ms.
median_ms() {
  local samples=() t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null
    t1=$EPOCHREALTIME
    samples+=("$(((${t1/./} - ${t0/./})))")
  done
  printf '%s\n' "${samples[@]}" | sort -n |
    awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

hit() {  # NAME
  "$hl" --helpers "$fx/helpers.bc" -o "$work/$1.o" "$work/$1.bc" -- clang-22 -O2 -fno-PIE
}
for name in small large; do hit "$name"; done  # fill the cache
"$hl" --stop  # hits need no daemon

printf 'int add(int a, int b) { return a + b; }\n' >"$work/small.c"
ccache_hit() { ccache clang-22 -O2 -c "$work/small.c" -o "$work/small_c.o"; }
ccache_hit && ccache_hit  # miss, then hit
ccache -z >/dev/null

echo "cache hit latency, median of $runs runs, $(nproc) cores, $(date -u +%F)"
printf '| %-44s | %10s | %9s |\n' case "median ms" "object B"
printf '|%s|\n' "----------------------------------------------|------------|-----------"
printf '| %-44s | %10s | %9s |\n' "ccache direct-mode hit, small C file" "$(median_ms ccache_hit)" "$(stat -c %s "$work/small_c.o")"
for name in small large; do
  printf '| %-44s | %10s | %9s |\n' \
    "helperlink hit, $name crate ($(stat -c %s "$work/$name.bc") B bitcode)" \
    "$(median_ms hit "$name")" "$(stat -c %s "$work/$name.o")"
done
ccache -s | grep -iE 'hits|direct' | head -3 | sed 's/^/ccache: /'
"$hl" --stats | grep -E '^  (hits|misses)' | sed 's/^ */helperlink: /'
