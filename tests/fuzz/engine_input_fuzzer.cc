// libFuzzer target over the engine's input path: a crate module, linked
// with fixed helpers under fixed flags, in fast or exact mode (the first
// byte chooses). Any outcome but a crash or a hang is fine: a module the
// engine cannot link must come back as an error.
//
// Inputs are mutated as IR, not as bytes (LLVMFuzzerCustomMutator below,
// with LLVM's IRMutator): every input is a verified module, so the run
// exercises helperlink's linking, reconciliation, post-inline stage and
// codegen set-up rather than LLVM's bitcode reader. Byte-level damage to
// bitcode is the reader's business; it trusts sizes found in its input and
// longer byte-level runs find inputs that make it read past its buffer or
// ask for tens of GB. In the daemon such an input ends one worker process
// and fails its request with one line (README, "Containment";
// tests/integration/containment.sh sends one mid-build).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "helperlink/engine.h"
#include "llvm/FuzzMutate/IRMutator.h"
#include "llvm/FuzzMutate/Operations.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Type.h"
#include "llvm/IR/Verifier.h"

namespace {

std::string ReadFile(const char* path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

struct State {
  helperlink::Engine engine;
  std::shared_ptr<const std::string> helpers;
};

State& GetState() {
  static State* state = [] {
    auto* s = new State();
    const char* helpers = std::getenv("HELPERLINK_FUZZ_HELPERS");
    if (!helpers) std::abort();  // scripts/fuzz sets it
    s->helpers = std::make_shared<const std::string>(ReadFile(helpers));
    return s;
  }();
  return *state;
}

llvm::IRMutator& GetMutator() {
  static llvm::IRMutator* mutator = [] {
    std::vector<llvm::TypeGetter> types{
        llvm::Type::getInt1Ty,
        llvm::Type::getInt8Ty,
        llvm::Type::getInt16Ty,
        llvm::Type::getInt32Ty,
        llvm::Type::getInt64Ty,
        [](llvm::LLVMContext& context) {
          return llvm::PointerType::getUnqual(context);
        }};
    std::vector<std::unique_ptr<llvm::IRMutationStrategy>> strategies;
    strategies.push_back(std::make_unique<llvm::InjectorIRStrategy>(
        llvm::InjectorIRStrategy::getDefaultOps()));
    strategies.push_back(std::make_unique<llvm::InstDeleterIRStrategy>());
    strategies.push_back(std::make_unique<llvm::InstModificationIRStrategy>());
    strategies.push_back(std::make_unique<llvm::InsertCFGStrategy>());
    strategies.push_back(std::make_unique<llvm::InsertPHIStrategy>());
    strategies.push_back(std::make_unique<llvm::SinkInstructionStrategy>());
    strategies.push_back(std::make_unique<llvm::ShuffleBlockStrategy>());
    return new llvm::IRMutator(std::move(types), std::move(strategies));
  }();
  return *mutator;
}

}  // namespace

// Mutates the module after the mode byte; now and then flips the mode.
// An input whose module does not parse, or a mutation that leaves an
// invalid module, is returned unchanged.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned seed) {
  if (size < 2 || max_size < 2) return size;
  if (seed % 16 == 0) {
    data[0] ^= 1;
    return size;
  }
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module =
      llvm::parseModule(data + 1, size - 1, context);
  if (!module) return size;
  GetMutator().mutateModule(*module, static_cast<int>(seed), max_size);
  if (llvm::verifyModule(*module)) return size;
  size_t written = llvm::writeModule(*module, data + 1, max_size - 1);
  return written == 0 ? size : written + 1;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  State& state = GetState();
  helperlink::LinkRequest request;
  request.crate_name = "fuzz.bc";
  request.mode =
      data[0] & 1 ? helperlink::Mode::kExact : helperlink::Mode::kFast;
  request.crate_bitcode =
      absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  request.helpers = {{"helpers.bc", state.helpers}};
  request.cc_command = {"clang-22", "-O1", "-fno-PIE"};
  (void)state.engine.Link(request);
  return 0;
}
