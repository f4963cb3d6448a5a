// helperlink: the thin client kbuild calls once per Rust object.
//   helperlink [OPTIONS] -o OUT.o CRATE.bc -- CC [CC FLAGS...]
//   helperlink --status | --stats [--json] | --zero-stats [--json] | --stop
//   helperlink --explain OUT.o     (parsed in admin_args.h)
// It first looks the object up in the local cache itself (local_lookup.h)
// and answers a hit alone, without the daemon. On a miss it sends the crate,
// with the key it computed, to the build tree's daemon (starting one if
// needed) and writes the object it gets back. When no
// daemon can serve the request it says so in one line and runs
// `helperlinkd --oneshot` instead, so the build goes on. It first checks
// that the compiler after `--` is clang of the engine's LLVM major and
// exits with status 3 (kExitCannotStandIn), writing nothing, when it is
// not, so that kbuild runs its own recipe. The environment is read in
// OptionsFromEnvironment and nowhere else; client_options.h lists the
// variables and their defaults, stats_output.h formats --stats.
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/cache_dir.h"
#include "cache/local_cache.h"
#include "client/admin_args.h"
#include "client/client_options.h"
#include "client/daemon_client.h"
#include "client/local_lookup.h"
#include "client/stats_output.h"
#include "helperlink/millis.h"
#include "invocation/atomic_file.h"
#include "invocation/cli_args.h"
#include "invocation/compiler_probe.h"
#include "invocation/mapped_file.h"
#include "invocation/state_dir.h"
#include "proto/report_json.h"

namespace {

using helperlink::ClientOptions;
using helperlink::DaemonClient;
using helperlink::ObjectArgs;

int Fail(const std::string& message) {
  std::fprintf(stderr, "helperlink: %s\n", message.c_str());
  return 1;
}

// helperlinkd lives beside this program.
std::string DaemonBinary() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "helperlinkd";
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "helperlinkd";
}

// The one place the client reads its environment (client_options.h).
// `cache_dir_flag`: the object's --cache-dir, or "".
absl::StatusOr<ClientOptions> OptionsFromEnvironment(
    const std::string& cache_dir_flag) {
  return helperlink::ClientOptionsFromEnvironment(
      [](const char* name) { return std::getenv(name); }, cache_dir_flag,
      DaemonBinary());
}

// Replaces this process with the one-shot for the same arguments.
int RunOneshot(const std::string& helperlinkd, char** argv) {
  std::vector<char*> args = {const_cast<char*>(helperlinkd.c_str()),
                             const_cast<char*>("--oneshot")};
  for (char** arg = argv + 1; *arg; ++arg) args.push_back(*arg);
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  return Fail(
      absl::StrCat(helperlinkd, ": cannot run: ", std::strerror(errno)));
}

int RunExplain(const ClientOptions& options, const std::string& output) {
  auto cache = helperlink::OpenTrustedCache(
      options.cache_dir, options.cache_policy, options.cache_sharing);
  if (!cache.ok()) return Fail(std::string(cache.status().message()));
  std::string path = helperlink::AbsolutePath(output);
  auto record = (*cache)->LastOutput(path);
  if (!record.ok()) return Fail(std::string(record.status().message()));
  if (!record->has_value()) {
    return Fail(absl::StrCat(output,
                             ": no build of this output is recorded in ",
                             options.cache_dir));
  }
  const helperlink::OutputRecord& r = **record;
  std::printf("%s: cache %s%s%s\n", output.c_str(), r.result.c_str(),
              r.explanation.empty() ? "" : ": ", r.explanation.c_str());
  std::printf("key %s (mode %s, %zu helpers file(s), %zu flags)\n",
              r.key.c_str(), std::string(ModeName(r.inputs.mode)).c_str(),
              r.inputs.helper_digests.size(), r.inputs.flags.size());
  return 0;
}

enum class StatsAction { kShow, kZeroThenShow };

