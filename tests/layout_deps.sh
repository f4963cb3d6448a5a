#!/usr/bin/env bash
# layout_deps.sh - the layout's two include rules (README, "Layout"): only
# daemon/engine/ and the engine's own tests and fuzzer include LLVM or clang
# headers, and no file outside client/ (and its unit tests) includes a
# client/ header. Prints
# every offending line and fails if there is one.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sources=(include invocation client daemon cache tests bench)
bad=0
llvm=$(grep -rnE '#include [<"](llvm|clang)/' "${sources[@]}" --include='*.h' --include='*.cc' |
  grep -vE '^(daemon/engine/|tests/unit/daemon/engine/|tests/fuzz/engine_input_fuzzer\.cc:)')
if [[ -n $llvm ]]; then
  echo "layout: LLVM or clang headers outside daemon/engine/:"
  echo "$llvm"
  bad=1
fi
client=$(grep -rnE '#include "client/' "${sources[@]}" --include='*.h' --include='*.cc' |
  grep -vE '^(client/|tests/unit/client/)')
if [[ -n $client ]]; then
  echo "layout: client/ headers included outside client/:"
  echo "$client"
  bad=1
fi
# The rules must have something to check: the engine includes LLVM.
grep -rqE '#include "llvm/' daemon/engine || { echo "layout: no LLVM include found in daemon/engine/; is this the source tree?"; bad=1; }
((bad)) || echo "layout: include rules hold"
exit $bad
