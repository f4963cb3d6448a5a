# userspace_run.sh - every userspace fixture crate through the one-shot in
# both modes and with both helper variants; each object is linked with its C
# driver and run. Output must equal the build without inlining, no helper
# may be global, weak or undefined, and no inlinable helper call may remain
# (except in exact mode with unannotated helpers, which inlines what mainline
# inlines: nothing, because of the attribute mismatches).
source "$(dirname "$0")/lib.sh"

CC=(clang-22 -O2 -fno-PIE)
for crate in tiny mixed large; do
  for helpers in helpers helpers_ai; do
    for mode in fast exact; do
      obj=$WORK/$crate.$helpers.$mode.o
      report=$WORK/$crate.$helpers.$mode.json
      "$HELPERLINKD" --oneshot --helpers "$FX/$helpers.bc" --mode "$mode" \
        --report "$report" -o "$obj" "$FX/$crate.bc" -- "${CC[@]}" ||
        fail "$crate/$helpers/$mode: one-shot failed"
      [[ -s $obj && -s $report ]] || fail "$crate/$helpers/$mode: no output"
      ok
      check_counts "$report" "$crate/$helpers/$mode"
      check_symbols "$obj"
      clang-22 -no-pie "$FX/driver_$crate.o" "$obj" "$FX/libsupport.a" -o "$obj.exe" ||
        fail "$crate/$helpers/$mode: link failed"
      "$obj.exe" >"$obj.out" || fail "$crate/$helpers/$mode: program failed"
      diff -q "$FX/ref_$crate.out" "$obj.out" >/dev/null ||
        fail "$crate/$helpers/$mode: output differs from the build without inlining"
      ok
      left=$(inlinable_calls_left "$obj")
      if [[ $mode == exact && $helpers == helpers ]]; then
        [[ $left -gt 0 ]] ||
          fail "$crate/exact: unannotated helpers inlined; mainline cannot"
      else
        [[ $left -eq 0 ]] ||
          fail "$crate/$helpers/$mode: $left inlinable helper calls remain: $(helper_calls "$obj" | tr '\n' ' ')"
      fi
      ok
      # The report agrees with the object: every reason is about a helper
      # that truly cannot be inlined (fast, or annotated helpers).
      if [[ $mode == fast || $helpers == helpers_ai ]]; then
        if grep -o '"callee": "[a-zA-Z0-9_]*"' "$report" | grep -vE "$NOT_INLINABLE" >/dev/null; then
          fail "$crate/$helpers/$mode: report lists inlinable helpers as not inlined"
        fi
        ok
      fi
    done
  done
done
finish
