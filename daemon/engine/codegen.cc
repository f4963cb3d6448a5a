// clang's backend, driven in-process; see codegen.h.
#include "daemon/engine/codegen.h"

#include "absl/strings/str_cat.h"
#include "clang/Basic/TargetInfo.h"
#include "clang/CodeGen/BackendUtil.h"
#include "clang/Frontend/CompilerInstance.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/PassTimingInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Pass.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

namespace helperlink::engine {
namespace {

// A compiler instance with diagnostics, files and a target, as clang's
// CompilerInstance::ExecuteAction prepares one. Creating the target also
// completes TargetOptions::Features from the CPU and -m flags.
absl::Status PrepareInstance(clang::CompilerInstance& instance,
                             ClangErrorCollector& collector) {
  instance.createVirtualFileSystem(llvm::vfs::getRealFileSystem(), &collector);
  instance.createDiagnostics(&collector, /*ShouldOwnClient=*/false);
  instance.createFileManager();
  if (!instance.createTarget() || !collector.errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("compiler flags: ",
                     collector.errors.empty()
                         ? std::string("clang could not create the target")
                         : collector.errors[0]));
  }
  return absl::OkStatus();
}

// The backend action clang's CodeGenAction takes for the invocation's
// frontend action (`-c` gives an object; -flto, -emit-llvm give bitcode).
clang::BackendAction ActionFor(const clang::CompilerInvocation& invocation) {
  switch (invocation.getFrontendOpts().ProgramAction) {
    case clang::frontend::EmitBC:
      return clang::Backend_EmitBC;
    case clang::frontend::EmitLLVM:
      return clang::Backend_EmitLL;
    case clang::frontend::EmitAssembly:
      return clang::Backend_EmitAssembly;
    default:
      return clang::Backend_EmitObj;
  }
}

}  // namespace

OutputKind OutputFor(const ClangSetup& setup) {
  clang::BackendAction action = ActionFor(*setup.invocation);
  return action == clang::Backend_EmitBC || action == clang::Backend_EmitLL
             ? OutputKind::kBitcode
             : OutputKind::kObject;
}

absl::StatusOr<std::string> RunBackend(llvm::Module& module,
                                       const ClangSetup& setup,
                                       BackendStage stage) {
  auto invocation =
      std::make_shared<clang::CompilerInvocation>(*setup.invocation);
  clang::BackendAction action = ActionFor(*invocation);
  if (stage == BackendStage::kOptimize) action = clang::Backend_EmitNothing;
  if (stage == BackendStage::kCodegen) {
    if (OutputFor(setup) == OutputKind::kBitcode) {
      // With LLVM passes disabled clang writes regular-LTO bitcode even
      // under -flto=thin; its -O0 pre-link pipeline keeps the writer the
      // flags choose and leaves the code alone.
      invocation->getCodeGenOpts().OptimizationLevel = 0;
    } else {
      invocation->getCodeGenOpts().DisableLLVMPasses = true;
    }
  }
  clang::CompilerInstance instance(invocation);
  ClangErrorCollector collector;
  if (absl::Status status = PrepareInstance(instance, collector);
      !status.ok()) {
    return status;
  }
  // -ftime-report (the engine allows it only in a one-object process): time
  // every pass, as clang does. LLVM's pass report goes to stderr right after
  // the backend, the instance's own (codegen, optimizer) when the instance
  // dies. There is no front end here: its timer only starts and stops.
  if (instance.getCodeGenOpts().TimePasses) {
    llvm::TimePassesIsEnabled = true;
    llvm::TimePassesPerRun = instance.getCodeGenOpts().TimePassesPerRun;
    instance.createFrontendTimer();
    instance.getFrontendTimer().startTimer();
    instance.getFrontendTimer().stopTimer();
  }

  // What clang's CodeGenAction does for IR input before the backend runs.
  const clang::TargetOptions& target = instance.getTargetOpts();
  if (module.getTargetTriple().str() != target.Triple) {
    module.setTargetTriple(llvm::Triple(target.Triple));
  }
  llvm::LLVMContext& context = module.getContext();
  context.setDefaultTargetCPU(target.CPU);
  context.setDefaultTargetFeatures(llvm::join(target.Features, ","));

  llvm::SmallVector<char, 0> object;
  auto stream = std::make_unique<llvm::raw_svector_ostream>(object);
  clang::emitBackendOutput(
      instance, instance.getCodeGenOpts(),
      instance.getTarget().getDataLayoutString(), &module, action,
      instance.getFileManager().getVirtualFileSystemPtr(), std::move(stream));
  if (instance.getCodeGenOpts().TimePasses) {
    llvm::reportAndResetTimings(&llvm::errs());
  }
  if (!collector.errors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("code generation: ", collector.errors[0]));
  }
  return std::string(object.begin(), object.end());
}

absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> CreateTargetMachine(
    const ClangSetup& setup) {
  auto invocation =
      std::make_shared<clang::CompilerInvocation>(*setup.invocation);
  clang::CompilerInstance instance(invocation);
  ClangErrorCollector collector;
  if (absl::Status status = PrepareInstance(instance, collector);
      !status.ok()) {
    return status;
  }
  const clang::TargetOptions& options = instance.getTargetOpts();
  llvm::Triple triple(options.Triple);
  std::string error;
  const llvm::Target* target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    return absl::InvalidArgumentError(
        absl::StrCat("compiler flags: target ", options.Triple, ": ", error));
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, options.CPU, llvm::join(options.Features, ","),
      llvm::TargetOptions(), std::nullopt));
  if (!machine) {
    return absl::InvalidArgumentError(
        absl::StrCat("compiler flags: no target machine for ", options.Triple));
  }
  return machine;
}

}  // namespace helperlink::engine
