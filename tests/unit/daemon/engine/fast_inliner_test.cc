// Tests for daemon/engine/fast_inliner: helper calls are inlined, counted
// over one set (found = inlined + remaining + removed), attributes are edited
// only where helper code is inlined, and with the post-inline stage the
// functions that received helper code are cleaned up (stack slots promoted,
// repeated loads folded, dead helper copies dropped).
#include "daemon/engine/fast_inliner.h"

#include "daemon/engine/link.h"
#include "daemon/engine/post_inline.h"
#include "gtest/gtest.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::HelperFromFixture;
using helperlink::testing::ParseFixture;
using helperlink::testing::X86Machine;

template <typename T>
int Count(const llvm::Function& function) {
  int n = 0;
  for (const llvm::Instruction& inst : llvm::instructions(function)) {
    n += llvm::isa<T>(inst);
  }
  return n;
}

TEST(FastInlinerTest, InlinedHelperCodeIsCleanedUp) {
  helperlink::testing::LinkedFixture l("cleanup_helpers.ll",
                                       "cleanup_crate.ll");
  ASSERT_TRUE(l.set && l.crate && l.machine);
  Report report;
  auto outcome =
      InlineHelpers(*l.crate, *l.set, l.crate_functions, *l.machine, report);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(report.call_sites().found(), 2);
  EXPECT_EQ(report.call_sites().inlined(), 2);
  EXPECT_EQ(outcome->touched.size(), 2u);
  OptimizeInlined(*l.crate, outcome->touched, *l.machine);
  EXPECT_EQ(CountHelperCalls(*l.crate, *l.set, l.crate_functions), 0);

  // The out-parameter's stack slot is gone: the function returns 0 + 7.
  const llvm::Function* read_out = l.crate->getFunction("crate_read_out");
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
  const llvm::Function* twice = l.crate->getFunction("crate_twice");
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(Count<llvm::LoadInst>(*twice), 1);

  // Every call was inlined, so no helper copy is left behind.
  EXPECT_EQ(l.crate->getFunction("rust_helper_get_value"), nullptr);
  EXPECT_EQ(l.crate->getFunction("rust_helper_twice"), nullptr);
}

// crate.ll calls a plain helper twice, one whose body calls a static
// function, a recursive one and a variadic one.
struct Linked : helperlink::testing::LinkedFixture {
  Linked() : LinkedFixture("helpers.ll", "crate.ll") {}
};

TEST(FastInlinerTest, CountsOneSetOfCallSites) {
  Linked l;
  Report report;
  auto outcome =
      InlineHelpers(*l.crate, *l.set, l.crate_functions, *l.machine, report);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  OptimizeInlined(*l.crate, outcome->touched, *l.machine);
  report.mutable_call_sites()->set_remaining(
      CountHelperCalls(*l.crate, *l.set, l.crate_functions));
  report.mutable_call_sites()->set_removed(outcome->CountDeleted());
  // The crate's 5 calls; the static function rust_helper_bump_counter calls
  // is not a helper, so inlining it exposes no new site.
  EXPECT_EQ(report.call_sites().found(), 5);
  // Both rust_helper_inc and rust_helper_bump_counter.
  EXPECT_EQ(report.call_sites().inlined(), 3);
  // The recursive and the variadic helper stay calls in crate code.
  EXPECT_EQ(report.call_sites().remaining(), 2);
  EXPECT_EQ(report.call_sites().removed(), 0);
  EXPECT_EQ(report.call_sites().found(), report.call_sites().inlined() +
                                             report.call_sites().remaining() +
                                             report.call_sites().removed());
}

TEST(FastInlinerTest, OnlyCallersThatReceiveHelperCodeAreEdited) {
  Linked l;
  Report report;
  ASSERT_TRUE(
      InlineHelpers(*l.crate, *l.set, l.crate_functions, *l.machine, report)
          .ok());
  // The variadic and the recursive helper cannot be inlined: their callers
  // keep their attributes, and so do the helpers.
  for (const char* name : {"crate_sum", "crate_depth"}) {
    const llvm::Function* caller = l.crate->getFunction(name);
    ASSERT_NE(caller, nullptr) << name;
    EXPECT_FALSE(caller->hasFnAttribute(llvm::Attribute::NullPointerIsValid))
        << name;
    EXPECT_FALSE(caller->hasFnAttribute("no-builtin-wcslen")) << name;
  }
  for (const char* name : {"rust_helper_sum", "rust_helper_depth"}) {
    const llvm::Function* helper = l.crate->getFunction(name);
    ASSERT_NE(helper, nullptr) << name;
    EXPECT_EQ(helper->getFnAttribute("target-features").getValueAsString(),
              "+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87")
        << name;
  }
  // The callers that did receive helper code did take them on.
  for (const char* name : {"crate_inc_twice", "crate_bump"}) {
    const llvm::Function* caller = l.crate->getFunction(name);
    ASSERT_NE(caller, nullptr) << name;
    EXPECT_TRUE(caller->hasFnAttribute(llvm::Attribute::NullPointerIsValid))
        << name;
  }
  EXPECT_EQ(report.reconciled().null_pointer_is_valid(), 2);
}

}  // namespace
}  // namespace helperlink::engine
