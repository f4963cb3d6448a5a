// Per-object command-line parsing; see cli_args.h.
#include "invocation/cli_args.h"

#include "absl/strings/str_cat.h"
#include "invocation/flags.h"

namespace helperlink {

absl::StatusOr<ObjectArgs> ParseObjectArgs(
    const std::vector<std::string>& args) {
  ObjectArgs out;
  bool saw_separator = false;
  FlagTable table;
  FlagSpec helpers;
  helpers.name = "--helpers";
  helpers.set = [&out](const std::string& value) {
    out.helpers.push_back(value);
    return absl::OkStatus();
  };
  FlagSpec mode;
  mode.name = "--mode";
  mode.set = [&out](const std::string& value) {
    absl::StatusOr<Mode> mode = ParseMode(value);
    if (!mode.ok()) return mode.status();
    out.mode = *mode;
    return absl::OkStatus();
  };
  FlagSpec save_merged;
  save_merged.name = "--save-merged";
  save_merged.set = [&out](const std::string& value) {
    if (value.empty()) {
      return absl::InvalidArgumentError("--save-merged needs a file name");
    }
    out.save_merged = value;
    return absl::OkStatus();
  };
  table.flags = {helpers,
                 mode,
                 StringFlag("--report", "", &out.report_path),
                 StringFlag("--cache-dir", "", &out.cache_dir),
                 save_merged,
                 SwitchFlag("--no-cache", &out.no_cache),
                 SwitchFlag("--no-daemon", &out.no_daemon),
                 StringFlag("-o", "", &out.output)};
  table.positional = [&out](const std::string& arg) {
    if (!out.crate.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "more than one crate given ('", out.crate, "' and '", arg, "')"));
    }
    out.crate = arg;
    return absl::OkStatus();
  };
  table.tail = [&](std::vector<std::string> tail) {
    saw_separator = true;
    out.cc_command = std::move(tail);
  };
  absl::Status parsed = ParseFlags(table, args);
  if (!parsed.ok()) return parsed;

  if (out.crate.empty()) {
    return absl::InvalidArgumentError("no crate bitcode given (CRATE.bc)");
  }
  if (out.output.empty()) {
    return absl::InvalidArgumentError("no output given (-o OUT.o)");
  }
  if (out.helpers.empty()) {
    return absl::InvalidArgumentError("no helpers given (--helpers FILE.bc)");
  }
  if (!out.save_merged.empty() &&
      (out.save_merged == out.output || out.save_merged == out.report_path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--save-merged: '", out.save_merged,
        "' is also the object or report path; give it a name of its own"));
  }
  if (!saw_separator || out.cc_command.empty()) {
    return absl::InvalidArgumentError(
        "no C compiler command given (expected `-- CC FLAGS...` at the end)");
  }
  return out;
}

std::string ObjectUsage(const std::string& program) {
  return absl::StrCat(
      "usage: ", program,
      " [--helpers H.bc]... [--mode fast|exact] [--report R.json]\n"
      "       [--no-cache] [--cache-dir DIR] [--no-daemon] [--save-merged "
      "M.bc]\n"
      "       -o OUT.o CRATE.bc -- CC [CC FLAGS...]\n"
      "  --save-merged M.bc  also write the optimized merged module, what\n"
      "                      code generation received, as bitcode; the cache\n"
      "                      is not looked up for such a request (a cached\n"
      "                      object has no module), the result is stored\n");
}

}  // namespace helperlink
