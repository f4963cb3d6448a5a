// Tests for the whole engine (helperlink/engine.h) on IR fixtures: report
// counts and reasons per mode, resident helper sets, and error paths.
#include "helperlink/engine.h"

#include "daemon/engine/clang_flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Pass.h"
#include "proto/report_json.h"
#include "tests/unit/daemon/engine/test_util.h"
#include "tests/util/status_matchers.h"

namespace helperlink {
namespace {

using helperlink::testing::BitcodeOf;
using helperlink::testing::FixtureBitcode;
using helperlink::testing::HelperFromFixture;
using helperlink::testing::IsOk;
using helperlink::testing::ParseFixture;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class EngineTest : public ::testing::Test {
 protected:
  LinkRequest Request(Mode mode) {
    LinkRequest request;
    request.crate_name = "crate.bc";
    request.crate_bitcode = crate_;
    request.helpers = {helpers_};
    request.cc_command = {"clang-22", "-O2", "-fno-PIE"};
    request.mode = mode;
    return request;
  }

  const v1::NotInlined* FindMiss(const Report& report,
                                 const std::string& callee) {
    for (const v1::NotInlined& entry : report.not_inlined()) {
      if (entry.callee() == callee) return &entry;
    }
    return nullptr;
  }

  std::string crate_ = FixtureBitcode("crate.ll");
  HelperInput helpers_ = HelperFromFixture("helpers.ll");
};

TEST_F(EngineTest, FastInlinesEverythingInlinableAndReportsTheRest) {
  Engine engine;
  auto result = engine.Link(Request(Mode::kFast));
  ASSERT_TRUE(result.ok()) << result.status();
  const Report& report = result->report;
  EXPECT_EQ(report.mode(), "fast");
  EXPECT_EQ(report.helpers_available(), 6);
  EXPECT_EQ(report.call_sites().found(), 5);
  EXPECT_EQ(report.call_sites().inlined(), 3);  // inc ×2, bump_counter
  const v1::NotInlined* depth = FindMiss(report, "rust_helper_depth");
  ASSERT_NE(depth, nullptr);
  EXPECT_EQ(depth->reason(), "recursive call");
  const v1::NotInlined* sum = FindMiss(report, "rust_helper_sum");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->reason(), "contains VarArgs initialized with va_start");
  EXPECT_GE(report.reconciled().null_pointer_is_valid(), 2);
  EXPECT_GT(report.object_bytes(), 0u);
  EXPECT_EQ(result->object.substr(0, 4),
            "\x7f"
            "ELF");
}

TEST_F(EngineTest, ExactKeepsMainlineBehaviourOnUnannotatedHelpers) {
  Engine engine;
  auto result = engine.Link(Request(Mode::kExact));
  ASSERT_TRUE(result.ok()) << result.status();
  const Report& report = result->report;
  EXPECT_EQ(report.mode(), "exact");
  EXPECT_EQ(report.helpers_linked(), 6);  // llvm-link links every helper
  EXPECT_EQ(report.call_sites().found(), 5);
  // No attribute edits: null_pointer_is_valid blocks LLVM's inliner.
  EXPECT_EQ(report.reconciled().null_pointer_is_valid(), 0);
  const v1::NotInlined* inc = FindMiss(report, "rust_helper_inc");
  ASSERT_NE(inc, nullptr);
  EXPECT_EQ(inc->reason(), "conflicting attributes");
  EXPECT_GT(report.call_sites().remaining(), 0);
}

TEST_F(EngineTest, OutputIsDeterministicAndHelperSetsStayResident) {
  Engine engine;
  auto first = engine.Link(Request(Mode::kFast));
  auto second = engine.Link(Request(Mode::kFast));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->object, second->object);
  EXPECT_EQ(engine.resident_helper_sets(), 1);
  ASSERT_TRUE(engine.Link(Request(Mode::kExact)).ok());
  EXPECT_EQ(engine.resident_helper_sets(), 2);  // exact keeps its own copy
}

TEST_F(EngineTest, ResidentSetsAreBounded) {
  EngineOptions options;
  options.max_helper_sets = 1;
  Engine engine(options);
  ASSERT_TRUE(engine.Link(Request(Mode::kFast)).ok());
  ASSERT_TRUE(engine.Link(Request(Mode::kExact)).ok());
  EXPECT_EQ(engine.resident_helper_sets(), 1);
}

