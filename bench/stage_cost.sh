#!/usr/bin/env bash
# stage_cost.sh - what fast mode's post-inline stage costs by crate size:
# generated crates of 1 to 1500 groups of 16 helper-calling functions, each
# linked N times (default 5) by the one-shot in fast mode with --report; the
# medians of the report's times_ms.optimize (the stage) and times_ms.total
# (the engine), and the stage's share. Measured and printed, never
# asserted. Writes bench/results/stage_cost.md.
# Usage: bench/stage_cost.sh [N]
source "$(dirname "$0")/lib.sh"
runs=${1:-5}
trap 'rm -rf "$work"' EXIT
CC=(clang-22 -O2 -fno-PIE)
out=$top/bench/results/stage_cost.md
{
  echo "# Fast mode's post-inline stage by crate size"
  echo
  echo "$(date -u +%F), $(nproc) cores, median of $runs one-shot runs per crate, \`bench/stage_cost.sh $runs\`."
  echo "Generated crates of GROUPS x 16 functions calling the kernel-like helpers;"
  echo "stage = times_ms.optimize, engine = times_ms.total of the report (ms)."
  echo
  echo "| groups | bitcode B | helper calls | stage ms | engine ms | stage share |"
  echo "|---|---|---|---|---|---|"
} >"$out"
for groups in 1 5 20 40 300 800 1500; do
  gen_crate "g$groups" "$groups"
  for ((i = 0; i < runs; i++)); do
    "$bin/helperlinkd" --oneshot --no-cache --helpers "$fx/helpers.bc" \
      --report "$work/g$groups.$i.json" -o "$work/g$groups.o" "$work/g$groups.bc" -- "${CC[@]}"
  done
  python3 - "$work" "g$groups" "$runs" "$(stat -c %s "$work/g$groups.bc")" "$groups" >>"$out" <<'PY'
import json, statistics, sys
work, name, runs, size, groups = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
reports = [json.load(open(f"{work}/{name}.{i}.json")) for i in range(runs)]
stage = statistics.median(r["times_ms"]["optimize"] for r in reports)
total = statistics.median(r["times_ms"]["total"] for r in reports)
found = reports[0]["call_sites"]["found"]
print(f"| {groups} | {size} | {found} | {stage:.1f} | {total:.1f} | {100 * stage / total:.1f}% |")
PY
done
cat "$out"
