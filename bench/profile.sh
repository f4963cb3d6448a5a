#!/usr/bin/env bash
# profile.sh - where the time goes on the corpus's largest crates (the
# largest generated crate, 25,600 helper call sites, and syn, the largest
# real one): the one-shot's per-phase report in fast and exact mode next to
# the floor and the Linux 7.1 recipe; LLVM's per-pass timings
# (-ftime-report) of fast mode's codegen against the floor's; and where
# perf's cpu-clock samples fall by library (no hardware counters needed).
# Writes bench/results/profile.md.
# Usage: bench/profile.sh [N]  (N runs per phase median, default 3)
"$(dirname "$0")/../scripts/install-deps" --bench
source "$(dirname "$0")/lib.sh"
runs=${1:-3}
trap 'rm -rf "$work"' EXIT
CC=(clang-22 -O2 -fno-PIE)
out=$top/bench/results/profile.md

gen_crate big1500 1500
"$top/bench/registry/build.sh" "$work/registry" >/dev/null
ln -s "$work/registry/syn.bc" "$work/syn.bc"

recipe() {  # NAME CRATE
  local crate=$work/$2.bc
  case $1 in
    fast | exact)
      "$bin/helperlinkd" --oneshot --no-cache --mode "$1" --helpers "$fx/helpers.bc" \
        --report "$work/$2.$1.json" -o "$work/$2.$1.o" "$crate" -- "${CC[@]}" ;;
    b) llvm-link-22 --internalize --suppress-warnings "$crate" "$fx/helpers.bc" -o "$work/m.bc" &&
       "${CC[@]}" -Wno-override-module -c "$work/m.bc" -o "$work/$2.b.o" ;;
    f) "${CC[@]}" -Wno-override-module -Xclang -disable-llvm-passes -c "$crate" -o "$work/$2.f.o" ;;
  esac
}

# phases CRATE MODE: median of each phase in the reports of RUNS runs.
phases() {
  local i
  for ((i = 0; i < runs; i++)); do
    recipe "$2" "$1"
    python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))["times_ms"]
print(" ".join(str(t[k]) for k in ("parse", "link", "inline", "optimize", "codegen", "total")))' \
      "$work/$1.$2.json"
  done | python3 -c 'import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin]
print(" | ".join("%.0f" % statistics.median(c) for c in zip(*rows)))'
}

# passes CRATE: LLVM's per-pass wall times (-ftime-report) of fast mode and
# of the floor, RUNS runs each, alternated; writes the per-pass medians as
# "ms<TAB>pass" lines to $work/CRATE.fast.passes and $work/CRATE.f.passes.
passes() {
  local CC=("${CC[@]}" -ftime-report) i r
  for ((i = 0; i < runs; i++)); do
    for r in fast f; do recipe "$r" "$1" 2>"$work/$1.$r.raw$i" >/dev/null; done
  done
  for r in fast f; do
    python3 - "$work/$1.$r.raw"* >"$work/$1.$r.passes" <<'PY'
import re, statistics, sys
row = re.compile(r"^\s*(?:[\d.]+\s+\(\s*[\d.]+%\)\s+){3}([\d.]+)\s+\(\s*[\d.]+%\)\s+(.*\S)\s*$")
runs = []
for path in sys.argv[1:]:
    times, section = {}, ""
    for line in open(path):
        if "timing report" in line or "time report" in line:
            section = line.strip()
        m = row.match(line)
        if m and section == "Pass execution timing report" and m.group(2) != "Total":
            times[m.group(2)] = times.get(m.group(2), 0) + float(m.group(1)) * 1000
    runs.append(times)
for name in set().union(*runs):
    print("%.1f\t%s" % (statistics.median(t.get(name, 0) for t in runs), name))
PY
  done
}

# compare FAST FLOOR: the passes that cost most in fast mode, next to the
# floor's time for the same pass, and the totals.
compare() {
  python3 - "$1" "$2" <<'PY'
import sys
def load(path):
    times = {}
    for line in open(path):
        ms, name = line.rstrip("\n").split("\t", 1)
        times[name] = times.get(name, 0) + float(ms)
    return times
fast, floor = load(sys.argv[1]), load(sys.argv[2])
print("| pass | floor ms | fast ms | fast - floor |")
print("|---|---|---|---|")
for name in sorted(fast, key=fast.get, reverse=True)[:12]:
    f = floor.get(name, 0)
    print("| %s | %.0f | %.0f | %+.0f |" % (name, f, fast[name], fast[name] - f))
rest_fast = sum(fast.values()) - sum(sorted(fast.values(), reverse=True)[:12])
top = set(sorted(fast, key=fast.get, reverse=True)[:12])
rest_floor = sum(v for k, v in floor.items() if k not in top)
print("| all other passes | %.0f | %.0f | %+.0f |" % (rest_floor, rest_fast, rest_fast - rest_floor))
print("| **all codegen passes** | %.0f | %.0f | %+.0f |" % (sum(floor.values()), sum(fast.values()), sum(fast.values()) - sum(floor.values())))
PY
}

# libraries CRATE RECIPE: share of cpu-clock samples per library, one run.
libraries() {
  perf record -q -e cpu-clock -F 999 -o "$work/perf.data" -- bash -c "$(declare -p CC work fx bin)
$(declare -f recipe)
recipe $2 $1" >/dev/null 2>&1
  perf report -i "$work/perf.data" --stdio --no-children --sort dso 2>/dev/null |
    awk '!/^#/ && NF == 2 && $1 + 0 >= 0.5 {printf "%s %s, ", $2, $1}' | sed 's/, $//'
}

{
  echo "# helperlink profile of the largest crates"
  echo
  echo "$(date -u +%F), $(nproc) cores, \`bench/profile.sh $runs\`."
  echo
  echo "One-shot (\`helperlinkd --oneshot --no-cache\`) phases from the report, ms, median of $runs:"
  echo
  echo "| crate | bitcode B | mode | parse | link | inline | optimize | codegen | total | floor (f) | 7.1 (b) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for crate in big1500 syn; do
    floor=$(median_ms "$runs" recipe f "$crate")
    seven=$(median_ms "$runs" recipe b "$crate")
    for mode in fast exact; do
      echo "| $crate | $(stat -L -c %s "$work/$crate.bc") | $mode | $(phases "$crate" "$mode") | $floor | $seven |"
    done
  done
  echo
  for crate in big1500 syn; do
    echo "#### $crate: codegen passes, fast mode against the floor"
    echo
    echo "LLVM's pass timers (\`-ftime-report\`, wall ms, median of $runs alternated runs). The timers read the"
    echo "clock around every pass on every function, which slows both runs alike: compare"
    echo "the two columns with each other, not with the wall times above."
    echo
    passes "$crate"
    compare "$work/$crate.fast.passes" "$work/$crate.f.passes"
    echo
    echo "Where the samples fall (\`perf record -e cpu-clock\`, one run, by library):"
    echo
    for r in fast f b; do echo "* $r: $(libraries "$crate" "$r")"; done
    echo
  done
} >"$out"
cat "$out"
