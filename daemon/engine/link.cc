// Helper linking with internalization; see link.h.
#include "daemon/engine/link.h"

#include "absl/strings/str_cat.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/Internalize.h"

namespace helperlink::engine {
namespace {

// llvm-link writes its output with the use-list order preserved (its
// -preserve-bc-uselistorder option, on by default).
constexpr bool kLlvmLinkPreservesUseListOrder = true;

// What becomes of the globals a link brings in.
enum class Linkage {
  kKeep,         // as the source module has them
  kInternalize,  // internal linkage (the callback llvm-link installs for
                 // --internalize)
};

// Links `source` into `linker`'s module.
absl::Status LinkOne(llvm::Linker& linker, std::unique_ptr<llvm::Module> source,
                     unsigned flags, Linkage linkage, absl::string_view name) {
  bool failed;
  if (linkage == Linkage::kInternalize) {
    failed = linker.linkInModule(
        std::move(source), flags,
        [](llvm::Module& module, const llvm::StringSet<>& linked) {
          llvm::internalizeModule(
              module, [&linked](const llvm::GlobalValue& gv) {
                return !gv.hasName() || linked.count(gv.getName()) == 0;
              });
        });
  } else {
    failed = linker.linkInModule(std::move(source), flags);
  }
  if (failed) {
    // The linker reported the cause through the context's diagnostic
    // handler; the caller turns that into the request's error.
    return absl::InvalidArgumentError(absl::StrCat(name, ": link failed"));
  }
  return absl::OkStatus();
}

}  // namespace

llvm::StringSet<> ReferencedHelpers(const llvm::Module& crate,
                                    const HelperSet& helpers) {
  llvm::StringSet<> referenced;
  for (const llvm::Function& function : crate) {
    if (function.isDeclaration() && !function.use_empty() &&
        helpers.Defines(function.getName())) {
      referenced.insert(function.getName());
    }
  }
  return referenced;
}

absl::Status CheckSameArch(const llvm::Module& crate, absl::string_view name,
                           const HelperSet& helpers) {
  llvm::StringRef arch = crate.getTargetTriple().getArchName();
  if (arch != helpers.arch()) {
    return absl::InvalidArgumentError(absl::StrCat(
        helpers.file_names().front(), ": helpers are for ",
        helpers.arch().str(), " but crate ", name, " is for ", arch.str()));
  }
  return absl::OkStatus();
}

absl::Status CheckCpus(const llvm::Module& crate, absl::string_view name,
                       const llvm::TargetMachine& target) {
  const llvm::MCSubtargetInfo* subtarget = target.getMCSubtargetInfo();
  if (!subtarget) return absl::OkStatus();
  for (const llvm::Function& function : crate) {
    for (const char* kind : {"target-cpu", "tune-cpu"}) {
      llvm::Attribute cpu = function.getFnAttribute(kind);
      if (!cpu.isValid() || !cpu.isStringAttribute()) continue;
      llvm::StringRef value = cpu.getValueAsString();
      if (value.empty() || subtarget->isCPUStringValid(value)) continue;
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": function ", function.getName().str(), " has ",
                       kind, " '", value.str(), "', which ",
                       target.getTargetTriple().str(), " does not know"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<llvm::Module>> LinkLikeLlvmLink(
    std::unique_ptr<llvm::Module> crate, absl::string_view crate_name,
    const HelperSet& helpers) {
  auto composite =
      std::make_unique<llvm::Module>("llvm-link", crate->getContext());
  llvm::Linker linker(*composite);
  absl::Status status =
      LinkOne(linker, std::move(crate), llvm::Linker::Flags::None,
              Linkage::kKeep, crate_name);
  if (!status.ok()) return status;
  std::vector<std::unique_ptr<llvm::Module>> copies = helpers.CloneAll();
  for (size_t i = 0; i < copies.size(); ++i) {
    status = LinkOne(linker, std::move(copies[i]), llvm::Linker::Flags::None,
                     Linkage::kInternalize, helpers.file_names()[i]);
    if (!status.ok()) return status;
  }
  return composite;
}

absl::StatusOr<std::unique_ptr<llvm::Module>> ReadBackLikeTheRecipe(
    const llvm::Module& module, absl::string_view crate_name) {
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream stream(bytes);
  llvm::WriteBitcodeToFile(module, stream, kLlvmLinkPreservesUseListOrder);
  llvm::Expected<std::unique_ptr<llvm::Module>> read = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(llvm::StringRef(bytes.data(), bytes.size()),
                            module.getModuleIdentifier()),
      module.getContext());
  if (!read) {
    return absl::InternalError(
        absl::StrCat(crate_name, ": the linked module does not read back: ",
                     llvm::toString(read.takeError())));
  }
  return std::move(*read);
}

absl::StatusOr<int> LinkNeeded(llvm::Module& crate,
                               absl::string_view crate_name,
                               const HelperSet& helpers) {
  llvm::StringSet<> referenced = ReferencedHelpers(crate, helpers);
  std::vector<std::unique_ptr<llvm::Module>> copies =
      helpers.CloneNeeded(referenced);
  int linked = 0;
  llvm::Linker linker(crate);
  for (size_t i = 0; i < copies.size(); ++i) {
    for (const llvm::Function& function : *copies[i]) {
      if (!function.isDeclaration()) ++linked;
    }
    // The copy already holds only what is needed; LinkOnlyNeeded keeps the
    // linker from pulling in anything else.
    absl::Status status = LinkOne(linker, std::move(copies[i]),
                                  llvm::Linker::Flags::LinkOnlyNeeded,
                                  Linkage::kInternalize, crate_name);
    if (!status.ok()) return status;
  }
  return linked;
}

}  // namespace helperlink::engine
