# security_attacks.sh - another local user attacks a victim's build, and
# hostile outputs and inputs: two real uids (a victim and an attacker) are
# created with useradd, the attacker runs a real helperlinkd, and the victim
# runs the real client. No foreign daemon may get a byte of the victim's
# request, no foreign cache dir is used, no planted link is followed, and
# every build still writes the right object (the one-shot's). Needs root
# (useradd, setpriv); CI runs as root.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) -eq 0 ]] || fail "security_attacks.sh must run as root (useradd, setpriv)"
for tool in useradd userdel setpriv python3 mknod mkfifo; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
CC=(clang-22 -O2 -fno-PIE)
BUILD=(--helpers "$FX/helpers.bc")

victim=hlv$$
attacker=hla$$
chmod 755 "$WORK"
useradd --create-home --home-dir "$WORK/vhome" --user-group --shell /bin/sh "$victim"
useradd --no-create-home --home-dir /nonexistent --user-group --shell /bin/sh "$attacker"
vuid=$(id -u "$victim")
auid=$(id -u "$attacker")
attacker_daemon=
cleanup() {
  local pid
  for pid in $(daemon_pids "$WORK/a/state"); do
    kill "$pid" 2>/dev/null || true
    # userdel refuses a user who still runs processes.
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  done
  [[ -n $attacker_daemon ]] && wait "$attacker_daemon" 2>/dev/null || true
  for dir in "$WORK"/v/s*; do
    [[ -d $dir ]] && as_victim env HELPERLINK_DIR="$dir" "$HELPERLINK" --stop 2>/dev/null || true
  done
  rm -rf "/tmp/helperlink-$vuid"
  userdel "$victim" || echo "warning: could not remove user $victim" >&2
  userdel "$attacker" || echo "warning: could not remove user $attacker" >&2
  stop_daemons
}
trap cleanup EXIT
as_victim() { setpriv --reuid="$vuid" --regid="$(id -g "$victim")" --init-groups -- "$@"; }
as_attacker() { setpriv --reuid="$auid" --regid="$(id -g "$attacker")" --init-groups -- "$@"; }
# victim_build STATE_DIR CACHE_DIR OUT [CLIENT FLAGS...]: the victim's
# client, with a clean environment (nothing of root's) plus VENV.
VENV=()
victim_build() {
  local state=$1 cache=$2 out=$3
  shift 3
  as_victim env -i PATH="$PATH" HOME="$WORK/vhome" HELPERLINK_IDLE_TIMEOUT=60 \
    HELPERLINK_DIR="$state" HELPERLINK_CACHE_DIR="$cache" "${VENV[@]}" \
    "$HELPERLINK" "$@" "${BUILD[@]}" -o "$out" "$FX/tiny.bc" -- "${CC[@]}"
}
one_line() {  # FILE PATTERN...: FILE is one line matching every PATTERN
  local file=$1 pattern
  shift
  [[ $(wc -l <"$file") -eq 1 ]] || fail "$(basename "$file"): not one line: $(cat "$file")"
  for pattern in "$@"; do
    grep -q -- "$pattern" "$file" || fail "no '$pattern' in: $(cat "$file")"
  done
}
fnv1a() {
  python3 -c 'import sys
h = 0xcbf29ce484222325
for c in sys.argv[1].encode():
    h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}

# The right object: the one-shot's, built by root.
"$HELPERLINK" --no-daemon --no-cache "${BUILD[@]}" -o "$WORK/ref.o" "$FX/tiny.bc" -- "${CC[@]}"
mkdir -m 755 "$WORK/v" "$WORK/a"
chown "$victim:" "$WORK/v"
chown "$attacker:" "$WORK/a"
rm -rf "/tmp/helperlink-$vuid"  # from an earlier run with the same uid

# The attacker's real daemon, in a state dir the attacker then opens up.
as_attacker setsid "$HELPERLINKD" --daemon --state-dir "$WORK/a/state" --idle-timeout 300 \
  >"$WORK/attacker.out" 2>&1 &
attacker_daemon=$!
for _ in $(seq 200); do [[ -S $WORK/a/state/socket ]] && break; sleep 0.05; done
[[ -S $WORK/a/state/socket ]] || fail "the attacker's daemon did not start: $(cat "$WORK/attacker.out")"
as_attacker chmod 755 "$WORK/a/state"
as_attacker chmod 666 "$WORK/a/state/socket"
attacker_requests() { grep -c -v -e ' start pid ' -e ' stop: ' "$WORK/a/state/log" || true; }
[[ $(attacker_requests) -eq 0 ]] || fail "the attacker's daemon logged requests already"

