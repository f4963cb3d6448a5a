// Damage to a real LMDB cache is a miss, never a crash: a small environment
// is truncated at every page boundary, each of its pages is overwritten
// with garbage or zeros (before it is opened, and while it is open), and
// data.mdb and lock.mdb are emptied or filled with garbage. Each case runs
// in a child process that looks every entry up (each must be the right
// object or a miss), records hits and misses, stores a new entry and reads
// it back; the damaged environment must have been moved aside at most once,
// exactly when the cache said so. Also: stores with different policies on
// one dir share one environment, and a map grown by another process is
// taken up.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cache/lmdb_store.h"
#include "cache/local_cache.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

constexpr off_t kPage = 4096;
constexpr int kEntries = 16;

KeyInputs InputsFor(int i) {
  return MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"}, {"clang"},
                       std::string(63, 'c') + static_cast<char>('A' + i));
}
// Sizes from a few bytes to several pages: leaf and overflow pages.
std::string ObjectFor(int i) {
  return std::string(50 + 700 * i, static_cast<char>('a' + i));
}

int DamagedDirs(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  while (dirent* e = readdir(d)) {
    if (std::string(e->d_name).find("cache.lmdb.damaged-") == 0) ++n;
  }
  closedir(d);
  return n;
}

void Shell(const std::string& command) {
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// Overwrites bytes of `file` at `at`, from another process: closing a
// descriptor of lock.mdb here would drop this process's LMDB locks.
void WriteAt(const std::string& file, off_t at, const std::string& bytes) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(file.c_str(), O_WRONLY);
    _exit(fd >= 0 && pwrite(fd, bytes.data(), bytes.size(), at) ==
                         static_cast<ssize_t>(bytes.size())
              ? 0
              : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << file;
}

std::string Garbage(size_t n, unsigned seed) {
  std::string out(n, '\0');
  for (char& c : out) {
    seed = seed * 1103515245 + 12345;
    c = static_cast<char>(seed >> 16);
  }
  return out;
}

struct Totals {
  int cases = 0, moved_aside = 0, hits = 0, misses = 0;
};

class LmdbDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pristine_ = root_ + "/pristine";
    auto cache = LocalCache::Open(pristine_, CachePolicy());
    ASSERT_TRUE(cache.ok()) << cache.status();
    for (int i = 0; i < kEntries; ++i) {
      KeyInputs in = InputsFor(i);
      ASSERT_TRUE((*cache)
                      ->StoreMiss(in, in.Key(),
                                  {ObjectFor(i), TestReport("{\"r\": 1}")},
                                  absl::StrCat("/out/", i, ".o"))
                      .ok());
    }
    cache->reset();
    struct stat st;
    ASSERT_EQ(stat((pristine_ + "/cache.lmdb/data.mdb").c_str(), &st), 0);
    pages_ = st.st_size / kPage;
    ASSERT_GE(pages_, 8);
  }

  // A fresh copy of the pristine cache; returns its dir.
  std::string Copy() {
    std::string dir = absl::StrCat(root_, "/case", ++cases_);
    Shell("cp -a '" + pristine_ + "' '" + dir + "'");
    return dir;
  }

  // In a child: opens the cache in `dir`, runs `live` (damage while open),
  // looks up every entry, then stores and reads back a new one. Fails the
  // test on a crash, a wrong object, an error, or a move-aside that was not
  // reported once.
  void Check(const std::string& dir, const std::function<void()>& live,
             const std::string& what) {
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipe_fds[0]);
      _exit(Child(dir, live, pipe_fds[1]));
    }
    close(pipe_fds[1]);
    auto start = std::chrono::steady_clock::now();
    int counts[2] = {0, 0};
    ssize_t got = read(pipe_fds[0], counts, sizeof counts);
    close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status))
        << what << ": killed by signal " << WTERMSIG(status);
    ASSERT_EQ(WEXITSTATUS(status), 0) << what;
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof counts)) << what;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (seconds > 1) std::printf("%s: %.1f s\n", what.c_str(), seconds);
    int moved = DamagedDirs(dir);
    ASSERT_LE(moved, 1) << what;
    ++totals_.cases;
    totals_.moved_aside += moved;
    totals_.hits += counts[0];
    totals_.misses += counts[1];
  }

  static int Child(const std::string& dir, const std::function<void()>& live,
                   int out) {
    auto cache = LocalCache::Open(dir, CachePolicy());
    if (!cache.ok()) {
      std::fprintf(stderr, "open: %s\n",
                   std::string(cache.status().message()).c_str());
      return 2;
    }
    if (live) live();
    int counts[2] = {0, 0};
    for (int i = 0; i < kEntries; ++i) {
      KeyInputs in = InputsFor(i);
      auto found = (*cache)->Lookup(in.Key());
      if (!found.ok()) {
        std::fprintf(stderr, "lookup %d: %s\n", i,
                     std::string(found.status().message()).c_str());
        return 3;
      }
      std::string out = absl::StrCat("/out/", i, ".o");
      if (found->has_value()) {
        if ((*found)->object != ObjectFor(i)) {
          std::fprintf(stderr, "lookup %d: wrong object\n", i);
          return 4;
        }
        ++counts[0];
        (*cache)->RecordHit(in, in.Key(), 1, out).IgnoreError();
      } else {
        ++counts[1];
        (*cache)
            ->StoreMiss(in, in.Key(), {ObjectFor(i), TestReport("{}")}, out)
            .IgnoreError();
      }
    }
    (*cache)->Stats().IgnoreError();
    KeyInputs fresh = InputsFor(kEntries);
    auto stored = (*cache)->StoreMiss(
        fresh, fresh.Key(), {"fresh object", TestReport("{}")}, "/out/new.o");
    auto back = (*cache)->Lookup(fresh.Key());
    if (!stored.ok() || !back.ok() || !back->has_value() ||
        (*back)->object != "fresh object") {
      std::fprintf(stderr, "store after damage failed: %s\n",
                   std::string(stored.status().message()).c_str());
      return 5;
    }
    std::string notice = (*cache)->TakeNotice();
    int moved = DamagedDirs(dir);
    if (moved != (notice.empty() ? 0 : 1)) {
      std::fprintf(stderr, "%d dirs moved aside, notice '%s'\n", moved,
                   notice.c_str());
      return 6;
    }
    if (write(out, counts, sizeof counts) != sizeof counts) return 7;
    return 0;
  }

  void Report(const std::string& kind) {
    std::printf("%s: %d cases (%d pages), %d moved aside, %d hits, %d misses\n",
                kind.c_str(), totals_.cases, pages_, totals_.moved_aside,
                totals_.hits, totals_.misses);
  }

  testing::TempDir temp_{"damage"};
  const std::string root_ = temp_.path();
  std::string pristine_;
  int pages_ = 0, cases_ = 0;
  Totals totals_;
};

