// Whether helperlink may stand in for the C compiler kbuild names after
// `--`: only when it is clang of the LLVM major helperlink's engine links
// with, because only then is helperlink's object the one that compiler
// would give. The compiler is asked (`CC --version`) once per binary
// identity; the answer is cached in a small versioned file in the cache
// dir. Shared by the client and `helperlinkd --oneshot` (no LLVM here: the
// engine's major is a build-time constant).
#ifndef HELPERLINK_INVOCATION_COMPILER_PROBE_H_
#define HELPERLINK_INVOCATION_COMPILER_PROBE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace helperlink {

// Exit status of `helperlink` and `helperlinkd --oneshot` when the compiler
// after `--` is not one helperlink can stand in for: nothing was written,
// and the caller should run its own recipe (the kbuild glue does).
inline constexpr int kExitCannotStandIn = 3;

// The LLVM major version helperlink's engine is built against.
int EngineLlvmMajor();

enum class CompilerKind { kClang, kGcc, kOther };

// What a compiler's `--version` says.
struct CompilerFacts {
  CompilerKind kind = CompilerKind::kOther;
  int major = 0;             // 0 when unknown
  std::string version_line;  // the first line of its output, trimmed
};

// Reads `--version` output.
CompilerFacts ParseCompilerVersion(const std::string& output);

// The binary a compiler command runs: `invoked` is argv[0] resolved in PATH
// (as the shell would), `real` that path with symlinks resolved, and the
// size and mtime of `real`. Both paths are part of the identity (a ccache
// symlink named clang-22 and one named gcc resolve to the same binary).
struct CompilerIdentity {
  std::string invoked;
  std::string real;
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

// NOT_FOUND (one line naming `command`) when it cannot be found or run.
absl::StatusOr<CompilerIdentity> IdentifyCompiler(const std::string& command,
                                                  const std::string& path_env);

// The probe cache file: "helperlink compiler probes 1" then one line per
// identity. Unknown versions or malformed lines read as empty.
struct ProbeRecord {
  CompilerIdentity identity;
  CompilerFacts facts;
};
std::string EncodeProbeCache(const std::vector<ProbeRecord>& records);
std::vector<ProbeRecord> DecodeProbeCache(const std::string& text);

// OK when `facts` is clang of EngineLlvmMajor(); otherwise
// FAILED_PRECONDITION with the one line, e.g. "CC is gcc 12: helperlink
// links with LLVM 22 and can stand in only for clang-22".
absl::Status CheckCompilerFacts(const CompilerFacts& facts);

// Where CheckCompiler looks up a command named without a '/' when the
// environment has no PATH: what a shell would search.
inline constexpr char kDefaultCompilerSearchPath[] = "/usr/bin:/bin";

struct CompilerProbeOptions {
  // The directories a command without a '/' is looked up in, ':'-separated
  // like PATH (an empty entry is the current dir). The mains fill it from
  // PATH (ClientOptions, OneshotOptions); the library never reads the
  // environment.
  std::string search_path = kDefaultCompilerSearchPath;
  // Where the probe's answers are kept (CACHE_DIR/compilers); "" = nowhere,
  // every check runs the compiler.
  std::string cache_dir;
};

// The whole check for argv[0] after `--`: identify it, take its facts from
// the probe cache (or run `CC --version` and record them; a cache that
// cannot be read or written only costs a probe), then CheckCompilerFacts.
// A compiler that cannot be found or run is FAILED_PRECONDITION too.
absl::Status CheckCompiler(const std::string& command,
                           const CompilerProbeOptions& options);

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_COMPILER_PROBE_H_
