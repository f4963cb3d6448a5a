// A helper set: the kernel's C helper bitcode, parsed and checked once and
// kept resident in one LLVM context, then copied into each crate that needs
// it. Helpers come as clang emits them; no __rust_helper/__always_inline
// annotation is required.
//
// Normalization (fast mode only, done once at load): every externally
// visible helper definition becomes `linkonce_odr`, which is what the 2024
// RFC obtained by running sed over the textual IR. The definitions can then
// be dropped when unused and are never interposable; the link step
// internalizes the ones a crate uses. Helpers marked used keep their linkage,
// as llvm-link leaves them. Exact mode keeps the helpers exactly as
// clang wrote them, because `llvm-link --internalize` sees them that way.
#ifndef HELPERLINK_DAEMON_ENGINE_HELPER_SET_H_
#define HELPERLINK_DAEMON_ENGINE_HELPER_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "helperlink/engine.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace helperlink::engine {

class HelperSet {
 public:
  static absl::StatusOr<std::unique_ptr<HelperSet>> Load(
      const std::vector<HelperInput>& inputs, Mode mode,
      llvm::LLVMContext& context);

  // One module per input file, in the order given.
  const std::vector<std::unique_ptr<llvm::Module>>& modules() const {
    return modules_;
  }
  const std::vector<std::string>& file_names() const { return file_names_; }
  // LLVM's warnings while loading the files ("NAME: message"), e.g. debug
  // info it could not read and dropped; every report using the set
  // carries them.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Whether `symbol` is a function a helper file defines with external
  // visibility: the functions a crate can call.
  bool Defines(llvm::StringRef symbol) const {
    return definitions_.count(symbol) != 0;
  }
  // Whether the helper's body means the same on any x86 feature set: no
  // target-specific intrinsics, no vector values, no inline asm that names
  // vector registers. See reconcile.h for how this is used.
  bool IsFeatureNeutral(llvm::StringRef symbol) const;
  int num_definitions() const { return static_cast<int>(definitions_.size()); }

  // The architecture the helpers were compiled for (e.g. "x86_64").
  llvm::StringRef arch() const { return arch_; }

  // Copies of each helper module holding only what the crate's references
  // need: the referenced helpers and everything they use, transitively,
  // plus what the recipe keeps whatever the crate calls (the globals marked
  // used, the constructors, and what they use). The rest are declarations.
  std::vector<std::unique_ptr<llvm::Module>> CloneNeeded(
      const llvm::StringSet<>& referenced) const;

  // Full copies of each helper module, as llvm-link would read them.
  std::vector<std::unique_ptr<llvm::Module>> CloneAll() const;

 private:
  HelperSet() = default;
  void Index();

  std::vector<std::unique_ptr<llvm::Module>> modules_;
  std::vector<std::string> file_names_;
  std::vector<std::string> warnings_;
  std::string arch_;
  llvm::StringMap<bool> definitions_;  // symbol → feature-neutral
  // For each defined global, the globals of the same module it refers to.
  llvm::DenseMap<const llvm::GlobalValue*,
                 llvm::SmallVector<const llvm::GlobalValue*, 4>>
      references_;
};

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_HELPER_SET_H_
