# lib.sh - shared set-up for the benchmark scripts: build helperlink and
# the fixtures, make a work dir, generate crates of a given size, and take
# medians. Sourced; sets top, build, bin, fx, work.
# shellcheck shell=bash
set -euo pipefail
# CI may run without HOME; rustup's rustc lives under it.
export HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$top/scripts/build"
if ! command -v rustc >/dev/null && [[ -x $HOME/.cargo/bin/rustc ]]; then
  export PATH=$HOME/.cargo/bin:$PATH
fi
build=${HELPERLINK_BUILD_DIR:-$top/build}
bin=$build/bin
fx=$build/fixtures
work=$(mktemp -d)
bash "$top/tests/fixtures/build.sh" "$fx"
# shellcheck source=../tests/fixtures/flags.sh
source "$top/tests/fixtures/flags.sh"

# gen_crate NAME GROUPS: $work/NAME.bc, a crate of GROUPS x 16 functions.
gen_crate() {
  CRATE_GROUPS=$2 bash "$top/tests/fixtures/minikbuild/gen_crates.sh" 1 "$work/$1"
  rustc --crate-type=lib --emit=llvm-bc -Copt-level=2 -Ccodegen-units=1 \
    -Cpanic=abort -Awarnings --crate-name "$1" "$work/$1/mk00.rs" -o "$work/$1.bc"
}

# median_ms RUNS CMD... : wall time of CMD over RUNS runs, median in ms
# (bash's clock, no extra process per sample).
median_ms() {
  local runs=$1 samples=() t0 t1
  shift
  for ((i = 0; i < runs; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null
    t1=$EPOCHREALTIME
    samples+=("$((${t1/./} - ${t0/./}))")
  done
  printf '%s\n' "${samples[@]}" | sort -n |
    awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}
