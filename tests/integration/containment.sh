# containment.sh - hostile inputs in the middle of a parallel build: bitcode
# that crashes LLVM (tests/fixtures/crash_bitcode.py), random bytes behind a
# bitcode magic, a truncated crate and an empty file are sent to the daemon
# while `make -j8` builds 30 crates through it. Each bad input fails alone
# with one line on stderr and no output; the crash kills only the worker
# process that parsed it; the daemon keeps running, no client of the build
# falls back or fails, and every object equals the one-shot's.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
mk=$WORK/mk
minikbuild_setup 30 "$mk"
minikbuild "$mk" oneshot obj-oneshot -j2 MODE=exact HLFLAGS=--no-cache || fail "one-shot build failed"

bad=$WORK/bad
mkdir -p "$bad"
python3 "$(dirname "$0")/../fixtures/crash_bitcode.py" "$bad/crash.bc"
{ printf 'BC\xc0\xde'; head -c 4096 /dev/urandom; } >"$bad/garbage.bc"
head -c 3000 "$FX/mixed.bc" >"$bad/truncated.bc"
: >"$bad/empty.bc"
# The crash input really crashes LLVM (so this test can fail).
! llvm-dis-22 "$bad/crash.bc" -o /dev/null 2>/dev/null || fail "crash.bc does not crash llvm-dis-22"
ok

# bad_request NAME: one bad input through the daemon; one line, no output.
bad_request() {
  local name=$1 out=$WORK/bad-$1.o lines
  echo stale >"$out"
  if "$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$out" "$bad/$name.bc" \
    -- "${CC[@]}" 2>"$WORK/bad-$name.err"; then
    fail "$name.bc was accepted"
  fi
  [[ ! -e $out ]] || fail "$name.bc left an output file"
  lines=$(wc -l <"$WORK/bad-$name.err")
  [[ $lines -eq 1 ]] || fail "$name.bc: $lines lines on stderr: $(cat "$WORK/bad-$name.err")"
  ! grep -q 'daemon unavailable' "$WORK/bad-$name.err" || fail "$name.bc made the client fall back"
}

"$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/warm.o" "$mk/bc/mk00.bc" -- "${CC[@]}"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon"

minikbuild "$mk" client obj-client -j8 MODE=exact HLFLAGS=--no-cache 2>"$WORK/build.err" &
build=$!
while [[ $(grep -c ' link ' "$HELPERLINK_DIR/log") -lt 4 ]]; do sleep 0.01; done
alive "$build" || fail "the build ended before the bad inputs were sent"
# Two of each bad input at once, queued among the build's requests.
rounds=2
bad_jobs=()
for ((round = 0; round < rounds; round++)); do
  for name in crash garbage truncated empty; do
    (WORK=$WORK/r$round && mkdir -p "$WORK" && bad_request "$name") &
    bad_jobs+=($!)
  done
done
during=$(alive "$build" && echo yes || echo no)
for job in "${bad_jobs[@]}"; do wait "$job" || fail "a bad input was not handled as it should be"; done
wait "$build" || fail "the build failed: $(tail -3 "$WORK/build.err")"
echo "containment.sh: $((rounds * 4)) bad inputs sent while the build ran (still running after: $during)"
ok

for round in r0 r1; do
  grep -q 'crash.bc: LLVM crashed on this input' "$WORK/$round/bad-crash.err" ||
    fail "crash.bc: $(cat "$WORK/$round/bad-crash.err")"
  grep -q 'garbage.bc' "$WORK/$round/bad-garbage.err" || fail "garbage.bc: $(cat "$WORK/$round/bad-garbage.err")"
  grep -q 'truncated.bc' "$WORK/$round/bad-truncated.err" || fail "truncated.bc: $(cat "$WORK/$round/bad-truncated.err")"
  grep -q 'empty.bc: file is empty' "$WORK/$round/bad-empty.err" || fail "empty.bc: $(cat "$WORK/$round/bad-empty.err")"
done
ok
[[ ! -s $WORK/build.err ]] || fail "the build's clients said: $(head -3 "$WORK/build.err")"
n=$(same_objects "$mk" obj-client obj-oneshot)
[[ $n -eq 30 ]] || fail "expected 30 objects, got $n"
alive "$pid" || fail "the daemon died"
[[ $(daemon_pids "$HELPERLINK_DIR") == "$pid" ]] || fail "the daemon was replaced"
ok
crashes=$(stat_field worker_crashes)
[[ $crashes -eq $rounds ]] || fail "worker_crashes is $crashes after $rounds crash inputs"
ok

# The one-shot (the client's fallback, and --no-daemon) fails the same way.
echo stale >"$WORK/oneshot.o"
! "$HELPERLINK" --no-daemon --no-cache --helpers "$FX/helpers.bc" -o "$WORK/oneshot.o" "$bad/crash.bc" \
  -- "${CC[@]}" 2>"$WORK/oneshot.err" || fail "the one-shot accepted crash.bc"
[[ ! -e $WORK/oneshot.o ]] || fail "the one-shot left an output file"
[[ $(wc -l <"$WORK/oneshot.err") -eq 1 ]] && grep -q 'crash.bc: LLVM crashed on this input' "$WORK/oneshot.err" ||
  fail "one-shot on crash.bc said: $(cat "$WORK/oneshot.err")"
ok
finish
