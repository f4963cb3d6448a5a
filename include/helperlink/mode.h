// The two modes, defined once for every part of helperlink: the command
// line (--mode), the cache key, the engine, and, through ModeToWire and
// ModeFromWire (proto/wire_mode.h), the daemon and worker protocols.
// Header-only, no LLVM.
#ifndef HELPERLINK_MODE_H_
#define HELPERLINK_MODE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace helperlink {

// How the merged module is optimized.
enum class Mode {
  // Reconcile attributes so unannotated helpers inline, inline every helper
  // call site, optimize only the functions that received helper code (the
  // post-inline stage, daemon/engine/post_inline.h), then run codegen.
  // rustc already optimized everything else.
  kFast,
  // Reproduce Linux 7.1's recipe: `llvm-link --internalize` followed by
  // `clang FLAGS -c`, in one process, with no attribute edits. The object is
  // byte-identical to the two-step recipe's.
  kExact,
};

// "fast" or "exact": the mode's name on the command line, in the report
// and in the cache key's text.
inline absl::string_view ModeName(Mode mode) {
  return mode == Mode::kExact ? "exact" : "fast";
}

inline absl::StatusOr<Mode> ParseMode(absl::string_view name) {
  if (name == "fast") return Mode::kFast;
  if (name == "exact") return Mode::kExact;
  return absl::InvalidArgumentError(
      absl::StrCat("--mode: unknown mode '", name, "' (use fast or exact)"));
}

}  // namespace helperlink

#endif  // HELPERLINK_MODE_H_
