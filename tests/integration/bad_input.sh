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

# Bad flags and environment, at the edge of each program and mode: exit
# status 1, one line naming the flag or variable and the cause, no file.
# expect_refusal NAME PATTERN COMMAND... (the command may start with env).
expect_refusal() {
  local name=$1 pattern=$2 status=0
  shift 2
  rm -f "$WORK/out.o"
  "$@" >"$WORK/refusal.out" 2>"$WORK/err.txt" || status=$?
  [[ $status -eq 1 ]] || fail "$name: exit status $status, want 1"
  [[ $(wc -l <"$WORK/err.txt") -eq 1 ]] || fail "$name: stderr is not one line: $(cat "$WORK/err.txt")"
  grep -qE -- "$pattern" "$WORK/err.txt" || fail "$name: stderr '$(cat "$WORK/err.txt")' does not match '$pattern'"
  [[ ! -e $WORK/out.o && ! -s $WORK/refusal.out ]] || fail "$name: wrote output"
  ok
}
object=(--helpers "$FX/helpers.bc" -o "$WORK/out.o" "$FX/mixed.bc" -- "${CC[@]}")
for program in "$HELPERLINK" "$HELPERLINKD --oneshot"; do
  name=$(basename "${program%% *}")
  # shellcheck disable=SC2086 # the one-shot's mode is a word of its own
  expect_refusal "$name: bad cache policy" \
    "^helperlinkd?: HELPERLINK_CACHE_POLICY: cache policy 'max_size=lots': max_size needs a positive size" \
    env HELPERLINK_CACHE_POLICY=max_size=lots $program "${object[@]}"
  # shellcheck disable=SC2086
  expect_refusal "$name: size that overflows" "HELPERLINK_CACHE_POLICY: .*max_size=99999999999T" \
    env HELPERLINK_CACHE_POLICY=max_size=99999999999T $program "${object[@]}"
  # shellcheck disable=SC2086
  expect_refusal "$name: bad sharing" "HELPERLINK_CACHE_SHARED: 'world' is not" \
    env HELPERLINK_CACHE_SHARED=world $program "${object[@]}"
  # shellcheck disable=SC2086
  expect_refusal "$name: bad remote" "HELPERLINK_REMOTE: remote cache URL 'http://x'" \
    env HELPERLINK_REMOTE=http://x $program "${object[@]}"
  # shellcheck disable=SC2086
  expect_refusal "$name: unknown flag" "unknown option '--bogus'" $program --bogus "${object[@]}"
  # shellcheck disable=SC2086
  expect_refusal "$name: missing value" "^helperlinkd?: --report needs a value$" $program "${object[@]:0:4}" --report
done
expect_refusal "client: bad idle timeout" "HELPERLINK_IDLE_TIMEOUT: 'soon' is not a number of seconds" \
  env HELPERLINK_IDLE_TIMEOUT=soon "$HELPERLINK" "${object[@]}"
expect_refusal "stats: stray argument" "unexpected argument after --stats" "$HELPERLINK" --stats --bogus
expect_refusal "status: --json" "^helperlink: --status does not take --json$" "$HELPERLINK" --status --json
expect_refusal "explain: no output" "^helperlink: --explain needs one output path" "$HELPERLINK" --explain
expect_refusal "explain: two outputs" "^helperlink: --explain takes one output path, not also 'b.o'$" \
  "$HELPERLINK" --explain a.o b.o
expect_refusal "daemon: unknown flag" "^helperlinkd: unknown daemon option '--bogus'$" \
  "$HELPERLINKD" --daemon --state-dir "$WORK/never" --bogus
expect_refusal "daemon: bad number" "^helperlinkd: --jobs needs a positive number$" \
  "$HELPERLINKD" --daemon --state-dir "$WORK/never" --jobs 0
expect_refusal "daemon: missing value" "^helperlinkd: --idle-timeout needs a number of seconds" \
  "$HELPERLINKD" --daemon --state-dir "$WORK/never" --idle-timeout
[[ ! -e $WORK/never ]] || fail "a refused --daemon created its state dir"
serve=("$HELPERLINKD" --serve-cache 127.0.0.1:0 --cache-dir "$WORK/never")
expect_refusal "serve-cache: bad policy" "^helperlinkd: --cache-policy: cache policy 'evict_to=2'" \
  "${serve[@]}" --cache-policy evict_to=2
expect_refusal "serve-cache: bad size" "^helperlinkd: --max-inflight-bytes needs a positive size$" \
  "${serve[@]}" --max-inflight-bytes 1T
expect_refusal "serve-cache: bad seconds" "^helperlinkd: --stream-idle-timeout needs a positive number of seconds$" \
  "${serve[@]}" --stream-idle-timeout 0
expect_refusal "serve-cache: unknown flag" "^helperlinkd: unknown or incomplete --serve-cache option '--bogus'$" \
  "${serve[@]}" --bogus
expect_refusal "serve-cache: no cache dir" "^helperlinkd: usage: helperlinkd --serve-cache ADDR --cache-dir DIR" \
  "$HELPERLINKD" --serve-cache 127.0.0.1:0
[[ ! -e $WORK/never ]] || fail "a refused --serve-cache created its cache dir"
expect_refusal "unknown mode" "^helperlinkd: unknown mode '--bogus'" "$HELPERLINKD" --bogus

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
