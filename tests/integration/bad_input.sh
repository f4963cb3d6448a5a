# bad_input.sh - every kind of bad input gives exit status 1, exactly one
# line on stderr naming the input and the cause, and no output file (an old
# one from an earlier build is removed too). Usage errors touch no file;
# no arguments at all gives the usage and exit status 1 too.
source "$(dirname "$0")/lib.sh"

# expect_error NAME PATTERN ARGS... : run the one-shot, check the outcome.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  local out=$WORK/out.o err=$WORK/err.txt status=0
  rm -f "$out"
  [[ ${USAGE_ERROR:-0} == 1 ]] || echo stale >"$out"
  "$HELPERLINKD" --oneshot "$@" 2>"$err" || status=$?
  [[ $status -eq 1 ]] || fail "$name: exit status $status, want 1"
  [[ $(wc -l <"$err") -eq 1 ]] || fail "$name: stderr is not one line: $(cat "$err")"
  grep -qE "$pattern" "$err" || fail "$name: stderr '$(cat "$err")' does not match '$pattern'"
  [[ ! -e $out ]] || fail "$name: output file left behind"
  ok
}

CC=(clang-22 -O2 -fno-PIE)
head -c 3000 "$FX/mixed.bc" >"$WORK/truncated.bc"
printf 'this is not bitcode' >"$WORK/garbage.bc"
: >"$WORK/empty.bc"
printf 'int f(int x) { return x + 1; }\n' >"$WORK/old.c"
clang-14 -c -emit-llvm -O2 "$WORK/old.c" -o "$WORK/llvm14.bc"
clang-22 -c -emit-llvm -O2 --target=aarch64-linux-gnu -fno-PIE \
  "$HERE/../fixtures/helpers/helpers.c" -o "$WORK/helpers_arm64.bc"
"$LLVM_BIN/llvm-as" "$HERE/../fixtures/ir/bad_asm.ll" -o "$WORK/bad_asm.bc"

for mode in fast exact; do
  run=(--mode "$mode" --helpers "$FX/helpers.bc" -o "$WORK/out.o")
  expect_error "truncated/$mode" "truncated.bc: " "${run[@]}" "$WORK/truncated.bc" -- "${CC[@]}"
  expect_error "garbage/$mode" "garbage.bc: not LLVM bitcode" "${run[@]}" "$WORK/garbage.bc" -- "${CC[@]}"
  expect_error "empty/$mode" "empty.bc: file is empty" "${run[@]}" "$WORK/empty.bc" -- "${CC[@]}"
  expect_error "llvm14/$mode" "llvm14.bc: bitcode was produced by LLVM 14" "${run[@]}" "$WORK/llvm14.bc" -- "${CC[@]}"
  expect_error "missing crate/$mode" "nope.bc: No such file or directory" "${run[@]}" "$WORK/nope.bc" -- "${CC[@]}"
  expect_error "unknown flag/$mode" "unknown argument: '-fno-such-flag'" "${run[@]}" "$FX/mixed.bc" -- "${CC[@]}" -fno-such-flag
  expect_error "bad asm/$mode" "bad_asm.bc: .*invalid instruction mnemonic .this_is_not_an_instruction" "${run[@]}" "$WORK/bad_asm.bc" -- "${CC[@]}"
  expect_error "missing helpers/$mode" "missing.bc: No such file or directory" \
    --mode "$mode" --helpers "$WORK/missing.bc" -o "$WORK/out.o" "$FX/mixed.bc" -- "${CC[@]}"
  expect_error "helpers for arm64/$mode" "helpers_arm64.bc: helpers are for aarch64 but crate .*mixed.bc is for x86_64" \
    --mode "$mode" --helpers "$WORK/helpers_arm64.bc" -o "$WORK/out.o" "$FX/mixed.bc" -- "${CC[@]}"
done
# -ftime-report: the one-shot prints LLVM's pass timings and writes the
# object; the daemon (pass timers are process-wide) refuses it in one line,
# writes nothing, and goes on serving.
"$HELPERLINKD" --oneshot --helpers "$FX/helpers.bc" -o "$WORK/timed.o" "$FX/mixed.bc" \
  -- "${CC[@]}" -ftime-report 2>"$WORK/timings.txt" || fail "one-shot -ftime-report: $(head -3 "$WORK/timings.txt")"
[[ -s $WORK/timed.o ]] || fail "one-shot -ftime-report wrote no object"
grep -q 'X86 DAG->DAG Instruction Selection' "$WORK/timings.txt" ||
  fail "one-shot -ftime-report printed no pass timings: $(head -3 "$WORK/timings.txt")"
ok
echo stale >"$WORK/out.o"
status=0
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$WORK/out.o" "$FX/mixed.bc" \
  -- "${CC[@]}" -ftime-report 2>"$WORK/err.txt" || status=$?
[[ $status -eq 1 && $(wc -l <"$WORK/err.txt") -eq 1 && ! -e $WORK/out.o ]] ||
  fail "daemon -ftime-report: status $status, stderr: $(cat "$WORK/err.txt")"
grep -q -- '-ftime-report times LLVM.s passes process-wide; run this object with --no-daemon' "$WORK/err.txt" ||
  fail "daemon -ftime-report: $(cat "$WORK/err.txt")"
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$WORK/out.o" "$FX/mixed.bc" -- "${CC[@]}" ||
  fail "daemon stopped serving after -ftime-report"
[[ $(stat_field worker_crashes) == 0 ]] || fail "-ftime-report crashed a worker"
ok

USAGE_ERROR=1 expect_error "no compiler" "no C compiler command given" --helpers "$FX/helpers.bc" -o "$WORK/out.o" "$FX/mixed.bc"
USAGE_ERROR=1 expect_error "bad mode" "unknown mode 'quick'" --mode quick --helpers "$FX/helpers.bc" -o "$WORK/out.o" "$FX/mixed.bc" -- "${CC[@]}"
USAGE_ERROR=1 expect_error "output dir missing" "nodir/x.o: No such file or directory" \
  --helpers "$FX/helpers.bc" -o "$WORK/nodir/x.o" "$FX/mixed.bc" -- "${CC[@]}"

# No arguments at all is a usage error like the others: exit status 1, the
# usage on stderr, nothing on stdout. --help is not an error.
for program in "$HELPERLINK" "$HELPERLINKD"; do
  name=$(basename "$program")
  status=0
  "$program" >"$WORK/usage.out" 2>"$WORK/usage.err" || status=$?
  [[ $status -eq 1 ]] || fail "$name with no arguments: exit status $status, want 1"
  grep -q '^usage: ' "$WORK/usage.err" || fail "$name with no arguments: no usage on stderr: $(cat "$WORK/usage.err")"
  [[ ! -s $WORK/usage.out ]] || fail "$name with no arguments wrote to stdout: $(cat "$WORK/usage.out")"
  "$program" --help >"$WORK/usage.out" 2>"$WORK/usage.err" || fail "$name --help: exit status $?"
  grep -q '^usage: ' "$WORK/usage.out" || fail "$name --help: no usage on stdout"
  ok
done
finish
