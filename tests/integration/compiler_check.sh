# compiler_check.sh - helperlink stands in only for clang of its engine's
# LLVM major: `-- gcc` and `-- clang-14` give one line and exit status 3
# with no output (client and one-shot alike), clang-22 proceeds, and the
# compiler is asked once per binary identity (a wrapper counts its runs;
# touching it makes it asked again).
source "$(dirname "$0")/lib.sh"

for tool in gcc clang-14 clang-22; do
  command -v "$tool" >/dev/null || fail "this test needs $tool (not found in PATH)"
done
crate=$FX/kcrate.bc
helpers=$FX/helpers_kernel.bc
flags=("${HELPER_CFLAGS_KERNEL[@]}")

# refused LINE CC...: the command in the array `run` exits 3 with exactly
# LINE on stderr and no output or report (an older output is removed).
run=("$HELPERLINK")
refused() {
  local line=$1 status=0 program
  shift
  program=$(basename "${run[0]}")
  echo stale >"$WORK/out.o"
  echo stale >"$WORK/out.json"
  "${run[@]}" --helpers "$helpers" --report "$WORK/out.json" -o "$WORK/out.o" "$crate" -- "$@" \
    >"$WORK/stdout" 2>"$WORK/err" || status=$?
  [[ $status -eq 3 ]] || fail "$program -- $1: exit $status, want 3 ($(cat "$WORK/err"))"
  [[ $(cat "$WORK/err") == "$line" ]] || fail "$program -- $1: stderr '$(cat "$WORK/err")', want '$line'"
  [[ ! -s $WORK/stdout ]] || fail "$program -- $1: printed $(cat "$WORK/stdout")"
  [[ ! -e $WORK/out.o && ! -e $WORK/out.json ]] || fail "$program -- $1: output left behind"
}
why='helperlink links with LLVM 22 and can stand in only for clang-22'
for program in "$HELPERLINK" "$HELPERLINKD --oneshot" "$HELPERLINK --no-daemon"; do
  read -ra run <<<"$program"
  name=$(basename "${run[0]}")
  [[ $program == *--no-daemon ]] && name=helperlinkd  # the client runs the one-shot
  refused "$name: CC is gcc 12: $why" gcc -O2
  refused "$name: CC is clang 14: $why" clang-14 "${flags[@]}"
  refused "$name: CC 'no-such-cc' is not found in PATH: $why" no-such-cc -O2
  ok
done
run=("$HELPERLINK")
# The check comes before the daemon: none is started for a refused
# request, and a running one is not asked.
refused "helperlink: CC is gcc 12: $why" gcc -O2
[[ -z $(daemon_pids "$HELPERLINK_DIR") ]] || fail "a refused request started a daemon"
"$HELPERLINK" --helpers "$helpers" -o "$WORK/ok.o" "$crate" -- clang-22 "${flags[@]}" || fail "clang-22 refused"
[[ -s $WORK/ok.o ]] || fail "clang-22: no object"
refused "helperlink: CC is clang 14: $why" clang-14 "${flags[@]}"
[[ $(stat_field requests) -eq 1 ]] || fail "the daemon saw $(stat_field requests) requests, want 1"
ok

# Once per binary identity: a clang-22 wrapper that counts its runs. The
# engine never runs CC, so every run is a probe.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\necho run >>"%s"\nexec /usr/bin/clang-22 "$@"\n' "$WORK/runs" >"$WORK/bin/clang-22"
chmod +x "$WORK/bin/clang-22"
runs() { [[ -f $WORK/runs ]] && wc -l <"$WORK/runs" || echo 0; }
export PATH=$WORK/bin:$PATH
"$HELPERLINK" --no-cache --helpers "$helpers" -o "$WORK/w1.o" "$crate" -- clang-22 "${flags[@]}" || fail "wrapper: first call failed"
[[ $(runs) -eq 1 ]] || fail "wrapper ran $(runs) times on the first call, want 1"
grep -q "$WORK/bin/clang-22" "$HELPERLINK_CACHE_DIR/compilers" || fail "probe not recorded: $(cat "$HELPERLINK_CACHE_DIR/compilers")"
"$HELPERLINK" --no-cache --helpers "$helpers" -o "$WORK/w2.o" "$crate" -- clang-22 "${flags[@]}" || fail "wrapper: second call failed"
"$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" -o "$WORK/w3.o" "$crate" -- clang-22 "${flags[@]}" || fail "wrapper: one-shot failed"
[[ $(runs) -eq 1 ]] || fail "wrapper ran $(runs) times after three calls, want 1 (the probe is not cached)"
cmp -s "$WORK/w1.o" "$WORK/w2.o" && cmp -s "$WORK/w1.o" "$WORK/w3.o" || fail "wrapper: objects differ"
ok
touch -d '+1 minute' "$WORK/bin/clang-22"
"$HELPERLINK" --no-cache --helpers "$helpers" -o "$WORK/w4.o" "$crate" -- clang-22 "${flags[@]}" || fail "wrapper: call after touch failed"
[[ $(runs) -eq 2 ]] || fail "wrapper ran $(runs) times after touch, want 2 (not probed again)"
"$HELPERLINK" --no-cache --helpers "$helpers" -o "$WORK/w5.o" "$crate" -- clang-22 "${flags[@]}" || fail "wrapper: call after re-probe failed"
[[ $(runs) -eq 2 ]] || fail "wrapper ran $(runs) times, want 2"
[[ $(grep -c "$WORK/bin/clang-22" "$HELPERLINK_CACHE_DIR/compilers") -eq 1 ]] || fail "stale probe kept: $(cat "$HELPERLINK_CACHE_DIR/compilers")"
ok
# A wrapper that turns into another compiler (same path, new contents) is
# asked again and refused.
printf '#!/bin/sh\necho run >>"%s"\nexec /usr/bin/clang-14 "$@"\n' "$WORK/runs" >"$WORK/bin/clang-22"
touch -d '+2 minutes' "$WORK/bin/clang-22"
refused "helperlink: CC is clang 14: $why" clang-22 "${flags[@]}"
[[ $(runs) -eq 3 ]] || fail "wrapper ran $(runs) times, want 3"
ok
# An unreadable or corrupt probe file costs a probe, nothing else.
echo garbage >"$HELPERLINK_CACHE_DIR/compilers"
refused "helperlink: CC is clang 14: $why" clang-22 "${flags[@]}"
[[ $(runs) -eq 4 ]] || fail "wrapper ran $(runs) times after the probe file was corrupted, want 4"
head -1 "$HELPERLINK_CACHE_DIR/compilers" | grep -qx 'helperlink compiler probes 1' || fail "probe file not rewritten"
ok
finish
