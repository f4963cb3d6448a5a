# security.sh - another user can neither reach a daemon nor use its state
# dir, and a cache dir the user cannot write never fails a build. Needs root
# (it switches to uid 65534 with setpriv); CI runs as root.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || fail "security.sh must run as root to switch users (setpriv)"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
CC=(clang-22 -O2 -fno-PIE)

# Root's daemon, in a state dir only root may enter.
"$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/root.o" "$FX/tiny.bc" -- "${CC[@]}"
pid=$(daemon_pids "$HELPERLINK_DIR")
[[ -n $pid ]] || fail "no daemon for root"
[[ $(stat -c '%a %u' "$HELPERLINK_DIR") == "700 0" ]] || fail "state dir is $(stat -c '%a %u' "$HELPERLINK_DIR")"

# uid 65534 cannot connect to it: --status fails, and nothing reaches it.
requests=$(stat_field requests)
chmod 755 "$WORK"
if as_nobody env HELPERLINK_DIR="$HELPERLINK_DIR" "$HELPERLINK" --status 2>"$WORK/err"; then
  fail "another user reached root's daemon"
fi
ok
# A build by uid 65534 pointed at root's state dir cannot use it either:
# it falls back to the one-shot and still produces its object.
mkdir -m 777 "$WORK/nobody"
as_nobody env HELPERLINK_DIR="$HELPERLINK_DIR" HELPERLINK_CACHE_DIR="$WORK/nobody/cache" \
  "$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/nobody/t.o" "$FX/tiny.bc" -- "${CC[@]}" \
  2>"$WORK/err" || fail "uid 65534's build failed: $(cat "$WORK/err")"
grep -q "belongs to uid 0" "$WORK/err" || fail "no one-line reason for the fallback: $(cat "$WORK/err")"
cmp -s "$WORK/nobody/t.o" "$WORK/root.o" || fail "uid 65534's object differs"
[[ $(stat_field requests) -eq $requests ]] || fail "uid 65534's request reached root's daemon"
ok

# A cache dir the user may not write: the build succeeds, the report says why.
mkdir -m 755 "$WORK/rocache"
as_nobody env HELPERLINK_DIR="$WORK/nobody/state" HELPERLINK_CACHE_DIR="$WORK/rocache" \
  "$HELPERLINK" --helpers "$FX/helpers.bc" --report "$WORK/nobody/r.json" \
  -o "$WORK/nobody/u.o" "$FX/tiny.bc" -- "${CC[@]}" 2>"$WORK/err" ||
  fail "build with a read-only cache dir failed: $(cat "$WORK/err")"
cmp -s "$WORK/nobody/u.o" "$WORK/root.o" || fail "object with a read-only cache differs"
grep -q '"result": "off"' "$WORK/nobody/r.json" || fail "report does not say the cache was off"
grep -q 'cache unavailable' "$WORK/nobody/r.json" || fail "report does not say why"
as_nobody env HELPERLINK_DIR="$WORK/nobody/state" "$HELPERLINK" --stop
ok
finish