# (a) A long state dir puts the socket in /tmp/helperlink-UID/HASH.sock; the
# attacker created that dir first (0777) and listens there.
long=$WORK/v/s-$(printf 'd%.0s' $(seq 110))
hash=$(fnv1a "$long")
as_attacker mkdir -m 777 "/tmp/helperlink-$vuid"
as_attacker ln -s "$WORK/a/state/socket" "/tmp/helperlink-$vuid/$hash.sock"
victim_build "$long" "$WORK/v/cache" "$WORK/v/a.o" --no-cache 2>"$WORK/a.err" ||
  fail "(a) the victim's build failed: $(cat "$WORK/a.err")"
one_line "$WORK/a.err" "/tmp/helperlink-$vuid" "belongs to uid $auid" "linking in this process instead"
cmp -s "$WORK/v/a.o" "$WORK/ref.o" || fail "(a) the victim's object differs from the one-shot's"
[[ $(attacker_requests) -eq 0 ]] || fail "(a) the victim's request reached the attacker's daemon"
ok
# Without the attacker's dir, the same long state dir gets the victim's own
# daemon (the check refuses only what is not the victim's).
rm -rf "/tmp/helperlink-$vuid"
victim_build "$long" "$WORK/v/cache" "$WORK/v/a2.o" --no-cache 2>"$WORK/a2.err" ||
  fail "(a) the victim's own daemon failed: $(cat "$WORK/a2.err")"
[[ ! -s $WORK/a2.err ]] || fail "(a) the victim's own daemon: $(cat "$WORK/a2.err")"
[[ $(stat -c '%a %u' "/tmp/helperlink-$vuid") == "700 $vuid" ]] || fail "(a) socket dir is $(stat -c '%a %u' "/tmp/helperlink-$vuid")"
grep -q 'tiny.bc' "$long/log" || fail "(a) the victim's daemon did not serve the request"
cmp -s "$WORK/v/a2.o" "$WORK/ref.o" || fail "(a) the victim's daemon object differs"
ok

# (b) HELPERLINK_DIR names the attacker's (world-accessible) state dir, with
# the attacker's daemon in it.
victim_build "$WORK/a/state" "$WORK/v/cache" "$WORK/v/b.o" --no-cache 2>"$WORK/b.err" ||
  fail "(b) the victim's build failed: $(cat "$WORK/b.err")"
one_line "$WORK/b.err" "$WORK/a/state" "belongs to uid $auid" "linking in this process instead"
cmp -s "$WORK/v/b.o" "$WORK/ref.o" || fail "(b) the victim's object differs"
[[ $(attacker_requests) -eq 0 ]] || fail "(b) the victim's request reached the attacker's daemon"
ok

# (d) Links planted in the victim's own (0700) state dir, as while it was
# once open: the socket → the attacker's daemon (only the peer's uid on the
# connection tells), and separately log and locks → files of the victim's.
as_victim mkdir -m 700 "$WORK/v/s-peer"
ln -s "$WORK/a/state/socket" "$WORK/v/s-peer/socket"
chown -h "$victim:" "$WORK/v/s-peer/socket"
victim_build "$WORK/v/s-peer" "$WORK/v/cache" "$WORK/v/d1.o" --no-cache 2>"$WORK/d1.err" ||
  fail "(d) the victim's build failed: $(cat "$WORK/d1.err")"
one_line "$WORK/d1.err" "runs as uid $auid" "linking in this process instead"
cmp -s "$WORK/v/d1.o" "$WORK/ref.o" || fail "(d) the victim's object differs"
[[ $(attacker_requests) -eq 0 ]] || fail "(d) the victim's request reached the attacker's daemon"
ok
as_victim mkdir -m 700 "$WORK/v/s-links"
echo precious >"$WORK/v/precious"
chown "$victim:" "$WORK/v/precious"
for name in log daemon.lock start.lock; do
  target=$WORK/v/precious
  [[ $name == log ]] || target=$WORK/v/created-through-$name
  ln -s "$target" "$WORK/v/s-links/$name"
  chown -h "$victim:" "$WORK/v/s-links/$name"
