// The report's JSON form and warnings; see report_json.h.
#include "proto/report_json.h"

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"

namespace helperlink {

std::string ReportToJson(const v1::Report& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  // Printing a message of a compiled-in type cannot fail.
  (void)google::protobuf::util::MessageToJsonString(report, &text, options);
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

void PrintReportWarnings(const v1::Report& report, std::FILE* out) {
  for (const std::string& warning : report.warnings()) {
    std::fprintf(out, "%s\n", warning.c_str());
  }
}

absl::StatusOr<v1::Report> ParseStoredReport(absl::string_view bytes) {
  v1::Report report;
  if (!report.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored report does not parse");
  }
  return report;
}

}  // namespace helperlink
