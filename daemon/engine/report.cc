// JSON form of the per-object report (helperlink/report.h). Hand-written:
// the report is small and flat, and the format is part of the CLI contract.
#include "helperlink/report.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace helperlink {
namespace {

std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Ms(double value) { return absl::StrFormat("%.3f", value); }

}  // namespace

std::string Report::ToJson() const {
  std::string out = "{\n";
  absl::StrAppend(&out, "  \"crate\": ", Quote(crate), ",\n");
  absl::StrAppend(&out, "  \"mode\": ", Quote(mode), ",\n");
  absl::StrAppend(&out, "  \"helpers_available\": ", helpers_available, ",\n");
  absl::StrAppend(&out, "  \"helpers_linked\": ", helpers_linked, ",\n");
  absl::StrAppend(&out, "  \"call_sites\": {\"found\": ", call_sites_found,
                  ", \"inlined\": ", call_sites_inlined,
                  ", \"remaining\": ", calls_remaining,
                  ", \"removed\": ", calls_removed, "},\n");
  absl::StrAppend(&out, "  \"not_inlined\": [");
  for (size_t i = 0; i < not_inlined.size(); ++i) {
    const NotInlined& entry = not_inlined[i];
    absl::StrAppend(&out, i ? ",\n    " : "\n    ",
                    "{\"caller\": ", Quote(entry.caller),
                    ", \"callee\": ", Quote(entry.callee),
                    ", \"reason\": ", Quote(entry.reason),
                    ", \"count\": ", entry.count, "}");
  }
  absl::StrAppend(&out, not_inlined.empty() ? "],\n" : "\n  ],\n");
  absl::StrAppend(&out, "  \"reconciled\": {\"null_pointer_is_valid\": ",
                  reconciled.null_pointer_is_valid,
                  ", \"no_builtin\": ", reconciled.no_builtin,
                  ", \"target_features\": ", reconciled.target_features,
                  "},\n");
  absl::StrAppend(&out, "  \"warnings\": [");
  for (size_t i = 0; i < warnings.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", Quote(warnings[i]));
  }
  absl::StrAppend(&out, "],\n");
  absl::StrAppend(&out, "  \"object_bytes\": ", object_bytes, ",\n");
  absl::StrAppend(&out, "  \"times_ms\": {\"parse\": ", Ms(times.parse_ms),
                  ", \"link\": ", Ms(times.link_ms),
                  ", \"inline\": ", Ms(times.inline_ms),
                  ", \"optimize\": ", Ms(times.optimize_ms),
                  ", \"codegen\": ", Ms(times.codegen_ms),
                  ", \"total\": ", Ms(times.total_ms), "}\n");
  out += "}\n";
  return out;
}

}  // namespace helperlink
