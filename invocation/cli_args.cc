// Per-object command-line parsing; see cli_args.h.
#include "invocation/cli_args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

// Reads the value of `--name VALUE` or `--name=VALUE` at args[*i].
absl::StatusOr<std::string> OptionValue(const std::vector<std::string>& args,
                                        size_t* i, const std::string& name) {
  const std::string& arg = args[*i];
  if (arg.size() > name.size() && arg[name.size()] == '=') {
    return arg.substr(name.size() + 1);
  }
  if (*i + 1 >= args.size() || args[*i + 1] == "--") {
    return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
  }
  return args[++*i];
}

bool IsOption(const std::string& arg, const std::string& name) {
  return arg == name || absl::StartsWith(arg, name + "=");
}

}  // namespace

absl::StatusOr<ObjectArgs> ParseObjectArgs(
    const std::vector<std::string>& args) {
  ObjectArgs out;
  size_t i = 0;
  bool saw_separator = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      saw_separator = true;
      ++i;
      break;
    }
    absl::StatusOr<std::string> value;
    if (IsOption(arg, "--helpers")) {
      value = OptionValue(args, &i, "--helpers");
      if (!value.ok()) return value.status();
      out.helpers.push_back(*value);
    } else if (IsOption(arg, "--mode")) {
      value = OptionValue(args, &i, "--mode");
      if (!value.ok()) return value.status();
      absl::StatusOr<Mode> mode = ParseMode(*value);
      if (!mode.ok()) return mode.status();
      out.mode = *mode;
    } else if (IsOption(arg, "--report")) {
      value = OptionValue(args, &i, "--report");
      if (!value.ok()) return value.status();
      out.report_path = *value;
    } else if (IsOption(arg, "--cache-dir")) {
      value = OptionValue(args, &i, "--cache-dir");
      if (!value.ok()) return value.status();
      out.cache_dir = *value;
    } else if (IsOption(arg, "--save-merged")) {
      value = OptionValue(args, &i, "--save-merged");
      if (!value.ok()) return value.status();
      if (value->empty()) {
        return absl::InvalidArgumentError("--save-merged needs a file name");
      }
      out.save_merged = *value;
    } else if (arg == "--no-cache") {
      out.no_cache = true;
    } else if (arg == "--no-daemon") {
      out.no_daemon = true;
    } else if (arg == "-o") {
      value = OptionValue(args, &i, "-o");
      if (!value.ok()) return value.status();
      out.output = *value;
    } else if (absl::StartsWith(arg, "-o") && arg.size() > 2) {
      out.output = arg.substr(2);
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option '", arg, "'"));
    } else if (out.crate.empty()) {
      out.crate = arg;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "more than one crate given ('", out.crate, "' and '", arg, "')"));
    }
  }
  for (; i < args.size(); ++i) out.cc_command.push_back(args[i]);

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
