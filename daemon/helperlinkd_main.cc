// helperlinkd: the helperlink daemon.
// Environment (one-shot): HELPERLINK_CACHE_DIR (else $XDG_CACHE_HOME or
// ~/.cache, /helperlink; cache/cache_dir.h), HELPERLINK_CACHE_SHARED and
// HELPERLINK_CACHE_POLICY (e.g. max_size=5G).
//   helperlinkd --oneshot [per-object options] -o OUT.o CRATE.bc -- CC FLAGS...
//   helperlinkd --daemon [--state-dir DIR] [--idle-timeout SECONDS]
//               [--jobs N] [--max-requests-per-engine N]
//   helperlinkd --worker   (started by --daemon: one worker process, fd 3)
// The thin client starts --daemon itself; --oneshot is its fallback and
// `helperlink --no-daemon`. Flags are read here and nowhere else, and
// Status → exit code plus one line on stderr happens here.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "cache/cache_dir.h"
#include "cache/local_cache.h"
#include "cache/reapi_server.h"
#include "cache/remote_cache.h"
#include "daemon/crash_report.h"
#include "daemon/oneshot/oneshot.h"
#include "daemon/service/daemon.h"
#include "daemon/service/process_worker.h"
#include "helperlink/engine.h"
#include "invocation/atomic_file.h"
#include "invocation/cli_args.h"
#include "invocation/compiler_probe.h"

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
               "       [--max-requests-per-engine N] [--max-crate-bytes MIB]\n"
               "usage: helperlinkd --serve-cache ADDR --cache-dir DIR "
               "[--tls-cert F --tls-key F]\n"
               "       [--token-file F] [--cache-policy P] "
               "[--max-batch-bytes N]\n"
               "       [--max-inflight-bytes N] [--max-streams N] "
               "[--stream-idle-timeout SECONDS]\n"
               "       [--connection-idle-timeout SECONDS]   "
               "(N: bytes, or with K, M or G)\n");
}

int RunOneshotMain(const std::vector<std::string>& args) {
  absl::StatusOr<helperlink::ObjectArgs> parsed =
      helperlink::ParseObjectArgs(args);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  helperlink::InstallCrashReporter("helperlinkd",
                                   helperlink::CrashExit::kExitOne);
  helperlink::SetCrashSubject(parsed->crate);
  helperlink::RemoveOnCrash(parsed->output);
  if (!parsed->report_path.empty()) {
    helperlink::RemoveOnCrash(parsed->report_path);
  }
  helperlink::OneshotOptions oneshot;
  helperlink::CacheDirSources sources;
  sources.flag = parsed->cache_dir.c_str();
  sources.env_dir = std::getenv("HELPERLINK_CACHE_DIR");
  sources.xdg_cache_home = std::getenv("XDG_CACHE_HOME");
  sources.home = std::getenv("HOME");
  absl::StatusOr<std::string> cache_dir = helperlink::ResolveCacheDir(sources);
  if (cache_dir.ok()) {
    oneshot.cache_dir = *cache_dir;
  } else {
    oneshot.why_no_cache_dir = std::string(cache_dir.status().message());
  }
  const char* shared = std::getenv("HELPERLINK_CACHE_SHARED");
  absl::StatusOr<helperlink::CacheSharing> sharing =
      helperlink::ParseCacheSharing(shared ? shared : "");
  if (!sharing.ok()) return Fail(std::string(sharing.status().message()));
  oneshot.cache_sharing = *sharing;
  // The same check as the client's (exit status 3, nothing written); its
  // answers are kept only in a cache dir the user owns.
  bool cache_trusted =
      !oneshot.cache_dir.empty() &&
      helperlink::PrepareCacheDir(oneshot.cache_dir, oneshot.cache_sharing)
          .ok();
  absl::Status compiler = helperlink::CheckCompiler(
      parsed->cc_command[0], cache_trusted ? oneshot.cache_dir : "");
  if (!compiler.ok()) {
    helperlink::RemoveIfExists(parsed->output).IgnoreError();
    if (!parsed->report_path.empty()) {
      helperlink::RemoveIfExists(parsed->report_path).IgnoreError();
    }
    Fail(std::string(compiler.message()));
    return helperlink::kExitCannotStandIn;
  }
  const char* policy = std::getenv("HELPERLINK_CACHE_POLICY");
  absl::StatusOr<helperlink::CachePolicy> parsed_policy =
      helperlink::ParseCachePolicy(policy ? policy : "");
  if (!parsed_policy.ok()) {
    return Fail(std::string(parsed_policy.status().message()));
  }
  oneshot.cache_policy = *parsed_policy;
  helperlink::RemoteSettings remote = helperlink::ReadRemoteSettings(
      [](const char* name) { return std::getenv(name); });
  if (!remote.url.empty()) {
    absl::StatusOr<helperlink::RemoteOptions> options =
        helperlink::ToRemoteOptions(remote);
    if (!options.ok()) return Fail(std::string(options.status().message()));
    oneshot.remote = *options;
  }
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
  // Workers are processes of this same binary, so both ends of the worker
  // protocol always match.
  char self[4096];
  ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) return Fail("cannot find helperlinkd's own executable");
  std::vector<std::string> worker_command = {std::string(self, length),
                                             "--worker"};
  options.pool.make_worker = [worker_command] {
    return std::make_unique<helperlink::ProcessWorker>(worker_command);
  };
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
    } else if (arg == "--max-crate-bytes") {
      int megabytes = 0;
      if (!value(&megabytes) || megabytes == 0) {
        return Fail("--max-crate-bytes needs a positive number of MiB");
      }
      options.service.max_crate_bytes = static_cast<uint64_t>(megabytes) << 20;
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

// A positive byte count, optionally with a K, M or G suffix (powers of 2).
bool ParseBytes(const std::string& text, int64_t* out) {
  std::string number = text;
  int shift = 0;
  if (!number.empty()) {
    switch (number.back()) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
    }
    if (shift) number.pop_back();
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(number, &value) || value <= 0 ||
      value > (INT64_MAX >> shift)) {
    return false;
  }
  *out = value << shift;
  return true;
}