done
victim_build "$WORK/v/s-links" "$WORK/v/cache" "$WORK/v/d2.o" --no-cache 2>"$WORK/d2.err" ||
  fail "(d) the victim's build failed: $(cat "$WORK/d2.err")"
[[ ! -s $WORK/d2.err ]] || fail "(d) the daemon did not serve: $(cat "$WORK/d2.err")"
cmp -s "$WORK/v/d2.o" "$WORK/ref.o" || fail "(d) the victim's object differs"
[[ $(cat "$WORK/v/precious") == precious ]] || fail "(d) the log link was followed: $(cat "$WORK/v/precious")"
for name in log daemon.lock start.lock; do
  [[ ! -e $WORK/v/created-through-$name ]] || fail "(d) the $name link was followed"
  [[ -f $WORK/v/s-links/$name && ! -L $WORK/v/s-links/$name ]] || fail "(d) $name is still a link"
done
grep -q 'tiny.bc' "$WORK/v/s-links/log" || fail "(d) the daemon logged nothing"
ok

# (c) The cache dir. HOME unset: the default comes from the passwd entry and
# is created with its missing parents (~/.cache), never /tmp/.cache.
rm -rf "$WORK/vhome/.cache"
as_victim env -i PATH="$PATH" HELPERLINK_DIR="$WORK/v/s-cache" HELPERLINK_IDLE_TIMEOUT=60 \
  "$HELPERLINK" "${BUILD[@]}" --report "$WORK/v/c1.json" -o "$WORK/v/c1.o" "$FX/tiny.bc" -- "${CC[@]}" \
  2>"$WORK/c1.err" || fail "(c) build without HOME failed: $(cat "$WORK/c1.err")"
[[ ! -s $WORK/c1.err ]] || fail "(c) build without HOME: $(cat "$WORK/c1.err")"
grep -q '"result": "miss"' "$WORK/v/c1.json" || fail "(c) no cache without HOME: $(cat "$WORK/v/c1.json")"
[[ $(stat -c '%a %U' "$WORK/vhome/.cache/helperlink") == "700 $victim" ]] ||
  fail "(c) default cache dir: $(stat -c '%a %U' "$WORK/vhome/.cache/helperlink" 2>&1)"
[[ $(stat -c '%a' "$WORK/vhome/.cache") == 700 ]] || fail "(c) ~/.cache is not 0700"
[[ -d $WORK/vhome/.cache/helperlink/cache.lmdb ]] || fail "(c) nothing stored in the default cache"
as_victim env -i PATH="$PATH" HELPERLINK_DIR="$WORK/v/s-cache" HELPERLINK_IDLE_TIMEOUT=60 \
  "$HELPERLINK" "${BUILD[@]}" --report "$WORK/v/c2.json" -o "$WORK/v/c2.o" "$FX/tiny.bc" -- "${CC[@]}"
