// Tests for daemon/engine/post_inline: the pipeline parses and runs, and it
// does what fast mode needs it for, such as hoisting a loop-invariant helper
// result and a loop-invariant field load out of the Rust loop they were
// inlined into (inlining alone leaves both in the loop).
#include "daemon/engine/post_inline.h"

#include "daemon/engine/fast_inliner.h"
#include "daemon/engine/link.h"
#include "gtest/gtest.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Verifier.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::HelperFromFixture;
using helperlink::testing::ParseFixture;
using helperlink::testing::X86Machine;

// Instructions of `function` with `opcode` that sit inside a loop, and
// outside one.
struct Placement {
  int in_loop = 0;
  int outside = 0;
};
Placement Place(llvm::Function& function, unsigned opcode) {
  llvm::DominatorTree dominators(function);
  llvm::LoopInfo loops(dominators);
  Placement placement;
  for (llvm::Instruction& inst : llvm::instructions(function)) {
    if (inst.getOpcode() != opcode) continue;
    if (loops.getLoopFor(inst.getParent())) {
      ++placement.in_loop;
    } else {
      ++placement.outside;
    }
  }
  return placement;
}

TEST(PostInlineTest, HoistsLoopInvariantHelperCode) {
  helperlink::testing::LinkedFixture l("post_inline_helpers.ll",
                                       "post_inline_crate.ll");
  ASSERT_TRUE(l.set && l.crate && l.machine);
  Report report;
  auto outcome =
      InlineHelpers(*l.crate, *l.set, l.crate_functions, *l.machine, report);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  // Three calls in the crate, and the round-up call that inlining
  // rust_helper_dev_size exposes in crate_dev_size.
  EXPECT_EQ(report.call_sites().found(), 4);
  EXPECT_EQ(report.call_sites().inlined(), 4);
  llvm::Function& function = *l.crate->getFunction("crate_sum_sizes");

  // Inlining alone leaves the helpers' code in the loop: the round-up's
  // masks and the field load run on every iteration.
  EXPECT_EQ(Place(function, llvm::Instruction::And).in_loop, 2);
  EXPECT_EQ(Place(function, llvm::Instruction::Load).in_loop, 1);

  OptimizeInlined(*l.crate, outcome->touched, *l.machine);
  EXPECT_FALSE(llvm::verifyModule(*l.crate, &llvm::errs()));
  Placement masks = Place(function, llvm::Instruction::And);
  Placement loads = Place(function, llvm::Instruction::Load);
  EXPECT_EQ(masks.in_loop, 0);
  EXPECT_GE(masks.outside, 1);
  EXPECT_EQ(loads.in_loop, 0);
  EXPECT_EQ(loads.outside, 1);
  EXPECT_EQ(CountHelperCalls(*l.crate, *l.set, l.crate_functions), 0);
  // Both helpers were inlined everywhere: their copies are gone.
  EXPECT_EQ(l.crate->getFunction("rust_helper_size_roundup"), nullptr);
  EXPECT_EQ(l.crate->getFunction("rust_helper_dev_flags"), nullptr);
  EXPECT_EQ(l.crate->getFunction("rust_helper_dev_size"), nullptr);
}

TEST(PostInlineTest, LeavesFunctionsWithoutHelperCodeAlone) {
  llvm::LLVMContext context;
  auto crate = ParseFixture("post_inline_crate.ll", context);
  auto machine = X86Machine();
  ASSERT_NE(machine, nullptr);
  llvm::Function& function = *crate->getFunction("crate_sum_sizes");
  size_t before = function.getInstructionCount();
  OptimizeInlined(*crate, {}, *machine);
  EXPECT_EQ(function.getInstructionCount(), before);
}

}  // namespace
}  // namespace helperlink::engine