TEST_F(EngineTest, UnknownFlagIsAOneLineError) {
  Engine engine;
  LinkRequest request = Request(Mode::kFast);
  request.cc_command.push_back("-fno-such-flag-anywhere");
  auto result = engine.Link(request);
  ASSERT_FALSE(result.ok());
  std::string message(result.status().message());
  EXPECT_NE(message.find("-fno-such-flag-anywhere"), std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(EngineTest, InputFilesInFlagsAreRejected) {
  Engine engine;
  LinkRequest request = Request(Mode::kFast);
  request.cc_command.push_back(helperlink::testing::FixturePath("crate.ll"));
  auto result = engine.Link(request);
  ASSERT_FALSE(result.ok());
}

TEST_F(EngineTest, MllvmIsRejectedByDefault) {
  Engine engine;
  LinkRequest request = Request(Mode::kFast);
  request.cc_command.push_back("-mllvm");
  request.cc_command.push_back("-x86-asm-syntax=intel");
  auto result = engine.Link(request);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("process-wide"),
            absl::string_view::npos);
}

TEST_F(EngineTest, TimeReportIsRejectedByDefault) {
  Engine engine;
  LinkRequest request = Request(Mode::kFast);
  request.cc_command.push_back("-ftime-report");
  auto result = engine.Link(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "compiler flags: -ftime-report times LLVM's passes process-wide; "
            "run this object with --no-daemon, or drop the option");
}

TEST_F(EngineTest, CallSiteCountsAreOneSetInBothModes) {
  Engine engine;
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    auto result = engine.Link(Request(mode));
    ASSERT_TRUE(result.ok()) << result.status();
    const Report& r = result->report;
    EXPECT_EQ(r.call_sites().found(), r.call_sites().inlined() +
                                          r.call_sites().remaining() +
                                          r.call_sites().removed())
        << r.mode();
    EXPECT_GE(r.call_sites().removed(), 0) << r.mode();
    // Only the crate's calls count, not helper bodies calling helpers
    // (rust_helper_depth calls itself twice).
    EXPECT_EQ(r.call_sites().found(), 5) << r.mode();
  }
}

TEST_F(EngineTest, FastTimesItsPostInlineStage) {
  Engine engine;
  auto result = engine.Link(Request(Mode::kFast));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->report.times_ms().optimize(), 0);
  EXPECT_GT(result->report.times_ms().inline_(), 0);
}

// The saved module is what codegen received: it parses, and in fast mode
// the inlined helper calls are gone from it.
TEST_F(EngineTest, SaveMergedReturnsTheOptimizedModule) {
  Engine engine;
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    LinkRequest request = Request(mode);
    auto plain = engine.Link(request);
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_TRUE(plain->merged_bitcode.empty());
    request.save_merged = SaveMerged::kYes;
    auto saved = engine.Link(request);
    ASSERT_TRUE(saved.ok()) << saved.status();
    EXPECT_EQ(saved->object, plain->object);
    llvm::LLVMContext context;
    auto module = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(saved->merged_bitcode, "merged.bc"), context);
    ASSERT_TRUE(static_cast<bool>(module)) << toString(module.takeError());
    int inc_calls = 0;
    for (llvm::Function& function : **module) {
      for (llvm::Instruction& inst : llvm::instructions(function)) {
        auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
        llvm::Function* callee = call ? call->getCalledFunction() : nullptr;
        inc_calls += callee && callee->getName() == "rust_helper_inc";
      }
    }
    // Fast inlines both calls; exact, like mainline, neither.
    EXPECT_EQ(inc_calls, mode == Mode::kFast ? 0 : 2) << ModeName(mode);
  }
}

TEST_F(EngineTest, TimeReportInAOneObjectProcessPrintsPassTimes) {
  EngineOptions options;
  options.mllvm = MllvmPolicy::kApplyOnce;
  Engine engine(options);
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    LinkRequest request = Request(mode);
    request.cc_command.push_back("-ftime-report");
    ::testing::internal::CaptureStderr();
    auto result = engine.Link(request);
    std::string printed = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->object.size(), 0u);
    EXPECT_NE(printed.find("X86 DAG->DAG Instruction Selection"),
              std::string::npos)
        << printed;
  }
  llvm::TimePassesIsEnabled = false;
}

TEST_F(EngineTest, TruncatedCrateIsNamed) {
  Engine engine;
  crate_.resize(crate_.size() / 2);
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    auto result = engine.Link(Request(mode));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(std::string(result.status().message()).rfind("crate.bc: ", 0), 0u)
        << result.status();
  }
}

