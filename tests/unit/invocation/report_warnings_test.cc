// Tests for reading a report's compiler warnings back from its JSON form.
#include "invocation/report_warnings.h"

#include "gtest/gtest.h"

namespace helperlink {
namespace {

TEST(ReportWarningsTest, ReadsEveryWarningWithEscapes) {
  std::string json =
      "{\n  \"crate\": \"a.bc\",\n  \"warnings\": [\"clang-22: warning: "
      "argument unused during compilation: '-I inc' "
      "[-Wunused-command-line-argument]\", \"x \\\"q\\\" \\\\ \\u0041\"],\n"
      "  \"object_bytes\": 1\n}\n";
  std::vector<std::string> expected = {
      "clang-22: warning: argument unused during compilation: '-I inc' "
      "[-Wunused-command-line-argument]",
      "x \"q\" \\ A"};
  EXPECT_EQ(ReportWarnings(json), expected);
}

TEST(ReportWarningsTest, NoneWithoutTheKeyOrWhenTruncated) {
  EXPECT_TRUE(ReportWarnings("{\"crate\": \"a.bc\"}").empty());
  EXPECT_TRUE(ReportWarnings("{\"warnings\": [\"cut").empty());
}

}  // namespace
}  // namespace helperlink
