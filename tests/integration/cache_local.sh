# cache_local.sh - the local LMDB cache end to end: a hit is byte-identical
# and answered by the client alone; a miss is hashed once, by the client; each key component changes the key and
# nothing else does; --explain names the change; a corrupt entry is missed,
# counted and replaced; two daemons share one cache dir while building in
# parallel; a tiny size limit evicts and every build still succeeds.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
# FIELD of the report's cache section, read as JSON.
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["cache"][sys.argv[2]])' "$1" "$2"; }
link() {  # OUT CRATE [options...] : one object through the client
  local out=$1 crate=$2
  shift 2
  "$HELPERLINK" --helpers "$FX/helpers.bc" --report "$out.json" "$@" -o "$out" "$crate" -- "${CC[@]}"
}

# Miss, then hit: byte-identical, and the hit never reaches the daemon.
link "$WORK/a.o" "$FX/mixed.bc"
[[ $(field "$WORK/a.o.json" result) == miss ]] || fail "first build: $(field "$WORK/a.o.json" result)"
requests=$(stat_field requests)
# The client looked the miss up and sent its key with the crate: the
# daemon hashed no crate. A --save-merged build is not looked up by the
# client, so the daemon hashes that crate itself (for storing it).
[[ $(stat_field crates_hashed) == 0 ]] || fail "the daemon hashed the crate after the client's lookup: $(stat_field crates_hashed)"
link "$WORK/m.o" "$FX/mixed.bc" --save-merged "$WORK/m.bc"
[[ $(stat_field crates_hashed) == 1 ]] || fail "--save-merged: crates hashed by the daemon $(stat_field crates_hashed), want 1"
requests=$(stat_field requests)
link "$WORK/b.o" "$FX/mixed.bc"
[[ $(field "$WORK/b.o.json" result) == hit ]] || fail "second build did not hit"
cmp -s "$WORK/a.o" "$WORK/b.o" || fail "hit is not byte-identical"
[[ $(stat_field requests) -eq $requests ]] || fail "the hit went through the daemon"
# Both reports are valid JSON with every phase timed: the miss's engine
# phases, and for both the crate's arrival and the time in the cache.
for json in a.o.json b.o.json; do
  python3 - "$WORK/$json" <<'PY' || fail "$json: phase times missing: $(cat "$WORK/$json")"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["times_ms"]
assert t["parse"] > 0 and t["codegen"] > 0 and t["total"] >= t["codegen"], t
assert r["receive_ms"] >= 0 and r["cache"]["ms"] > 0, r
c = r["call_sites"]
assert c["found"] == c["inlined"] + c["remaining"] + c["removed"], c
assert t["optimize"] > 0, t  # fast mode's post-inline stage
PY
done
ok
# With no daemon running, a hit starts none.
"$HELPERLINK" --stop
link "$WORK/c.o" "$FX/mixed.bc"
cmp -s "$WORK/a.o" "$WORK/c.o" || fail "hit without daemon differs"
[[ -z $(daemon_pids "$HELPERLINK_DIR") ]] || fail "a hit started a daemon"
ok

# --cache-dir overrides HELPERLINK_CACHE_DIR, for the client and the daemon.
CC=(clang-22 -O1 -fno-PIE)
link "$WORK/e.o" "$FX/tiny.bc" --cache-dir "$WORK/other-cache"
[[ $(field "$WORK/e.o.json" result) == miss ]] || fail "--cache-dir: first build hit"
link "$WORK/e.o" "$FX/tiny.bc" --cache-dir "$WORK/other-cache"
[[ $(field "$WORK/e.o.json" result) == hit ]] || fail "--cache-dir: second build missed"
[[ -f $WORK/other-cache/cache.lmdb/data.mdb ]] || fail "--cache-dir: no cache there"
HELPERLINK_CACHE_DIR=$WORK/other-cache stat_field entries | grep -qx 1 || fail "--cache-dir: entry not in the other cache"
link "$WORK/e.o" "$FX/tiny.bc"
[[ $(field "$WORK/e.o.json" result) == miss ]] || fail "--cache-dir leaked into the default cache"
CC=(clang-22 -O2 -fno-PIE)
ok

# Nothing but the key components changes the key: another build dir with
# other paths and preprocessor flags, a touched crate, another output path.
mkdir -p "$WORK/tree2/rust"
cp "$FX/mixed.bc" "$WORK/tree2/rust/mixed.bc"
cp "$FX/helpers.bc" "$WORK/tree2/helpers.bc"
touch -d '2001-01-01' "$WORK/tree2/rust/mixed.bc"
(cd "$WORK/tree2" && "$HELPERLINK" --helpers helpers.bc --report d.json -o rust/d.o rust/mixed.bc -- \
  /usr/bin/clang-22 -O2 -I"$WORK/tree2/include" -DMODULE -Wall -fno-PIE)
[[ $(field "$WORK/tree2/d.json" result) == hit ]] || fail "other tree: $(field "$WORK/tree2/d.json" result)"
cmp -s "$WORK/a.o" "$WORK/tree2/rust/d.o" || fail "other tree object differs"
ok

