// Tests for client/state_dir: path layout, the short socket path, the
// owner-only permissions and the file locks.
#include "client/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

class StateDirTest : public ::testing::Test {
 protected:
  testing::TempDir temp_{"state"};
  const std::string root_ = temp_.path();
};

TEST_F(StateDirTest, LayoutUnderTheDir) {
  auto paths = StatePathsFor(root_ + "/s/");
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->dir, root_ + "/s");
  EXPECT_EQ(paths->socket, root_ + "/s/socket");
  EXPECT_EQ(paths->daemon_lock, root_ + "/s/daemon.lock");
  EXPECT_EQ(paths->start_lock, root_ + "/s/start.lock");
  EXPECT_EQ(paths->log, root_ + "/s/log");
}

TEST_F(StateDirTest, RelativeDirIsTakenFromTheCwd) {
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  auto paths = StatePathsFor(".helperlink");
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->dir, std::string(cwd) + "/.helperlink");
}

TEST_F(StateDirTest, LongDirsGetAShortStableSocketPath) {
  std::string deep = root_ + "/" + std::string(120, 'd');
  auto a = StatePathsFor(deep);
  auto b = StatePathsFor(deep);
  auto other = StatePathsFor(deep + "x");
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_LT(a->socket.size(), 100u);
  EXPECT_EQ(a->socket.rfind("/tmp/helperlink-" + std::to_string(geteuid()), 0),
            0u);
  EXPECT_EQ(a->socket, b->socket);
  EXPECT_NE(a->socket, other->socket);
}

TEST_F(StateDirTest, PrepareMakesItPrivateAndTightensLooseModes) {
  auto paths = StatePathsFor(root_ + "/s");
  ASSERT_TRUE(PrepareStateDir(*paths).ok());
  struct stat st;
  ASSERT_EQ(stat(paths->dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(chmod(paths->dir.c_str(), 0755), 0);
  ASSERT_TRUE(PrepareStateDir(*paths).ok());
  ASSERT_EQ(stat(paths->dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(StateDirTest, AFileInTheWayIsAnError) {
  std::string path = root_ + "/f";
  ASSERT_EQ(std::system(("touch '" + path + "'").c_str()), 0);
  auto paths = StatePathsFor(path);
  absl::Status status = PrepareStateDir(*paths);
  EXPECT_EQ(status.message(), path + ": state dir is not a directory");
}

TEST_F(StateDirTest, LocksExcludeEachOther) {
  std::string path = root_ + "/lock";
  auto first = FileLock::Acquire(path, FileLock::Wait::kNo);
  ASSERT_TRUE(first.ok());
  auto second = FileLock::Acquire(path, FileLock::Wait::kNo);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  { FileLock released = std::move(*first); }
  EXPECT_TRUE(FileLock::Acquire(path, FileLock::Wait::kNo).ok());
}

}  // namespace
}  // namespace helperlink
