# daemon_minikbuild.sh - a mini-kbuild of 30 generated crates through the
# thin client and its daemon with make -j8: every object must be
# byte-identical to the one-shot's for the same inputs, Stats must count
# exactly what was sent, and a second build must reuse the resident helper
# set instead of parsing it again.
source "$(dirname "$0")/lib.sh"

mk=$WORK/mk
minikbuild_setup 30 "$mk"
[[ -z $(daemon_pids "$HELPERLINK_DIR") ]] || fail "a daemon runs before the test"
# The cache is bypassed: this test is about the daemon (cache_local.sh
# covers the cache).
minikbuild "$mk" client obj-client -j8 HLFLAGS=--no-cache || fail "mini-kbuild through the daemon failed"
minikbuild "$mk" oneshot obj-oneshot -j2 HLFLAGS=--no-cache || fail "mini-kbuild through the one-shot failed"
n=$(same_objects "$mk" obj-client obj-oneshot)
[[ $n -eq 30 ]] || fail "expected 30 objects, got $n"
ok
[[ $(daemon_pids "$HELPERLINK_DIR" | wc -l) -eq 1 ]] || fail "not exactly one daemon"
ok

# Stats count what was sent.
crate_bytes=$(cat "$mk"/bc/*.bc | wc -c)
object_bytes=$(cat "$mk"/obj-client/*.o | wc -c)
[[ $(stat_field requests) -eq 30 ]] || fail "stats: requests $(stat_field requests), want 30"
[[ $(stat_field succeeded) -eq 30 ]] || fail "stats: succeeded"
[[ $(stat_field fast) -eq 30 ]] || fail "stats: fast"
[[ $(stat_field crate_bytes_in) -eq $crate_bytes ]] || fail "stats: crate bytes $(stat_field crate_bytes_in), sent $crate_bytes"
[[ $(stat_field object_bytes_out) -eq $object_bytes ]] || fail "stats: object bytes $(stat_field object_bytes_out), got $object_bytes"
[[ $(stat_field helper_file_reads) -eq 1 ]] || fail "stats: helpers file read $(stat_field helper_file_reads) times"
loads=$(stat_field helper_set_loads)
workers=$("$HELPERLINK" --status | grep -oE '[0-9]+ workers' | grep -oE '[0-9]+')
[[ $loads -ge 1 && $loads -le $workers ]] || fail "stats: $loads helper-set parses for $workers workers"
ok

# A second build reuses the resident set.
"$HELPERLINK" --zero-stats >/dev/null
rm -rf "$mk/obj-client"
minikbuild "$mk" client obj-client -j8 HLFLAGS=--no-cache || fail "second mini-kbuild failed"
same_objects "$mk" obj-client obj-oneshot >/dev/null
[[ $(stat_field requests) -eq 30 ]] || fail "stats after zero: requests $(stat_field requests)"
[[ $(stat_field helper_set_loads) -eq 0 ]] || fail "second build parsed helpers again"
[[ $(stat_field helper_file_reads) -eq 0 ]] || fail "second build read the helpers file again"
[[ $(stat_field resident_helper_sets) -ge 1 ]] || fail "no resident helper set"
ok

# Exact mode through the daemon equals the one-shot too.
minikbuild "$mk" client obj-client-exact -j8 MODE=exact HLFLAGS=--no-cache || fail "exact mini-kbuild failed"
minikbuild "$mk" oneshot obj-oneshot-exact -j2 MODE=exact HLFLAGS=--no-cache || fail "exact one-shot failed"
same_objects "$mk" obj-client-exact obj-oneshot-exact >/dev/null
ok
finish
