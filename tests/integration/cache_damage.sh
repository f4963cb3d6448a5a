# cache_damage.sh - a damaged local cache never fails a build: data.mdb is
# truncated at every page boundary and every page is overwritten with
# garbage (builds through the client, whose own hit path meets the damage
# first, with the daemon behind it), a sample of pages is zeroed or cut
# for the one-shot, data.mdb and lock.mdb are emptied or filled with
# garbage, and the cache is created on, and grown into, a full filesystem
# (a small tmpfs; needs root). Every build must exit 0 with the object
# equal, byte for byte, to the one built without a cache; a damaged
# environment is moved aside at most once, with one line (on stderr or in
# the daemon's log) and "cache_notice" in the report exactly when it was;
# the cache is rebuilt: two rounds later every build is a hit.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
CRATES=(mixed tiny)  # large (1 s a build) would triple the time
CACHE=$HELPERLINK_CACHE_DIR
LOG=$HELPERLINK_DIR/log
build() {  # OUT CRATE [options...]: one object through the client
  local out=$1 crate=$2
  shift 2
  "$HELPERLINK" --helpers "$FX/helpers.bc" --report "$out.json" "$@" -o "$out" \
    "$FX/$crate.bc" -- "${CC[@]}"
}

# Reference objects, and a small cache holding all of them.
for c in "${CRATES[@]}"; do
  build "$WORK/ref-$c.o" "$c" --no-cache || fail "reference build of $c failed"
  build "$WORK/seed-$c.o" "$c" || fail "seeding the cache with $c failed"
done
"$HELPERLINK" --stop
cp -a "$CACHE" "$WORK/pristine"
pages=$(($(stat -c %s "$WORK/pristine/cache.lmdb/data.mdb") / 4096))
[[ $pages -ge 8 ]] || fail "the seeded cache has only $pages pages"
echo "cache of $pages pages"

moved_total=0 cases=0
# check NAME MODE DAMAGE...: restores the pristine cache, runs DAMAGE on
# it, builds every crate with MODE (client or oneshot) and checks the
# promise; then builds once more and expects hits.
check() {
  local name=$1 mode=$2
  shift 2
  rm -rf "$CACHE"
  cp -a "$WORK/pristine" "$CACHE"
  "$@"
  local opts=() log_before=0
  [[ $mode == oneshot ]] && opts=(--no-daemon)
  [[ -f $LOG ]] && log_before=$(wc -l <"$LOG")
  local notices=0 reported=0 c rc
  for c in "${CRATES[@]}"; do
    rm -f "$WORK/out.o" "$WORK/out.o.json"
    rc=0
    build "$WORK/out.o" "$c" "${opts[@]}" 2>"$WORK/err" || rc=$?
    [[ $rc -eq 0 ]] || fail "$name: building $c exited $rc: $(cat "$WORK/err")"
    cmp -s "$WORK/out.o" "$WORK/ref-$c.o" || fail "$name: $c differs from the reference"
    notices=$((notices + $(grep -c 'damaged cache.*moved aside to' "$WORK/err" || true)))
    grep -q '"cache_notice": "[^"]' "$WORK/out.o.json" && reported=$((reported + 1))
  done
  if [[ -f $LOG ]]; then
    notices=$((notices + $(tail -n +$((log_before + 1)) "$LOG" | grep -c 'damaged cache.*moved aside to' || true)))
  fi
  local moved
  moved=$(find "$CACHE" -maxdepth 1 -name 'cache.lmdb.damaged-*' | wc -l)
  [[ $moved -le 1 ]] || fail "$name: moved aside $moved times"
  [[ $notices -eq $moved ]] || fail "$name: $moved moved aside, $notices notice lines"
  [[ $reported -eq $moved ]] || fail "$name: $moved moved aside, $reported reports say so"
  # Rebuilt: the next round finds no more damage (objects served from the
  # damaged cache before the damage showed are stored afresh), the one
  # after that hits every object.
  local round
  for round in 2 3; do
    for c in "${CRATES[@]}"; do
      build "$WORK/out.o" "$c" "${opts[@]}" 2>"$WORK/err" || fail "$name: round $round of $c failed: $(cat "$WORK/err")"
      cmp -s "$WORK/out.o" "$WORK/ref-$c.o" || fail "$name: round $round of $c differs"
      [[ $round -eq 2 ]] || grep -q '"result": "hit"' "$WORK/out.o.json" ||
        fail "$name: round 3 of $c missed: $(grep '"cache"' "$WORK/out.o.json") $(cat "$WORK/err")"
    done
  done
  [[ $(find "$CACHE" -maxdepth 1 -name 'cache.lmdb.damaged-*' | wc -l) -eq $moved ]] ||
    fail "$name: the rebuilt cache was moved aside again"
  moved_total=$((moved_total + moved))
  cases=$((cases + 1))
}

