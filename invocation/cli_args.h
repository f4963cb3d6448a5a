// The per-object command line shared by the client (`helperlink`) and the
// daemon's one-shot mode (`helperlinkd --oneshot`):
//
//   [--helpers H.bc]... [--mode fast|exact] [--report R.json] [--no-cache]
//   [--cache-dir DIR] [--no-daemon] [--save-merged M.bc]
//   -o OUT.o CRATE.bc -- CC [CC FLAGS...]
//
// Parsing only: no environment reads, no file access.
#ifndef HELPERLINK_INVOCATION_CLI_ARGS_H_
#define HELPERLINK_INVOCATION_CLI_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "helperlink/mode.h"

namespace helperlink {

struct ObjectArgs {
  std::vector<std::string> helpers;  // --helpers, in order; at least one
  Mode mode = Mode::kFast;           // --mode fast (default) or exact
  std::string report_path;           // --report; empty = no report file
  bool no_cache = false;             // --no-cache
  std::string cache_dir;             // --cache-dir; empty = default
  bool no_daemon = false;            // --no-daemon
  // --save-merged: also write the optimized merged module (what code
  // generation received) as bitcode; empty = no. Such a request skips the
  // cache lookup, since a cached object comes without its module.
  std::string save_merged;
  std::string output;                   // -o
  std::string crate;                    // the crate's bitcode
  std::vector<std::string> cc_command;  // after `--`: CC and its flags
};

// Parses `args` (without the program name). Errors are one line naming the
// offending argument.
absl::StatusOr<ObjectArgs> ParseObjectArgs(
    const std::vector<std::string>& args);

// One-paragraph usage text for `program`.
std::string ObjectUsage(const std::string& program);

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_CLI_ARGS_H_
