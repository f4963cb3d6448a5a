# remote_cache.sh - the remote cache end to end, with a real
# `helperlinkd --serve-cache` on loopback and real daemons: a CI writer fills
# it; a second workstation with its own local cache gets remote hits and
# byte-identical objects, and its local cache is backfilled; blobs above the
# batch limit go through ByteStream; a blob corrupted on the server is
# detected and missed; a server that is down or stalled never fails a build;
# a read-only client never writes; --no-cache neither reads nor writes it;
# a wrong token is rejected; TLS works.
source "$(dirname "$0")/lib.sh"

server_pids=()
start_server() {  # NAME [options...] : sets PORT
  local name=$1
  shift
  "$HELPERLINKD" --serve-cache 127.0.0.1:0 --cache-dir "$WORK/$name" "$@" \
    >"$WORK/$name.out" 2>&1 &
  server_pids+=($!)
  for _ in $(seq 100); do
    PORT=$(grep -oE 'port [0-9]+' "$WORK/$name.out" | cut -d' ' -f2 || true)
    [[ -n $PORT ]] && return 0
    sleep 0.05
  done
  fail "server $name did not start: $(cat "$WORK/$name.out")"
}
stop_servers() {
  for pid in "${server_pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  stop_daemons
}
trap stop_servers EXIT

# A workstation: its own state dir and local cache.
workstation() {  # NAME OBJ [make args...]
  local name=$1 obj=$2
  shift 2
  HELPERLINK_DIR=$WORK/state-$name HELPERLINK_CACHE_DIR=$WORK/cache-$name \
    minikbuild "$mk" client "$obj" -j4 "$@"
}
# Stops a workstation's daemon and waits for it, so its uploads are done.
finish_workstation() {
  local pid
  pid=$(daemon_pids "$WORK/state-$1")
  HELPERLINK_DIR=$WORK/state-$1 "$HELPERLINK" --stop
  for _ in $(seq 200); do [[ -n $pid ]] && alive "$pid" || break; sleep 0.05; done
}
wstat() {  # NAME FIELD
  HELPERLINK_DIR=$WORK/state-$1 HELPERLINK_CACHE_DIR=$WORK/cache-$1 stat_field "$2"
}
server_entries() {
  HELPERLINK_CACHE_DIR=$WORK/server HELPERLINK_DIR=$WORK/nostate stat_field entries
}

mk=$WORK/mk
minikbuild_setup 10 "$mk"
minikbuild "$mk" oneshot obj-ref -j2 HLFLAGS=--no-cache || fail "reference build failed"
printf 'ci-token\nreader-token read-only\n' >"$WORK/tokens"
printf 'ci-token\n' >"$WORK/ci.token"
printf 'reader-token\n' >"$WORK/reader.token"
printf 'bogus\n' >"$WORK/bogus.token"

# The batch limit is 4 KiB, so most objects travel through ByteStream.
start_server server --token-file "$WORK/tokens" --max-batch-bytes 4096
export HELPERLINK_REMOTE=grpc://127.0.0.1:$PORT

# CI writes.
HELPERLINK_REMOTE_WRITE=1 HELPERLINK_REMOTE_TOKEN_FILE=$WORK/ci.token workstation ci obj-ci ||
  fail "CI build failed"
finish_workstation ci
same_objects "$mk" obj-ci obj-ref >/dev/null
[[ $(server_entries) -ge 30 ]] || fail "server holds $(server_entries) entries after CI (want blobs + results for 10 objects)"
ok

# A workstation (read-only token) gets remote hits, byte-identical.
before=$(server_entries)
HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token workstation ws obj-ws || fail "workstation build failed"
same_objects "$mk" obj-ws obj-ref >/dev/null
[[ $(wstat ws remote_hits) -eq 10 ]] || fail "workstation: $(wstat ws remote_hits) remote hits, want 10"
[[ $(server_entries) -eq $before ]] || fail "a read-only workstation wrote to the server"
ok
# Its local cache was backfilled: the next build hits locally.
HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token workstation ws obj-ws2 || fail "second workstation build failed"
same_objects "$mk" obj-ws2 obj-ref >/dev/null
[[ $(wstat ws hits) -eq 10 ]] || fail "workstation local cache not backfilled: $(wstat ws hits) local hits"
ok

