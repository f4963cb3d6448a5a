// The fast mode's attribute policy; the rules and their reasons are in
// reconcile.h.
#include "daemon/engine/reconcile.h"

#include <string>
#include <vector>

#include "llvm/IR/Attributes.h"

namespace helperlink::engine {
namespace {

constexpr const char* kTargetAttributes[] = {"target-cpu", "target-features",
                                             "tune-cpu"};

bool IsNoBuiltin(const llvm::Attribute& attribute) {
  if (!attribute.isStringAttribute()) return false;
  llvm::StringRef kind = attribute.getKindAsString();
  return kind == "no-builtins" || kind.starts_with("no-builtin-");
}

std::vector<std::string> NoBuiltins(const llvm::Function& function) {
  std::vector<std::string> kinds;
  for (const llvm::Attribute& attribute :
       function.getAttributes().getFnAttrs()) {
    if (IsNoBuiltin(attribute))
      kinds.push_back(attribute.getKindAsString().str());
  }
  return kinds;
}

// Adds to `to` the no-builtin attributes `from` has; true if any was new.
bool AddNoBuiltins(llvm::Function& to, const std::vector<std::string>& kinds) {
  bool changed = false;
  for (const std::string& kind : kinds) {
    if (!to.hasFnAttribute(kind)) {
      to.addFnAttr(kind);
      changed = true;
    }
  }
  return changed;
}

bool RebaseTarget(const llvm::Function& caller, llvm::Function& helper) {
  bool changed = false;
  for (const char* kind : kTargetAttributes) {
    llvm::Attribute wanted = caller.getFnAttribute(kind);
    llvm::Attribute have = helper.getFnAttribute(kind);
    if (wanted == have) continue;
    changed = true;
    if (wanted.isValid()) {
      helper.addFnAttr(kind, wanted.getValueAsString());
    } else {
      helper.removeFnAttr(kind);
    }
  }
  return changed;
}

}  // namespace

void ReconcileForInlining(llvm::Function& caller, llvm::Function& helper,
                          FeatureNeutral neutral, v1::Reconciled& counts) {
  // Rule 1: null_pointer_is_valid.
  if (helper.hasFnAttribute(llvm::Attribute::NullPointerIsValid) &&
      !caller.hasFnAttribute(llvm::Attribute::NullPointerIsValid)) {
    caller.addFnAttr(llvm::Attribute::NullPointerIsValid);
    counts.set_null_pointer_is_valid(counts.null_pointer_is_valid() + 1);
  }
  // Rule 2: no-builtin-* union.
  std::vector<std::string> caller_kinds = NoBuiltins(caller);
  std::vector<std::string> helper_kinds = NoBuiltins(helper);
  if (AddNoBuiltins(caller, helper_kinds)) {
    counts.set_no_builtin(counts.no_builtin() + 1);
  }
  if (AddNoBuiltins(helper, caller_kinds)) {
    counts.set_no_builtin(counts.no_builtin() + 1);
  }
  // Rule 3: target attributes of feature-neutral helpers.
  if (neutral == FeatureNeutral::kYes && RebaseTarget(caller, helper)) {
    counts.set_target_features(counts.target_features() + 1);
  }
}

}  // namespace helperlink::engine