grep -q '"result": "hit"' "$WORK/v/c2.json" || fail "(c) second build without HOME did not hit"
cmp -s "$WORK/v/c2.o" "$WORK/ref.o" || fail "(c) cached object differs"
ok
# An intact entry moved onto another key (as anyone who can write the
# cache could do): in every LMDB leaf page of the entries table that holds
# both tiny's and mixed's entries, the two nodes trade keys (and their slots
# in the page's sorted index), so tiny's key leads to mixed's whole,
# checksummed entry. It must be a counted miss, and the object tiny's.
swap_entries() {  # DATA.MDB KEY_A KEY_B
  perl -e '
    my ($db, $a, $b) = @ARGV;
    open(my $d, "+<:raw", $db) or die "$db: $!\n"; local $/; my $data = <$d>;
    my $swapped = 0;
    for (my $page = 0; $page < length($data); $page += 4096) {
      my $p = substr($data, $page, 4096);
      my ($at_a, $at_b) = (index($p, $a), index($p, $b));
      next if $at_a < 24 || $at_b < 24;
      # Leaf node: u16 lo, hi (data size), flags, key size, then the key.
      my ($lo_a, $hi_a, $flags_a, $ks_a) = unpack("vvvv", substr($p, $at_a - 8, 8));
      my ($lo_b, $hi_b, $flags_b, $ks_b) = unpack("vvvv", substr($p, $at_b - 8, 8));
      next unless $ks_a == 64 && $ks_b == 64;
      # Entries, not the atime table (8-byte values): big or overflow data.
      next unless ($lo_a > 64 || $flags_a & 1) && ($lo_b > 64 || $flags_b & 1);
      # The page index (u16 node offsets after the 16-byte header).
      my $lower = unpack("v", substr($p, 12, 2));
      my ($slot_a, $slot_b);
      for (my $o = 16; $o < $lower; $o += 2) {
        my $node = unpack("v", substr($p, $o, 2));
        $slot_a = $o if $node == $at_a - 8;
        $slot_b = $o if $node == $at_b - 8;
      }
      next unless defined $slot_a && defined $slot_b;
      substr($p, $slot_a, 2) = pack("v", $at_b - 8);
      substr($p, $slot_b, 2) = pack("v", $at_a - 8);
      substr($p, $at_a, 64) = $b;
      substr($p, $at_b, 64) = $a;
      substr($data, $page, 4096) = $p;
      $swapped++;
    }
    die "no page holds both entries\n" unless $swapped;
    seek($d, 0, 0); print $d $data; close($d);
  ' "$@"
}
swap_env=(env HELPERLINK_DIR="$WORK/state-swap" HELPERLINK_CACHE_DIR="$WORK/swap")
"$HELPERLINK" --no-daemon --no-cache "${BUILD[@]}" -o "$WORK/mixed-ref.o" "$FX/mixed.bc" -- "${CC[@]}"
for crate in tiny mixed; do
  "${swap_env[@]}" "$HELPERLINK" --no-daemon "${BUILD[@]}" --report "$WORK/swap-$crate.json" \
    -o "$WORK/swap-$crate.o" "$FX/$crate.bc" -- "${CC[@]}"
done
key() { grep -oE '"key": "[0-9a-f]{64}"' "$1" | grep -oE '[0-9a-f]{64}'; }
swap_entries "$WORK/swap/cache.lmdb/data.mdb" "$(key "$WORK/swap-tiny.json")" "$(key "$WORK/swap-mixed.json")" ||
  fail "(c) could not swap the entries"
"${swap_env[@]}" "$HELPERLINK" --no-daemon "${BUILD[@]}" --report "$WORK/swap-again.json" \
  -o "$WORK/swap-again.o" "$FX/tiny.bc" -- "${CC[@]}" || fail "(c) build after the swap failed"
cmp -s "$WORK/swap-again.o" "$WORK/ref.o" || fail "(c) an entry under another key was served as tiny's object"
grep -q '"result": "miss"' "$WORK/swap-again.json" || fail "(c) the swapped entry was not a miss"
[[ $("${swap_env[@]}" "$HELPERLINK" --stats --json | grep -oE '"corrupt": [0-9]+' | grep -oE '[0-9]+$') -eq 1 ]] ||
  fail "(c) the swapped entry was not counted as corrupt"
ok
# An attacker-owned, world-writable cache dir is not used: one line, the
# build goes on without the cache, and nothing is written there.
as_attacker mkdir -m 777 "$WORK/a/cache"
victim_build "$WORK/v/s-cache" "$WORK/a/cache" "$WORK/v/c3.o" --report "$WORK/v/c3.json" 2>"$WORK/c3.err" ||
  fail "(c) build with the attacker's cache dir failed: $(cat "$WORK/c3.err")"
one_line "$WORK/c3.err" "$WORK/a/cache" "not trusted" "building without the cache"
grep -q '"result": "off"' "$WORK/v/c3.json" || fail "(c) the report does not say the cache was off"
grep -q 'not trusted' "$WORK/v/c3.json" || fail "(c) the report does not say why"
[[ -z $(ls -A "$WORK/a/cache") ]] || fail "(c) the victim wrote into the attacker's cache dir"
cmp -s "$WORK/v/c3.o" "$WORK/ref.o" || fail "(c) object differs"
# The victim's own dir, but writable by others: not used either.
as_victim mkdir -m 700 "$WORK/v/open-cache"
chmod 777 "$WORK/v/open-cache"
victim_build "$WORK/v/s-cache" "$WORK/v/open-cache" "$WORK/v/c4.o" 2>"$WORK/c4.err"
one_line "$WORK/c4.err" "writable by others"
[[ -z $(ls -A "$WORK/v/open-cache") ]] || fail "(c) a world-writable cache dir was used"
ok
# A group-shared cache is used only when declared: a dir of root's, group
# the victim's, mode 2770.
mkdir -m 2770 "$WORK/v/group-cache"
chgrp "$(id -g "$victim")" "$WORK/v/group-cache"
victim_build "$WORK/v/s-cache" "$WORK/v/group-cache" "$WORK/v/c5.o" 2>"$WORK/c5.err"
one_line "$WORK/c5.err" "belongs to uid 0"
VENV=(HELPERLINK_CACHE_SHARED=group)
victim_build "$WORK/v/s-cache" "$WORK/v/group-cache" "$WORK/v/c6.o" --report "$WORK/v/c6.json" 2>"$WORK/c6.err"
VENV=()
[[ ! -s $WORK/c6.err ]] || fail "(c) declared group cache: $(cat "$WORK/c6.err")"
grep -q '"result": "miss"' "$WORK/v/c6.json" || fail "(c) the declared group cache was not used"
cmp -s "$WORK/v/c6.o" "$WORK/ref.o" || fail "(c) object differs"
ok

