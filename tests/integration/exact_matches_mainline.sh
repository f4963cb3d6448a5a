# exact_matches_mainline.sh - exact mode against the Linux 7.1 recipe run
# with llvm-link-22 and clang-22 on the same inputs: the objects must be
# byte-identical, for userspace and kernel flags, with plain and annotated
# helpers.
source "$(dirname "$0")/lib.sh"

compare() {
  local crate=$1 helpers=$2
  shift 2
  local ref=$WORK/$crate.$helpers.ref.o obj=$WORK/$crate.$helpers.exact.o
  mainline "$FX/$crate.bc" "$FX/$helpers.bc" "$ref" "$@"
  "$HELPERLINKD" --oneshot --helpers "$FX/$helpers.bc" --mode exact \
    -o "$obj" "$FX/$crate.bc" -- "$@" || fail "$crate/$helpers: one-shot failed"
  cmp -s "$ref" "$obj" || fail "$crate/$helpers: exact object differs from the mainline recipe's"
  ok
}

for crate in tiny mixed large; do
  for helpers in helpers helpers_ai; do
    compare "$crate" "$helpers" clang-22 -O2 -fno-PIE
  done
done
for helpers in helpers_kernel helpers_kernel_ai; do
  compare kcrate "$helpers" clang-22 "${HELPER_CFLAGS_KERNEL[@]}"
done
finish
