// Tests for invocation/file_identity: the same file keeps its identity; a
// file rebuilt in place, rewritten or touched gets a new one; a missing
// file is a one-line NOT_FOUND.
#include "invocation/file_identity.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "gtest/gtest.h"
#include "invocation/atomic_file.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(FileIdentityTest, ChangesWhenTheFileDoes) {
  testing::TempDir temp("identity");
  std::string path = temp.Path("helpers.bc");
  ASSERT_THAT(WriteFileAtomically(path, "one"), IsOk());
  auto a = FileIdentity::Of(path);
  auto b = FileIdentity::Of(path);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size, 3u);

  ASSERT_THAT(WriteFileAtomically(path, "two"), IsOk());  // a new inode
  auto c = FileIdentity::Of(path);
  ASSERT_THAT(c, IsOk());
  EXPECT_NE(*a, *c);

  // Same inode, same size, new times.
  struct timespec times[2] = {{0, UTIME_NOW}, {12345, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  auto d = FileIdentity::Of(path);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->inode, c->inode);
  EXPECT_NE(*c, *d);

  EXPECT_THAT(FileIdentity::Of(temp.Path("gone")),
              StatusIs(absl::StatusCode::kNotFound,
                       temp.Path("gone: No such file or directory")));
}

}  // namespace
}  // namespace helperlink
