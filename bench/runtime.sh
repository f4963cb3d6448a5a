#!/usr/bin/env bash
# runtime.sh - how fast the code is that each recipe produces: the Rust
# loops of bench/runtime/loops.rs over the kernel-like C helpers of
# bench/runtime/helpers.c, built as
#   none        crate object + helpers object, no inlining
#   recipe      Linux 7.1: llvm-link --internalize with __always_inline
#               helpers, then clang -c
#   recipe_copy the same object again, to show that placement is pinned
#   exact       helperlinkd --oneshot --mode exact, annotated helpers
#   fast_plain  helperlinkd --oneshot --mode fast, unannotated helpers
#   fast_ai     helperlinkd --oneshot --mode fast, annotated helpers
# all linked into one binary with the C driver (bench/runtime/driver.c),
# which checks that every variant computes the same checksums and state,
# then times each loop in each variant (thread CPU time per iteration, best
# of ROUNDS runs of about 0.2 ms for the fastest variant, the variants
# interleaved and rotated; short runs because on a loaded machine best-of-7
# runs of several ms put byte-identical copies up to 20% apart, many short
# ones within a few percent). Every function is 64-byte aligned and
# every variant's .text starts on a page, so a loop's placement depends on
# its own code only. Uses whatever helperlinkd BUILD_DIR holds; the cache is
# bypassed (--no-cache). Writes bench/results/runtime.md and runtime.svg.
# Usage: bench/runtime.sh [--check] [BUILD_DIR] [ROUNDS]
#   --check  build the harness and run the driver's cross-variant check only
#            (nothing is written to bench/results)
# HELPERLINK_RUNTIME_WORK=DIR keeps the intermediate files in DIR.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
export HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$top/bench/runtime
usage() {
  echo "usage: bench/runtime.sh [--check] [BUILD_DIR] [ROUNDS]" >&2
  exit 2
}
check_only=0
if [[ ${1:-} == --check ]]; then
  check_only=1
  shift
fi
[[ $# -le 2 ]] || usage
build=$(realpath "${1:-${HELPERLINK_BUILD_DIR:-$top/build}}")
rounds=${2:-99}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || usage
hld=$build/bin/helperlinkd
[[ -x $hld ]] || {
  echo "bench/runtime.sh: $hld not found (run scripts/build, or name a build dir)" >&2
  exit 1
}

if ! command -v rustc >/dev/null && [[ -x $HOME/.cargo/bin/rustc ]]; then
  export PATH=$HOME/.cargo/bin:$PATH
fi
for tool in clang-22 llvm-link-22 llvm-objcopy-22 llvm-nm-22 llvm-objdump-22 llvm-readelf-22 rustc; do
  command -v "$tool" >/dev/null || {
    echo "bench/runtime.sh: needs $tool (not found in PATH)" >&2
    exit 1
  }
done
rustc -vV | grep -q '^LLVM version: 22\.' || {
  echo "bench/runtime.sh: needs rustc built with LLVM 22 ($(rustc -vV | grep '^LLVM version' || echo 'no LLVM version'))" >&2
  exit 1
}
# shellcheck source=../tests/fixtures/flags.sh
source "$top/tests/fixtures/flags.sh"

if [[ -n ${HELPERLINK_RUNTIME_WORK:-} ]]; then
  work=$HELPERLINK_RUNTIME_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
export HELPERLINK_DIR=$work/state HELPERLINK_CACHE_DIR=$work/cache

# Codegen flags of every variant. Kernel codegen has no SSE, so nothing is
# vectorized; -align-all-functions=6 pins every function to 64 bytes (clang
# ignores -falign-functions on bitcode input).
CC=(clang-22 -O2 -fno-PIE -fno-vectorize -fno-slp-vectorize -mllvm -align-all-functions=6)
variants=(none recipe recipe_copy exact fast_plain fast_ai)

# Helpers as kbuild emits them, unannotated and annotated (7.1).
clang-22 "${HELPER_CFLAGS_USER[@]}" -I"$src" -c -emit-llvm "$src/helpers.c" -o "$work/helpers.bc"
clang-22 "${HELPER_CFLAGS_USER[@]}" "${HELPER_AI_DEFINE[@]}" -I"$src" -c -emit-llvm \
  "$src/helpers.c" -o "$work/helpers_ai.bc"
clang-22 "${HELPER_CFLAGS_USER[@]}" -falign-functions=64 -I"$src" -c "$src/helpers.c" \
  -o "$work/helpers.o"
# Static relocation model as in the kernel: calls to helpers left out of
# line are direct calls, not calls through the GOT.
RUSTFLAGS=("${RUSTFLAGS_USER[@]}" -Crelocation-model=static --edition=2021)
rustc "${RUSTFLAGS[@]}" --crate-name rt_loops "$src/loops.rs" -o "$work/loops.bc"

one_shot() {  # MODE HELPERS OUT
  "$hld" --oneshot --no-cache --mode "$1" --helpers "$work/$2.bc" -o "$3" "$work/loops.bc" -- "${CC[@]}"
}
for v in "${variants[@]}"; do
  o=$work/$v.raw.o
  case $v in
    none) "${CC[@]}" -Wno-override-module -c "$work/loops.bc" -o "$o" ;;
    recipe)
      llvm-link-22 --internalize --suppress-warnings "$work/loops.bc" "$work/helpers_ai.bc" -o "$work/m.bc"
      "${CC[@]}" -Wno-override-module -c "$work/m.bc" -o "$o" ;;
    recipe_copy) cp "$work/recipe.raw.o" "$o" ;;
    exact) one_shot exact helpers_ai "$o" ;;
    fast_plain) one_shot fast helpers "$o" ;;
    fast_ai) one_shot fast helpers_ai "$o" ;;
  esac
