# daemon_sigkill.sh - the daemon is killed with SIGKILL in the middle of a
# parallel build: every object is still produced, byte-identical to the
# one-shot's, and the clients that lost their daemon say so in one line.
source "$(dirname "$0")/lib.sh"

mk=$WORK/mk
minikbuild_setup 30 "$mk"
minikbuild "$mk" oneshot obj-oneshot -j2 HLFLAGS=--no-cache || fail "one-shot build failed"
# Start the daemon and warm it up, so the kill lands mid-build.
"$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/warm.o" "$mk/bc/mk00.bc" -- clang-22 -O2 -fno-PIE
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon"
(
  # Kill once five requests have been logged and more are running.
  while [[ $(grep -c ' link ' "$HELPERLINK_DIR/log") -lt 6 ]]; do sleep 0.01; done
  kill -9 "$pid"
) &
killer=$!
minikbuild "$mk" client obj-client -j8 HLFLAGS=--no-cache 2>"$WORK/build.err" || fail "build failed after SIGKILL: $(tail -3 "$WORK/build.err")"
wait "$killer"
! alive "$pid" || fail "the daemon survived SIGKILL"
n=$(same_objects "$mk" obj-client obj-oneshot)
[[ $n -eq 30 ]] || fail "expected 30 objects, got $n"
ok
# Clients in flight fell back (one line each); later ones started a new daemon.
fallbacks=$(grep -c 'daemon unavailable' "$WORK/build.err" || true)
other=$(grep -vc 'daemon unavailable' "$WORK/build.err" || true)
[[ $other -eq 0 ]] || fail "unexpected stderr: $(grep -v 'daemon unavailable' "$WORK/build.err" | head -3)"
echo "daemon_sigkill.sh: $fallbacks clients fell back to the one-shot"
[[ $(daemon_pids "$HELPERLINK_DIR" | wc -l) -le 1 ]] || fail "more than one daemon after restart"
ok
finish
