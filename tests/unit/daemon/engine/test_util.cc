// IR fixture helpers; see test_util.h.
#include "tests/unit/daemon/engine/test_util.h"

#include <cstdio>
#include <cstdlib>

#include "daemon/engine/fast_inliner.h"
#include "daemon/engine/link.h"
#include "gtest/gtest.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

namespace helperlink::testing {

std::string FixturePath(const std::string& name) {
  return std::string(HL_FIXTURE_DIR) + "/ir/" + name;
}

std::unique_ptr<llvm::Module> ParseFixture(const std::string& name,
                                           llvm::LLVMContext& context) {
  llvm::SMDiagnostic error;
  std::unique_ptr<llvm::Module> module =
      llvm::parseIRFile(FixturePath(name), error, context);
  if (!module) {
    error.print("fixture", llvm::errs());
    std::abort();
  }
  return module;
}

std::string BitcodeOf(const llvm::Module& module) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  llvm::WriteBitcodeToFile(module, os);
  os.flush();
  return bytes;
}

std::string FixtureBitcode(const std::string& name) {
  llvm::LLVMContext context;
  return BitcodeOf(*ParseFixture(name, context));
}

HelperInput HelperFromFixture(const std::string& name) {
  return {name, std::make_shared<const std::string>(FixtureBitcode(name))};
}

std::unique_ptr<llvm::TargetMachine> X86Machine() {
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  llvm::Triple triple("x86_64-unknown-linux-gnu");
  std::string error;
  const llvm::Target* target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) return nullptr;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, "x86-64", "", llvm::TargetOptions(), std::nullopt));
}

LinkedFixture::LinkedFixture(const std::string& helpers_ll,
                             const std::string& crate_ll) {
  auto loaded = engine::HelperSet::Load({HelperFromFixture(helpers_ll)},
                                        Mode::kFast, context);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return;
  set = std::move(*loaded);
  crate = ParseFixture(crate_ll, context);
  crate_functions = engine::CrateFunctions(*crate);
  EXPECT_TRUE(engine::LinkNeeded(*crate, crate_ll, *set).ok());
}

}  // namespace helperlink::testing