done

# Give each variant its own symbol names and page-align its code. Only the
# loops may be global; inlined helpers are internal, and all undefined
# symbols must be helpers (and only in the variant without inlining).
for v in "${variants[@]}"; do
  raw=$work/$v.raw.o
  bad=$(llvm-nm-22 --defined-only -g "$raw" | awk '$NF !~ /^bench_/ {print $NF}')
  [[ -z $bad ]] || { echo "bench/runtime.sh: $v: unexpected global symbols: $bad" >&2; exit 1; }
  undef=$(llvm-nm-22 -u "$raw" | awk '{print $NF}')
  if [[ $v == none ]]; then
    bad=$(grep -v '^rust_helper_' <<<"$undef" || true)
  else
    bad=$undef
  fi
  [[ -z $bad ]] || { echo "bench/runtime.sh: $v: unexpected undefined symbols: $bad" >&2; exit 1; }
  redefine=()
  for sym in $(llvm-nm-22 --defined-only -g "$raw" | awk '{print $NF}'); do
    redefine+=(--redefine-sym "$sym=${v}_$sym")
  done
  align=()
  for sec in $(llvm-readelf-22 -SW "$raw" | grep -oE '\.text[.A-Za-z0-9_]*' | sort -u); do
    align+=(--set-section-alignment "$sec=4096")
  done
  llvm-objcopy-22 "${redefine[@]}" "${align[@]}" "$raw" "$work/$v.o"
done
{
  printf '#define VARIANTS(X)'
  printf ' X(%s)' "${variants[@]}"
  echo
} >"$work/variants.h"
clang-22 -O2 -fno-PIE -I"$src" -I"$work" -c "$src/driver.c" -o "$work/driver.o"
objs=()
for v in "${variants[@]}"; do objs+=("$work/$v.o"); done
link=(clang-22 -no-pie "$work/driver.o" "${objs[@]}" "$work/helpers.o" -o "$work/runtime")
printf '%q ' "${link[@]}" >"$work/link.sh"
"${link[@]}"

if ((check_only)); then
  "$work/runtime" check
  exit
fi

