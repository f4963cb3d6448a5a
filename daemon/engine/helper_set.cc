// Loading, indexing and copying helper sets; see helper_set.h.
#include "daemon/engine/helper_set.h"

#include "absl/strings/str_cat.h"
#include "daemon/engine/bitcode_input.h"
#include "daemon/engine/diagnostics.h"
#include "helperlink/status_macros.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/Cloning.h"

namespace helperlink::engine {
namespace {

bool HasVectorType(const llvm::Value& value) {
  return value.getType()->isVectorTy();
}

bool AsmNamesVectorRegisters(const llvm::InlineAsm& asm_) {
  llvm::StringRef constraints = asm_.getConstraintString();
  // x86 SSE/AVX constraint letters and explicit vector registers.
  for (llvm::StringRef piece : llvm::split(constraints, ',')) {
    piece = piece.ltrim("=*&+!~");
    if (piece.starts_with("x") || piece.starts_with("v") ||
        piece.starts_with("Y") || piece.contains("{xmm") ||
        piece.contains("{ymm") || piece.contains("{zmm")) {
      return true;
    }
  }
  return false;
}

bool ComputeFeatureNeutral(const llvm::Function& function) {
  for (const llvm::Argument& arg : function.args()) {
    if (HasVectorType(arg)) return false;
  }
  if (function.getReturnType()->isVectorTy()) return false;
  for (const llvm::Instruction& inst : llvm::instructions(function)) {
    if (HasVectorType(inst)) return false;
    for (const llvm::Use& operand : inst.operands()) {
      if (HasVectorType(*operand)) return false;
    }
    if (const auto* call = llvm::dyn_cast<llvm::CallBase>(&inst)) {
      if (const auto* asm_ =
              llvm::dyn_cast<llvm::InlineAsm>(call->getCalledOperand())) {
        if (AsmNamesVectorRegisters(*asm_)) return false;
      } else if (const llvm::Function* callee = call->getCalledFunction()) {
        if (callee->isTargetIntrinsic()) return false;
      }
    }
  }
  return true;
}

// Collects the globals `root` refers to through constants.
void CollectGlobals(const llvm::Constant* root,
                    llvm::SmallPtrSetImpl<const llvm::Constant*>& seen,
                    llvm::SmallVectorImpl<const llvm::GlobalValue*>& out) {
  if (!seen.insert(root).second) return;
  if (const auto* gv = llvm::dyn_cast<llvm::GlobalValue>(root)) {
    out.push_back(gv);
    return;
  }
  for (const llvm::Use& operand : root->operands()) {
    if (const auto* c = llvm::dyn_cast<llvm::Constant>(operand.get())) {
      CollectGlobals(c, seen, out);
    }
  }
}

// The globals `module` marks used (llvm.used and llvm.compiler.used).
llvm::SmallPtrSet<const llvm::GlobalValue*, 8> UsedGlobals(
    const llvm::Module& module) {
  llvm::SmallVector<llvm::GlobalValue*, 8> used;
  llvm::collectUsedGlobalVariables(module, used, /*CompilerUsed=*/false);
  llvm::collectUsedGlobalVariables(module, used, /*CompilerUsed=*/true);
  return llvm::SmallPtrSet<const llvm::GlobalValue*, 8>(used.begin(),
                                                        used.end());
}

// A helper marked used keeps its linkage: `llvm-link --internalize` leaves
// used globals alone, so the recipe's object has them as written.
void NormalizeForFastMode(llvm::Module& module) {
  llvm::SmallPtrSet<const llvm::GlobalValue*, 8> used = UsedGlobals(module);
  for (llvm::Function& function : module) {
    if (function.isDeclaration() || function.hasLocalLinkage() ||
        used.count(&function)) {
      continue;
    }
    function.setLinkage(llvm::GlobalValue::LinkOnceODRLinkage);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<HelperSet>> HelperSet::Load(
    const std::vector<HelperInput>& inputs, Mode mode,
    llvm::LLVMContext& context) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError(
        "no helpers given (use --helpers FILE.bc)");
  }
  std::unique_ptr<HelperSet> set(new HelperSet());
  DiagnosticLog log;
  log.collect_warnings = true;
  ScopedDiagnostics diagnostics(context, log);
  for (const HelperInput& input : inputs) {
    const std::string& bytes = *input.bytes;
    HL_RETURN_IF_ERROR(CheckBitcode(bytes, input.name));
    HL_ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> module,
                        ParseBitcodeLikeLlvmLink(bytes, input.name, context));
    // Helpers stay resident: read every body now so the module no longer
    // points into the caller's buffer.
    if (llvm::Error error = module->materializeAll()) {
      return absl::InvalidArgumentError(
          absl::StrCat(input.name, ": ", llvm::toString(std::move(error))));
    }
    HL_RETURN_IF_ERROR(FirstError(log, input.name));
    for (std::string& warning : log.warnings) {
      set->warnings_.push_back(absl::StrCat(input.name, ": ", warning));
    }
    log.warnings.clear();
    HL_RETURN_IF_ERROR(VerifyModule(*module, input.name));
    std::string arch = module->getTargetTriple().getArchName().str();
    if (set->arch_.empty()) {
      set->arch_ = arch;
    } else if (arch != set->arch_) {
      return absl::InvalidArgumentError(
          absl::StrCat(input.name, ": helpers are for ", arch, " but ",
                       set->file_names_.front(), " is for ", set->arch_));
    }
    for (const llvm::Function& function : *module) {
      if (function.isDeclaration() || function.hasLocalLinkage()) continue;
      if (set->definitions_.count(function.getName())) {
        return absl::InvalidArgumentError(
            absl::StrCat(input.name, ": helper ", function.getName().str(),
                         " is also defined by an earlier helpers file"));
      }
      set->definitions_[function.getName()] = ComputeFeatureNeutral(function);
    }
    if (mode == Mode::kFast) NormalizeForFastMode(*module);
    set->file_names_.push_back(input.name);
    set->modules_.push_back(std::move(module));
  }
  set->Index();
  return set;
}

void HelperSet::Index() {
  for (const auto& module : modules_) {
    for (const llvm::Function& function : *module) {
      if (function.isDeclaration()) continue;
      llvm::SmallPtrSet<const llvm::Constant*, 16> seen;
      auto& refs = references_[&function];
      for (const llvm::Instruction& inst : llvm::instructions(function)) {
        for (const llvm::Use& operand : inst.operands()) {
          if (const auto* c = llvm::dyn_cast<llvm::Constant>(operand.get())) {
            CollectGlobals(c, seen, refs);
          }
        }
      }
      if (function.hasPersonalityFn()) {
        CollectGlobals(function.getPersonalityFn(), seen, refs);
      }
    }
    for (const llvm::GlobalVariable& global : module->globals()) {
      if (!global.hasInitializer()) continue;
      llvm::SmallPtrSet<const llvm::Constant*, 16> seen;
      CollectGlobals(global.getInitializer(), seen, references_[&global]);
    }
    for (const llvm::GlobalAlias& alias : module->aliases()) {
      llvm::SmallPtrSet<const llvm::Constant*, 16> seen;
      CollectGlobals(alias.getAliasee(), seen, references_[&alias]);
    }
  }
}

bool HelperSet::IsFeatureNeutral(llvm::StringRef symbol) const {
  auto it = definitions_.find(symbol);
  return it != definitions_.end() && it->second;
}

std::vector<std::unique_ptr<llvm::Module>> HelperSet::CloneNeeded(
    const llvm::StringSet<>& referenced) const {
  std::vector<std::unique_ptr<llvm::Module>> clones;
  for (const auto& module : modules_) {
    // Transitive closure of what the referenced helpers use, and of what
    // the module's appending globals hold: llvm.used and llvm.compiler.used
    // (the __used metadata kernel macros place in sections, such as
    // .discard.addressable entries and .modinfo strings), llvm.global_ctors.
    // llvm-link always links those and the recipe's optimizer keeps them, so
    // they are in the recipe's object whatever the crate calls.
    llvm::SmallPtrSet<const llvm::GlobalValue*, 32> needed;
    llvm::SmallVector<const llvm::GlobalValue*, 32> work;
    for (const llvm::GlobalVariable& global : module->globals()) {
      if (global.hasAppendingLinkage()) work.push_back(&global);
    }
    for (const llvm::Function& function : *module) {
      if (!function.isDeclaration() && referenced.count(function.getName())) {
        work.push_back(&function);
      }
    }
    while (!work.empty()) {
      const llvm::GlobalValue* gv = work.pop_back_val();
      if (!needed.insert(gv).second) continue;
      auto it = references_.find(gv);
      if (it == references_.end()) continue;
      for (const llvm::GlobalValue* ref : it->second) work.push_back(ref);
    }
    if (needed.empty()) continue;
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> clone =
        llvm::CloneModule(*module, map, [&needed](const llvm::GlobalValue* gv) {
          return needed.count(gv) != 0;
        });
    // Globals that were not needed became declarations; drop the ones that
    // nothing refers to, so the linker sees only what the crate uses.
    for (llvm::Function& function :
         llvm::make_early_inc_range(clone->functions())) {
      if (function.isDeclaration() && function.use_empty()) {
        function.eraseFromParent();
      }
    }
    for (llvm::GlobalVariable& global :
         llvm::make_early_inc_range(clone->globals())) {
      if (!global.hasInitializer() && global.use_empty()) {
        global.eraseFromParent();
      }
    }
    clones.push_back(std::move(clone));
  }
  return clones;
}

std::vector<std::unique_ptr<llvm::Module>> HelperSet::CloneAll() const {
  std::vector<std::unique_ptr<llvm::Module>> clones;
  for (const auto& module : modules_)
    clones.push_back(llvm::CloneModule(*module));
  return clones;
}

}  // namespace helperlink::engine
