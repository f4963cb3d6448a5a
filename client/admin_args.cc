// The thin client's admin commands; see admin_args.h.
#include "client/admin_args.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "invocation/flags.h"

namespace helperlink {
namespace {

struct VerbName {
  const char* flag;
  AdminVerb verb;
};
constexpr VerbName kVerbs[] = {
    {"--status", AdminVerb::kStatus},        {"--stats", AdminVerb::kStats},
    {"--zero-stats", AdminVerb::kZeroStats}, {"--stop", AdminVerb::kStop},
    {"--explain", AdminVerb::kExplain},
};

std::optional<AdminVerb> VerbOf(const std::string& flag) {
  for (const VerbName& v : kVerbs) {
    if (flag == v.flag) return v.verb;
  }
  return std::nullopt;
}

bool TakesFormat(AdminVerb verb) {
  return verb == AdminVerb::kStats || verb == AdminVerb::kZeroStats;
}

}  // namespace

bool IsAdminCommand(const std::vector<std::string>& args) {
  return !args.empty() && VerbOf(args[0]).has_value();
}

absl::StatusOr<AdminCommand> ParseAdminCommand(
    const std::vector<std::string>& args) {
  std::optional<AdminVerb> verb = args.empty() ? std::nullopt : VerbOf(args[0]);
  if (!verb) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown command '", args.empty() ? "" : args[0],
        "' (use --status, --stats, --zero-stats, --stop or --explain)"));
  }
  const std::string& name = args[0];
  AdminCommand command;
  command.verb = *verb;
  bool have_output = false;

  FlagTable table;
  table.unknown = absl::StrCat("unexpected argument after ", name);
  FlagSpec json;
  json.name = "--json";
  json.arity = FlagArity::kNone;
  json.set = [&command, &name](const std::string&) {
    if (!TakesFormat(command.verb)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " does not take --json"));
    }
    command.format = AdminFormat::kJson;
    return absl::OkStatus();
  };
  table.flags = {json};
  // Only --explain takes an operand: OUT.o, or "-- OUT.o" for a path that
  // starts with '-'.
  absl::Status operand_status = absl::OkStatus();
  auto take_output = [&](const std::string& arg) {
    if (have_output) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--explain takes one output path, not also '", arg, "'"));
    }
    if (arg.empty()) {
      return absl::InvalidArgumentError("--explain: the output path is empty");
    }
    command.output = arg;
    have_output = true;
    return absl::OkStatus();
  };
  if (command.verb == AdminVerb::kExplain) {
    table.positional = take_output;
    table.tail = [&](std::vector<std::string> tail) {
      for (const std::string& arg : tail) {
        if (operand_status.ok()) operand_status = take_output(arg);
      }
    };
  }
  absl::Status parsed =
      ParseFlags(table, std::vector<std::string>(args.begin() + 1, args.end()));
  if (!parsed.ok()) return parsed;
  if (!operand_status.ok()) return operand_status;
  if (command.verb == AdminVerb::kExplain && !have_output) {
    return absl::InvalidArgumentError(
        "--explain needs one output path (helperlink --explain OUT.o)");
  }
  return command;
}

std::string AdminUsage() {
  return "       helperlink --status | --stats [--json] | "
         "--zero-stats [--json] | --stop\n"
         "       helperlink --explain OUT.o\n";
}

}  // namespace helperlink
