# load.sh - 64 concurrent clients x 500 requests (LOAD_CLIENTS,
# LOAD_REQUESTS) against one daemon on this machine's cores, the cache
# bypassed so every request reaches the engines: no failure, every object
# identical to the one-shot's, and the daemon's memory, sampled every half
# second and printed as a curve, stays bounded (under LOAD_RSS_LIMIT_MB,
# default 1024: a leak of even 30 KB per request would cross it). Memory
# is the daemon's plus its worker processes'.
source "$(dirname "$0")/lib.sh"

clients=${LOAD_CLIENTS:-64}
requests=${LOAD_REQUESTS:-500}
limit_mb=${LOAD_RSS_LIMIT_MB:-1024}
CC=(clang-22 -O2 -fno-PIE)
crates=(tiny mixed)
for crate in "${crates[@]}"; do
  "$HELPERLINKD" --oneshot --no-cache --helpers "$FX/helpers.bc" -o "$WORK/$crate.ref.o" \
    "$FX/$crate.bc" -- "${CC[@]}"
done
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$WORK/warm.o" "$FX/tiny.bc" -- "${CC[@]}"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon"

(
  while alive "$pid"; do
    # shellcheck disable=SC2046
    cat "/proc/$pid/status" $(pgrep -P "$pid" | sed 's|.*|/proc/&/status|') 2>/dev/null |
      awk -v t="$EPOCHREALTIME" '/^VmRSS/ {kib += $2} END {printf "%.1f %d\n", t, kib / 1024}' || true
    sleep 0.5
  done
) >"$WORK/rss" &
sampler=$!

start=$EPOCHREALTIME
for ((c = 0; c < clients; c++)); do
  (
    crate=${crates[$((c % 2))]}
    for ((i = 0; i < requests; i++)); do
      out=$WORK/c$c.o
      if ! "$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$out" "$FX/$crate.bc" -- "${CC[@]}" 2>>"$WORK/c$c.err"; then
        echo "request $i failed" >>"$WORK/c$c.fail"
      elif ! cmp -s "$out" "$WORK/$crate.ref.o"; then
        echo "request $i: wrong object" >>"$WORK/c$c.fail"
      fi
    done
  ) &
done
wait_status=0
for job in $(jobs -p); do [[ $job == "$sampler" ]] || wait "$job" || wait_status=1; done
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
HELPERLINK_DIR=$HELPERLINK_DIR "$HELPERLINK" --stats >"$WORK/stats"
"$HELPERLINK" --stop
wait "$sampler" 2>/dev/null || true

total=$((clients * requests))
echo "load.sh: $total requests from $clients clients in ${elapsed}s"
samples=$(wc -l <"$WORK/rss")
step=$(((samples + 24) / 25))
echo "load.sh: daemon + workers RSS (MiB) over time ($samples samples, every ${step}th shown):"
awk -v t0="$start" -v step="$step" 'NR % step == 1 || step == 1 {
  printf "  %6.1fs %5d MiB %s\n", $1 - t0, $2, substr("##################################################", 1, $2 / 20)
}' "$WORK/rss"
[[ $wait_status -eq 0 ]] || fail "a client loop failed"
if ls "$WORK"/*.fail >/dev/null 2>&1; then
  fail "$(cat "$WORK"/*.fail | wc -l) failed or wrong requests, e.g. $(head -1 "$(ls "$WORK"/*.fail | head -1)")"
fi
ok
fallbacks=$(cat "$WORK"/c*.err | grep -c 'daemon unavailable' || true)
[[ $fallbacks -eq 0 ]] || fail "$fallbacks requests fell back to the one-shot"
grep -q "succeeded           $((total + 1)) " "$WORK/stats" || fail "stats: $(grep succeeded "$WORK/stats")"
ok
peak=$(sort -k2 -n "$WORK/rss" | tail -1 | cut -d' ' -f2)
echo "load.sh: peak daemon + workers RSS ${peak} MiB (limit ${limit_mb} MiB)"
[[ $peak -lt $limit_mb ]] || fail "daemon RSS reached ${peak} MiB"
ok
finish
