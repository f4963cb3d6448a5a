// Tests for client/atomic_file: whole-file reads and atomic replacement.
#include "invocation/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  int EntriesInDir() {
    int count = 0;
    DIR* dir = opendir(dir_.c_str());
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count;
  }
  testing::TempDir temp_{"atomic"};
  const std::string dir_ = temp_.path();
};

TEST_F(AtomicFileTest, WriteThenReadBack) {
  std::string path = dir_ + "/out.o";
  std::string bytes(
      "\x7f"
      "ELF\0\1\2",
      7);
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  auto read = ReadFileToString(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFileToString(path), "second");
  EXPECT_EQ(EntriesInDir(), 1);  // no temporary left behind
}

TEST_F(AtomicFileTest, FailedWriteLeavesNothing) {
  std::string path = dir_ + "/missing-dir/out.o";
  absl::Status status = WriteFileAtomically(path, "x");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(std::string(status.message()).rfind(path + ": ", 0), 0u);
  EXPECT_EQ(EntriesInDir(), 0);
}

TEST_F(AtomicFileTest, ReadErrorsNameThePath) {
  auto missing = ReadFileToString(dir_ + "/nope.bc");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            dir_ + "/nope.bc: No such file or directory");
  auto directory = ReadFileToString(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().message(), dir_ + ": is a directory");
}

TEST_F(AtomicFileTest, RemoveIfExists) {
  std::string path = dir_ + "/f";
  ASSERT_TRUE(WriteFileAtomically(path, "x").ok());
  EXPECT_TRUE(RemoveIfExists(path).ok());
  EXPECT_TRUE(RemoveIfExists(path).ok());
  EXPECT_EQ(EntriesInDir(), 0);
}

TEST_F(AtomicFileTest, NonRegularOrOversizedInputsAreRefusedUnread) {
  std::string fifo = dir_ + "/fifo.bc";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    auto read = ReadInputFile(path, kMaxInputBytes);
    ASSERT_FALSE(read.ok()) << path;
    EXPECT_TRUE(absl::IsInvalidArgument(read.status()));
    EXPECT_EQ(read.status().message(),
              path +
                  ": not a regular file (a device, fifo or socket); "
                  "refusing to read it");
  }
  std::string big = dir_ + "/big.bc";
  ASSERT_TRUE(WriteFileAtomically(big, std::string(4097, 'b')).ok());
  auto read = ReadInputFile(big, 4096);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(),
            big + ": 4097 bytes, more than the limit of 0 MiB");
  EXPECT_EQ(*ReadInputFile(big, 4097), std::string(4097, 'b'));
}

TEST_F(AtomicFileTest, AFifoOutputIsWrittenInPlaceAndNeverRemoved) {
  std::string fifo = dir_ + "/out.o";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(WriteFileAtomically(fifo, "object").ok());
  char buffer[16] = {};
  EXPECT_EQ(read(reader, buffer, sizeof buffer), 6);
  EXPECT_STREQ(buffer, "object");
  close(reader);
  ASSERT_TRUE(RemoveIfExists(fifo).ok());
  struct stat st;
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(EntriesInDir(), 1);
}

}  // namespace
}  // namespace helperlink