target_us=200
"$work/runtime" measure "$rounds" "$target_us" >"$work/out"
results=$top/bench/results
mkdir -p "$results"
helper_calls() {
  llvm-objdump-22 -d --no-show-raw-insn "$1" |
    grep -cE '(call|jmp)[a-z]*[[:space:]]+[0-9a-fx]+ <rust_helper_' || true
}
calls=()
for v in "${variants[@]}"; do
  if [[ $v == none ]]; then
    calls+=("$v $(llvm-objdump-22 -dr "$work/$v.o" | grep -cE 'R_X86_64_[A-Z0-9_]+[[:space:]]+rust_helper_' || true)")
  else
    calls+=("$v $(helper_calls "$work/$v.o")")
  fi
done
same_exact=no
cmp -s "$work/recipe.raw.o" "$work/exact.raw.o" && same_exact=yes
cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

{
  echo "# helperlink runtime benchmark"
  echo
  echo "$(date -u +%F), \`bench/runtime.sh $(realpath --relative-to="$top" "$build" 2>/dev/null || echo "$build") $rounds\`"
  echo "at $rev; $cpu, $(nproc) cores, $(uname -sr); $(clang-22 --version | head -1); $(rustc -V)."
  echo
  echo "Nanoseconds of thread CPU time per loop iteration, best of $rounds runs (one per round;"
  echo "a run lasts about $target_us us for the fastest variant, the same iteration count for"
  echo "all), all variants in one binary and interleaved (the order rotates every round). Codegen"
  echo "flags of every variant: \`${CC[*]:1}\`. Helpers: \`${HELPER_CFLAGS_USER[*]}\`,"
  echo "annotated ones with \`${HELPER_AI_DEFINE[*]}\`. Crate: \`rustc ${RUSTFLAGS[*]}\`."
  echo "none = crate object + helpers object; recipe = Linux 7.1 (llvm-link --internalize,"
  echo "annotated helpers, clang -c); recipe_copy = the same object linked a second time;"
  echo "exact = one-shot exact mode, annotated helpers; fast_plain / fast_ai = one-shot fast"
  echo "mode with unannotated / annotated helpers. Ratios are against recipe; lower is faster."
  echo
  awk -v variants="${variants[*]}" '
    BEGIN { nv = split(variants, vn, " ") }
    $1 == "iters" { order[++nl] = $2; iters[$2] = $3 }
    $1 == "ns" { ns[$2, $3] = $4 }
    END {
      printf "| loop | iterations |"
      for (i = 1; i <= nv; i++) printf " %s |", vn[i]
      print " none/recipe | copy/recipe | fast_plain/recipe | fast_ai/recipe |"
      printf "|---|---|"
      for (i = 1; i <= nv + 4; i++) printf "---|"
      print ""
      split("none recipe_copy fast_plain fast_ai", rv, " ")
      for (l = 1; l <= nl; l++) {
        name = order[l]; printf "| %s | %d |", name, iters[name]
        for (i = 1; i <= nv; i++) printf " %.3f |", ns[name, vn[i]]
        for (k = 1; k <= 4; k++) {
          r = ns[name, rv[k]] / ns[name, "recipe"]; logsum[k] += log(r)
          if (k == 2 && (r > 1 ? r : 1 / r) > maxdev) maxdev = (r > 1 ? r : 1 / r)
          if (r > worst[k]) { worst[k] = r; worst_loop[k] = name }
          printf " %.2f |", r
        }
        print ""
      }
      printf "| **geometric mean** | |"
      for (i = 1; i <= nv; i++) printf " |"
      for (k = 1; k <= 4; k++) printf " **%.3f** |", exp(logsum[k] / nl)
      print ""
      print ""
      printf "Slowest loop against recipe: fast_plain %.2fx (%s), fast_ai %.2fx (%s).\n",
        worst[3], worst_loop[3], worst[4], worst_loop[4]
      printf "Placement check: recipe_copy, the same bytes as recipe, is within %.1f%% of it on every loop.\n",
        (maxdev - 1) * 100
    }' "$work/out"
  echo "Exact mode's object is byte-identical to the recipe's: $same_exact."
  left=$(printf '%s, ' "${calls[@]}")
  echo "Helper calls left in the objects: ${left%, }."
} >"$results/runtime.md"
"$top/bench/plot_runtime.sh" "$results/runtime.md" >"$results/runtime.svg"
cat "$results/runtime.md"
