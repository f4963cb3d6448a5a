// Tests for daemon/service/helper_files: read once, re-read when the file's
// identity changes, errors name the path.
#include "daemon/service/helper_files.h"

#include <unistd.h>

#include <cstdlib>

#include "cache/sha256.h"
#include "client/atomic_file.h"
#include "gtest/gtest.h"

namespace helperlink {
namespace {

TEST(HelperFileCacheTest, ReadsOnceAndRereadsAfterAChange) {
  char pattern[] = "/tmp/helperlink-hf-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string path = std::string(pattern) + "/helpers.bc";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());

  HelperFileCache cache;
  auto a = cache.Get(path);
  auto b = cache.Get(path);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a->input.bytes, "first");
  EXPECT_EQ(a->digest, Sha256Hex("first"));
  EXPECT_EQ(a->input.bytes, b->input.bytes);  // the same resident copy
  EXPECT_EQ(cache.reads(), 1);

  // Rebuilt in place (a new inode, as compilers and `mv` produce).
  ASSERT_TRUE(WriteFileAtomically(path, "second!").ok());
  auto c = cache.Get(path);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->input.bytes, "second!");
  EXPECT_EQ(c->digest, Sha256Hex("second!"));
  EXPECT_EQ(cache.reads(), 2);
  EXPECT_EQ(*a->input.bytes, "first");  // earlier holders keep their bytes

  auto missing = cache.Get(std::string(pattern) + "/nope.bc");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(),
            std::string(pattern) + "/nope.bc: No such file or directory");
  ASSERT_EQ(std::system(("rm -rf '" + std::string(pattern) + "'").c_str()), 0);
}

}  // namespace
}  // namespace helperlink
