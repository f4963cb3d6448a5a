// libFuzzer target over the engine's input path: arbitrary bytes as crate
// bitcode, linked with fixed helpers under fixed flags, in fast or exact
// mode (the first byte chooses). Any outcome but a crash or a hang is fine:
// bad bitcode must come back as an error.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "helperlink/engine.h"

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

}  // namespace

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