# (e) -o naming a character device writes to it and leaves it a device,
# through the daemon and the one-shot, on success and on failure.
mknod -m 666 "$WORK/null" c 1 3
"$HELPERLINK" --no-cache "${BUILD[@]}" -o "$WORK/null" "$FX/tiny.bc" -- "${CC[@]}" ||
  fail "(e) build to a device failed"
[[ -c $WORK/null ]] || fail "(e) the daemon's client replaced the device: $(stat -c %F "$WORK/null")"
"$HELPERLINK" --no-daemon --no-cache "${BUILD[@]}" -o "$WORK/null" "$FX/tiny.bc" -- "${CC[@]}" ||
  fail "(e) one-shot build to a device failed"
[[ -c $WORK/null ]] || fail "(e) the one-shot replaced the device: $(stat -c %F "$WORK/null")"
head -c 100 "$FX/tiny.bc" >"$WORK/short.bc"
! "$HELPERLINK" --no-daemon --no-cache "${BUILD[@]}" -o "$WORK/null" "$WORK/short.bc" -- "${CC[@]}" 2>/dev/null ||
  fail "(e) a truncated crate was accepted"
[[ -c $WORK/null ]] || fail "(e) a failed build removed the device"
ok

# (f) A non-regular or oversized crate is refused before it is read: one
# line, exit 1, at once (memory is capped so a reader of /dev/zero fails
# instead of filling the machine; not under the sanitizers, whose shadow
# memory needs a larger address space than any cap worth setting).
cap=4194304
[[ -n ${HELPERLINK_SANITIZED:-} ]] && cap=unlimited
mkfifo "$WORK/fifo.bc"
truncate -s $(((1 << 30) + 1)) "$WORK/huge.bc"
for crate in /dev/zero "$WORK/fifo.bc" "$WORK/huge.bc"; do
  for mode in "" --no-daemon; do
    rc=0
    (ulimit -v $cap && timeout 20 "$HELPERLINK" $mode "${BUILD[@]}" -o "$WORK/f.o" "$crate" -- "${CC[@]}") \
      2>"$WORK/f.err" || rc=$?
    [[ $rc -eq 1 ]] || fail "(f) $crate ${mode:-(daemon)}: exit $rc: $(head -c 300 "$WORK/f.err")"
    if [[ $crate == "$WORK/huge.bc" ]]; then
      one_line "$WORK/f.err" "$crate" "more than the limit"
    else
      one_line "$WORK/f.err" "$crate" "not a regular file"
    fi
    [[ ! -e $WORK/f.o ]] || fail "(f) an output was written"
  done
done
ok

# (g) A crash in the one-shot exits 1 with the one line, and no output.
python3 "$HERE/../fixtures/crash_bitcode.py" "$WORK/crash.bc"
echo stale >"$WORK/g.o"
rc=0
"$HELPERLINK" --no-daemon --no-cache "${BUILD[@]}" -o "$WORK/g.o" "$WORK/crash.bc" -- "${CC[@]}" \
  2>"$WORK/g.err" || rc=$?
[[ $rc -eq 1 ]] || fail "(g) the one-shot's crash exited $rc: $(cat "$WORK/g.err")"
one_line "$WORK/g.err" "crash.bc: LLVM crashed on this input"
[[ ! -e $WORK/g.o ]] || fail "(g) the crashed one-shot left an output"
ok
finish
