// The fast mode's inliner: inline every helper call site in the crate's
// functions that the policy in reconcile.h makes legal, including the helper
// calls that inlining a helper exposes. The functions that received helper
// code are then optimized by post_inline.h; rustc already optimized the rest
// of the crate, so nothing else is touched.
#ifndef HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_
#define HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "daemon/engine/helper_set.h"
#include "helperlink/report.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ValueHandle.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::engine {

// The names of the crate's own function definitions, taken before the
// helpers are linked in: the functions whose helper calls the report counts.
llvm::StringSet<> CrateFunctions(const llvm::Module& crate);

struct InlineOutcome {
  // The crate functions that received helper code, in the order they first
  // did; only these are optimized afterwards.
  std::vector<llvm::Function*> touched;
  // The helper call sites left as calls; a handle goes null when a later
  // pass deletes its call.
  std::vector<llvm::WeakVH> not_inlined;

  // How many of `not_inlined` were deleted since (dead code).
  int CountDeleted() const;
};

// Inlines the helper calls of `crate_functions` in `module`. Fills the
// report's call_sites.found, call_sites.inlined, not_inlined and reconciled
// fields (see proto/report.proto for the definitions). Attributes are
// edited only on callers that receive the helper's code and on helpers that
// are inlined.
absl::StatusOr<InlineOutcome> InlineHelpers(
    llvm::Module& module, const HelperSet& helpers,
    const llvm::StringSet<>& crate_functions, llvm::TargetMachine& target,
    Report& report);

// Direct calls to helper definitions in the crate functions of `module`.
int CountHelperCalls(const llvm::Module& module, const HelperSet& helpers,
                     const llvm::StringSet<>& crate_functions);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_
