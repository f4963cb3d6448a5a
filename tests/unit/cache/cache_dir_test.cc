// Tests for cache/cache_dir: where the default cache dir is, that it is
// created with its parents, and which dirs are trusted (private and group).
#include "cache/cache_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

class CacheDirTest : public ::testing::Test {
 protected:
  mode_t Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  testing::TempDir temp_{"cachedir"};
  const std::string root_ = temp_.path();
};

TEST_F(CacheDirTest, ResolvedInOrderFlagEnvXdgHome) {
  CacheDirSources s;
  s.flag = "/f";
  s.env_dir = "/e";
  s.xdg_cache_home = "/x";
  s.home = "/h";
  EXPECT_EQ(*ResolveCacheDir(s), "/f");
  s.flag = "";
  EXPECT_EQ(*ResolveCacheDir(s), "/e");
  s.env_dir = nullptr;
  EXPECT_EQ(*ResolveCacheDir(s), "/x/helperlink");
  s.xdg_cache_home = "";
  EXPECT_EQ(*ResolveCacheDir(s), "/h/.cache/helperlink");
}

TEST_F(CacheDirTest, WithoutHomeTheDefaultComesFromPasswdNeverTmp) {
  struct passwd* entry = getpwuid(geteuid());
  ASSERT_NE(entry, nullptr) << "this uid has no passwd entry";
  auto dir = ResolveCacheDir(CacheDirSources());
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, std::string(entry->pw_dir) + "/.cache/helperlink");
  EXPECT_NE(dir->rfind("/tmp", 0), 0u);
}

TEST_F(CacheDirTest, CreatedWithMissingParentsPrivate) {
  std::string dir = root_ + "/home/.cache/helperlink";
  ASSERT_TRUE(PrepareCacheDir(dir, CacheSharing::kPrivate).ok());
  EXPECT_EQ(Mode(root_ + "/home"), 0700u);
  EXPECT_EQ(Mode(root_ + "/home/.cache"), 0700u);
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_TRUE(PrepareCacheDir(dir, CacheSharing::kPrivate).ok());
}

TEST_F(CacheDirTest, WritableByOthersIsNeverTrusted) {
  std::string dir = root_ + "/c";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  for (CacheSharing sharing : {CacheSharing::kPrivate, CacheSharing::kGroup}) {
    absl::Status status = PrepareCacheDir(dir, sharing);
    EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
    EXPECT_NE(status.message().find("writable by others"), std::string::npos);
  }
}

TEST_F(CacheDirTest, GroupWritableOnlyWhenSharingIsDeclared) {
  std::string dir = root_ + "/c";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0770), 0);
  absl::Status status = PrepareCacheDir(dir, CacheSharing::kPrivate);
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_NE(status.message().find("HELPERLINK_CACHE_SHARED=group"),
            std::string::npos);
  EXPECT_TRUE(PrepareCacheDir(dir, CacheSharing::kGroup).ok());
}

TEST_F(CacheDirTest, LinksInsideTheCacheAreNotTrusted) {
  std::string dir = root_ + "/c";
  ASSERT_TRUE(PrepareCacheDir(dir, CacheSharing::kPrivate).ok());
  ASSERT_EQ(mkdir((dir + "/cache.lmdb").c_str(), 0700), 0);
  ASSERT_EQ(symlink("/etc/passwd", (dir + "/cache.lmdb/data.mdb").c_str()), 0);
  absl::Status status = PrepareCacheDir(dir, CacheSharing::kPrivate);
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_NE(status.message().find("data.mdb"), std::string::npos);
}

TEST_F(CacheDirTest, RelativeAndUnknownSettingsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      PrepareCacheDir("relative", CacheSharing::kPrivate)));
  EXPECT_EQ(*ParseCacheSharing(""), CacheSharing::kPrivate);
  EXPECT_EQ(*ParseCacheSharing("group"), CacheSharing::kGroup);
  EXPECT_FALSE(ParseCacheSharing("everyone").ok());
}

}  // namespace
}  // namespace helperlink
