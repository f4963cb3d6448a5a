#!/usr/bin/env bash
# copies.sh - what the copies of a multi-MB crate and its object cost on
# their way between the client, the daemon and its worker: this build's
# binaries against an earlier build's (OLD_BIN, e.g. main's build/bin
# copied aside), run alternately (old, new, old, new, ...) on one crate of
# MIB MiB (default 3): a Rust static of random bytes and a function reading
# it, so the bitcode and the object are both ~MIB MiB while linking it
# takes ~0.1 s, and the copies are not lost in the engine's time. Two
# cases: (a) a local cache hit answered by the client alone; (b) a miss
# through a warm daemon (--no-cache). Each run writes --report; the table
# gives medians and minimums of the wall time (client start to object
# written), the report's receive_ms (hit: the crate's read or map; miss:
# its transfer to the daemon), the hit's cache ms, and the miss's wall time
# minus the engine's times_ms.total (what is not linking), then each
# daemon's and its workers' peak RSS (VmHWM) after the misses. Measured and
# printed, never asserted; the table goes into bench/results/copies.md.
# Usage: bench/copies.sh OLD_BIN [N] [MIB]
source "$(dirname "$0")/lib.sh"
old=${1:?usage: bench/copies.sh OLD_BIN [N] [MIB]}
runs=${2:-21}
mib=${3:-3}
for tool in helperlink helperlinkd; do
  [[ -x $old/$tool ]] || { echo "copies.sh: $old/$tool: not an executable" >&2; exit 1; }
done
declare -A dir=([old]=$old [new]=$bin)
trap 'for v in old new; do HELPERLINK_DIR=$work/$v.state "${dir[$v]}/helperlink" --stop; done; rm -rf "$work"' EXIT
CC=(clang-22 -O2 -fno-PIE)
crate=$work/blob.bc
head -c $((mib << 20)) /dev/urandom >"$work/blob.bin"
cat >"$work/blob.rs" <<RS
#![no_std]
#[no_mangle]
pub static BLOB: [u8; $((mib << 20))] = *include_bytes!("blob.bin");
#[no_mangle]
pub extern "C" fn blob_byte(i: usize) -> u8 { BLOB[i % BLOB.len()] }
RS
rustc --crate-type=lib --emit=llvm-bc -Copt-level=2 -Ccodegen-units=1 \
  -Cpanic=abort -Awarnings --crate-name blob "$work/blob.rs" -o "$crate"

# run VERSION CASE I [FLAGS...]: one object, its wall time and report kept.
run() {
  local v=$1 case=$2 i=$3 t0 t1
  shift 3
  t0=$EPOCHREALTIME
  HELPERLINK_DIR=$work/$v.state HELPERLINK_CACHE_DIR=$work/$v.cache \
    "${dir[$v]}/helperlink" "$@" --helpers "$fx/helpers.bc" \
    --report "$work/$v.$case.$i.json" -o "$work/$v.o" "$crate" -- "${CC[@]}"
  t1=$EPOCHREALTIME
  echo "$((${t1/./} - ${t0/./}))" >"$work/$v.$case.$i.us"
}

for v in old new; do
  run "$v" fill 0  # fills the cache, starts the daemon
  HELPERLINK_DIR=$work/$v.state "${dir[$v]}/helperlink" --stop  # hits need none
done
for ((i = 0; i < runs; i++)); do
  for v in old new; do run "$v" hit "$i"; done
done
for v in old new; do run "$v" warm 0 --no-cache; done  # daemon up, helpers read
for ((i = 0; i < runs; i++)); do
  for v in old new; do run "$v" miss "$i" --no-cache; done
done
# Peak RSS of each daemon and of its workers, after the misses.
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
for v in old new; do
  pid=$(HELPERLINK_DIR=$work/$v.state "${dir[$v]}/helperlink" --status | awk '/^daemon pid/ {print $3; exit}' | tr -d ,)
  workers=0
  for child in $(pgrep -P "$pid"); do workers=$((workers + $(hwm "$child"))); done
  echo "$(hwm "$pid") $workers" >"$work/$v.rss"
done

# The table replaces what is between the markers in copies.md (the rest,
# where the copies are, is kept), or makes the file.
out=$top/bench/results/copies.md
python3 - "$work" "$runs" "$(stat -c %s "$crate")" "$(stat -c %s "$work/new.o")" \
  "$mib" "$(nproc)" "$old" "$out" <<'PY'
import datetime, json, os, statistics, sys
work, runs, crate, obj, mib, cores, old, out = sys.argv[1:9]
runs = int(runs)
begin, end = "<!-- copies.sh: begin -->\n", "<!-- copies.sh: end -->\n"
def series(v, case, f):
    values = []
    for i in range(runs):
        r = json.load(open(f"{work}/{v}.{case}.{i}.json"))
        wall = int(open(f"{work}/{v}.{case}.{i}.us").read()) / 1000
        values.append(f(r, wall))
    return values
def cell(xs):
    return f"{statistics.median(xs):.2f} / {min(xs):.2f}"
rows = [
    ("hit: wall ms", "hit", lambda r, w: w),
    ("hit: receive_ms (crate read)", "hit", lambda r, w: r["receive_ms"]),
    ("hit: cache ms (key, lookup)", "hit", lambda r, w: r["cache"]["ms"]),
    ("miss: wall ms", "miss", lambda r, w: w),
    ("miss: receive_ms (client to daemon)", "miss", lambda r, w: r["receive_ms"]),
    ("miss: wall - engine ms", "miss", lambda r, w: w - r["times_ms"]["total"]),
    ("miss: engine ms (times_ms.total)", "miss", lambda r, w: r["times_ms"]["total"]),
]
lines = [
    f"{datetime.date.today()}, {cores} cores (shared), `bench/copies.sh {old} {runs} {mib}`:",
    f"a crate of one {mib} MiB static, {crate} B of bitcode, a {obj} B object;",
    f"old = {old}, new = this build, alternated old/new {runs} times per case;",
    "median / min in ms. Hits are answered by the client alone; misses go",
    "through a warm daemon with --no-cache.",
    "",
    "| measure | old | new |",
    "|---|---|---|",
]
for name, case, f in rows:
    lines.append(f"| {name} | {cell(series('old', case, f))} | {cell(series('new', case, f))} |")
rss = {v: [int(x) / 1024 for x in open(f"{work}/{v}.rss").read().split()] for v in ("old", "new")}
lines.append(f"| daemon peak RSS MiB (VmHWM) | {rss['old'][0]:.1f} | {rss['new'][0]:.1f} |")
lines.append(f"| workers' peak RSS MiB (sum) | {rss['old'][1]:.1f} | {rss['new'][1]:.1f} |")
table = "\n".join(lines) + "\n"
text = open(out).read() if os.path.exists(out) else ""
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + begin + table + end + rest.split(end, 1)[1]
else:
    text = "# Copies of a multi-MB crate and its object\n\n" + begin + table + end + text
open(out, "w").write(text)
print(table, end="")
PY
