# large_transfer.sh - a multi-MB crate and its multi-MB object on every way
# between the client, the daemon and its worker: a crate of one 3 MiB static
# of random bytes (several chunks each way, the bytes differing throughout,
# so a lost, repeated or reordered chunk shows) gives through the daemon
# (--no-cache, a cache miss, then a local hit) the one-shot's object byte
# for byte, and with --save-merged the one-shot's merged module; the
# daemon counts the bytes it received and sent. The crates the client maps
# are refused as ReadInputFile refused them: an empty crate, /dev/zero and
# a fifo give one line naming the input and no output.
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
size=$((3 << 20))
head -c "$size" /dev/urandom >"$WORK/blob.bin"
cat >"$WORK/blob.rs" <<RS
#![no_std]
#[no_mangle]
pub static BLOB: [u8; $size] = *include_bytes!("blob.bin");
#[no_mangle]
pub extern "C" fn blob_byte(i: usize) -> u8 { BLOB[i % BLOB.len()] }
RS
rustc --crate-type=lib --emit=llvm-bc -Copt-level=2 -Ccodegen-units=1 \
  -Cpanic=abort -Awarnings --crate-name blob "$WORK/blob.rs" -o "$WORK/blob.bc" ||
  fail "rustc cannot build the blob crate"
crate_bytes=$(stat -c %s "$WORK/blob.bc")
((crate_bytes > 2 * 1048576)) || fail "blob.bc is $crate_bytes bytes, not several chunks"

"$HELPERLINKD" --oneshot --no-cache --helpers "$FX/helpers.bc" --save-merged "$WORK/ref.m.bc" \
  -o "$WORK/ref.o" "$WORK/blob.bc" -- "${CC[@]}" || fail "one-shot failed on the blob crate"
object_bytes=$(stat -c %s "$WORK/ref.o")
((object_bytes > 2 * 1048576)) || fail "the blob object is $object_bytes bytes, not several chunks"
# The object holds the random bytes: it carries the crate's data.
python3 -c 'import sys; sys.exit(open(sys.argv[2], "rb").read() not in open(sys.argv[1], "rb").read())' \
  "$WORK/ref.o" "$WORK/blob.bin" || fail "the blob object does not hold the crate's bytes"
ok

client() {  # OUT [FLAGS...]: the blob crate through the client
  local out=$1
  shift
  "$HELPERLINK" "$@" --helpers "$FX/helpers.bc" -o "$out" "$WORK/blob.bc" -- "${CC[@]}" \
    2>"$WORK/err" || fail "client $*: $(cat "$WORK/err")"
  [[ ! -s $WORK/err ]] || fail "client $*: said $(cat "$WORK/err")"
}

client "$WORK/nocache.o" --no-cache --report "$WORK/nocache.json"
cmp -s "$WORK/nocache.o" "$WORK/ref.o" || fail "the daemon's object (--no-cache) differs from the one-shot's"
grep -q '"receive_ms"' "$WORK/nocache.json" || fail "no receive_ms in the report"
ok
[[ $(stat_field crate_bytes_in) -eq $crate_bytes ]] ||
  fail "the daemon counted $(stat_field crate_bytes_in) crate bytes, not $crate_bytes"
[[ $(stat_field object_bytes_out) -eq $object_bytes ]] ||
  fail "the daemon counted $(stat_field object_bytes_out) object bytes, not $object_bytes"
ok

client "$WORK/miss.o" --report "$WORK/miss.json"
grep -q '"result": *"miss"' "$WORK/miss.json" || fail "first cached build is not a miss"
cmp -s "$WORK/miss.o" "$WORK/ref.o" || fail "the daemon's object (miss) differs from the one-shot's"
# The hit is the client's own: the daemon sees no request.
requests=$(stat_field requests)
client "$WORK/hit.o" --report "$WORK/hit.json"
grep -q '"result": *"hit"' "$WORK/hit.json" || fail "second cached build is not a hit"
[[ $(stat_field requests) -eq $requests ]] || fail "the local hit went to the daemon"
cmp -s "$WORK/hit.o" "$WORK/ref.o" || fail "the local hit's object differs from the one-shot's"
ok

client "$WORK/merged.o" --save-merged "$WORK/merged.m.bc"
cmp -s "$WORK/merged.o" "$WORK/ref.o" || fail "the daemon's object (--save-merged) differs"
cmp -s "$WORK/merged.m.bc" "$WORK/ref.m.bc" || fail "the daemon's merged module differs from the one-shot's"
ok

# Inputs the client refuses before sending a byte.
expect_refused() {  # NAME PATTERN CRATE
  local status=0
  echo stale >"$WORK/bad.o"
  "$HELPERLINK" --helpers "$FX/helpers.bc" -o "$WORK/bad.o" "$3" -- "${CC[@]}" 2>"$WORK/err" || status=$?
  [[ $status -eq 1 ]] || fail "$1: exit status $status, want 1"
  [[ $(wc -l <"$WORK/err") -eq 1 ]] || fail "$1: stderr is not one line: $(cat "$WORK/err")"
  grep -qE "$2" "$WORK/err" || fail "$1: stderr '$(cat "$WORK/err")' does not match '$2'"
  [[ ! -e $WORK/bad.o ]] || fail "$1: output file left behind"
  ok
}
: >"$WORK/empty.bc"
mkfifo "$WORK/fifo.bc"
expect_refused empty "empty.bc: file is empty" "$WORK/empty.bc"
expect_refused /dev/zero "^helperlink: /dev/zero: not a regular file" /dev/zero
expect_refused fifo "fifo.bc: not a regular file" "$WORK/fifo.bc"
expect_refused directory "$WORK: is a directory" "$WORK"
finish
