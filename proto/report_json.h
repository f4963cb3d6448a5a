// The per-object report (proto/report.proto) as people and scripts read
// it: its JSON form, written by protobuf's own JSON printer with the field
// names of the .proto, and its warnings, printed on stderr the way clang
// prints them. One place for both, shared by the client and the one-shot.
#ifndef HELPERLINK_PROTO_REPORT_JSON_H_
#define HELPERLINK_PROTO_REPORT_JSON_H_

#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "report.pb.h"

namespace helperlink {

// The report as an indented JSON object, every field present (zeros and
// empty lists too), names as in report.proto, ending in a newline.
std::string ReportToJson(const v1::Report& report);

// Writes each of the report's warnings as one line to `out`.
void PrintReportWarnings(const v1::Report& report, std::FILE* out);

// A report as a cache stores it (the serialized message). DATA_LOSS when
// the bytes are not a report.
absl::StatusOr<v1::Report> ParseStoredReport(absl::string_view bytes);

}  // namespace helperlink

#endif  // HELPERLINK_PROTO_REPORT_JSON_H_
