// Helper inlining and local cleanup for fast mode; see fast_inliner.h.
#include "daemon/engine/fast_inliner.h"

#include <deque>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "daemon/engine/reconcile.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Scalar/SROA.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/Transforms/Utils/Cloning.h"

namespace helperlink::engine {
namespace {

// A helper call waiting to be inlined, with the helpers whose inlining
// produced it (to stop mutual recursion).
struct PendingCall {
  llvm::CallBase* call;
  std::vector<const llvm::Function*> chain;
};

llvm::Function* HelperCallee(const llvm::CallBase& call,
                             const HelperSet& helpers) {
  llvm::Function* callee = call.getCalledFunction();
  if (!callee || callee->isDeclaration()) return nullptr;
  return helpers.Defines(callee->getName()) ? callee : nullptr;
}

class Inliner {
 public:
  Inliner(llvm::Module& module, const HelperSet& helpers,
          llvm::TargetMachine& target, Report& report)
      : module_(module),
        helpers_(helpers),
        target_(target),
        report_(report),
        library_info_(llvm::Triple(module.getTargetTriple())) {}

  void Run() {
    std::deque<PendingCall> work;
    for (llvm::Function& function : module_) {
      if (function.isDeclaration() || helpers_.Defines(function.getName())) {
        continue;
      }
      for (llvm::Instruction& inst : llvm::instructions(function)) {
        auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
        if (call && HelperCallee(*call, helpers_)) work.push_back({call, {}});
      }
    }
    report_.call_sites_found = static_cast<int>(work.size());
    while (!work.empty()) {
      PendingCall pending = std::move(work.front());
      work.pop_front();
      InlineOne(pending, work);
    }
    for (const auto& [key, count] : missed_) {
      const auto& [caller, callee, reason] = key;
      report_.not_inlined.push_back({caller, callee, reason, count});
    }
  }

  const llvm::SetVector<llvm::Function*>& touched() const { return touched_; }

 private:
  void InlineOne(const PendingCall& pending, std::deque<PendingCall>& work) {
    llvm::CallBase& call = *pending.call;
    llvm::Function* callee = HelperCallee(call, helpers_);
    llvm::Function& caller = *call.getFunction();
    for (const llvm::Function* seen : pending.chain) {
      if (seen == callee) return Miss(caller, *callee, "recursive");
    }
    ReconcileForInlining(caller, *callee,
                         helpers_.IsFeatureNeutral(callee->getName())
                             ? FeatureNeutral::kYes
                             : FeatureNeutral::kNo,
                         report_.reconciled);

    // LLVM's own verdict on the attributes, as its inliner would give it.
    std::deque<llvm::TargetLibraryInfo> infos;
    auto get_tli = [&](llvm::Function& f) -> const llvm::TargetLibraryInfo& {
      infos.emplace_back(library_info_, &f);
      return infos.back();
    };
    llvm::TargetTransformInfo callee_tti =
        target_.getTargetTransformInfo(*callee);
    std::optional<llvm::InlineResult> decision =
        llvm::getAttributeBasedInliningDecision(call, callee, callee_tti,
                                                get_tli);
    if (decision && !decision->isSuccess()) {
      return Miss(caller, *callee, decision->getFailureReason());
    }
    // Viability depends on the helper's body alone, which inlining never
    // changes: ask once per helper.
    auto [viable, first] = viable_.try_emplace(callee, std::nullopt);
    if (first) {
      llvm::InlineResult result = llvm::isInlineViable(*callee);
      if (!result.isSuccess()) viable->second = result.getFailureReason();
    }
    if (viable->second) return Miss(caller, *callee, *viable->second);
    llvm::InlineFunctionInfo info;
    llvm::InlineResult result =
        llvm::InlineFunction(call, info, /*MergeAttributes=*/true);
    if (!result.isSuccess()) {
      return Miss(caller, *callee, result.getFailureReason());
    }
    ++report_.call_sites_inlined;
    touched_.insert(&caller);
    std::vector<const llvm::Function*> chain = pending.chain;
    chain.push_back(callee);
    for (llvm::CallBase* inner : info.InlinedCallSites) {
      if (HelperCallee(*inner, helpers_)) work.push_back({inner, chain});
    }
  }

  void Miss(const llvm::Function& caller, const llvm::Function& callee,
            const char* reason) {
    ++missed_[{caller.getName().str(), callee.getName().str(),
               std::string(reason ? reason : "unknown")}];
  }

  llvm::Module& module_;
  const HelperSet& helpers_;
  llvm::TargetMachine& target_;
  Report& report_;
  llvm::TargetLibraryInfoImpl library_info_;
  llvm::SetVector<llvm::Function*> touched_;
  // Per helper: why it can never be inlined, or nothing if it can.
  std::map<const llvm::Function*, std::optional<const char*>> viable_;
  std::map<std::tuple<std::string, std::string, std::string>, int> missed_;
};

// SROA, EarlyCSE and SimplifyCFG over the functions that received helper
// code: enough to fold the argument shuffling and error checks that
// inlining exposes (InlineFunction already folds constant arguments), without
// re-running O2 over the crate. InstCombine is left out on purpose: on the
// corpus's largest crate it took 340 of the 400 ms this step cost and made
// the text 9% larger, not smaller; EarlyCSE without MemorySSA finds the same
// redundancies here at a tenth of the cost (bench/results/corpus.md).
void CleanUp(llvm::Module& module,
             const llvm::SetVector<llvm::Function*>& functions,
             llvm::TargetMachine& target) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager function_analyses;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager module_analyses;
  llvm::PassBuilder builder(&target);
  llvm::TargetLibraryInfoImpl library_info(
      llvm::Triple(module.getTargetTriple()));
  function_analyses.registerPass(
      [&] { return llvm::TargetLibraryAnalysis(library_info); });
  builder.registerModuleAnalyses(module_analyses);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(function_analyses);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, function_analyses, cgscc,
                               module_analyses);

  llvm::FunctionPassManager passes;
  passes.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  passes.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/false));
  passes.addPass(llvm::SimplifyCFGPass());
  for (llvm::Function* function : functions) {
    passes.run(*function, function_analyses);
  }
  // Helper copies whose every call was inlined are now dead.
  llvm::ModulePassManager module_passes;
  module_passes.addPass(llvm::GlobalDCEPass());
  module_passes.run(module, module_analyses);
}

}  // namespace

absl::Status InlineHelpers(llvm::Module& module, const HelperSet& helpers,
                           llvm::TargetMachine& target, Report& report) {
  Inliner inliner(module, helpers, target, report);
  inliner.Run();
  CleanUp(module, inliner.touched(), target);
  report.calls_remaining = CountHelperCalls(module, helpers);
  return absl::OkStatus();
}

int CountHelperCalls(const llvm::Module& module, const HelperSet& helpers) {
  int count = 0;
  for (const llvm::Function& function : module) {
    for (const llvm::Instruction& inst : llvm::instructions(function)) {
      const auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
      if (!call) continue;
      const llvm::Function* callee = call->getCalledFunction();
      if (callee && helpers.Defines(callee->getName())) ++count;
    }
  }
  return count;
}

}  // namespace helperlink::engine