TEST_F(LmdbDamageTest, TruncatedAtEveryPageBoundary) {
  for (int page = 0; page < pages_; ++page) {
    std::string dir = Copy();
    ASSERT_EQ(truncate((dir + "/cache.lmdb/data.mdb").c_str(), page * kPage),
              0);
    Check(dir, nullptr, absl::StrCat("truncated to ", page, " pages"));
    if (HasFatalFailure()) return;
    // Short of the pages the newest meta page names: always detected.
    EXPECT_EQ(DamagedDirs(dir), 1) << page;
  }
  Report("truncated");
}

TEST_F(LmdbDamageTest, TruncatedWhileOpenAtEveryPageBoundary) {
  for (int page = 0; page < pages_; ++page) {
    std::string dir = Copy();
    std::string data = dir + "/cache.lmdb/data.mdb";
    Check(
        dir, [&] { (void)truncate(data.c_str(), page * kPage); },
        absl::StrCat("truncated while open to ", page, " pages"));
    if (HasFatalFailure()) return;
  }
  Report("truncated while open");
}

TEST_F(LmdbDamageTest, EveryPageOverwrittenWithGarbage) {
  for (int page = 0; page < pages_; ++page) {
    std::string dir = Copy();
    WriteAt(dir + "/cache.lmdb/data.mdb", page * kPage,
            Garbage(kPage, page + 1));
    Check(dir, nullptr, absl::StrCat("garbage page ", page));
    if (HasFatalFailure()) return;
  }
  Report("garbage");
}

TEST_F(LmdbDamageTest, EveryPageOverwrittenWithZeros) {
  for (int page = 0; page < pages_; ++page) {
    std::string dir = Copy();
    WriteAt(dir + "/cache.lmdb/data.mdb", page * kPage,
            std::string(kPage, '\0'));
    Check(dir, nullptr, absl::StrCat("zero page ", page));
    if (HasFatalFailure()) return;
  }
  Report("zeros");
}

TEST_F(LmdbDamageTest, EveryPageOverwrittenWhileOpen) {
  for (int page = 0; page < pages_; ++page) {
    for (bool zeros : {false, true}) {
      std::string dir = Copy();
      std::string data = dir + "/cache.lmdb/data.mdb";
      std::string bytes =
          zeros ? std::string(kPage, '\0') : Garbage(kPage, page + 77);
      Check(
          dir, [&] { WriteAt(data, page * kPage, bytes); },
          absl::StrCat(zeros ? "zero" : "garbage", " page ", page,
                       " while open"));
      if (HasFatalFailure()) return;
    }
  }
  Report("overwritten while open");
}

TEST_F(LmdbDamageTest, EmptyDataFileIsMovedAside) {
  std::string dir = Copy();
  ASSERT_EQ(truncate((dir + "/cache.lmdb/data.mdb").c_str(), 0), 0);
  Check(dir, nullptr, "empty data.mdb");
  EXPECT_EQ(DamagedDirs(dir), 1);
}

