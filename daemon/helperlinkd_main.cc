// helperlinkd: the helperlink daemon. This release serves one object per
// process with --oneshot; the resident daemon modes arrive with the service.
// Status → exit code and one line on stderr happen here and nowhere else.
#include <cstdio>
#include <string>
#include <vector>

#include "client/cli_args.h"
#include "daemon/oneshot/oneshot.h"
#include "helperlink/engine.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "helperlinkd: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(args.empty() ? stderr : stdout, "%s",
                 helperlink::ObjectUsage("helperlinkd --oneshot").c_str());
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "--oneshot") {
    return Fail("unknown mode '" + args[0] +
                "' (this build supports --oneshot)");
  }
  args.erase(args.begin());
  absl::StatusOr<helperlink::ObjectArgs> parsed =
      helperlink::ParseObjectArgs(args);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));

  // One process, one build configuration: -mllvm options may be applied.
  helperlink::EngineOptions options;
  options.mllvm = helperlink::MllvmPolicy::kApplyOnce;
  helperlink::Engine engine(options);
  absl::Status status = helperlink::RunOneshot(*parsed, engine);
  if (!status.ok()) return Fail(std::string(status.message()));
  return 0;
}
