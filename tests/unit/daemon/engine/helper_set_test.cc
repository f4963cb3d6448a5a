// Tests for daemon/engine/helper_set: loading, indexing, normalization and
// the copies handed to each crate.
#include "daemon/engine/helper_set.h"

#include "gtest/gtest.h"
#include "llvm/ADT/StringSet.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::HelperFromFixture;

std::unique_ptr<HelperSet> LoadOrDie(Mode mode, llvm::LLVMContext& context) {
  auto set = HelperSet::Load({HelperFromFixture("helpers.ll")}, mode, context);
  EXPECT_TRUE(set.ok()) << set.status();
  return std::move(*set);
}

TEST(HelperSetTest, IndexesExternalDefinitionsOnly) {
  llvm::LLVMContext context;
  auto set = LoadOrDie(Mode::kExact, context);
  EXPECT_EQ(set->num_definitions(), 6);
  EXPECT_TRUE(set->Defines("rust_helper_inc"));
  EXPECT_TRUE(set->Defines("rust_helper_sum"));
  EXPECT_FALSE(set->Defines("bump"));  // internal to the helper file
  EXPECT_FALSE(set->Defines("llvm.va_start.p0"));
  EXPECT_EQ(set->arch(), "x86_64");
}

TEST(HelperSetTest, FeatureNeutrality) {
  llvm::LLVMContext context;
  auto set = LoadOrDie(Mode::kFast, context);
  EXPECT_TRUE(set->IsFeatureNeutral("rust_helper_inc"));
  EXPECT_TRUE(set->IsFeatureNeutral("rust_helper_depth"));
  EXPECT_FALSE(set->IsFeatureNeutral("rust_helper_vec"));
}

TEST(HelperSetTest, FastModeNormalizesLinkageExactKeepsIt) {
  llvm::LLVMContext context;
  auto fast = LoadOrDie(Mode::kFast, context);
  auto exact = LoadOrDie(Mode::kExact, context);
  const llvm::Function* fast_inc =
      fast->modules()[0]->getFunction("rust_helper_inc");
  const llvm::Function* exact_inc =
      exact->modules()[0]->getFunction("rust_helper_inc");
  EXPECT_EQ(fast_inc->getLinkage(), llvm::GlobalValue::LinkOnceODRLinkage);
  EXPECT_EQ(exact_inc->getLinkage(), llvm::GlobalValue::ExternalLinkage);
  // Internal functions are left alone in both.
  EXPECT_TRUE(fast->modules()[0]->getFunction("bump")->hasInternalLinkage());
}

TEST(HelperSetTest, CloneNeededFollowsReferencesTransitively) {
  llvm::LLVMContext context;
  auto set = LoadOrDie(Mode::kFast, context);
  llvm::StringSet<> wanted;
  wanted.insert("rust_helper_bump_counter");
  auto clones = set->CloneNeeded(wanted);
  ASSERT_EQ(clones.size(), 1u);
  const llvm::Module& clone = *clones[0];
  ASSERT_NE(clone.getFunction("rust_helper_bump_counter"), nullptr);
  EXPECT_FALSE(clone.getFunction("rust_helper_bump_counter")->isDeclaration());
  ASSERT_NE(clone.getFunction("bump"), nullptr);
  EXPECT_FALSE(clone.getFunction("bump")->isDeclaration());
  ASSERT_NE(clone.getGlobalVariable("counter"), nullptr);
  EXPECT_TRUE(clone.getGlobalVariable("counter")->hasInitializer());
  // Unreferenced helpers are not carried along at all.
  EXPECT_EQ(clone.getFunction("rust_helper_inc"), nullptr);
  EXPECT_EQ(clone.getFunction("rust_helper_unused"), nullptr);
}

TEST(HelperSetTest, NothingNeededMeansNoCopies) {
  llvm::LLVMContext context;
  auto set = LoadOrDie(Mode::kFast, context);
  EXPECT_TRUE(set->CloneNeeded(llvm::StringSet<>()).empty());
}

TEST(HelperSetTest, DuplicateDefinitionsAcrossFilesAreAnError) {
  llvm::LLVMContext context;
  auto set = HelperSet::Load(
      {HelperFromFixture("helpers.ll"), HelperFromFixture("helpers.ll")},
      Mode::kFast, context);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("also defined by an earlier"),
            absl::string_view::npos)
      << set.status();
}

TEST(HelperSetTest, MixedArchitecturesAreAnError) {
  llvm::LLVMContext context;
  auto set = HelperSet::Load({HelperFromFixture("helpers.ll"),
                              HelperFromFixture("helpers_aarch64.ll")},
                             Mode::kExact, context);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(),
            "helpers_aarch64.ll: helpers are for aarch64 but helpers.ll is "
            "for x86_64");
}

// llvm-link links a helper file's llvm.used/llvm.compiler.used in full and
// leaves used globals external; the recipe's object keeps them whatever the
// crate calls. Fast mode's copies must too, and nothing else unused.
TEST(HelperSetTest, CloneNeededKeepsWhatTheHelpersMarkUsed) {
  llvm::LLVMContext context;
  auto set = HelperSet::Load({HelperFromFixture("used_helpers.ll")},
                             Mode::kFast, context);
  ASSERT_TRUE(set.ok()) << set.status();
  llvm::StringSet<> wanted;
  wanted.insert("rust_helper_called");
  auto clones = (*set)->CloneNeeded(wanted);
  ASSERT_EQ(clones.size(), 1u);
  const llvm::Module& clone = *clones[0];
  for (const char* name : {"llvm.compiler.used", "llvm.used",
                           "addressable_might_resched", "import_ns"}) {
    const llvm::GlobalVariable* global = clone.getNamedGlobal(name);
    ASSERT_NE(global, nullptr) << name;
    EXPECT_TRUE(global->hasInitializer()) << name;
  }
  EXPECT_NE(clone.getNamedGlobal("__SCK__might_resched"), nullptr);
  const llvm::Function* kept = clone.getFunction("rust_helper_kept");
  ASSERT_NE(kept, nullptr);
  EXPECT_FALSE(kept->isDeclaration());
  // Used, so not normalized: llvm-link would leave it external.
  EXPECT_EQ(kept->getLinkage(), llvm::GlobalValue::ExternalLinkage);
  const llvm::Function* unused = clone.getFunction("rust_helper_unused");
  EXPECT_TRUE(unused == nullptr || unused->isDeclaration());
}

TEST(HelperSetTest, NoHelpersIsAnError) {
  llvm::LLVMContext context;
  EXPECT_FALSE(HelperSet::Load({}, Mode::kFast, context).ok());
}

}  // namespace
}  // namespace helperlink::engine
