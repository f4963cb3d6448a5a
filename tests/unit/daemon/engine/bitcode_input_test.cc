// Tests for daemon/engine/bitcode_input: bad bytes become one-line errors
// naming the input; good bitcode parses both ways.
#include "daemon/engine/bitcode_input.h"

#include "gtest/gtest.h"
#include "llvm/Support/Error.h"
#include "tests/unit/daemon/engine/test_util.h"

namespace helperlink::engine {
namespace {

using helperlink::testing::FixtureBitcode;

TEST(CheckBitcodeTest, EmptyInputIsNamed) {
  absl::Status status = CheckBitcode("", "crate.bc");
  EXPECT_EQ(status.message(), "crate.bc: file is empty");
}

TEST(CheckBitcodeTest, NotBitcodeIsNamed) {
  absl::Status status = CheckBitcode(
      "\x7f"
      "ELF this is an object",
      "x.bc");
  EXPECT_EQ(status.message(), "x.bc: not LLVM bitcode (bad magic number)");
}

TEST(CheckBitcodeTest, ShorterThanTheMagicIsNotBitcode) {
  for (const char* bytes : {"B", "BC", "BC\xc0"}) {
    EXPECT_EQ(CheckBitcode(bytes, "x.bc").message(),
              "x.bc: not LLVM bitcode (bad magic number)");
  }
}

TEST(CheckBitcodeTest, BitcodeFromThisLlvmPasses) {
  EXPECT_TRUE(CheckBitcode(FixtureBitcode("crate.ll"), "crate.bc").ok());
}

TEST(ParseBitcodeTest, TruncatedBitcodeFailsWithOneLine) {
  std::string bytes = FixtureBitcode("crate.ll");
  bytes.resize(bytes.size() / 2);
  llvm::LLVMContext context;
  auto module = ParseBitcode(bytes, "crate.bc", context);
  ASSERT_FALSE(module.ok());
  std::string message(module.status().message());
  EXPECT_EQ(message.rfind("crate.bc: ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ParseBitcodeTest, BothParsersReadTheSameFunctions) {
  std::string bytes = FixtureBitcode("crate.ll");
  llvm::LLVMContext context;
  auto full = ParseBitcode(bytes, "crate.bc", context);
  auto lazy = ParseBitcodeLikeLlvmLink(bytes, "crate.bc", context);
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_TRUE(lazy.ok()) << lazy.status();
  ASSERT_FALSE(static_cast<bool>((*lazy)->materializeAll()));
  EXPECT_EQ((*full)->size(), (*lazy)->size());
  EXPECT_NE((*full)->getFunction("crate_inc_twice"), nullptr);
}

TEST(VerifyModuleTest, ReportsTheFirstProblem) {
  llvm::LLVMContext context;
  auto module = helperlink::testing::ParseFixture("crate.ll", context);
  // Break the IR: a block without a terminator.
  llvm::Function* function = module->getFunction("crate_bump");
  function->front().getTerminator()->eraseFromParent();
  absl::Status status = VerifyModule(*module, "crate.bc");
  EXPECT_EQ(std::string(status.message()).rfind("crate.bc: invalid IR: ", 0),
            0u)
      << status;
}

}  // namespace
}  // namespace helperlink::engine
