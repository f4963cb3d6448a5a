// Reading bitcode from memory: the up-front checks that turn bad input into
// a clear one-line error (not bitcode, truncated, another LLVM major), and the
// two ways of parsing it (fully, or the way llvm-link's loadFile does).
#ifndef HELPERLINK_DAEMON_ENGINE_BITCODE_INPUT_H_
#define HELPERLINK_DAEMON_ENGINE_BITCODE_INPUT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace helperlink::engine {

// Checks that `bytes` look like bitcode from this LLVM major, using the
// producer string rustc and clang write ("LLVM22.1.2-rust-1.95.0-stable").
absl::Status CheckBitcode(absl::string_view bytes, absl::string_view name);

// Parses every function body now. `bytes` need not outlive the module.
absl::StatusOr<std::unique_ptr<llvm::Module>> ParseBitcode(
    absl::string_view bytes, absl::string_view name,
    llvm::LLVMContext& context);

// Parses lazily, then materializes metadata and upgrades debug info, as
// llvm-link's loadFile does. Function bodies are read when linked, so
// `bytes` must outlive the module.
absl::StatusOr<std::unique_ptr<llvm::Module>> ParseBitcodeLikeLlvmLink(
    absl::string_view bytes, absl::string_view name,
    llvm::LLVMContext& context);

// Runs the IR verifier; the first problem becomes the error.
absl::Status VerifyModule(const llvm::Module& module, absl::string_view name);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_BITCODE_INPUT_H_
