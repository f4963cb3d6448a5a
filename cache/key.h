// The cache key of one object, and the explanation of why it changed.
//
// The key is SHA-256 over this text, one field per line, in this order:
//
//   helperlink-cache-key 1
//   tool <helperlink version>/<cache format version>
//   llvm <LLVM version helperlink was built with, e.g. 22.1.8>
//   mode <fast|exact>
//   policy <inlining policy version of that mode, kPolicyVersion>
//   helper <SHA-256 of helpers file 1>
//   helper <SHA-256 of helpers file 2> ...  (in command-line order)
//   flag <normalized flag 1>
//   flag <normalized flag 2> ...            (in command-line order)
//   crate <SHA-256 of the crate bitcode>
//
// Lines are length-prefixed ("<bytes>:<text>\n") so no flag can forge
// another field. Nothing else goes in: not the crate's or helpers' paths,
// not the build dir, not the output path, not times, pids or host names, so
// the same inputs give the same key in another tree and on another machine.
//
// Flag normalization (NormalizeFlags): the compiler's name is reduced to its
// base name (clang-22 and /usr/bin/clang-22 are the same compiler to
// helperlink, which uses its own in-process clang), and flags that only
// steer the preprocessor, dependency files or diagnostics are dropped,
// because the input is IR: -I, -isystem, -iquote, -idirafter, -include,
// -imacros, -D, -U, -M and -MD/-MMD/-MF/-MT/-MQ/-MP, -Wp,..., warnings (-W...,
// -w, -pedantic; but -Wa,... reaches the assembler and stays),
// -fmacro-prefix-map=..., -fdiagnostics-*, -f[no-]color-diagnostics,
// -fmessage-length=..., -nostdinc, -std=..., -c, -Wno-override-module.
// Every other flag stays, verbatim and in order.
#ifndef HELPERLINK_CACHE_KEY_H_
#define HELPERLINK_CACHE_KEY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "helperlink/mode.h"

namespace helperlink {

// Bump when the entry format changes; part of every key.
inline constexpr int kCacheFormatVersion = 2;

// The inlining policy of each mode; bump when what a mode produces changes
// (the object, or the report stored with it). Fast mode's names its
// attribute policy and its post-inline pipeline (daemon/engine/post_inline.h:
// the pass list is part of what fast mode produces). Version 2 of both
// counts call sites over one set (helperlink/report.h).
inline constexpr char kFastPolicyVersion[] = "fast-reconcile-2+post-inline-2";
inline constexpr char kExactPolicyVersion[] = "exact-mainline-2";

struct KeyInputs {
  std::string tool;  // "<helperlink version>/<format version>"
  std::string llvm;  // LLVM version
  Mode mode = Mode::kFast;
  std::string policy;  // kFastPolicyVersion or kExactPolicyVersion
  std::vector<std::string> helper_digests;  // hex
  std::vector<std::string> helper_paths;    // for explanations only
  std::vector<std::string> flags;           // normalized
  std::string crate_digest;                 // hex

  // Lower-case hex SHA-256 of the key text above.
  std::string Key() const;
  // Serialized form stored with each output path, for --explain.
  std::string Serialize() const;
  static absl::StatusOr<KeyInputs> Parse(const std::string& text);
};

// The key inputs for this build of helperlink (tool, llvm and policy are
// filled in from the build).
KeyInputs MakeKeyInputs(Mode mode, std::vector<std::string> helper_digests,
                        std::vector<std::string> helper_paths,
                        const std::vector<std::string>& cc_command,
                        std::string crate_digest);

// Length-prefixed "name value" records, the text form of key inputs and
// output records.
void AppendRecordField(std::string* out, absl::string_view name,
                       absl::string_view value);
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseRecordFields(const std::string& text);

std::vector<std::string> NormalizeFlags(
    const std::vector<std::string>& cc_command);

// One line naming what differs between two builds of the same output, e.g.
// "flags changed: -O2 removed, -O3 added" or "crate changed". Empty when
// nothing differs.
std::string ExplainChange(const KeyInputs& before, const KeyInputs& now);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_KEY_H_
