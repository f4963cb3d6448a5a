# remote_poison.sh - a writer with a valid token publishes results whose
# object is empty, not an ELF file, another machine's object, an
# executable or a good object cut in half, for the exact actions a read-only workstation will ask for
# (tools/reapi_poison computes them as helperlink does). The workstation,
# through the real one-shot and the real daemon, exits 0 with the right
# object built locally, counts a bad remote blob, and never copies the bad
# object into its local cache.
source "$(dirname "$0")/lib.sh"
POISON=$(realpath "${3:?usage: $0 HELPERLINKD FIXTURE_DIR REAPI_POISON}")

printf 'writer-token\nreader-token read-only\n' >"$WORK/tokens"
"$HELPERLINKD" --serve-cache 127.0.0.1:0 --cache-dir "$WORK/server" \
  --token-file "$WORK/tokens" >"$WORK/server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; stop_daemons' EXIT
wait_port() {
  for _ in $(seq 100); do
    PORT=$(grep -oE 'port [0-9]+' "$WORK/server.out" | cut -d' ' -f2 || true)
    [[ -n $PORT ]] && return 0
    sleep 0.05
  done
  fail "server did not start: $(cat "$WORK/server.out")"
}
wait_port
printf 'writer-token\n' >"$WORK/writer.token"
printf 'reader-token\n' >"$WORK/reader.token"

mk=$WORK/mk
minikbuild_setup 5 "$mk"
crates=("$mk"/bc/*.bc)
kinds=(empty junk aarch64 exec truncated)
cc=(clang-22 -O2 -fno-PIE)
object_args() {  # CRATE OUT [options...]
  local crate=$1 out=$2
  shift 2
  echo --mode fast --helpers "$FX/helpers.bc" "$@" -o "$out" "$crate" -- "${cc[@]}"
}

for i in "${!kinds[@]}"; do
  kind=${kinds[$i]} crate=${crates[$i]}
  # shellcheck disable=SC2046
  "$HELPERLINKD" --oneshot $(object_args "$crate" "$WORK/ref-$i.o" --no-cache) ||
    fail "reference build of $crate failed"
  # shellcheck disable=SC2046
  "$POISON" "$PORT" "$WORK/writer.token" "$kind" "$WORK/ref-$i.o" -- $(object_args "$crate" "$WORK/x.o") \
    >/dev/null || fail "poisoning failed"
done

# The one-shot: exit 0, the right object, a miss, and only the right object
# in its local cache.
for i in "${!kinds[@]}"; do
  kind=${kinds[$i]} crate=${crates[$i]} cache=$WORK/cache-oneshot-$i
  # shellcheck disable=SC2046
  HELPERLINK_REMOTE=grpc://127.0.0.1:$PORT HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token \
    HELPERLINK_CACHE_DIR=$cache "$HELPERLINKD" --oneshot \
    $(object_args "$crate" "$WORK/ws-$i.o" --report "$WORK/ws-$i.json") ||
    fail "$kind object from the remote: the build failed"
  cmp -s "$WORK/ws-$i.o" "$WORK/ref-$i.o" || fail "$kind object from the remote was used"
  grep -q '"result": "miss"' "$WORK/ws-$i.json" ||
    fail "$kind object from the remote: not a miss: $(grep -o '"cache": {[^}]*}' "$WORK/ws-$i.json")"
  # Without the remote, the local cache hits with the right object.
  # shellcheck disable=SC2046
  HELPERLINK_CACHE_DIR=$cache "$HELPERLINKD" --oneshot \
    $(object_args "$crate" "$WORK/again-$i.o" --report "$WORK/again-$i.json") ||
    fail "$kind: local rebuild failed"
  grep -q '"result": "hit"' "$WORK/again-$i.json" || fail "$kind: the local cache has no entry"
  cmp -s "$WORK/again-$i.o" "$WORK/ref-$i.o" || fail "$kind object was copied into the local cache"
  ok
done

# The daemon: the same, with the bad blobs counted.
export HELPERLINK_DIR=$WORK/state-ws HELPERLINK_CACHE_DIR=$WORK/cache-ws
for i in "${!kinds[@]}"; do
  # shellcheck disable=SC2046
  HELPERLINK_REMOTE=grpc://127.0.0.1:$PORT HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token \
    "$HELPERLINK" $(object_args "${crates[$i]}" "$WORK/d-$i.o") ||
    fail "${kinds[$i]} object from the remote: the client build failed"
  cmp -s "$WORK/d-$i.o" "$WORK/ref-$i.o" || fail "${kinds[$i]}: the daemon used the remote object"
done
[[ $(stat_field remote_corrupt) -eq ${#kinds[@]} ]] ||
  fail "bad remote blobs counted $(stat_field remote_corrupt) times, want ${#kinds[@]}"
[[ $(stat_field remote_hits) -eq 0 ]] || fail "$(stat_field remote_hits) remote hits on poisoned results"
ok
finish