# Each component changes the key, and --explain says which.
expect_miss() {  # WHAT PATTERN link-args...
  local what=$1 pattern=$2
  shift 2
  link "$WORK/a.o" "$@"
  [[ $(field "$WORK/a.o.json" result) == miss ]] || fail "$what: expected a miss"
  "$HELPERLINK" --explain "$WORK/a.o" >"$WORK/explain" || fail "$what: --explain failed"
  grep -qE "$pattern" "$WORK/explain" || fail "$what: --explain says: $(cat "$WORK/explain")"
  [[ $(field "$WORK/a.o.json" explain) =~ $pattern ]] || fail "$what: report explains: $(field "$WORK/a.o.json" explain)"
  ok
}
expect_miss "mode" "mode changed \(fast -> exact\)" "$FX/mixed.bc" --mode exact
link "$WORK/a.o" "$FX/mixed.bc"  # back to fast: hit
CC=(clang-22 -O3 -fno-PIE)
expect_miss "flags" "flags changed: -O2 removed, -O3 added" "$FX/mixed.bc"
CC=(clang-22 -O2 -fno-PIE)
link "$WORK/a.o" "$FX/mixed.bc"
cp "$FX/helpers_ai.bc" "$WORK/helpers.bc"
"$HELPERLINK" --helpers "$WORK/helpers.bc" --report "$WORK/a.o.json" -o "$WORK/a.o" "$FX/mixed.bc" -- "${CC[@]}"
"$HELPERLINK" --explain "$WORK/a.o" | grep -q "helpers changed ($WORK/helpers.bc)" ||
  fail "helpers: --explain says: $("$HELPERLINK" --explain "$WORK/a.o")"
ok
expect_miss "crate" "crate bitcode changed" "$FX/tiny.bc"
"$HELPERLINK" --explain "$WORK/never.o" 2>"$WORK/err" && fail "--explain of an unknown output succeeded"
grep -q "never.o: no build of this output is recorded" "$WORK/err" || fail "--explain unknown: $(cat "$WORK/err")"
ok

# --no-cache neither reads nor writes the cache.
hits=$(stat_field hits)
stores=$(stat_field stores)
link "$WORK/n.o" "$FX/mixed.bc" --no-cache
[[ $(field "$WORK/n.o.json" result) == off ]] || fail "--no-cache report: $(field "$WORK/n.o.json" result)"
[[ $(stat_field hits) -eq $hits && $(stat_field stores) -eq $stores ]] || fail "--no-cache touched the cache"
ok

# A corrupt entry: flip one byte of the stored object inside data.mdb.
link "$WORK/k.o" "$FX/large.bc"
cp "$WORK/k.o" "$WORK/k.ref.o"
corrupt_stored_object "$HELPERLINK_CACHE_DIR/cache.lmdb/data.mdb" "$WORK/k.o"
corrupt=$(stat_field corrupt)
link "$WORK/k.o" "$FX/large.bc"
[[ $(field "$WORK/k.o.json" result) == miss ]] || fail "corrupt entry was served"
[[ $(stat_field corrupt) -eq $((corrupt + 1)) ]] || fail "corrupt entry not counted"
cmp -s "$WORK/k.o" "$WORK/k.ref.o" || fail "object after a corrupt entry differs"
link "$WORK/k.o" "$FX/large.bc"
[[ $(field "$WORK/k.o.json" result) == hit ]] || fail "entry not re-stored after corruption"
ok

# Two daemons (two build trees) share one cache dir, building in parallel.
mk=$WORK/mk
minikbuild_setup 30 "$mk"
minikbuild "$mk" oneshot obj-ref -j2 HLFLAGS=--no-cache || fail "reference build failed"
export HELPERLINK_CACHE_DIR=$WORK/shared-cache
HELPERLINK_DIR=$WORK/state-a minikbuild "$mk" client obj-a -j4 &
a=$!
HELPERLINK_DIR=$WORK/state-b minikbuild "$mk" client obj-b -j4 &
b=$!
wait $a || fail "tree a failed"
wait $b || fail "tree b failed"
same_objects "$mk" obj-a obj-ref >/dev/null
same_objects "$mk" obj-b obj-ref >/dev/null
[[ -n $(daemon_pids "$WORK/state-a") && -n $(daemon_pids "$WORK/state-b") ]] || fail "expected two daemons"
hits=$(stat_field hits)
misses=$(stat_field misses)
[[ $((hits + misses)) -ge 60 && $misses -ge 30 ]] || fail "shared cache: $hits hits, $misses misses for 60 objects"
[[ $(stat_field entries) -eq 30 ]] || fail "shared cache holds $(stat_field entries) entries, want 30"
ok

# A tiny size limit (16K for 30 objects of 4K to 20K): eviction, objects
# larger than the limit are not stored, and every build still succeeds.
export HELPERLINK_CACHE_DIR=$WORK/small-cache HELPERLINK_CACHE_POLICY=max_size=16K
minikbuild "$mk" client obj-small -j4 || fail "build with a tiny cache failed"
same_objects "$mk" obj-small obj-ref >/dev/null
[[ $(stat_field evictions) -gt 0 ]] || fail "no evictions with a 16K limit"
[[ $(stat_field bytes) -le 16384 ]] || fail "cache holds $(stat_field bytes) bytes over its 16K limit"
ok
finish
