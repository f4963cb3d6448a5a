// Tests for daemon/engine/fast_inliner: helper calls are inlined and the
// functions that received helper code are cleaned up (stack slots promoted,
// repeated loads folded, dead helper copies dropped).
#include "daemon/engine/fast_inliner.h"

#include "daemon/engine/link.h"
#include "gtest/gtest.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::HelperFromFixture;
using helperlink::testing::ParseFixture;

template <typename T>
int Count(const llvm::Function& function) {
  int n = 0;
  for (const llvm::Instruction& inst : llvm::instructions(function)) {
    n += llvm::isa<T>(inst);
  }
  return n;
}

std::unique_ptr<llvm::TargetMachine> X86Machine() {
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  llvm::Triple triple("x86_64-unknown-linux-gnu");
  std::string error;
  const llvm::Target* target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  EXPECT_NE(target, nullptr) << error;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, "x86-64", "", llvm::TargetOptions(), std::nullopt));
}

TEST(FastInlinerTest, InlinedHelperCodeIsCleanedUp) {
  llvm::LLVMContext context;
  auto set = HelperSet::Load({HelperFromFixture("cleanup_helpers.ll")},
                             Mode::kFast, context);
  ASSERT_TRUE(set.ok()) << set.status();
  auto crate = ParseFixture("cleanup_crate.ll", context);
  ASSERT_TRUE(LinkNeeded(*crate, "cleanup_crate.bc", **set).ok());
  auto machine = X86Machine();
  ASSERT_NE(machine, nullptr);

  Report report;
  ASSERT_TRUE(InlineHelpers(*crate, **set, *machine, report).ok());
  EXPECT_EQ(report.call_sites_found, 2);
  EXPECT_EQ(report.call_sites_inlined, 2);
  EXPECT_EQ(report.calls_remaining, 0);

  // The out-parameter's stack slot is gone: the function returns 0 + 7.
  const llvm::Function* read_out = crate->getFunction("crate_read_out");
  ASSERT_NE(read_out, nullptr);
  EXPECT_EQ(Count<llvm::AllocaInst>(*read_out), 0);
  EXPECT_EQ(Count<llvm::LoadInst>(*read_out), 0);
  EXPECT_EQ(Count<llvm::CallBase>(*read_out), 0);
  const auto* ret = llvm::dyn_cast<llvm::ReturnInst>(
      read_out->getEntryBlock().getTerminator());
  ASSERT_NE(ret, nullptr);
  const auto* value = llvm::dyn_cast<llvm::ConstantInt>(ret->getReturnValue());
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->getSExtValue(), 7);

  // The helper's two loads of one address became one.
  const llvm::Function* twice = crate->getFunction("crate_twice");
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(Count<llvm::LoadInst>(*twice), 1);

  // Every call was inlined, so no helper copy is left behind.
  EXPECT_EQ(crate->getFunction("rust_helper_get_value"), nullptr);
  EXPECT_EQ(crate->getFunction("rust_helper_twice"), nullptr);
}

}  // namespace
}  // namespace helperlink::engine
