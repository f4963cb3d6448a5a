// helperlink: the thin client kbuild calls once per Rust object.
//   helperlink [OPTIONS] -o OUT.o CRATE.bc -- CC [CC FLAGS...]
//   helperlink --status | --stats [--json] | --zero-stats | --stop
// It sends the crate to the build tree's daemon (starting one if needed)
// and writes the object it gets back. When no daemon can serve the request
// it says so in one line and runs `helperlinkd --oneshot` instead, so the
// build goes on. Environment variables are read here and nowhere else:
//   HELPERLINK_DIR           state dir (default ./.helperlink)
//   HELPERLINK_IDLE_TIMEOUT  seconds a started daemon waits idle (default
//                            600; 0 = never)
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/atomic_file.h"
#include "client/cli_args.h"
#include "client/daemon_client.h"
#include "client/state_dir.h"
#include "google/protobuf/util/json_util.h"

namespace {

using helperlink::ClientOptions;
using helperlink::DaemonClient;
using helperlink::ObjectArgs;

int Fail(const std::string& message) {
  std::fprintf(stderr, "helperlink: %s\n", message.c_str());
  return 1;
}

std::string Getenv(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// helperlinkd lives beside this program.
std::string DaemonBinary() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "helperlinkd";
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "helperlinkd";
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof(cwd))) return path;
  return absl::StrCat(cwd, "/", path);
}

absl::StatusOr<ClientOptions> OptionsFromEnvironment() {
  ClientOptions options;
  absl::StatusOr<helperlink::StatePaths> paths =
      helperlink::StatePathsFor(Getenv("HELPERLINK_DIR", ".helperlink"));
  if (!paths.ok()) return paths.status();
  options.paths = *paths;
  options.helperlinkd = DaemonBinary();
  std::string idle = Getenv("HELPERLINK_IDLE_TIMEOUT", "600");
  if (!absl::SimpleAtoi(idle, &options.idle_timeout_seconds) ||
      options.idle_timeout_seconds < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HELPERLINK_IDLE_TIMEOUT: '", idle, "' is not a number of seconds"));
  }
  return options;
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

void PrintStats(const helperlink::v1::StatsReply& s, bool json) {
  if (json) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(s, &text, options);
    std::printf("%s\n", text.c_str());
    return;
  }
  std::printf(
      "requests              %llu\n"
      "  succeeded           %llu (fast %llu, exact %llu)\n"
      "  failed              %llu\n"
      "crate bytes in        %llu\n"
      "object bytes out      %llu\n"
      "link time             %.3f s\n"
      "helper files read     %llu\n"
      "helper sets parsed    %llu\n"
      "helper sets resident  %u\n"
      "engines recycled      %llu\n"
      "memory (RSS)          %.1f MiB (peak %.1f MiB)\n",
      (unsigned long long)s.requests(), (unsigned long long)s.succeeded(),
      (unsigned long long)s.fast(), (unsigned long long)s.exact(),
      (unsigned long long)s.failed(), (unsigned long long)s.crate_bytes_in(),
      (unsigned long long)s.object_bytes_out(), s.link_seconds(),
      (unsigned long long)s.helper_file_reads(),
      (unsigned long long)s.helper_set_loads(), s.resident_helper_sets(),
      (unsigned long long)s.engine_recycles(), s.rss_bytes() / 1048576.0,
      s.peak_rss_bytes() / 1048576.0);
}

int RunAdmin(const std::vector<std::string>& args) {
  absl::StatusOr<ClientOptions> options = OptionsFromEnvironment();
  if (!options.ok()) return Fail(std::string(options.status().message()));
  const std::string& command = args[0];
  bool json = args.size() > 1 && args[1] == "--json";
  if (args.size() > (command == "--stats" ? 2u : 1u) ||
      (args.size() == 2 && !json)) {
    return Fail(absl::StrCat("unexpected argument after ", command));
  }
  absl::StatusOr<std::unique_ptr<DaemonClient>> client =
      DaemonClient::Connect(*options);
  if (!client.ok()) {
    if (command == "--stop") return 0;  // nothing to stop
    return Fail(std::string(client.status().message()));
  }
  if (command == "--status") {
    auto status = (*client)->Status();
    if (!status.ok()) return Fail(std::string(status.status().message()));
    std::printf(
        "daemon pid %lld, helperlink %s, protocol %u\n"
        "state dir %s\nuptime %.1f s, %u workers, %u requests in flight, "
        "idle timeout %u s\n",
        (long long)status->pid(), status->version().c_str(),
        status->protocol_version(), status->state_dir().c_str(),
        status->uptime_seconds(), status->workers(), status->in_flight(),
        status->idle_timeout_seconds());
    return 0;
  }
  if (command == "--stats" || command == "--zero-stats") {
    auto stats =
        command == "--stats" ? (*client)->Stats() : (*client)->ZeroStats();
    if (!stats.ok()) return Fail(std::string(stats.status().message()));
    PrintStats(*stats, json);
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
  absl::StatusOr<ClientOptions> options = OptionsFromEnvironment();
  if (!options.ok()) return Fail(std::string(options.status().message()));
  if (args.no_daemon) return RunOneshot(options->helperlinkd, argv);

  auto fail_object = [&](const std::string& message) {
    helperlink::RemoveIfExists(args.output).IgnoreError();
    if (!args.report_path.empty()) {
      helperlink::RemoveIfExists(args.report_path).IgnoreError();
    }
    return Fail(message);
  };
  auto fall_back = [&](const absl::Status& why) {
    std::fprintf(stderr,
                 "helperlink: daemon unavailable (%s); linking in this "
                 "process instead\n",
                 std::string(why.message()).c_str());
    return RunOneshot(options->helperlinkd, argv);
  };

  absl::StatusOr<std::string> crate = helperlink::ReadFileToString(args.crate);
  if (!crate.ok()) return fail_object(std::string(crate.status().message()));
  for (std::string& helper : args.helpers) helper = Absolute(helper);

  absl::StatusOr<std::unique_ptr<DaemonClient>> client =
      DaemonClient::ConnectOrStart(*options);
  if (!client.ok()) return fall_back(client.status());
  absl::StatusOr<DaemonClient::LinkOutcome> outcome =
      (*client)->Link(args, *crate);
  if (!outcome.ok()) {
    if (helperlink::IsInputError(outcome.status())) {
      return fail_object(std::string(outcome.status().message()));
    }
    return fall_back(outcome.status());
  }
  absl::Status written = absl::OkStatus();
  if (!args.report_path.empty()) {
    written =
        helperlink::WriteFileAtomically(args.report_path, outcome->report_json);
  }
  if (written.ok()) {
    written = helperlink::WriteFileAtomically(args.output, outcome->object);
  }
  if (!written.ok()) return fail_object(std::string(written.message()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(args.empty() ? stderr : stdout, "%s%s",
                 helperlink::ObjectUsage("helperlink").c_str(),
                 "       helperlink --status | --stats [--json] | "
                 "--zero-stats | --stop\n");
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--status" || args[0] == "--stats" ||
      args[0] == "--zero-stats" || args[0] == "--stop") {
    return RunAdmin(args);
  }
  return RunObject(argc, argv);
}
