// Tests for daemon/engine/link: only what is referenced is linked, and
// every linked helper is internal, in both modes.
#include "daemon/engine/link.h"

#include "gtest/gtest.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::HelperFromFixture;
using helperlink::testing::ParseFixture;

TEST(LinkTest, ReferencedHelpersAreTheCalledDeclarations) {
  llvm::LLVMContext context;
  auto set =
      HelperSet::Load({HelperFromFixture("helpers.ll")}, Mode::kFast, context);
  ASSERT_TRUE(set.ok());
  auto crate = ParseFixture("crate.ll", context);
  llvm::StringSet<> referenced = ReferencedHelpers(*crate, **set);
  EXPECT_EQ(referenced.size(), 4u);
  EXPECT_TRUE(referenced.count("rust_helper_inc"));
  EXPECT_FALSE(referenced.count("rust_helper_unused"));
}

TEST(LinkTest, LinkNeededInternalizesAndSkipsUnused) {
  llvm::LLVMContext context;
  auto set =
      HelperSet::Load({HelperFromFixture("helpers.ll")}, Mode::kFast, context);
  ASSERT_TRUE(set.ok());
  auto crate = ParseFixture("crate.ll", context);
  absl::StatusOr<int> linked = LinkNeeded(*crate, "crate.bc", **set);
  ASSERT_TRUE(linked.ok()) << linked.status();
  // inc, bump_counter, bump (static), depth, sum.
  EXPECT_EQ(*linked, 5);
  for (const char* name : {"rust_helper_inc", "rust_helper_bump_counter",
                           "rust_helper_depth", "rust_helper_sum"}) {
    const llvm::Function* function = crate->getFunction(name);
    ASSERT_NE(function, nullptr) << name;
    EXPECT_FALSE(function->isDeclaration()) << name;
    EXPECT_TRUE(function->hasLocalLinkage()) << name;
  }
  EXPECT_TRUE(crate->getGlobalVariable("counter", true)->hasLocalLinkage());
  EXPECT_EQ(crate->getFunction("rust_helper_unused"), nullptr);
  EXPECT_EQ(crate->getFunction("rust_helper_vec"), nullptr);
  // The crate's own functions stay exported.
  EXPECT_FALSE(crate->getFunction("crate_inc_twice")->hasLocalLinkage());
}

TEST(LinkTest, LinkLikeLlvmLinkBuildsTheComposite) {
  llvm::LLVMContext context;
  auto set =
      HelperSet::Load({HelperFromFixture("helpers.ll")}, Mode::kExact, context);
  ASSERT_TRUE(set.ok());
  auto merged =
      LinkLikeLlvmLink(ParseFixture("crate.ll", context), "crate.bc", **set);
  ASSERT_TRUE(merged.ok()) << merged.status();
  const llvm::Module& module = **merged;
  EXPECT_EQ(module.getModuleIdentifier(), "llvm-link");
  EXPECT_EQ(module.getSourceFileName(), "llvm-link");
  // llvm-link links every helper and internalizes all of them.
  for (const char* name : {"rust_helper_inc", "rust_helper_unused",
                           "rust_helper_vec", "rust_helper_sum"}) {
    const llvm::Function* function = module.getFunction(name);
    ASSERT_NE(function, nullptr) << name;
    EXPECT_TRUE(function->hasLocalLinkage()) << name;
  }
  EXPECT_FALSE(module.getFunction("crate_bump")->hasLocalLinkage());
  // The helper set itself is untouched and can serve the next crate.
  EXPECT_FALSE(
      (*set)->modules()[0]->getFunction("rust_helper_inc")->hasLocalLinkage());
}

TEST(LinkTest, OtherArchitectureIsRejected) {
  llvm::LLVMContext context;
  auto set = HelperSet::Load({HelperFromFixture("helpers_aarch64.ll")},
                             Mode::kFast, context);
  ASSERT_TRUE(set.ok());
  auto crate = ParseFixture("crate.ll", context);
  absl::Status status = CheckSameArch(*crate, "crate.bc", **set);
  EXPECT_EQ(status.message(),
            "helpers_aarch64.ll: helpers are for aarch64 but crate crate.bc "
            "is for x86_64");
}

}  // namespace
}  // namespace helperlink::engine
