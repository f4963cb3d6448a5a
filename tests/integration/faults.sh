# faults.sh - the disk fills up, and a crate exceeds the daemon's request
# limit: builds still succeed where they can, fail cleanly where they
# cannot, and nothing partial is left behind. Needs root (it mounts a small
# tmpfs); CI runs as root.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
small=$WORK/small
mkdir -p "$small"
mount -t tmpfs -o size=256k tmpfs "$small" 2>"$WORK/err" ||
  fail "faults.sh needs to mount a tmpfs (root): $(cat "$WORK/err")"
# Daemons first (one may hold the cache on the tmpfs open), then the mount.
cleanup() {
  local dir
  for dir in "$WORK"/state* "$WORK/limited"; do
    [[ -d $dir ]] && HELPERLINK_DIR=$dir "$HELPERLINK" --stop || true
  done
  for _ in $(seq 50); do umount "$small" 2>/dev/null && break; sleep 0.1; done
  mountpoint -q "$small" && umount -l "$small"
  rm -rf "$WORK"
}
trap cleanup EXIT

# The cache's disk is full: the object is still built and written.
head -c 200000 /dev/zero >"$small/filler"
HELPERLINK_CACHE_DIR=$small/cache "$HELPERLINK" --helpers "$FX/helpers.bc" --report "$WORK/r.json" \
  -o "$WORK/a.o" "$FX/large.bc" -- "${CC[@]}" 2>"$WORK/err" || fail "a full cache disk failed the build: $(cat "$WORK/err")"
"$HELPERLINKD" --oneshot --no-cache --helpers "$FX/helpers.bc" -o "$WORK/ref.o" "$FX/large.bc" -- "${CC[@]}"
cmp -s "$WORK/a.o" "$WORK/ref.o" || fail "object built with a full cache disk differs"
grep -qE '"result": "(off|miss)"' "$WORK/r.json" || fail "report: $(grep '"cache"' "$WORK/r.json")"
ok

# The output's disk is full: exit 1, one line naming OUT, no partial file.
head -c 60000 /dev/zero >"$small/filler2" 2>/dev/null || true  # fills it
status=0
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$small/out.o" "$FX/large.bc" -- "${CC[@]}" 2>"$WORK/err" || status=$?
[[ $status -eq 1 ]] || fail "full output disk: exit $status"
[[ $(wc -l <"$WORK/err") -eq 1 ]] && grep -q "out.o: No space left on device" "$WORK/err" || fail "full output disk: $(cat "$WORK/err")"
! ls "$small" | grep -q '^out\.o' || fail "output files left on the full disk: $(ls "$small")"
ok

# A crate over the daemon's request limit: the daemon refuses it, the client
# says so in one line and builds it in its own process.
"$HELPERLINK" --stop
export HELPERLINK_DIR=$WORK/limited
"$HELPERLINKD" --daemon --state-dir "$HELPERLINK_DIR" --idle-timeout 60 --max-crate-bytes 1 &
for _ in $(seq 100); do [[ -S $HELPERLINK_DIR/socket ]] && break; sleep 0.05; done
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$WORK/big.o" "$FX/large.bc" -- "${CC[@]}" 2>"$WORK/err" ||
  fail "a crate under the limit failed: $(cat "$WORK/err")"
[[ ! -s $WORK/err ]] || fail "a crate under the limit fell back: $(cat "$WORK/err")"
# Make a valid crate over 1 MiB: the large crate plus a big unused global.
printf '#![no_std]\n#[no_mangle]\npub static BLOB: [u8; 2000000] = [7; 2000000];\n' >"$WORK/blob.rs"
rustc --crate-type=lib --emit=llvm-bc -Copt-level=2 -Cpanic=abort "$WORK/blob.rs" -o "$WORK/blob.bc"
[[ $(stat -c %s "$WORK/blob.bc") -gt 1048576 ]] || fail "blob.bc is not over 1 MiB"
"$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$WORK/blob.o" "$WORK/blob.bc" -- "${CC[@]}" 2>"$WORK/err" ||
  fail "an oversized crate failed the build: $(cat "$WORK/err")"
[[ $(wc -l <"$WORK/err") -eq 1 ]] && grep -q "exceeds the daemon's limit" "$WORK/err" || fail "oversized crate: $(cat "$WORK/err")"
[[ -s $WORK/blob.o ]] || fail "oversized crate: no object"
ok
finish
