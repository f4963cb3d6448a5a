// The compiler warnings a per-object report carries ("warnings" in its JSON
// form, see helperlink/report.h), for the client and the one-shot to print
// on stderr the way clang would, whether the report was just computed or
// came from a cache.
#ifndef HELPERLINK_INVOCATION_REPORT_WARNINGS_H_
#define HELPERLINK_INVOCATION_REPORT_WARNINGS_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace helperlink {

// The strings of the report's "warnings" array; none when it has none or
// the array does not parse.
std::vector<std::string> ReportWarnings(absl::string_view report_json);

// Writes each warning as one line to `out`.
void PrintReportWarnings(absl::string_view report_json, std::FILE* out);

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_REPORT_WARNINGS_H_
