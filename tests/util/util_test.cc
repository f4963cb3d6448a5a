// Tests for the shared test utilities (tests/util): a TempDir exists while
// it lives and is gone, contents and all, afterwards; the status matchers
// accept what they should and reject the rest.
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"

namespace helperlink::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool IsDirectory(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

TEST(TempDirTest, ExistsWhileAliveAndIsRemovedWithItsContents) {
  std::string path;
  {
    TempDir temp("util");
    path = temp.path();
    ASSERT_TRUE(IsDirectory(path));
    EXPECT_THAT(path, HasSubstr("/helperlink-util-"));
    ASSERT_EQ(::mkdir(temp.Path("sub").c_str(), 0700), 0);
    std::ofstream(temp.Path("sub/file")) << "bytes";
    EXPECT_EQ(temp.Path("sub/file"), path + "/sub/file");
  }
  EXPECT_FALSE(IsDirectory(path));
}

TEST(TempDirTest, TwoAreDistinct) {
  TempDir a, b;
  EXPECT_NE(a.path(), b.path());
}

TEST(StatusMatchersTest, IsOk) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(3), IsOk());
  EXPECT_THAT(absl::InternalError("x"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(absl::NotFoundError("y")), Not(IsOk()));
}

TEST(StatusMatchersTest, StatusIs) {
  absl::Status status = absl::NotFoundError("a.bc: No such file");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status, Not(StatusIs(absl::StatusCode::kInvalidArgument)));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, HasSubstr("a.bc")));
  EXPECT_THAT(status,
              Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("b.bc"))));
  EXPECT_THAT(absl::StatusOr<int>(status),
              StatusIs(absl::StatusCode::kNotFound, "a.bc: No such file"));
  EXPECT_THAT(absl::StatusOr<int>(1),
              Not(StatusIs(absl::StatusCode::kNotFound)));
}

}  // namespace
}  // namespace helperlink::testing
