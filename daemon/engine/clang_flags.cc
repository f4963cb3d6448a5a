// clang Driver → cc1 arguments → CompilerInvocation; see clang_flags.h.
#include "daemon/engine/clang_flags.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticIDs.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Driver/Compilation.h"
#include "clang/Driver/Driver.h"
#include "clang/Driver/Job.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/TargetParser/Host.h"

namespace helperlink::engine {
namespace {

// The placeholder input the driver sees; the module itself comes from memory.
constexpr char kInputPath[] = "/helperlink-input/crate.bc";
constexpr char kOutputPath[] = "/helperlink-input/crate.o";

std::string ResolveCompiler(const std::string& cc) {
  if (cc.find('/') != std::string::npos) return cc;
  llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(cc);
  if (!found) return cc;
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(*found, real)) return *found;
  return std::string(real.str());
}

absl::Status FlagError(const std::vector<std::string>& cc_command,
                       const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("compiler flags: ", what, " (", cc_command[0], " ...)"));
}

// The driver's diagnostics as `clang FLAGS -c crate.bc` prints them: the
// program name, the level, the message and the warning option
// ("clang-22: warning: argument unused during compilation: '-I include'
// [-Wunused-command-line-argument]"), after the flags' -W, -Werror and -w
// options have been applied, one line each.
class DriverDiagnostics : public clang::DiagnosticConsumer {
 public:
  DriverDiagnostics(clang::DiagnosticOptions& options, llvm::StringRef prefix)
      : stream_(text_), printer_(stream_, options) {
    printer_.setPrefix(prefix.str());
  }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level,
                        const clang::Diagnostic& info) override {
    clang::DiagnosticConsumer::HandleDiagnostic(level, info);
    text_.clear();
    printer_.HandleDiagnostic(level, info);
    stream_.flush();
    std::string line = llvm::StringRef(text_).rtrim("\n").str();
    std::replace(line.begin(), line.end(), '\n', ' ');
    if (level >= clang::DiagnosticsEngine::Error) {
      errors.push_back(std::move(line));
    } else if (level == clang::DiagnosticsEngine::Warning) {
      warnings.push_back(std::move(line));
    }
  }

  std::vector<std::string> errors;
  std::vector<std::string> warnings;

 private:
  std::string text_;
  llvm::raw_string_ostream stream_;
  clang::TextDiagnosticPrinter printer_;
};

// One line for the request's error: clang's first error, as clang prints it.
absl::Status DriverError(const DriverDiagnostics& diagnostics) {
  std::string more;
  if (diagnostics.errors.size() > 1) {
    more =
        absl::StrCat(" (and ", diagnostics.errors.size() - 1, " more errors)");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("compiler flags: ", diagnostics.errors[0], more));
}

}  // namespace

void ClangErrorCollector::HandleDiagnostic(
    clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) {
  clang::DiagnosticConsumer::HandleDiagnostic(level, info);
  if (level < clang::DiagnosticsEngine::Error) return;
  llvm::SmallString<128> text;
  info.FormatDiagnostic(text);
  errors.emplace_back(text.str());
}

