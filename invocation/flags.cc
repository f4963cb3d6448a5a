// The table-driven command-line parser; see flags.h.
#include "invocation/flags.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

bool IsShortFlag(const std::string& name) {
  return name.size() == 2 && name[0] == '-' && name[1] != '-';
}

// The row an argument names and, for --name=VALUE or -xVALUE, the value
// attached to it.
struct Match {
  const FlagSpec* flag = nullptr;
  std::optional<std::string> attached;
};

Match Find(const FlagTable& table, const std::string& arg) {
  for (const FlagSpec& flag : table.flags) {
    if (arg == flag.name) return {&flag, std::nullopt};
    if (flag.arity != FlagArity::kValue) continue;
    if (IsShortFlag(flag.name) && absl::StartsWith(arg, flag.name)) {
      return {&flag, arg.substr(flag.name.size())};
    }
    if (arg.size() > flag.name.size() && absl::StartsWith(arg, flag.name) &&
        arg[flag.name.size()] == '=') {
      return {&flag, arg.substr(flag.name.size() + 1)};
    }
  }
  return {};
}

absl::Status Unknown(const FlagTable& table, const std::string& arg) {
  return absl::InvalidArgumentError(
      absl::StrCat(table.unknown, " '", arg, "'"));
}

absl::Status Needs(const std::string& name, const std::string& needs) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, " needs ", needs.empty() ? "a value" : needs));
}

}  // namespace

absl::Status ParseFlags(const FlagTable& table,
                        const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--" && table.tail) {
      table.tail(std::vector<std::string>(args.begin() + i + 1, args.end()));
      return absl::OkStatus();
    }
    Match match = Find(table, arg);
    const FlagSpec* flag = match.flag;
    if (flag == nullptr) {
      if ((absl::StartsWith(arg, "-") && arg != "-") || !table.positional) {
        return Unknown(table, arg);
      }
      absl::Status status = table.positional(arg);
      if (!status.ok()) return status;
      continue;
    }
    std::string value = match.attached.value_or("");
    if (flag->arity == FlagArity::kValue && !match.attached) {
      // "--" after a flag that needs a value is the missing value, not it.
      if (i + 1 >= args.size() || (table.tail && args[i + 1] == "--")) {
        return Needs(flag->name, flag->needs);
      }
      value = args[++i];
    }
    absl::Status status = flag->set(value);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool ParseIntInRange(absl::string_view text, int64_t min, int64_t max,
                     int64_t* out) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseByteSize(absl::string_view text, int64_t* out) {
  int shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
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
    if (shift) text.remove_suffix(1);
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value <= 0 ||
      value > (INT64_MAX >> shift)) {
    return false;
  }
  *out = value << shift;
  return true;
}

bool ParsePositiveSeconds(absl::string_view text, absl::Duration* out) {
  double seconds = 0;
  if (!absl::SimpleAtod(text, &seconds) || !(seconds > 0) || seconds > 1e6) {
    return false;
  }
  *out = absl::Seconds(seconds);
  return true;
}

FlagSpec StringFlag(std::string name, std::string needs, std::string* out) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.needs = std::move(needs);
  flag.set = [out](const std::string& value) {
    *out = value;
    return absl::OkStatus();
  };
  return flag;
}

FlagSpec ParsedFlag(std::string name, std::string needs,
                    std::function<bool(const std::string& value)> parse) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.needs = std::move(needs);
  flag.set = [name = flag.name, needs = flag.needs,
              parse = std::move(parse)](const std::string& value) {
    if (!parse(value)) return Needs(name, needs);
    return absl::OkStatus();
  };
  return flag;
}

FlagSpec SwitchFlag(std::string name, bool* out) {
  FlagSpec flag;
  flag.name = std::move(name);
  flag.arity = FlagArity::kNone;
  flag.set = [out](const std::string&) {
    *out = true;
    return absl::OkStatus();
  };
  return flag;
}

FlagSpec IntFlag(std::string name, std::string needs, int64_t min, int64_t max,
                 int* out) {
  return ParsedFlag(std::move(name), std::move(needs),
                    [min, max, out](const std::string& value) {
                      int64_t parsed = 0;
                      if (!ParseIntInRange(value, min, max, &parsed)) {
                        return false;
                      }
                      *out = static_cast<int>(parsed);
                      return true;
                    });
}

FlagSpec ByteSizeFlag(std::string name, std::string needs, int64_t* out) {
  return ParsedFlag(
      std::move(name), std::move(needs),
      [out](const std::string& value) { return ParseByteSize(value, out); });
}

FlagSpec SecondsFlag(std::string name, std::string needs, absl::Duration* out) {
  return ParsedFlag(std::move(name), std::move(needs),
                    [out](const std::string& value) {
                      return ParsePositiveSeconds(value, out);
                    });
}

}  // namespace helperlink
