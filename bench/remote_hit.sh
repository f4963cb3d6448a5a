#!/usr/bin/env bash
# remote_hit.sh - median end-to-end latency of a remote cache hit over
# loopback (client start to object written; the local cache is empty for
# every sample, so the daemon asks `helperlinkd --serve-cache`, re-hashes
# the blobs and backfills a fresh local cache) for a small crate (~200 KB of
# bitcode) and a large one (~2 MB object). Measured and printed, never
# asserted. Usage: bench/remote_hit.sh [N]
source "$(dirname "$0")/lib.sh"
runs=${1:-31}
hl=$bin/helperlink
export HELPERLINK_DIR=$work/state
"$bin/helperlinkd" --serve-cache 127.0.0.1:0 --cache-dir "$work/server" >"$work/server.out" &
server=$!
trap '"$hl" --stop; kill $server; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q port "$work/server.out" && break; sleep 0.05; done
export HELPERLINK_REMOTE=grpc://127.0.0.1:$(grep -oE 'port [0-9]+' "$work/server.out" | cut -d' ' -f2)
gen_crate small 32
gen_crate large 2000

link() {  # NAME CACHE_DIR
  "$hl" --cache-dir "$2" --helpers "$fx/helpers.bc" -o "$work/$1.o" "$work/$1.bc" -- clang-22 -O2 -fno-PIE
}
for name in small large; do HELPERLINK_REMOTE_WRITE=1 link "$name" "$work/writer-cache"; done
"$hl" --stop  # let the uploads finish
sleep 1
sample=0
remote_hit() {  # NAME: a fresh, empty local cache each time
  sample=$((sample + 1))
  link "$1" "$work/reader-$1-$sample"
}
remote_hit small  # start the daemon and open the channel

echo "remote hit latency over loopback, median of $runs runs, $(nproc) cores, $(date -u +%F)"
printf '| %-48s | %10s | %9s |\n' case "median ms" "object B"
printf '|%s|\n' "--------------------------------------------------|------------|-----------"
for name in small large; do
  printf '| %-48s | %10s | %9s |\n' \
    "remote hit, $name crate ($(stat -c %s "$work/$name.bc") B bitcode)" \
    "$(median_ms "$runs" remote_hit "$name")" "$(stat -c %s "$work/$name.o")"
done
"$hl" --stats | sed "s/^/helperlink: /"
