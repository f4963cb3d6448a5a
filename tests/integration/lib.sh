# lib.sh - shared shell functions for helperlink's integration tests.
# Sourced by the test scripts; each script gets HELPERLINKD and FX (the
# built fixtures directory) as its two arguments.
# shellcheck shell=bash

set -euo pipefail

HELPERLINKD=$(realpath "${1:?usage: $0 HELPERLINKD FIXTURE_DIR}")
FX=$(realpath "${2:?usage: $0 HELPERLINKD FIXTURE_DIR}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../fixtures/flags.sh
source "$HERE/../fixtures/flags.sh"

LLVM_BIN=/usr/lib/llvm-22/bin
WORK=$(mktemp -d "${TMPDIR:-/tmp}/helperlink-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT  # replaced below once the client is known

CHECKS=0
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }
finish() { echo "$(basename "$0"): $CHECKS checks passed"; }

# Helpers that can never be inlined (recursive, variadic); everything else
# must be.
NOT_INLINABLE='rust_helper_(tree_sum|sum_ints)'

# Calls and tail calls to helpers in OBJ's disassembly, whether the helper is
# internal (no relocation) or not; prints "callee count" lines.
helper_calls() {
  "$LLVM_BIN/llvm-objdump" -d --no-show-raw-insn "$1" |
    grep -oE '(call|jmp)[a-z]*[[:space:]]+[0-9a-fx]+ <rust_helper_[A-Za-z0-9_]+' |
    grep -oE 'rust_helper_[A-Za-z0-9_]+' | sort | uniq -c || true
}

# Number of calls to helpers that should have been inlined.
inlinable_calls_left() {
  helper_calls "$1" | awk -v skip="$NOT_INLINABLE" '$2 !~ skip {n += $1} END {print n + 0}'
}

# check_counts REPORT WHAT: the report's call-site counts are one set,
# found = inlined + remaining + removed, none negative (helperlink/report.h),
# and a fast-mode report times its post-inline stage.
check_counts() {
  python3 - "$1" <<'PY' || fail "$2: call-site counts do not add up: $(grep -o '"call_sites": {[^}]*}' "$1")"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["call_sites"]
assert min(c.values()) >= 0, c
assert c["found"] == c["inlined"] + c["remaining"] + c["removed"], c
if r["mode"] == "fast" and c["inlined"] > 0:
    assert r["times_ms"]["optimize"] > 0, r["times_ms"]
PY
  ok
}

# No helper may be defined globally or weakly, nor left undefined.
check_symbols() {
  local obj=$1 bad
  bad=$("$LLVM_BIN/llvm-nm" "$obj" | awk '$NF ~ /^rust_helper_/ && $(NF-1) ~ /^[A-TV-Z]$/ {print}')
  [[ -z $bad ]] || fail "$obj: helper symbols defined globally or weakly: $bad"
  bad=$("$LLVM_BIN/llvm-nm" -u "$obj" | grep rust_helper_ || true)
  [[ -z $bad ]] || fail "$obj: helpers left undefined: $bad"
  ok
}

# The Linux 7.1 recipe: llvm-link --internalize, then clang -c.
mainline() {
  local crate=$1 helpers=$2 out=$3
  shift 3
  "$LLVM_BIN/llvm-link" --internalize --suppress-warnings "$crate" "$helpers" -o "$out.m.bc"
  "$@" -Wno-override-module -c "$out.m.bc" -o "$out"
}

# The thin client sits beside helperlinkd.
HELPERLINK=$(dirname "$HELPERLINKD")/helperlink
MINIKBUILD=$HERE/../fixtures/minikbuild

# Daemons started by a test serve a state dir under $WORK and are stopped
# when the test ends; an idle timeout bounds any that escape.
export HELPERLINK_DIR=$WORK/state
export HELPERLINK_CACHE_DIR=$WORK/cache
export HELPERLINK_IDLE_TIMEOUT=${HELPERLINK_IDLE_TIMEOUT:-120}
stop_daemons() {
  local dir
  for dir in "$WORK"/state*; do
    [[ -d $dir ]] && HELPERLINK_DIR=$dir "$HELPERLINK" --stop || true
  done
  rm -rf "$WORK"
}
trap stop_daemons EXIT

# daemon_pids DIR: pids of helperlinkd daemons serving state dir DIR.
daemon_pids() {
  pgrep -f -- "helperlinkd --daemon --state-dir $1( |\$)" || true
}

# stat_field NAME: one counter from `helperlink --stats --json`.
stat_field() {
  "$HELPERLINK" --stats --json | grep -oE "\"$1\": *\"?[0-9]+" | grep -oE '[0-9]+$' | head -1
}

# The mini-kbuild: COUNT generated crates compiled to bitcode under DIR.
minikbuild_setup() {
  local count=$1 dir=$2
  bash "$MINIKBUILD/gen_crates.sh" "$count" "$dir/src"
  make -s -j"$(nproc)" -f "$MINIKBUILD/Makefile" OUT="$dir" bitcode
}
# Builds DIR's bitcode into DIR/OBJ with RECIPE (client, oneshot or
# mainline); HLFLAGS=--no-cache in the arguments bypasses the cache.
minikbuild() {  # DIR RECIPE OBJ [make args...]
  local dir=$1 recipe=$2 obj=$3
  shift 3
  make -s -f "$MINIKBUILD/Makefile" OUT="$dir" RECIPE="$recipe" OBJ="$obj" \
    HELPERS="$FX/helpers.bc" HELPERLINK="$HELPERLINK" HELPERLINKD="$HELPERLINKD" \
    "$@" objects
}
# Every object in DIR/A equals the one in DIR/B.
same_objects() {
  local dir=$1 a=$2 b=$3 n=0 f
  for f in "$dir/$b"/*.o; do
    cmp -s "$f" "$dir/$a/$(basename "$f")" || fail "$a/$(basename "$f") differs from $b"
    n=$((n + 1))
  done
  [[ $n -gt 0 ]] || fail "no objects in $dir/$b"
  echo "$n"
}

# Whether process PID runs (a zombie waiting to be reaped does not count).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# corrupt_stored_object DB OBJ: flips one byte of OBJ's contents where they
# are stored inside the LMDB file DB (as a failing disk would).
corrupt_stored_object() {
  perl -e '
    my ($db, $obj) = @ARGV;
    open(my $o, "<:raw", $obj) or die; local $/; my $object = <$o>;
    my $probe = substr($object, length($object) / 2, 48);
    open(my $d, "+<:raw", $db) or die; my $data = <$d>;
    my $at = index($data, $probe); die "$obj not found in $db\n" if $at < 0;
    seek($d, $at + 7, 0); print $d chr(ord(substr($data, $at + 7, 1)) ^ 0x5a); close($d);
  ' "$1" "$2"
}
