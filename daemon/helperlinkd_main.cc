// helperlinkd: the helperlink daemon.
// Environment (one-shot): HELPERLINK_CACHE_DIR (else $XDG_CACHE_HOME or
// ~/.cache, /helperlink) and HELPERLINK_CACHE_POLICY (e.g. max_size=5G).
//   helperlinkd --oneshot [per-object options] -o OUT.o CRATE.bc -- CC FLAGS...
//   helperlinkd --daemon [--state-dir DIR] [--idle-timeout SECONDS]
//               [--jobs N] [--max-requests-per-engine N]
// The thin client starts --daemon itself; --oneshot is its fallback and
// `helperlink --no-daemon`. Flags are read here and nowhere else, and
// Status → exit code plus one line on stderr happens here.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "cache/local_cache.h"
#include "client/cli_args.h"
#include "daemon/oneshot/oneshot.h"
#include "daemon/service/daemon.h"
#include "helperlink/engine.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "helperlinkd: %s\n", message.c_str());
  return 1;
}

void Usage(std::FILE* out) {
  std::fprintf(out, "%s",
               helperlink::ObjectUsage("helperlinkd --oneshot").c_str());
  std::fprintf(out,
               "usage: helperlinkd --daemon [--state-dir DIR] "
               "[--idle-timeout SECONDS] [--jobs N]\n"
               "       [--max-requests-per-engine N]\n");
}

int RunOneshotMain(const std::vector<std::string>& args) {
  absl::StatusOr<helperlink::ObjectArgs> parsed =
      helperlink::ParseObjectArgs(args);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  helperlink::OneshotOptions oneshot;
  oneshot.cache_dir = parsed->cache_dir;
  if (oneshot.cache_dir.empty()) {
    const char* dir = std::getenv("HELPERLINK_CACHE_DIR");
    oneshot.cache_dir =
        dir && *dir ? dir
                    : helperlink::DefaultCacheDir(std::getenv("XDG_CACHE_HOME"),
                                                  std::getenv("HOME"));
  }
  const char* policy = std::getenv("HELPERLINK_CACHE_POLICY");
  absl::StatusOr<helperlink::CachePolicy> parsed_policy =
      helperlink::ParseCachePolicy(policy ? policy : "");
  if (!parsed_policy.ok()) {
    return Fail(std::string(parsed_policy.status().message()));
  }
  oneshot.cache_policy = *parsed_policy;
  // One process, one build configuration: -mllvm options may be applied.
  helperlink::EngineOptions options;
  options.mllvm = helperlink::MllvmPolicy::kApplyOnce;
  helperlink::Engine engine(options);
  absl::Status status = helperlink::RunOneshot(*parsed, oneshot, engine);
  if (!status.ok()) return Fail(std::string(status.message()));
  return 0;
}

int RunDaemonMain(const std::vector<std::string>& args) {
  helperlink::DaemonOptions options;
  options.pool.workers =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](int* out) {
      if (i + 1 >= args.size() || !absl::SimpleAtoi(args[i + 1], out) ||
          *out < 0) {
        return false;
      }
      ++i;
      return true;
    };
    if (arg == "--state-dir" && i + 1 < args.size()) {
      options.state_dir = args[++i];
    } else if (arg == "--idle-timeout") {
      if (!value(&options.idle_timeout_seconds)) {
        return Fail("--idle-timeout needs a number of seconds (0 = never)");
      }
    } else if (arg == "--jobs") {
      if (!value(&options.pool.workers) || options.pool.workers == 0) {
        return Fail("--jobs needs a positive number");
      }
    } else if (arg == "--max-requests-per-engine") {
      if (!value(&options.pool.max_requests_per_engine) ||
          options.pool.max_requests_per_engine == 0) {
        return Fail("--max-requests-per-engine needs a positive number");
      }
    } else {
      return Fail("unknown daemon option '" + arg + "'");
    }
  }
  absl::Status status = helperlink::RunDaemon(options);
  // A daemon that lost the start race to another one has nothing to do.
  if (absl::IsAlreadyExists(status)) return 0;
  if (!status.ok()) return Fail(std::string(status.message()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    Usage(stderr);
    return 2;
  }
  std::string mode = args[0];
  args.erase(args.begin());
  if (mode == "--help" || mode == "-h") {
    Usage(stdout);
    return 0;
  }
  if (mode == "--oneshot") return RunOneshotMain(args);
  if (mode == "--daemon") return RunDaemonMain(args);
  return Fail("unknown mode '" + mode + "' (use --oneshot or --daemon)");
}