TEST_F(LmdbDamageTest, EmptyLockFileIsMovedAside) {
  std::string dir = Copy();
  ASSERT_EQ(truncate((dir + "/cache.lmdb/lock.mdb").c_str(), 0), 0);
  Check(dir, nullptr, "empty lock.mdb");
  EXPECT_EQ(DamagedDirs(dir), 1);
}

TEST_F(LmdbDamageTest, GarbageLockFileNobodyHoldsIsRebuiltByLmdb) {
  std::string dir = Copy();
  std::string lock = dir + "/cache.lmdb/lock.mdb";
  struct stat st;
  ASSERT_EQ(stat(lock.c_str(), &st), 0);
  WriteAt(lock, 0, Garbage(st.st_size, 5));
  Check(dir, nullptr, "garbage lock.mdb");
  // Alone, LMDB reinitializes the lock file: nothing lost.
  EXPECT_EQ(DamagedDirs(dir), 0);
  EXPECT_EQ(totals_.hits, kEntries);
}

TEST_F(LmdbDamageTest, GarbageLockFileWhileAnotherProcessHoldsIt) {
  std::string dir = Copy();
  // This process holds the environment open (as a daemon would) while the
  // lock file is overwritten; the child then opens it.
  auto holder = LocalCache::Open(dir, CachePolicy());
  ASSERT_TRUE(holder.ok());
  std::string lock = dir + "/cache.lmdb/lock.mdb";
  struct stat st;
  ASSERT_EQ(stat(lock.c_str(), &st), 0);
  WriteAt(lock, 0, Garbage(st.st_size, 9));
  Check(dir, nullptr, "garbage lock.mdb, held");
  EXPECT_EQ(DamagedDirs(dir), 1);
  // The holder takes up the fresh environment the child made and sees the
  // child's entry there, without moving anything aside again.
  KeyInputs fresh = InputsFor(kEntries);
  auto found = (*holder)->Lookup(fresh.Key());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->object, "fresh object");
  EXPECT_EQ(DamagedDirs(dir), 1);
  EXPECT_EQ((*holder)->TakeNotice(), "");
}

TEST_F(LmdbDamageTest, ConcurrentProcessesMoveADamagedCacheAsideOnce) {
  for (int round = 0; round < 5; ++round) {
    std::string dir = Copy();
    ASSERT_EQ(truncate((dir + "/cache.lmdb/data.mdb").c_str(), 3 * kPage), 0);
    std::vector<pid_t> children;
    for (int c = 0; c < 6; ++c) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        auto cache = LocalCache::Open(dir, CachePolicy());
        if (!cache.ok()) _exit(2);
        KeyInputs in = InputsFor(c);
        auto found = (*cache)->Lookup(in.Key());
        _exit(found.ok() ? 0 : 3);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(DamagedDirs(dir), 1) << round;
  }
}

// Two policies naming one dir share one environment in a process (LMDB
// forbids opening it twice), and the larger map serves both.
TEST_F(LmdbDamageTest, StoresOnOneDirShareTheEnvironment) {
  std::string dir = root_ + "/shared";
  CachePolicy small;
  small.map_bytes = 1 << 20;
  auto a = LmdbStore::Open(dir, small);
  auto b = LmdbStore::Open(dir, CachePolicy());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->Env()->get(), (*b)->Env()->get());
  for (int i = 0; i < 40; ++i) {
    StoreUpdate update;
    update.put_entry.emplace(absl::StrCat("k", i), std::string(100000, 'v'));
    ASSERT_TRUE((*b)->Apply(update).ok()) << i;
  }
  auto value = (*a)->Get(Table::kEntries, "k39");
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_TRUE(value->has_value());
  EXPECT_EQ((*value)->size(), 100000u);
}

// A process with a smaller map reads what a process with a larger one
// wrote past its map's end.
TEST_F(LmdbDamageTest, MapGrownByAnotherProcessIsTakenUp) {
  std::string dir = root_ + "/grown";
  CachePolicy small;
  small.map_bytes = 1 << 20;
  auto reader = LmdbStore::Open(dir, small);
  ASSERT_TRUE(reader.ok());
  ASSERT_FALSE((*reader)->Get(Table::kEntries, "k0")->has_value());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto writer = LmdbStore::Open(dir, CachePolicy());
    if (!writer.ok()) _exit(2);
    for (int i = 0; i < 40; ++i) {
      StoreUpdate update;
      update.put_entry.emplace(absl::StrCat("k", i), std::string(100000, 'w'));
      if (!(*writer)->Apply(update).ok()) _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto value = (*reader)->Get(Table::kEntries, "k39");
  ASSERT_TRUE(value.ok()) << value.status();
  ASSERT_TRUE(value->has_value());
  EXPECT_EQ((*value)->size(), 100000u);
}

}  // namespace
}  // namespace helperlink
