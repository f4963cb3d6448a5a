// The link engine's public face: one crate's bitcode plus the kernel's helper
// bitcode in, one optimized object and a report out. Everything LLVM stays
// behind this header; callers see bytes, strings and absl::Status.
#ifndef HELPERLINK_ENGINE_H_
#define HELPERLINK_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "helperlink/mode.h"
#include "helperlink/report.h"

namespace helperlink {

// What to do with `-mllvm` options and `-ftime-report` in the compiler
// flags. Both are process-wide in LLVM (options; pass timers that print to
// stderr), so a daemon serving many requests cannot honour them per request.
enum class MllvmPolicy {
  kReject,     // fail the request, naming the option (daemon default)
  kApplyOnce,  // apply on the first request; the process serves one build
               // configuration (the one-shot mode)
};

// One helper bitcode file: its name (for messages) and its bytes.
struct HelperInput {
  std::string name;
  std::shared_ptr<const std::string> bytes;
};

// Whether to also return the optimized merged module (--save-merged).
enum class SaveMerged { kNo, kYes };

struct LinkRequest {
  std::string crate_name;           // used in messages and the report
  absl::string_view crate_bitcode;  // the crate's `rustc --emit=llvm-bc` output
  std::vector<HelperInput> helpers;
  // The C compiler command and flags exactly as kbuild gives them to
  // `clang -c`: argv[0] is the compiler, the rest are flags. Inputs, `-c`
  // and `-o` are supplied by the engine and must not appear here.
  std::vector<std::string> cc_command;
  Mode mode = Mode::kFast;
  SaveMerged save_merged = SaveMerged::kNo;
};

struct LinkResult {
  std::string object;  // ELF relocatable object bytes
  // With SaveMerged::kYes: the module code generation received (crate and
  // helpers, optimized), as bitcode. Empty otherwise.
  std::string merged_bitcode;
  Report report;
};

struct EngineOptions {
  // Default: reject, because an engine may serve many requests.
  MllvmPolicy mllvm = MllvmPolicy::kReject;
  // Resident helper sets kept per engine before the least recently used one
  // is dropped. Default 4 (built-in and module sets, two configurations).
  int max_helper_sets = 4;
};

// One engine owns one LLVM context. It is not thread-safe: give each worker
// its own. Parsed helper sets stay resident between Link calls, keyed by the
// helper bytes, the compiler flags and the mode. Bad input never aborts the
// process; it comes back as a Status naming the input and the cause.
class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  absl::StatusOr<LinkResult> Link(const LinkRequest& request);

  // Number of helper sets currently parsed and resident.
  int resident_helper_sets() const;
  // Helper sets parsed since this engine was made.
  int64_t helper_set_loads() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace helperlink

#endif  // HELPERLINK_ENGINE_H_
