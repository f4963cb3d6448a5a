// Reading the "warnings" array back from a report; see report_warnings.h.
#include "invocation/report_warnings.h"

#include <cstdlib>

namespace helperlink {
namespace {

// Parses the JSON string starting at `text[*at]` (the opening quote) as the
// report writer escapes it; advances past the closing quote.
bool ParseString(absl::string_view text, size_t* at, std::string* out) {
  if (*at >= text.size() || text[*at] != '"') return false;
  for (size_t i = *at + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      *at = i + 1;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= text.size()) return false;
    switch (text[i]) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        if (i + 4 >= text.size()) return false;
        std::string hex(text.substr(i + 1, 4));
        out->push_back(
            static_cast<char>(std::strtol(hex.c_str(), nullptr, 16)));
        i += 4;
        break;
      }
      default:
        out->push_back(text[i]);
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> ReportWarnings(absl::string_view report_json) {
  constexpr absl::string_view kKey = "\"warnings\": [";
  size_t at = report_json.find(kKey);
  if (at == absl::string_view::npos) return {};
  at += kKey.size();
  std::vector<std::string> warnings;
  while (at < report_json.size()) {
    if (report_json[at] == ']') return warnings;
    if (report_json[at] == ',' || report_json[at] == ' ') {
      ++at;
      continue;
    }
    std::string warning;
    if (!ParseString(report_json, &at, &warning)) return {};
    warnings.push_back(std::move(warning));
  }
  return {};
}

void PrintReportWarnings(absl::string_view report_json, std::FILE* out) {
  for (const std::string& warning : ReportWarnings(report_json)) {
    std::fprintf(out, "%s\n", warning.c_str());
  }
}

}  // namespace helperlink
