// Tests for daemon/service/helper_files: read once, re-read when the file's
// identity changes, errors name the path.
#include "daemon/service/helper_files.h"

#include <unistd.h>

#include <thread>
#include <vector>

#include "cache/sha256.h"
#include "gtest/gtest.h"
#include "invocation/atomic_file.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(HelperFileCacheTest, ReadsOnceAndRereadsAfterAChange) {
  testing::TempDir temp("hf");
  std::string path = temp.Path("helpers.bc");
  ASSERT_THAT(WriteFileAtomically(path, "first"), IsOk());

  HelperFileCache cache;
  auto a = cache.Get(path);
  auto b = cache.Get(path);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(*a->input.bytes, "first");
  EXPECT_EQ(a->digest, Sha256Hex("first"));
  EXPECT_EQ(a->input.bytes, b->input.bytes);  // the same resident copy
  EXPECT_EQ(cache.reads(), 1);

  // Rebuilt in place (a new inode, as compilers and `mv` produce).
  ASSERT_THAT(WriteFileAtomically(path, "second!"), IsOk());
  auto c = cache.Get(path);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(*c->input.bytes, "second!");
  EXPECT_EQ(c->digest, Sha256Hex("second!"));
  EXPECT_EQ(cache.reads(), 2);
  EXPECT_EQ(*a->input.bytes, "first");  // earlier holders keep their bytes

  auto missing = cache.Get(temp.Path("nope.bc"));
  EXPECT_THAT(missing,
              StatusIs(absl::StatusCode::kNotFound,
                       temp.Path("nope.bc: No such file or directory")));
}

// make -j8 starts eight Rust objects at once, all naming one helpers file:
// they wait for one read instead of each reading the file.
TEST(HelperFileCacheTest, ConcurrentRequestsShareOneRead) {
  testing::TempDir temp("hf");
  std::string path = temp.Path("helpers.bc");
  // Large enough that a read and its digest take a while.
  ASSERT_THAT(WriteFileAtomically(path, std::string(32 << 20, 'h')), IsOk());

  HelperFileCache cache;
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<HelperFile>> got(16, absl::UnknownError(""));
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = cache.Get(path); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) {
    ASSERT_THAT(g, IsOk());
    EXPECT_EQ(g->input.bytes.get(), got[0]->input.bytes.get());
  }
  EXPECT_EQ(cache.reads(), 1);
}

}  // namespace
}  // namespace helperlink
