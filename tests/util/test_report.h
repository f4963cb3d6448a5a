// A report to store in a cache entry in cache tests: any report will do,
// and its crate name tells entries apart.
#ifndef HELPERLINK_TESTS_UTIL_TEST_REPORT_H_
#define HELPERLINK_TESTS_UTIL_TEST_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "report.pb.h"

namespace helperlink {

inline v1::Report TestReport(absl::string_view crate) {
  v1::Report report;
  report.set_crate(std::string(crate));
  return report;
}

}  // namespace helperlink

#endif  // HELPERLINK_TESTS_UTIL_TEST_REPORT_H_
