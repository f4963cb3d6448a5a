// Shared helpers for the engine's unit tests: IR fixtures (.ll text under
// tests/fixtures/ir) parsed into modules or turned into bitcode bytes.
#ifndef HELPERLINK_TESTS_UNIT_DAEMON_ENGINE_TEST_UTIL_H_
#define HELPERLINK_TESTS_UNIT_DAEMON_ENGINE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "daemon/engine/helper_set.h"
#include "helperlink/engine.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::testing {

std::string FixturePath(const std::string& name);

// Parses tests/fixtures/ir/NAME; aborts the test binary on a broken fixture.
std::unique_ptr<llvm::Module> ParseFixture(const std::string& name,
                                           llvm::LLVMContext& context);

std::string BitcodeOf(const llvm::Module& module);

// NAME's bitcode, as rustc or clang would hand it over.
std::string FixtureBitcode(const std::string& name);

HelperInput HelperFromFixture(const std::string& name);

// An x86-64 target machine (generic CPU), for target queries and passes.
std::unique_ptr<llvm::TargetMachine> X86Machine();

// A crate fixture with a fast-mode helper set fixture linked in, as the
// fast mode's link step leaves it, and an x86-64 machine: where the
// inliner and the post-inline stage start. A fixture that does not load
// or link fails the test (EXPECT) and leaves `set` or `crate` null.
struct LinkedFixture {
  LinkedFixture(const std::string& helpers_ll, const std::string& crate_ll);

  llvm::LLVMContext context;
  std::unique_ptr<engine::HelperSet> set;
  std::unique_ptr<llvm::Module> crate;
  llvm::StringSet<> crate_functions;
  std::unique_ptr<llvm::TargetMachine> machine = X86Machine();
};

}  // namespace helperlink::testing

#endif  // HELPERLINK_TESTS_UNIT_DAEMON_ENGINE_TEST_UTIL_H_
