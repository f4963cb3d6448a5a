#!/usr/bin/env bash
# cache_hit.sh - median end-to-end latency of a local cache hit (client
# process start to object written) for a small crate (~200 KB of bitcode)
# and a large one (~2 MB object), next to ccache's direct-mode hit for a
# small C file (ccache clang-22 -O2 -c), all measured in this run.
# Measured and printed, never asserted. Usage: bench/cache_hit.sh [N]
source "$(dirname "$0")/lib.sh"
runs=${1:-101}
hl=$bin/helperlink
export HELPERLINK_DIR=$work/state HELPERLINK_CACHE_DIR=$work/cache CCACHE_DIR=$work/ccache
trap '"$hl" --stop; rm -rf "$work"' EXIT
gen_crate small 32
gen_crate large 2000

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
printf '| %-48s | %10s | %9s |\n' case "median ms" "object B"
printf '|%s|\n' "--------------------------------------------------|------------|-----------"
printf '| %-48s | %10s | %9s |\n' "ccache direct-mode hit, small C file" \
  "$(median_ms "$runs" ccache_hit)" "$(stat -c %s "$work/small_c.o")"
for name in small large; do
  printf '| %-48s | %10s | %9s |\n' \
    "helperlink hit, $name crate ($(stat -c %s "$work/$name.bc") B bitcode)" \
    "$(median_ms "$runs" hit "$name")" "$(stat -c %s "$work/$name.o")"
done
ccache -s | grep -iE 'hits|direct' | head -3 | sed 's/^/ccache: /'
"$hl" --stats | grep -E '^  (hits|misses)' | sed 's/^ */helperlink: /'
