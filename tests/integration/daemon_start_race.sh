# daemon_start_race.sh - 32 clients started at once on a cold state dir:
# exactly one daemon comes up, and all 32 objects are correct.
source "$(dirname "$0")/lib.sh"

mk=$WORK/mk
minikbuild_setup 4 "$mk"
mkdir -p "$mk/race" "$mk/ref"
for i in $(seq 0 3); do
  "$HELPERLINKD" --oneshot --helpers "$FX/helpers.bc" -o "$mk/ref/mk0$i.o" \
    "$mk/bc/mk0$i.bc" -- clang-22 -O2 -fno-PIE
done
for round in 1 2 3; do
  export HELPERLINK_DIR=$WORK/state$round
  pids=()
  for i in $(seq 0 31); do
    c=$((i % 4))
    "$HELPERLINK" --no-cache --helpers "$FX/helpers.bc" -o "$mk/race/$round.$i.o" \
      "$mk/bc/mk0$c.bc" -- clang-22 -O2 -fno-PIE 2>"$mk/race/$round.$i.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "round $round: a client failed"; done
  for i in $(seq 0 31); do
    c=$((i % 4))
    cmp -s "$mk/race/$round.$i.o" "$mk/ref/mk0$c.o" || fail "round $round: object $i is wrong"
    [[ ! -s $mk/race/$round.$i.err ]] || fail "round $round: client $i fell back: $(cat "$mk/race/$round.$i.err")"
  done
  ok
  [[ $(daemon_pids "$HELPERLINK_DIR" | wc -l) -eq 1 ]] || fail "round $round: $(daemon_pids "$HELPERLINK_DIR" | wc -l) daemons"
  [[ $(grep -c ' start pid ' "$HELPERLINK_DIR/log") -eq 1 ]] || fail "round $round: more than one daemon started"
  ok
done
finish
