// Optimization and code generation through clang's own backend driver
// (clang::emitBackendOutput), configured by the CompilerInvocation built from
// kbuild's flags. This is the same code `clang -c x.bc` runs after reading
// the bitcode, so the object matches clang's.
#ifndef HELPERLINK_DAEMON_ENGINE_CODEGEN_H_
#define HELPERLINK_DAEMON_ENGINE_CODEGEN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/engine/clang_flags.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::engine {

enum class BackendStage {
  kOptimizeAndCodegen,  // both, in one call, exactly as `clang -c` does
  kOptimize,  // clang's IR pipeline for the flags' -O level; no object
  kCodegen,   // machine code only (clang -Xclang -disable-llvm-passes)
};

// What `clang FLAGS -c` writes for the flags: an ELF object, or LLVM
// bitcode when they say -flto, -flto=thin or -emit-llvm.
enum class OutputKind { kObject, kBitcode };
OutputKind OutputFor(const ClangSetup& setup);

// Runs one stage over `module` as `clang FLAGS -c` would, after overriding
// the module's triple with the flags' (what -Wno-override-module silences).
// kOptimize returns an empty string; the others the output bytes, of the
// kind OutputFor says. For bitcode, kOptimizeAndCodegen is exactly clang's
// (its LTO pre-link pipeline, then the ThinLTO or regular-LTO writer with
// the module summary), and kCodegen writes the module as it is, with the
// summary clang's writer adds, through clang's -O0 pre-link pipeline (which
// only names what a summary needs named). Splitting optimization from the
// bitcode writer would change the output, so bitcode is never optimized with
// kOptimize first. Backend errors (bad inline asm, for instance) come back
// as errors naming `crate_name`, provided the caller has a ScopedDiagnostics
// on the context.
absl::StatusOr<std::string> RunBackend(llvm::Module& module,
                                       const ClangSetup& setup,
                                       BackendStage stage);

// A target machine with the CPU and features clang derives from the flags,
// for target queries before codegen (inline compatibility).
absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> CreateTargetMachine(
    const ClangSetup& setup);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_CODEGEN_H_
