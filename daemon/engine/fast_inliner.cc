// Helper inlining for fast mode; see fast_inliner.h.
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
#include "llvm/TargetParser/Triple.h"
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
          const llvm::StringSet<>& crate_functions, llvm::TargetMachine& target,
          Report& report)
      : module_(module),
        helpers_(helpers),
        crate_functions_(crate_functions),
        target_(target),
        report_(report),
        library_info_(llvm::Triple(module.getTargetTriple())) {}

  void Run() {
    std::deque<PendingCall> work;
    for (llvm::Function& function : module_) {
      if (function.isDeclaration() ||
          !crate_functions_.contains(function.getName())) {
        continue;
      }
      for (llvm::Instruction& inst : llvm::instructions(function)) {
        auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
        if (call && HelperCallee(*call, helpers_)) work.push_back({call, {}});
      }
    }
    v1::CallSites& sites = *report_.mutable_call_sites();
    sites.set_found(sites.found() + static_cast<int>(work.size()));
    while (!work.empty()) {
      PendingCall pending = std::move(work.front());
      work.pop_front();
      InlineOne(pending, work);
    }
    for (const auto& [key, count] : missed_) {
      const auto& [caller, callee, reason] = key;
      v1::NotInlined& entry = *report_.add_not_inlined();
      entry.set_caller(caller);
      entry.set_callee(callee);
      entry.set_reason(reason);
      entry.set_count(count);
    }
  }

  InlineOutcome TakeOutcome() {
    outcome_.touched.assign(touched_.begin(), touched_.end());
    return std::move(outcome_);
  }

 private:
  void InlineOne(const PendingCall& pending, std::deque<PendingCall>& work) {
    llvm::CallBase& call = *pending.call;
    llvm::Function* callee = HelperCallee(call, helpers_);
    llvm::Function& caller = *call.getFunction();
    for (const llvm::Function* seen : pending.chain) {
      if (seen == callee) return Miss(call, "recursive");
    }
    // The policy's edits, undone below unless the helper's code really goes
    // into the caller: a caller whose call stays a call keeps its
    // attributes, and so does the helper.
    const llvm::AttributeList caller_before = caller.getAttributes();
    const llvm::AttributeList callee_before = callee->getAttributes();
    v1::Reconciled edits;
    ReconcileForInlining(caller, *callee,
                         helpers_.IsFeatureNeutral(callee->getName())
                             ? FeatureNeutral::kYes
                             : FeatureNeutral::kNo,
                         edits);
    auto miss = [&](const char* reason) {
      caller.setAttributes(caller_before);
      callee->setAttributes(callee_before);
      Miss(call, reason);
    };

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
      return miss(decision->getFailureReason());
    }
    // Viability depends on the helper's body alone, which inlining never
    // changes: ask once per helper.
    auto [viable, first] = viable_.try_emplace(callee, std::nullopt);
    if (first) {
      llvm::InlineResult result = llvm::isInlineViable(*callee);
      if (!result.isSuccess()) viable->second = result.getFailureReason();
    }
    if (viable->second) return miss(*viable->second);
    llvm::InlineFunctionInfo info;
    llvm::InlineResult result =
        llvm::InlineFunction(call, info, /*MergeAttributes=*/true);
    if (!result.isSuccess()) return miss(result.getFailureReason());
    v1::CallSites& sites = *report_.mutable_call_sites();
    sites.set_inlined(sites.inlined() + 1);
    v1::Reconciled& reconciled = *report_.mutable_reconciled();
    reconciled.set_null_pointer_is_valid(reconciled.null_pointer_is_valid() +
                                         edits.null_pointer_is_valid());
    reconciled.set_no_builtin(reconciled.no_builtin() + edits.no_builtin());
    reconciled.set_target_features(reconciled.target_features() +
                                   edits.target_features());
    touched_.insert(&caller);
    std::vector<const llvm::Function*> chain = pending.chain;
    chain.push_back(callee);
    // The helper's own helper calls are now call sites of the caller.
    for (llvm::CallBase* inner : info.InlinedCallSites) {
      if (HelperCallee(*inner, helpers_)) {
        sites.set_found(sites.found() + 1);
        work.push_back({inner, chain});
      }
    }
  }

  void Miss(llvm::CallBase& call, const char* reason) {
    ++missed_[{call.getFunction()->getName().str(),
               call.getCalledFunction()->getName().str(),
               std::string(reason ? reason : "unknown")}];
    outcome_.not_inlined.emplace_back(&call);
  }

  llvm::Module& module_;
  const HelperSet& helpers_;
  const llvm::StringSet<>& crate_functions_;
  llvm::TargetMachine& target_;
  Report& report_;
  llvm::TargetLibraryInfoImpl library_info_;
  llvm::SetVector<llvm::Function*> touched_;
  InlineOutcome outcome_;
  // Per helper: why it can never be inlined, or nothing if it can.
  std::map<const llvm::Function*, std::optional<const char*>> viable_;
  std::map<std::tuple<std::string, std::string, std::string>, int> missed_;
};

}  // namespace

llvm::StringSet<> CrateFunctions(const llvm::Module& crate) {
  llvm::StringSet<> names;
  for (const llvm::Function& function : crate) {
    if (!function.isDeclaration()) names.insert(function.getName());
  }
  return names;
}

int InlineOutcome::CountDeleted() const {
  int deleted = 0;
  for (const llvm::WeakVH& call : not_inlined) deleted += !call;
  return deleted;
}

absl::StatusOr<InlineOutcome> InlineHelpers(
    llvm::Module& module, const HelperSet& helpers,
    const llvm::StringSet<>& crate_functions, llvm::TargetMachine& target,
    Report& report) {
  Inliner inliner(module, helpers, crate_functions, target, report);
  inliner.Run();
  return inliner.TakeOutcome();
}

int CountHelperCalls(const llvm::Module& module, const HelperSet& helpers,
                     const llvm::StringSet<>& crate_functions) {
  int count = 0;
  for (const llvm::Function& function : module) {
    if (!crate_functions.contains(function.getName())) continue;
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