TEST_F(EngineTest, BackendErrorFailsTheRequestNotTheProcess) {
  Engine engine;
  crate_ = FixtureBitcode("bad_asm.ll");
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    auto result = engine.Link(Request(mode));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.status().message().find("this_is_not_an_instruction"),
              absl::string_view::npos)
        << result.status();
  }
  // The engine still serves good requests afterwards.
  crate_ = FixtureBitcode("crate.ll");
  EXPECT_TRUE(engine.Link(Request(Mode::kFast)).ok());
}

TEST_F(EngineTest, UnknownCpuInTheCrateIsAnErrorNotAnExit) {
  // LLVM's backend ends the process on a function whose target-cpu it does
  // not know (found by the engine fuzzer).
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = ParseFixture("crate.ll", context);
  for (llvm::Function& function : *module) {
    if (!function.isDeclaration()) {
      function.addFnAttr("target-cpu", "x86-6$");
    }
  }
  crate_ = BitcodeOf(*module);
  Engine engine;
  for (Mode mode : {Mode::kFast, Mode::kExact}) {
    auto result = engine.Link(Request(mode));
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
    EXPECT_NE(result.status().message().find("target-cpu 'x86-6$'"),
              absl::string_view::npos)
        << result.status();
  }
}

// LLVM's warnings about a helpers file (here: debug info of a version LLVM
// does not read, which it drops) reach the report of every object linked
// with that helper set, not only the one whose request loaded it.
TEST_F(EngineTest, HelperLoadWarningsReachTheReport) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = ParseFixture("helpers.ll", context);
  module->getOrInsertNamedMetadata("llvm.dbg.cu");
  module->setModuleFlag(llvm::Module::Warning, "Debug Info Version", 1);
  helpers_ = {"old_debug.bc",
              std::make_shared<const std::string>(BitcodeOf(*module))};
  Engine engine;
  for (Mode mode : {Mode::kFast, Mode::kFast, Mode::kExact}) {
    auto result = engine.Link(Request(mode));
    ASSERT_THAT(result, IsOk());
    EXPECT_THAT(result->report.warnings(),
                ElementsAre("old_debug.bc: ignoring debug info with an invalid "
                            "version (1) in old_debug.bc"))
        << ModeName(mode);
    EXPECT_THAT(ReportToJson(result->report),
                HasSubstr("\"warnings\": [\n  \"old_debug.bc: ignoring debug "
                          "info"));
  }
  // Helpers without such problems give no warnings.
  helpers_ = HelperFromFixture("helpers.ll");
  auto clean = engine.Link(Request(Mode::kFast));
  ASSERT_THAT(clean, IsOk());
  EXPECT_THAT(clean->report.warnings(), IsEmpty());
  EXPECT_THAT(ReportToJson(clean->report), HasSubstr("\"warnings\": []"));
}

TEST(ModeTest, ParseAndName) {
  EXPECT_EQ(*ParseMode("fast"), Mode::kFast);
  EXPECT_EQ(*ParseMode("exact"), Mode::kExact);
  EXPECT_FALSE(ParseMode("quick").ok());
  EXPECT_EQ(ModeName(Mode::kExact), "exact");
}

}  // namespace
}  // namespace helperlink

namespace helperlink::engine {
namespace {

// The driver hands cc1 -disable-free, with which clang leaks a target
// machine on every backend run; the engine runs thousands.
TEST(ClangSetupTest, MemoryIsFreedBetweenRuns) {
  auto setup = BuildClangSetup({"clang-22", "-O2"});
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_FALSE(setup->invocation->getCodeGenOpts().DisableFree);
  EXPECT_FALSE(setup->invocation->getFrontendOpts().DisableFree);
}

}  // namespace
}  // namespace helperlink::engine

namespace helperlink::engine {
namespace {

// CodeGenOptions::Argv0 is a raw pointer the backend reads: it must point
// into storage the setup owns, not into the driver's freed arguments.
TEST(ClangSetupTest, Argv0PointsIntoTheSetup) {
  auto setup = BuildClangSetup({"clang-22", "-O2"});
  ASSERT_TRUE(setup.ok()) << setup.status();
  const char* argv0 = setup->invocation->getCodeGenOpts().Argv0;
  ASSERT_NE(argv0, nullptr);
  EXPECT_EQ(argv0, setup->cc1_strings->front().c_str());
}

}  // namespace
}  // namespace helperlink::engine
