// Tests for the report's JSON form, its warnings on stderr and reading a
// stored report back (proto/report_json.h).
#include "proto/report_json.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace helperlink {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Report SampleReport() {
  v1::Report report;
  report.set_crate("a.bc");
  report.set_mode("fast");
  report.set_helpers_available(7);
  v1::CallSites& sites = *report.mutable_call_sites();
  sites.set_found(5);
  sites.set_inlined(4);
  sites.set_remaining(1);
  v1::NotInlined& miss = *report.add_not_inlined();
  miss.set_caller("f");
  miss.set_callee("rust_helper_x");
  miss.set_reason("noinline \"attr\"");
  miss.set_count(1);
  report.add_warnings("clang-22: warning: argument unused during compilation");
  report.set_object_bytes(3000000000u);
  report.mutable_times_ms()->set_inline_(1.5);
  return report;
}

TEST(ReportJsonTest, NamesAsInTheProtoAndNumbersAsNumbers) {
  std::string json = ReportToJson(SampleReport());
  EXPECT_THAT(json, HasSubstr("\"call_sites\""));
  EXPECT_THAT(json, HasSubstr("\"found\": 5"));
  // Zeros are printed too: scripts read every count.
  EXPECT_THAT(json, HasSubstr("\"removed\": 0"));
  EXPECT_THAT(json, HasSubstr("\"helpers_linked\": 0"));
  // 32-bit sizes print as JSON numbers, not strings.
  EXPECT_THAT(json, HasSubstr("\"object_bytes\": 3000000000"));
  EXPECT_THAT(json, HasSubstr("\"inline\": 1.5"));
  EXPECT_THAT(json, HasSubstr("\"reason\": \"noinline \\\"attr\\\"\""));
  EXPECT_THAT(json, Not(HasSubstr("callSites")));
  EXPECT_EQ(json.back(), '\n');
}

TEST(ReportJsonTest, JsonReadsBackToTheSameReport) {
  v1::Report report = SampleReport();
  v1::Report back;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ReportToJson(report), &back)
          .ok());
  EXPECT_EQ(back.SerializeAsString(), report.SerializeAsString());
}

TEST(ReportJsonTest, PrintsEachWarningOnALine) {
  v1::Report report = SampleReport();
  report.add_warnings("second");
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  PrintReportWarnings(report, out);
  std::rewind(out);
  char buffer[256] = {};
  size_t got = std::fread(buffer, 1, sizeof(buffer) - 1, out);
  std::fclose(out);
  EXPECT_EQ(std::string(buffer, got),
            "clang-22: warning: argument unused during compilation\nsecond\n");
}

TEST(ReportJsonTest, StoredReportRoundTripsAndGarbageIsDataLoss) {
  v1::Report report = SampleReport();
  absl::StatusOr<v1::Report> back =
      ParseStoredReport(report.SerializeAsString());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->crate(), "a.bc");
  // A field tag with a wire type protobuf does not know.
  absl::StatusOr<v1::Report> bad = ParseStoredReport("\x0f\x01\x02");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace helperlink
