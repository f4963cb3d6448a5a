// From kbuild's C compiler command to clang's own view of it. The flags go
// through clang's Driver (the same one `clang -c` runs) to cc1 arguments and
// then to a CompilerInvocation, so target triple, CPU, features, code model,
// relocation model, retpolines, return thunks, CF protection, patchable
// entries and the rest mean exactly what they mean to clang. There is no
// hand-written flag parser here.
#ifndef HELPERLINK_DAEMON_ENGINE_CLANG_FLAGS_H_
#define HELPERLINK_DAEMON_ENGINE_CLANG_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInvocation.h"

namespace helperlink::engine {

struct ClangSetup {
  // The cc1 options `CC FLAGS -c x.bc` would run with. TargetOptions hold the
  // features as the user wrote them; codegen.h completes them.
  std::shared_ptr<clang::CompilerInvocation> invocation;
  // `-mllvm` options: process-wide in LLVM, so the engine decides (see
  // MllvmPolicy) whether they may be applied.
  std::vector<std::string> mllvm_args;
  // The compiler path and cc1 arguments. CodeGenOptions::Argv0 keeps a raw
  // pointer to the compiler path (the backend reads it), so they must live
  // as long as the invocation and its copies.
  std::shared_ptr<const std::vector<std::string>> cc1_strings;
  std::shared_ptr<const std::vector<const char*>> cc1_argv;
  // Warnings clang's driver gives for this command on bitcode input (unused
  // -I/-D/-include, for instance), one line each as clang prints them.
  std::vector<std::string> driver_warnings;
};

// Keeps clang's errors as one-line strings.
class ClangErrorCollector : public clang::DiagnosticConsumer {
 public:
  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override;
  std::vector<std::string> errors;
};

// `cc_command[0]` is the compiler (looked up in PATH for the driver's
// resource and tool-chain logic), the rest its flags. The driver sees the
// command the Linux 7.1 recipe runs (`CC FLAGS -Wno-override-module -c
// merged.bc -o out.o`), with the flags' diagnostic options applied, so what
// clang rejects there (an unused -I under -Werror=unused-command-line-
// argument, for instance) is an error carrying clang's line, and what it
// warns about lands in driver_warnings. Input files or an output in the
// flags, and -gsplit-dwarf (which would write a second file), are errors.
absl::StatusOr<ClangSetup> BuildClangSetup(
    const std::vector<std::string>& cc_command);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_CLANG_FLAGS_H_
