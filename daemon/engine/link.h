// Linking helpers into a crate, with every linked helper internalized, as
// `llvm-link --internalize` does: no helper is defined globally or weakly in
// the resulting object, so each Rust object carries private copies.
#ifndef HELPERLINK_DAEMON_ENGINE_LINK_H_
#define HELPERLINK_DAEMON_ENGINE_LINK_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "daemon/engine/helper_set.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::engine {

// Names of the helpers `crate` declares and calls or takes the address of.
llvm::StringSet<> ReferencedHelpers(const llvm::Module& crate,
                                    const HelperSet& helpers);

// Fails when the helpers were built for another architecture than the crate.
absl::Status CheckSameArch(const llvm::Module& crate, absl::string_view name,
                           const HelperSet& helpers);

// Fails when a function of the crate names a CPU ("target-cpu" or
// "tune-cpu") that `target` does not know: LLVM's backend would end the
// process on it ("64-bit code requested on a subtarget that doesn't support
// it!") instead of reporting an error.
absl::Status CheckCpus(const llvm::Module& crate, absl::string_view name,
                       const llvm::TargetMachine& target);

// Exact mode: reproduce llvm-link. A composite module named "llvm-link"
// (which becomes the object's STT_FILE symbol) receives the crate, then each
// helper file in full, internalizing what each helper file brings in.
// Returns the composite. Errors name `crate_name` or the helper file.
absl::StatusOr<std::unique_ptr<llvm::Module>> LinkLikeLlvmLink(
    std::unique_ptr<llvm::Module> crate, absl::string_view crate_name,
    const HelperSet& helpers);

// What `clang -c merged.bc` works on: `module` written to bitcode, as
// llvm-link writes its output, and read back, as clang reads its input. The
// in-memory module links to the same IR, but the order of each function's
// value symbol table differs (linking moves function bodies), and bitcode
// output (-flto) writes that order. Object output does not depend on it.
absl::StatusOr<std::unique_ptr<llvm::Module>> ReadBackLikeTheRecipe(
    const llvm::Module& module, absl::string_view crate_name);

// Fast mode: link into the crate module itself only the helpers it
// references (and what they use), internalized. Returns how many helper
// definitions were linked.
absl::StatusOr<int> LinkNeeded(llvm::Module& crate,
                               absl::string_view crate_name,
                               const HelperSet& helpers);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_LINK_H_