data=$CACHE/cache.lmdb/data.mdb
lock=$CACHE/cache.lmdb/lock.mdb
garbage() { head -c 4096 /dev/urandom | dd of="$1" bs=4096 seek="$2" conv=notrunc status=none; }
zeros() { dd if=/dev/zero of="$1" bs=4096 seek="$2" count=1 conv=notrunc status=none; }

for ((p = 0; p < pages; p++)); do
  check "truncated to $p pages" client truncate -s $((p * 4096)) "$data"
  check "garbage page $p" client garbage "$data" "$p"
done
ok
for ((p = 0; p < pages; p += 4)); do
  check "one-shot, zeroed page $p" oneshot zeros "$data" "$p"
  check "one-shot, truncated to $p pages" oneshot truncate -s $((p * 4096)) "$data"
done
ok
for mode in client oneshot; do
  check "$mode, empty data.mdb" "$mode" truncate -s 0 "$data"
  check "$mode, empty lock.mdb" "$mode" truncate -s 0 "$lock"
  check "$mode, garbage lock.mdb" "$mode" bash -c "head -c $(stat -c %s "$WORK/pristine/cache.lmdb/lock.mdb") /dev/urandom >'$lock'"
done
ok
echo "$cases damage cases, $moved_total environments moved aside"
"$HELPERLINK" --stop

# A full filesystem: the cache is created there, then grown into it.
[[ $(id -u) -eq 0 ]] || fail "the full-filesystem case needs root (to mount a tmpfs)"
mnt=$WORK/full
mkdir -p "$mnt"
mount -t tmpfs -o size=1m tmpfs "$mnt" || fail "cannot mount a tmpfs on $mnt"
trap 'umount "$mnt" 2>/dev/null || true; stop_daemons' EXIT
dd if=/dev/zero of="$mnt/filler" bs=4096 status=none 2>/dev/null || true
[[ $(df --output=avail "$mnt" | tail -1) -eq 0 ]] || fail "could not fill $mnt"
for mode in client oneshot; do
  opts=()
  [[ $mode == oneshot ]] && opts=(--no-daemon)
  for c in "${CRATES[@]}"; do
    rc=0
    build "$WORK/out.o" "$c" --cache-dir "$mnt/cache" "${opts[@]}" 2>"$WORK/err" || rc=$?
    [[ $rc -eq 0 ]] || fail "full filesystem, $mode: $c exited $rc: $(cat "$WORK/err")"
    cmp -s "$WORK/out.o" "$WORK/ref-$c.o" || fail "full filesystem, $mode: $c differs"
  done
done
[[ -z $(find "$mnt" -maxdepth 2 -name 'cache.lmdb.damaged-*') ]] || fail "a full filesystem was taken for damage"
ok
# Room for the cache and one object, then full again: later stores fail,
# builds do not, and the stored object is still a hit.
rm -rf "$mnt/filler" "$mnt/cache"
build "$WORK/out.o" tiny --cache-dir "$mnt/cache" || fail "tiny on an empty tmpfs failed"
dd if=/dev/zero of="$mnt/filler" bs=4096 status=none 2>/dev/null || true
for c in "${CRATES[@]}"; do
  for mode in client oneshot; do
    opts=()
    [[ $mode == oneshot ]] && opts=(--no-daemon)
    rc=0
    build "$WORK/out.o" "$c" --cache-dir "$mnt/cache" "${opts[@]}" 2>"$WORK/err" || rc=$?
    [[ $rc -eq 0 ]] || fail "grown into a full filesystem, $mode: $c exited $rc: $(cat "$WORK/err")"
    cmp -s "$WORK/out.o" "$WORK/ref-$c.o" || fail "grown into a full filesystem, $mode: $c differs"
  done
done
build "$WORK/out.o" tiny --cache-dir "$mnt/cache" || fail "tiny after the disk filled up failed"
grep -q '"result": "hit"' "$WORK/out.o.json" || fail "the object stored before the disk filled up is not a hit"
ok
"$HELPERLINK" --stop
# The stopped daemon may still be unmapping the cache for a moment.
for _ in $(seq 50); do umount "$mnt" 2>/dev/null && break; sleep 0.2; done
mountpoint -q "$mnt" && fail "cannot unmount $mnt"
finish
