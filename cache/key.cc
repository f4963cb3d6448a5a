// Cache keys and explanations; the key's exact contents are documented in
// key.h.
#include "cache/key.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cache/sha256.h"

namespace helperlink {
namespace {

void AddField(std::string* out, absl::string_view name,
              absl::string_view value) {
  AppendRecordField(out, name, value);
}

// Flags dropped together with the argument that follows them.
bool DropsNextArgument(const std::string& flag) {
  static const std::set<std::string> kWithArgument = {
      "-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros",
      "-D", "-U",       "-MF",     "-MT",        "-MQ",      "-Xpreprocessor",
  };
  return kWithArgument.count(flag) != 0;
}

bool IsDropped(const std::string& flag) {
  static const char* const kExact[] = {
      "-c",
      "-M",
      "-MM",
      "-MD",
      "-MMD",
      "-MP",
      "-MG",
      "-w",
      "-pedantic",
      "-pedantic-errors",
      "-nostdinc",
      "-fcolor-diagnostics",
      "-fno-color-diagnostics",
  };
  for (const char* exact : kExact) {
    if (flag == exact) return true;
  }
  static const char* const kPrefixes[] = {
      "-I",
      "-D",
      "-U",
      "-isystem",
      "-iquote",
      "-idirafter",
      "-MF",
      "-MT",
      "-MQ",
      "-Wp,",
      "-std=",
      "-fmacro-prefix-map=",
      "-fdiagnostics-",
      "-fmessage-length=",
  };
  for (const char* prefix : kPrefixes) {
    if (absl::StartsWith(flag, prefix)) return true;
  }
  // Warnings, but not -Wa,... (assembler options) or -Wl,... (linker).
  return absl::StartsWith(flag, "-W") && !absl::StartsWith(flag, "-Wa,") &&
         !absl::StartsWith(flag, "-Wl,");
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<std::string> NormalizeFlags(
    const std::vector<std::string>& cc_command) {
  std::vector<std::string> flags;
  if (cc_command.empty()) return flags;
  flags.push_back(Basename(cc_command[0]));
  for (size_t i = 1; i < cc_command.size(); ++i) {
    const std::string& flag = cc_command[i];
    if (DropsNextArgument(flag)) {
      ++i;
      continue;
    }
    if (IsDropped(flag)) continue;
    flags.push_back(flag);
  }
  return flags;
}

KeyInputs MakeKeyInputs(Mode mode, std::vector<std::string> helper_digests,
                        std::vector<std::string> helper_paths,
                        const std::vector<std::string>& cc_command,
                        std::string crate_digest) {
  KeyInputs inputs;
  inputs.tool = absl::StrCat(HELPERLINK_VERSION, "/", kCacheFormatVersion);
  inputs.llvm = HELPERLINK_LLVM_VERSION;
  inputs.mode = mode;
  inputs.policy =
      mode == Mode::kExact ? kExactPolicyVersion : kFastPolicyVersion;
  inputs.helper_digests = std::move(helper_digests);
  inputs.helper_paths = std::move(helper_paths);
  inputs.flags = NormalizeFlags(cc_command);
  inputs.crate_digest = std::move(crate_digest);
  return inputs;
}

std::string KeyInputs::Key() const {
  std::string text;
  AddField(&text, "helperlink-cache-key", "1");
  AddField(&text, "tool", tool);
  AddField(&text, "llvm", llvm);
  AddField(&text, "mode", ModeName(mode));
  AddField(&text, "policy", policy);
  for (const std::string& digest : helper_digests) {
    AddField(&text, "helper", digest);
  }
  for (const std::string& flag : flags) AddField(&text, "flag", flag);
  AddField(&text, "crate", crate_digest);
  return Sha256Hex(text);
}

std::string KeyInputs::Serialize() const {
  std::string text;
  AddField(&text, "tool", tool);
  AddField(&text, "llvm", llvm);
  AddField(&text, "mode", ModeName(mode));
  AddField(&text, "policy", policy);
  for (size_t i = 0; i < helper_digests.size(); ++i) {
    AddField(&text, "helper", helper_digests[i]);
    AddField(&text, "helper-path",
             i < helper_paths.size() ? helper_paths[i] : "");
  }
  for (const std::string& flag : flags) AddField(&text, "flag", flag);
  AddField(&text, "crate", crate_digest);
  return text;
}

void AppendRecordField(std::string* out, absl::string_view name,
                       absl::string_view value) {
  std::string line = absl::StrCat(name, " ", value);
  absl::StrAppend(out, line.size(), ":", line, "\n");
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ParseRecordFields(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t colon = text.find(':', pos);
    size_t length = 0;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(text.substr(pos, colon - pos), &length) ||
        colon + 1 + length + 1 > text.size() ||
        text[colon + 1 + length] != '\n') {
      return absl::DataLossError("malformed record");
    }
    std::string line = text.substr(colon + 1, length);
    pos = colon + 1 + length + 1;
    size_t space = line.find(' ');
    fields.emplace_back(line.substr(0, space), space == std::string::npos
                                                   ? ""
                                                   : line.substr(space + 1));
  }
  return fields;
}

absl::StatusOr<KeyInputs> KeyInputs::Parse(const std::string& text) {
  auto fields = ParseRecordFields(text);
  if (!fields.ok()) return fields.status();
  KeyInputs inputs;
  for (const auto& [name, value] : *fields) {
    if (name == "tool")
      inputs.tool = value;
    else if (name == "llvm")
      inputs.llvm = value;
    else if (name == "mode") {
      absl::StatusOr<Mode> mode = ParseMode(value);
      if (!mode.ok()) {
        return absl::DataLossError(
            absl::StrCat("record names an unknown mode '", value, "'"));
      }
      inputs.mode = *mode;
    } else if (name == "policy")
      inputs.policy = value;
    else if (name == "helper")
      inputs.helper_digests.push_back(value);
    else if (name == "helper-path")
      inputs.helper_paths.push_back(value);
    else if (name == "flag")
      inputs.flags.push_back(value);
    else if (name == "crate")
      inputs.crate_digest = value;
  }
  return inputs;
}

std::string ExplainChange(const KeyInputs& before, const KeyInputs& now) {
  std::vector<std::string> changes;
  if (before.tool != now.tool) {
    changes.push_back(absl::StrCat("helperlink version changed (", before.tool,
                                   " -> ", now.tool, ")"));
  }
  if (before.llvm != now.llvm) {
    changes.push_back(absl::StrCat("LLVM version changed (", before.llvm,
                                   " -> ", now.llvm, ")"));
  }
  if (before.mode != now.mode) {
    changes.push_back(absl::StrCat("mode changed (", ModeName(before.mode),
                                   " -> ", ModeName(now.mode), ")"));
  } else if (before.policy != now.policy) {
    changes.push_back(absl::StrCat("inlining policy changed (", before.policy,
                                   " -> ", now.policy, ")"));
  }
  if (before.helper_digests != now.helper_digests) {
    std::vector<std::string> which;
    for (size_t i = 0; i < now.helper_digests.size(); ++i) {
      if (i >= before.helper_digests.size() ||
          before.helper_digests[i] != now.helper_digests[i]) {
        which.push_back(i < now.helper_paths.size() ? now.helper_paths[i]
                                                    : absl::StrCat("#", i));
      }
    }
    if (which.empty()) which.push_back("a helpers file was removed");
    changes.push_back(
        absl::StrCat("helpers changed (", absl::StrJoin(which, ", "), ")"));
  }
  if (before.flags != now.flags) {
    std::multiset<std::string> old_flags(before.flags.begin(),
                                         before.flags.end());
    std::multiset<std::string> new_flags(now.flags.begin(), now.flags.end());
    std::vector<std::string> removed, added;
    std::set_difference(old_flags.begin(), old_flags.end(), new_flags.begin(),
                        new_flags.end(), std::back_inserter(removed));
    std::set_difference(new_flags.begin(), new_flags.end(), old_flags.begin(),
                        old_flags.end(), std::back_inserter(added));
    std::string detail;
    if (!removed.empty()) {
      detail = absl::StrCat(absl::StrJoin(removed, " "), " removed");
    }
    if (!added.empty()) {
      absl::StrAppend(&detail, detail.empty() ? "" : ", ",
                      absl::StrJoin(added, " "), " added");
    }
    if (detail.empty()) detail = "same flags, different order";
    changes.push_back(absl::StrCat("flags changed: ", detail));
  }
  if (before.crate_digest != now.crate_digest) {
    changes.push_back("crate bitcode changed");
  }
  return absl::StrJoin(changes, "; ");
}

}  // namespace helperlink