bool ParseSeconds(const std::string& text, absl::Duration* out) {
  double seconds = 0;
  if (!absl::SimpleAtod(text, &seconds) || !(seconds > 0) || seconds > 1e6) {
    return false;
  }
  *out = absl::Seconds(seconds);
  return true;
}

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

int RunServeCacheMain(const std::vector<std::string>& args) {
  helperlink::ReapiServerOptions options;
  helperlink::ReapiServerLimits& limits = options.limits;
  std::string policy;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool has_value = i + 1 < args.size();
    if (arg == "--cache-dir" && has_value) {
      options.cache_dir = args[++i];
    } else if (arg == "--tls-cert" && has_value) {
      options.tls_cert_file = args[++i];
    } else if (arg == "--tls-key" && has_value) {
      options.tls_key_file = args[++i];
    } else if (arg == "--token-file" && has_value) {
      options.token_file = args[++i];
    } else if (arg == "--cache-policy" && has_value) {
      policy = args[++i];
    } else if (arg == "--max-batch-bytes" && has_value) {
      if (!ParseBytes(args[++i], &limits.max_batch_bytes)) {
        return Fail("--max-batch-bytes needs a positive size");
      }
    } else if (arg == "--max-inflight-bytes" && has_value) {
      if (!ParseBytes(args[++i], &limits.max_inflight_bytes)) {
        return Fail("--max-inflight-bytes needs a positive size");
      }
    } else if (arg == "--max-streams" && has_value) {
      if (!absl::SimpleAtoi(args[++i], &limits.max_streams) ||
          limits.max_streams <= 0 || limits.max_streams > 100000) {
        return Fail("--max-streams needs a positive number");
      }
    } else if (arg == "--stream-idle-timeout" && has_value) {
      if (!ParseSeconds(args[++i], &limits.stream_idle_timeout)) {
        return Fail("--stream-idle-timeout needs a positive number of seconds");
      }
    } else if (arg == "--connection-idle-timeout" && has_value) {
      if (!ParseSeconds(args[++i], &limits.connection_idle_timeout)) {
        return Fail(
            "--connection-idle-timeout needs a positive number of seconds");
      }
    } else if (options.address.empty() && !arg.empty() && arg[0] != '-') {
      options.address = arg;
    } else {
      return Fail("unknown or incomplete --serve-cache option '" + arg + "'");
    }
  }
  if (options.address.empty() || options.cache_dir.empty()) {
    return Fail("usage: helperlinkd --serve-cache ADDR --cache-dir DIR ...");
  }
  absl::StatusOr<helperlink::CachePolicy> parsed =
      helperlink::ParseCachePolicy(policy);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  options.policy = *parsed;
  absl::StatusOr<std::unique_ptr<helperlink::ReapiServer>> server =
      helperlink::ReapiServer::Start(options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::printf("helperlinkd: serving the cache in %s on port %d\n",
              options.cache_dir.c_str(), (*server)->port());
  std::printf(
      "helperlinkd: limits: %lld in-flight bytes, %d streams (%d threads), "
      "%lld-byte batches, streams idle %s\n",
      static_cast<long long>(limits.max_inflight_bytes), limits.max_streams,
      limits.ThreadQuota(), static_cast<long long>(limits.max_batch_bytes),
      absl::FormatDuration(limits.stream_idle_timeout).c_str());
  std::fflush(stdout);
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    Usage(stderr);
    return 1;  // a usage error, and every error exits 1
  }
  std::string mode = args[0];
  args.erase(args.begin());
  if (mode == "--help" || mode == "-h") {
    Usage(stdout);
    return 0;
  }
  if (mode == "--oneshot") return RunOneshotMain(args);
  if (mode == "--daemon") return RunDaemonMain(args);
  if (mode == "--serve-cache") return RunServeCacheMain(args);
  if (mode == "--worker") {
    helperlink::InstallCrashReporter("helperlinkd worker",
                                     helperlink::CrashExit::kResignal);
    absl::Status status =
        helperlink::ServeWorker(/*fd=*/3, helperlink::EngineOptions());
    if (!status.ok()) return Fail(std::string(status.message()));
    return 0;
  }
  return Fail("unknown mode '" + mode +
              "' (use --oneshot, --daemon or --serve-cache)");
}
