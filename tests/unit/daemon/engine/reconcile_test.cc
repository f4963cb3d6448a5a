// Tests for daemon/engine/reconcile: each rule of the fast-mode attribute
// policy, and what it must leave alone.
#include "daemon/engine/reconcile.h"

#include "gtest/gtest.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::ParseFixture;

struct Pair {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> crate = ParseFixture("crate.ll", context);
  std::unique_ptr<llvm::Module> helpers = ParseFixture("helpers.ll", context);
  llvm::Function& caller = *crate->getFunction("crate_inc_twice");
  llvm::Function& helper = *helpers->getFunction("rust_helper_inc");
};

TEST(ReconcileTest, CallerTakesOnNullPointerIsValid) {
  Pair p;
  v1::Reconciled counts;
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kYes, counts);
  EXPECT_TRUE(p.caller.hasFnAttribute(llvm::Attribute::NullPointerIsValid));
  EXPECT_EQ(counts.null_pointer_is_valid(), 1);
  // Applying it again changes nothing.
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kYes, counts);
  EXPECT_EQ(counts.null_pointer_is_valid(), 1);
}

TEST(ReconcileTest, NoBuiltinSetsBecomeTheUnion) {
  Pair p;
  p.caller.addFnAttr("no-builtin-memcpy");
  v1::Reconciled counts;
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kYes, counts);
  EXPECT_TRUE(p.caller.hasFnAttribute("no-builtin-wcslen"));
  EXPECT_TRUE(p.helper.hasFnAttribute("no-builtin-memcpy"));
  EXPECT_EQ(counts.no_builtin(), 2);
}

TEST(ReconcileTest, FeatureNeutralHelperTakesCallersTarget) {
  Pair p;
  v1::Reconciled counts;
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kYes, counts);
  EXPECT_EQ(p.helper.getFnAttribute("target-cpu").getValueAsString(), "x86-64");
  EXPECT_FALSE(p.helper.hasFnAttribute("target-features"));
  EXPECT_FALSE(p.helper.hasFnAttribute("tune-cpu"));
  EXPECT_EQ(counts.target_features(), 1);
}

TEST(ReconcileTest, OtherHelpersKeepTheirTarget) {
  Pair p;
  v1::Reconciled counts;
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kNo, counts);
  EXPECT_EQ(p.helper.getFnAttribute("target-features").getValueAsString(),
            "+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87");
  EXPECT_EQ(counts.target_features(), 0);
}

TEST(ReconcileTest, LeavesUnrelatedAttributesAlone) {
  Pair p;
  v1::Reconciled counts;
  ReconcileForInlining(p.caller, p.helper, FeatureNeutral::kYes, counts);
  EXPECT_EQ(p.caller.getFnAttribute("probe-stack").getValueAsString(),
            "inline-asm");
  EXPECT_FALSE(p.helper.hasFnAttribute("probe-stack"));
  EXPECT_FALSE(p.caller.hasFnAttribute(llvm::Attribute::AlwaysInline));
  EXPECT_FALSE(p.helper.hasFnAttribute(llvm::Attribute::AlwaysInline));
}

}  // namespace
}  // namespace helperlink::engine
