// The fast mode's middle end: inline every helper call site the policy in
// reconcile.h makes legal, clean up only the functions that received helper
// code, and drop helper copies nothing calls any more. rustc already
// optimized the rest of the crate, so nothing else is touched.
#ifndef HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_
#define HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_

#include "absl/status/status.h"
#include "daemon/engine/helper_set.h"
#include "helperlink/report.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::engine {

// Fills report's call-site counts, not_inlined and reconciled fields.
absl::Status InlineHelpers(llvm::Module& module, const HelperSet& helpers,
                           llvm::TargetMachine& target, Report& report);

// Direct calls to helper definitions left in `module`.
int CountHelperCalls(const llvm::Module& module, const HelperSet& helpers);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_FAST_INLINER_H_