absl::StatusOr<ClangSetup> BuildClangSetup(
    const std::vector<std::string>& cc_command) {
  if (cc_command.empty()) {
    return absl::InvalidArgumentError(
        "no C compiler command given (expected `-- CC FLAGS...`)");
  }
  // The driver checks that inputs exist; give it an in-memory placeholder
  // over the real file system (which it still needs for the tool chain).
  auto memory = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  memory->addFile(kInputPath, 0, llvm::MemoryBuffer::getMemBuffer(""));
  auto overlay = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(
      llvm::vfs::getRealFileSystem());
  overlay->pushOverlay(memory);

  std::string compiler = ResolveCompiler(cc_command[0]);
  // The command the Linux 7.1 recipe runs on the merged bitcode.
  std::vector<const char*> argv;
  argv.push_back(compiler.c_str());
  for (size_t i = 1; i < cc_command.size(); ++i) {
    argv.push_back(cc_command[i].c_str());
  }
  for (const char* arg : {"-Wno-override-module", "-c", "-x", "ir", kInputPath,
                          "-o", kOutputPath}) {
    argv.push_back(arg);
  }

  // As clang's driver does: diagnostic options from the command line first,
  // so that -Werror=unused-command-line-argument and friends take effect.
  std::unique_ptr<clang::DiagnosticOptions> diag_options =
      clang::CreateAndPopulateDiagOpts(argv);
  diag_options->ShowColors = false;
  DriverDiagnostics driver_diagnostics(*diag_options,
                                       llvm::sys::path::stem(cc_command[0]));
  clang::DiagnosticsEngine diags(clang::DiagnosticIDs::create(), *diag_options,
                                 &driver_diagnostics,
                                 /*ShouldOwnClient=*/false);
  clang::ProcessWarningOptions(diags, *diag_options, *overlay,
                               /*ReportDiags=*/false);

  clang::driver::Driver driver(compiler, llvm::sys::getDefaultTargetTriple(),
                               diags, "helperlink", overlay);
  driver.setCheckInputsExist(true);
  std::unique_ptr<clang::driver::Compilation> compilation(
      driver.BuildCompilation(argv));
  if (!driver_diagnostics.errors.empty()) {
    return DriverError(driver_diagnostics);
  }
  if (!compilation) return FlagError(cc_command, "clang could not build a job");

  const auto& jobs = compilation->getJobs();
  if (jobs.size() != 1) {
    return FlagError(cc_command,
                     "the flags name input files or extra actions; give only "
                     "the flags kbuild passes to `clang -c`");
  }
  const clang::driver::Command& job = *jobs.begin();
  const llvm::opt::ArgStringList& cc1_args = job.getArguments();
  if (cc1_args.empty() || llvm::StringRef(cc1_args[0]) != "-cc1") {
    return FlagError(cc_command, absl::StrCat("expected a clang -cc1 job, got ",
                                              job.getExecutable()));
  }

  ClangSetup setup;
  setup.driver_warnings = driver_diagnostics.warnings;
  // cc1's own option parsing reports through a collector of its own, as
  // before: its diagnostics are not the driver's.
  clang::DiagnosticOptions cc1_diag_options;
  ClangErrorCollector collector;
  clang::DiagnosticsEngine cc1_diags(clang::DiagnosticIDs::create(),
                                     cc1_diag_options, &collector,
                                     /*ShouldOwnClient=*/false);
  auto strings = std::make_shared<std::vector<std::string>>();
  strings->push_back(compiler);
  for (const char* arg : cc1_args) strings->push_back(arg);
  auto cc1_argv = std::make_shared<std::vector<const char*>>();
  for (const std::string& arg : *strings) cc1_argv->push_back(arg.c_str());
  setup.cc1_strings = strings;
  setup.cc1_argv = cc1_argv;
  setup.invocation = std::make_shared<clang::CompilerInvocation>();
  // argv[0] is the compiler, argv[1] "-cc1". CodeGenOptions::Argv0 keeps
  // the pointer, which is why the strings live in the setup.
  bool ok = clang::CompilerInvocation::CreateFromArgs(
      *setup.invocation, llvm::ArrayRef(*cc1_argv).drop_front(2), cc1_diags,
      (*cc1_argv)[0]);
  if (!collector.errors.empty())
    return FlagError(cc_command, collector.errors[0]);
  if (!ok) return FlagError(cc_command, "clang rejected the flags");

  auto& codegen = setup.invocation->getCodeGenOpts();
  // The driver passes -disable-free to cc1, which is right for a process
  // that exits after one file: clang then deliberately leaks the target
  // machine and pass managers of every backend run. An engine runs many.
  codegen.DisableFree = false;
  setup.invocation->getFrontendOpts().DisableFree = false;
  if (!codegen.SplitDwarfOutput.empty()) {
    return FlagError(cc_command,
                     "-gsplit-dwarf writes a second output file, which "
                     "helperlink does not produce");
  }
  setup.mllvm_args = setup.invocation->getFrontendOpts().LLVMArgs;
  return setup;
}

}  // namespace helperlink::engine
