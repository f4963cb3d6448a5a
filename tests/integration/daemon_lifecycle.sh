# daemon_lifecycle.sh - the daemon's life around the build: owner-only state
# dir and socket, admin commands, bad input served as an error (no fallback),
# a helpers file rebuilt in place never served stale, --no-daemon, graceful
# --stop, and idle exit.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
# No daemon yet: admin commands say so; --stop is a no-op.
"$HELPERLINK" --status 2>"$WORK/err" && fail "--status succeeded without a daemon"
grep -q "no daemon is running for $HELPERLINK_DIR" "$WORK/err" || fail "--status: $(cat "$WORK/err")"
"$HELPERLINK" --stop || fail "--stop without a daemon failed"
ok

cp "$FX/helpers.bc" "$WORK/helpers.bc"
"$HELPERLINK" --helpers "$WORK/helpers.bc" -o "$WORK/a.o" "$FX/mixed.bc" -- "${CC[@]}"
[[ $(stat -c %a "$HELPERLINK_DIR") == 700 ]] || fail "state dir mode $(stat -c %a "$HELPERLINK_DIR")"
[[ $(stat -c %a "$HELPERLINK_DIR/socket") == 600 ]] || fail "socket mode $(stat -c %a "$HELPERLINK_DIR/socket")"
[[ $(stat -c %a "$HELPERLINK_DIR/log") == 600 ]] || fail "log mode"
ok
"$HELPERLINK" --status | grep -q "state dir $HELPERLINK_DIR" || fail "--status output"
ok

# Bad input through the daemon: one line, exit 1, no fallback, no output.
head -c 2000 "$FX/mixed.bc" >"$WORK/truncated.bc"
echo stale >"$WORK/bad.o"
status=0
"$HELPERLINK" --helpers "$WORK/helpers.bc" -o "$WORK/bad.o" "$WORK/truncated.bc" -- "${CC[@]}" 2>"$WORK/err" || status=$?
[[ $status -eq 1 ]] || fail "truncated crate: exit $status"
[[ $(wc -l <"$WORK/err") -eq 1 ]] && grep -q "truncated.bc: " "$WORK/err" || fail "truncated crate: $(cat "$WORK/err")"
[[ ! -e $WORK/bad.o ]] || fail "truncated crate: output left behind"
status=0
"$HELPERLINK" --helpers "$WORK/nope.bc" -o "$WORK/bad.o" "$FX/mixed.bc" -- "${CC[@]}" 2>"$WORK/err" || status=$?
[[ $status -eq 1 ]] && grep -q "nope.bc: No such file or directory" "$WORK/err" || fail "missing helpers: $(cat "$WORK/err")"
[[ $(stat_field failed) -eq 2 ]] || fail "stats: failed $(stat_field failed), want 2"
ok

# The helpers file is rebuilt in place (annotated variant): the daemon must
# use the new content.
"$HELPERLINKD" --oneshot --helpers "$FX/helpers_ai.bc" --mode exact -o "$WORK/ai.ref.o" "$FX/mixed.bc" -- "${CC[@]}"
"$HELPERLINK" --mode exact --helpers "$WORK/helpers.bc" -o "$WORK/plain.o" "$FX/mixed.bc" -- "${CC[@]}"
cp "$FX/helpers_ai.bc" "$WORK/helpers.bc.new" && mv "$WORK/helpers.bc.new" "$WORK/helpers.bc"
"$HELPERLINK" --mode exact --helpers "$WORK/helpers.bc" -o "$WORK/ai.o" "$FX/mixed.bc" -- "${CC[@]}"
cmp -s "$WORK/ai.o" "$WORK/ai.ref.o" || fail "stale helper set used after the helpers file changed"
! cmp -s "$WORK/ai.o" "$WORK/plain.o" || fail "annotated and plain helpers gave the same object"
ok

# --no-daemon runs the one-shot and leaves the daemon's counters alone.
before=$(stat_field requests)
"$HELPERLINK" --no-daemon --helpers "$FX/helpers.bc" -o "$WORK/nd.o" "$FX/mixed.bc" -- "${CC[@]}"
cmp -s "$WORK/nd.o" "$WORK/a.o" || fail "--no-daemon object differs"
[[ $(stat_field requests) -eq $before ]] || fail "--no-daemon went through the daemon"
ok

# --stop: the daemon exits and removes its socket.
pid=$(daemon_pids "$HELPERLINK_DIR")
"$HELPERLINK" --stop
for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
! alive "$pid" || fail "daemon still running after --stop"
[[ ! -e $HELPERLINK_DIR/socket ]] || fail "socket left after --stop"
grep -q 'stop: shutdown requested' "$HELPERLINK_DIR/log" || fail "log lacks the stop"
ok

# Idle exit.
export HELPERLINK_IDLE_TIMEOUT=1
"$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/b.o" "$FX/tiny.bc" -- "${CC[@]}"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon after restart"
for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
! alive "$pid" || fail "daemon did not exit when idle"
grep -q 'stop: idle timeout' "$HELPERLINK_DIR/log" || fail "log lacks the idle exit"
ok
finish