int RunStats(const ClientOptions& options, StatsAction action,
             helperlink::AdminFormat format) {
  const bool zero = action == StatsAction::kZeroThenShow;
  absl::StatusOr<std::unique_ptr<DaemonClient>> client =
      DaemonClient::Connect(options);
  helperlink::StatsSnapshot snapshot;
  snapshot.state_dir = options.paths.dir;
  snapshot.cache_dir = options.cache_dir;
  if (client.ok()) {
    auto stats = zero ? (*client)->ZeroStats() : (*client)->Stats();
    if (stats.ok()) snapshot.daemon = *stats;
  }
  auto cache = helperlink::OpenTrustedCache(
      options.cache_dir, options.cache_policy, options.cache_sharing);
  if (cache.ok()) {
    if (zero) (*cache)->ZeroStats().IgnoreError();
    auto stats = (*cache)->Stats();
    if (stats.ok()) snapshot.cache = *stats;
  } else {
    snapshot.why_no_cache = std::string(cache.status().message());
  }
  std::string text = format == helperlink::AdminFormat::kJson
                         ? helperlink::StatsJson(snapshot)
                         : helperlink::StatsText(snapshot);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int RunAdmin(const std::vector<std::string>& args) {
  using helperlink::AdminVerb;
  absl::StatusOr<helperlink::AdminCommand> command =
      helperlink::ParseAdminCommand(args);
  if (!command.ok()) return Fail(std::string(command.status().message()));
  absl::StatusOr<ClientOptions> options = OptionsFromEnvironment("");
  if (!options.ok()) return Fail(std::string(options.status().message()));
  switch (command->verb) {
    case AdminVerb::kExplain:
      return RunExplain(*options, command->output);
    case AdminVerb::kStats:
    case AdminVerb::kZeroStats:
      return RunStats(*options,
                      command->verb == AdminVerb::kZeroStats
                          ? StatsAction::kZeroThenShow
                          : StatsAction::kShow,
                      command->format);
    case AdminVerb::kStatus:
    case AdminVerb::kStop:
      break;
  }
  absl::StatusOr<std::unique_ptr<DaemonClient>> client =
      DaemonClient::Connect(*options);
  if (!client.ok()) {
    if (command->verb == AdminVerb::kStop) return 0;  // nothing to stop
    return Fail(std::string(client.status().message()));
  }
  if (command->verb == AdminVerb::kStatus) {
    auto status = (*client)->Status();
    if (!status.ok()) return Fail(std::string(status.status().message()));
    std::fputs(helperlink::StatusText(*status).c_str(), stdout);
    return 0;
  }
  absl::Status stopped = (*client)->Shutdown();
  if (!stopped.ok()) return Fail(std::string(stopped.message()));
  return 0;
}

int RunObject(int argc, char** argv) {
  std::vector<std::string> raw(argv + 1, argv + argc);
  absl::StatusOr<ObjectArgs> parsed = helperlink::ParseObjectArgs(raw);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  ObjectArgs& args = *parsed;
  absl::StatusOr<ClientOptions> options =
      OptionsFromEnvironment(args.cache_dir);
  if (!options.ok()) return Fail(std::string(options.status().message()));
  // A cache dir that is not the user's is never used; say so once, here
  // (the report says it too), and build without it.
  // The compiler probe keeps its answers there too, also under --no-cache.
  bool dir_trusted = false;
  if (!options->cache_dir.empty()) {
    absl::Status trusted =
        helperlink::PrepareCacheDir(options->cache_dir, options->cache_sharing);
    dir_trusted = trusted.ok();
    if (!args.no_cache && absl::IsPermissionDenied(trusted)) {
      std::fprintf(stderr, "helperlink: %s; building without the cache\n",
                   std::string(trusted.message()).c_str());
    }
  }
  bool cache_trusted = dir_trusted && !args.no_cache;
  if (args.no_daemon) return RunOneshot(options->helperlinkd, argv);

  auto fail_object = [&](const std::string& message) {
    helperlink::RemoveIfExists(args.output).IgnoreError();
    if (!args.report_path.empty()) {
      helperlink::RemoveIfExists(args.report_path).IgnoreError();
    }
    if (!args.save_merged.empty()) {
      helperlink::RemoveIfExists(args.save_merged).IgnoreError();
    }
    return Fail(message);
  };
  // Before the cache: a hit must not stand in for a compiler either.
  // The probe's answers are kept only in a cache dir the user owns: a
  // foreign one could claim any compiler is clang.
  absl::Status compiler = helperlink::CheckCompiler(
      args.cc_command[0],
      {options->compiler_search_path, dir_trusted ? options->cache_dir : ""});
  if (!compiler.ok()) {
    fail_object(std::string(compiler.message()));
    return helperlink::kExitCannotStandIn;
  }
  auto fall_back = [&](const absl::Status& why) {
    std::fprintf(stderr,
                 "helperlink: daemon unavailable (%s); linking in this "
                 "process instead\n",
                 std::string(why.message()).c_str());
    return RunOneshot(options->helperlinkd, argv);
  };

  helperlink::SteadyClock::time_point read_start =
      helperlink::SteadyClock::now();
  // Mapped, not read: hashed and streamed from the page cache.
  absl::StatusOr<helperlink::MappedFile> crate =
      helperlink::MappedFile::Open(args.crate, helperlink::kMaxInputBytes);
  if (!crate.ok()) return fail_object(std::string(crate.status().message()));
  double read_ms = helperlink::MillisSince(read_start);
  for (std::string& helper : args.helpers)
    helper = helperlink::AbsolutePath(helper);

  DaemonClient::LinkOutcome outcome;
  helperlink::LocalLookup local;
  // A hit has no merged module: --save-merged always links.
  if (cache_trusted && args.save_merged.empty()) {
    local = helperlink::LookUpLocally(*options, args, crate->bytes(), read_ms);
  }
  const std::string& notice = local.notice;
  if (!notice.empty()) std::fprintf(stderr, "helperlink: %s\n", notice.c_str());
  if (local.hit) {
    outcome.object = std::move(local.hit->object);
    outcome.report = std::move(local.hit->report);
  } else {
    absl::StatusOr<std::unique_ptr<DaemonClient>> client =
        DaemonClient::ConnectOrStart(*options);
    if (!client.ok()) return fall_back(client.status());
    absl::StatusOr<DaemonClient::LinkOutcome> served = (*client)->Link(
        args, crate->bytes(), local.client_key ? &*local.client_key : nullptr);
    if (!served.ok()) {
      if (helperlink::IsInputError(served.status())) {
        return fail_object(std::string(served.status().message()));
      }
      return fall_back(served.status());
    }
    outcome = std::move(*served);
  }
  if (!notice.empty()) {
    const std::string& daemons = outcome.report.cache_notice();
    outcome.report.set_cache_notice(
        daemons.empty() ? notice : absl::StrCat(daemons, "; ", notice));
  }
  absl::Status written = absl::OkStatus();
  if (!args.report_path.empty()) {
    written = helperlink::WriteFileAtomically(
        args.report_path, helperlink::ReportToJson(outcome.report));
  }
  if (written.ok() && !args.save_merged.empty()) {
    written = helperlink::WriteFileAtomically(args.save_merged,
                                              outcome.merged_bitcode);
  }
  if (written.ok()) {
    written = helperlink::WriteFileAtomically(args.output, outcome.object);
  }
  if (!written.ok()) return fail_object(std::string(written.message()));
  // What clang would have printed for the C compiler command.
  helperlink::PrintReportWarnings(outcome.report, stderr);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(args.empty() ? stderr : stdout, "%s%s",
                 helperlink::ObjectUsage("helperlink").c_str(),
                 helperlink::AdminUsage().c_str());
    // No arguments is a usage error, and every error exits 1.
    return args.empty() ? 1 : 0;
  }
  if (helperlink::IsAdminCommand(args)) return RunAdmin(args);
  return RunObject(argc, argv);
}
