// helperlinkd: the helperlink daemon.
// Environment (one-shot only, read in OneshotFromEnvironment):
// HELPERLINK_CACHE_DIR (else $XDG_CACHE_HOME or ~/.cache, /helperlink;
// cache/cache_dir.h), HELPERLINK_CACHE_SHARED, HELPERLINK_CACHE_POLICY
// (default max_size=5G), HELPERLINK_REMOTE... (cache/remote_cache.h) and
// PATH (where the compiler after `--` is looked up; compiler_probe.h).
//   helperlinkd --oneshot [per-object options] -o OUT.o CRATE.bc -- CC FLAGS...
//   helperlinkd --daemon [--state-dir DIR] [--idle-timeout SECONDS]
//               [--jobs N] [--max-requests-per-engine N]
//   helperlinkd --serve-cache ADDR --cache-dir DIR [...]
//   helperlinkd --worker   (started by --daemon: one worker process, fd 3)
// The thin client starts --daemon itself; --oneshot is its fallback and
// `helperlink --no-daemon`. The flags and the environment are parsed and
// checked in helperlinkd_options.h; Status → exit code plus one line on
// stderr happens here.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "cache/cache_dir.h"
#include "cache/reapi_server.h"
#include "daemon/crash_report.h"
#include "daemon/helperlinkd_options.h"
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

// The one place helperlinkd reads its environment (the one-shot's caches;
// the daemon takes everything from its client's requests).
absl::StatusOr<helperlink::OneshotOptions> OneshotFromEnvironment(
    const std::string& cache_dir_flag) {
  return helperlink::OneshotOptionsFromEnvironment(
      [](const char* name) { return std::getenv(name); }, cache_dir_flag);
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
  absl::StatusOr<helperlink::OneshotOptions> oneshot =
      OneshotFromEnvironment(parsed->cache_dir);
  if (!oneshot.ok()) return Fail(std::string(oneshot.status().message()));
  // The same check as the client's (exit status 3, nothing written); its
  // answers are kept only in a cache dir the user owns.
  bool cache_trusted =
      !oneshot->cache_dir.empty() &&
      helperlink::PrepareCacheDir(oneshot->cache_dir, oneshot->cache_sharing)
          .ok();
  absl::Status compiler = helperlink::CheckCompiler(
      parsed->cc_command[0],
      {oneshot->compiler_search_path, cache_trusted ? oneshot->cache_dir : ""});
  if (!compiler.ok()) {
    helperlink::RemoveIfExists(parsed->output).IgnoreError();
    if (!parsed->report_path.empty()) {
      helperlink::RemoveIfExists(parsed->report_path).IgnoreError();
    }
    Fail(std::string(compiler.message()));
    return helperlink::kExitCannotStandIn;
  }
  // One process, one build configuration: -mllvm options may be applied.
  helperlink::EngineOptions options;
  options.mllvm = helperlink::MllvmPolicy::kApplyOnce;
  helperlink::Engine engine(options);
  absl::Status status = helperlink::RunOneshot(*parsed, *oneshot, engine);
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
  absl::Status flags = helperlink::ParseDaemonFlags(args, &options);
  if (!flags.ok()) return Fail(std::string(flags.message()));
  absl::Status status = helperlink::RunDaemon(options);
  // A daemon that lost the start race to another one has nothing to do.
  if (absl::IsAlreadyExists(status)) return 0;
  if (!status.ok()) return Fail(std::string(status.message()));
  return 0;
}

std::atomic<bool> g_stop{false};
void OnStopSignal(int) { g_stop = true; }

int RunServeCacheMain(const std::vector<std::string>& args) {
  helperlink::ReapiServerOptions options;
  absl::Status flags = helperlink::ParseServeCacheFlags(args, &options);
  if (!flags.ok()) return Fail(std::string(flags.message()));
  const helperlink::ReapiServerLimits& limits = options.limits;
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
    std::fprintf(stderr, "%s", helperlink::HelperlinkdUsage().c_str());
    return 1;  // a usage error, and every error exits 1
  }
  std::string mode = args[0];
  args.erase(args.begin());
  if (mode == "--help" || mode == "-h") {
    std::fprintf(stdout, "%s", helperlink::HelperlinkdUsage().c_str());
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
