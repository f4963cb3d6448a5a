// Tests for client/state_dir: path layout, the short socket path, the
// owner-only permissions and the file locks.
#include "invocation/state_dir.h"

#include <fcntl.h>
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

TEST_F(StateDirTest, ADirThatIsNotPrivateToUsIsRefused) {
  auto paths = StatePathsFor(root_ + "/s");
  EXPECT_TRUE(absl::IsNotFound(CheckStateDirs(*paths)));
  ASSERT_TRUE(PrepareStateDir(*paths).ok());
  EXPECT_TRUE(CheckStateDirs(*paths).ok());
  ASSERT_EQ(chmod(paths->dir.c_str(), 0777), 0);
  absl::Status status = CheckStateDirs(*paths);
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_NE(status.message().find("writable by others"), std::string::npos);
  EXPECT_TRUE(absl::IsPermissionDenied(PrepareStateDir(*paths)));
  EXPECT_FALSE(OpenPrivateDir(paths->dir).ok());
}

TEST_F(StateDirTest, ASymlinkedStateDirIsRefused) {
  ASSERT_EQ(mkdir((root_ + "/real").c_str(), 0700), 0);
  ASSERT_EQ(symlink((root_ + "/real").c_str(), (root_ + "/s").c_str()), 0);
  auto paths = StatePathsFor(root_ + "/s");
  absl::Status status = PrepareStateDir(*paths);
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_EQ(status.message(), root_ + "/s: state dir is a symlink");
}

TEST_F(StateDirTest, PlantedLinksAndFifosAreReplacedNotFollowed) {
  auto paths = StatePathsFor(root_ + "/s");
  ASSERT_TRUE(PrepareStateDir(*paths).ok());
  std::string target = root_ + "/target";
  ASSERT_EQ(symlink(target.c_str(), paths->log.c_str()), 0);
  ASSERT_EQ(mkfifo(paths->start_lock.c_str(), 0600), 0);
  auto dir = OpenPrivateDir(paths->dir);
  ASSERT_TRUE(dir.ok()) << dir.status();
  auto log = OpenFileInDir(dir->get(), "log", O_WRONLY | O_APPEND);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(write(log->get(), "x", 1), 1);
  struct stat st;
  EXPECT_NE(lstat(target.c_str(), &st), 0) << "the link was followed";
  ASSERT_EQ(lstat(paths->log.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  auto lock =
      FileLock::AcquireAt(dir->get(), "start.lock", FileLock::Wait::kNo);
  ASSERT_TRUE(lock.ok()) << lock.status();
  ASSERT_EQ(lstat(paths->start_lock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

}  // namespace
}  // namespace helperlink