# --no-cache bypasses the remote cache as well as the local one: no lookup
# and no upload, even for a writer, from the daemon and from the one-shot.
# Exact mode's objects are not on the server, so an upload would add entries.
before=$(server_entries)
HELPERLINK_REMOTE_WRITE=1 HELPERLINK_REMOTE_TOKEN_FILE=$WORK/ci.token \
  workstation nocache obj-nocache MODE=exact HLFLAGS=--no-cache || fail "--no-cache build failed"
for field in remote_hits remote_misses remote_errors remote_uploads entries; do
  [[ $(wstat nocache $field) -eq 0 ]] || fail "--no-cache: $field is $(wstat nocache $field), want 0"
done
finish_workstation nocache
HELPERLINK_REMOTE_WRITE=1 HELPERLINK_REMOTE_TOKEN_FILE=$WORK/ci.token \
  minikbuild "$mk" oneshot obj-nocache-oneshot -j2 MODE=exact HLFLAGS=--no-cache ||
  fail "--no-cache one-shot build failed"
[[ $(same_objects "$mk" obj-nocache obj-nocache-oneshot) -eq 10 ]] || fail "--no-cache: not 10 objects"
[[ $(server_entries) -eq $before ]] || fail "--no-cache wrote to the remote: $before entries, now $(server_entries)"
ok

# A wrong token: rejected, counted, the build goes on.
HELPERLINK_REMOTE_TOKEN_FILE=$WORK/bogus.token workstation bogus obj-bogus || fail "build with a wrong token failed"
same_objects "$mk" obj-bogus obj-ref >/dev/null
[[ $(wstat bogus remote_hits) -eq 0 && $(wstat bogus remote_errors) -ge 10 ]] ||
  fail "wrong token: $(wstat bogus remote_hits) hits, $(wstat bogus remote_errors) errors"
ok

# A blob corrupted on the server: detected, counted, missed, rebuilt right.
obj=$(ls "$mk"/obj-ref/*.o | head -1)
corrupt_stored_object "$WORK/server/cache.lmdb/data.mdb" "$obj"
HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token workstation corrupt obj-corrupt || fail "build over a corrupt blob failed"
same_objects "$mk" obj-corrupt obj-ref >/dev/null
[[ $(wstat corrupt remote_corrupt) -eq 1 ]] || fail "corrupt blob: counted $(wstat corrupt remote_corrupt) times"
[[ $(wstat corrupt remote_hits) -eq 9 ]] || fail "corrupt blob: $(wstat corrupt remote_hits) remote hits, want 9"
ok

# A stalled server: calls time out, builds succeed.
kill -STOP "${server_pids[0]}"
HELPERLINK_REMOTE_TIMEOUT=0.3 HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token \
  workstation stalled obj-stalled || fail "build against a stalled server failed"
same_objects "$mk" obj-stalled obj-ref >/dev/null
[[ $(wstat stalled remote_errors) -ge 1 ]] || fail "stalled server: no errors counted"
kill -CONT "${server_pids[0]}"
ok

# A server that is down: builds succeed.
kill "${server_pids[0]}"
wait "${server_pids[0]}" 2>/dev/null || true
HELPERLINK_REMOTE_TOKEN_FILE=$WORK/reader.token workstation down obj-down || fail "build with the server down failed"
same_objects "$mk" obj-down obj-ref >/dev/null
[[ $(wstat down remote_errors) -ge 1 ]] || fail "server down: no errors counted"
ok

# TLS: a self-signed certificate, trusted through HELPERLINK_REMOTE_CA_FILE.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null || fail "openssl failed"
start_server tls --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
export HELPERLINK_REMOTE=grpcs://localhost:$PORT HELPERLINK_REMOTE_CA_FILE=$WORK/cert.pem
HELPERLINK_REMOTE_WRITE=1 workstation tls-ci obj-tls-ci || fail "TLS writer failed"
finish_workstation tls-ci
workstation tls-ws obj-tls-ws || fail "TLS reader failed"
same_objects "$mk" obj-tls-ws obj-ref >/dev/null
[[ $(wstat tls-ws remote_hits) -eq 10 ]] || fail "TLS: $(wstat tls-ws remote_hits) remote hits, want 10"
ok
finish
