// Tests for client/atomic_file: whole-file reads and atomic replacement.
#include "client/atomic_file.h"

#include <dirent.h>
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

}  // namespace
}  // namespace helperlink
