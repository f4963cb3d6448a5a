// Tests for invocation/mapped_file: an input file mapped read-only, with
// the checks and errors of ReadInputFile.
#include "invocation/mapped_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "invocation/atomic_file.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

class MappedFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomically(path, bytes).ok());
    return path;
  }
  testing::TempDir temp_{"mapped"};
  const std::string dir_ = temp_.path();
};

TEST_F(MappedFileTest, MapsARegularFile) {
  std::string bytes("BC\xc0\xde\0binary\0tail", 16);
  std::string path = Write("crate.bc", bytes);
  absl::StatusOr<MappedFile> file = MappedFile::Open(path, 1 << 20);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), bytes.size());
  EXPECT_EQ(file->bytes(), bytes);
}

TEST_F(MappedFileTest, MovedMapStaysValid) {
  std::string bytes(3 << 20, 'x');  // several pages, a multi-MB crate
  bytes[bytes.size() - 1] = 'y';
  std::string path = Write("big.bc", bytes);
  absl::StatusOr<MappedFile> file = MappedFile::Open(path, 16 << 20);
  ASSERT_TRUE(file.ok()) << file.status();
  MappedFile moved = std::move(*file);
  EXPECT_EQ(file->size(), 0u);
  EXPECT_TRUE(file->bytes().empty());
  EXPECT_EQ(moved.bytes(), bytes);
  MappedFile assigned = MappedFile::Open(Write("a.bc", "a"), 16).value();
  assigned = std::move(moved);
  EXPECT_EQ(assigned.bytes(), bytes);
}

TEST_F(MappedFileTest, EmptyFileMapsToNoBytes) {
  absl::StatusOr<MappedFile> file = MappedFile::Open(Write("empty.bc", ""), 16);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), 0u);
  EXPECT_TRUE(file->bytes().empty());
}

TEST_F(MappedFileTest, MissingFileIsNotFound) {
  absl::StatusOr<MappedFile> file = MappedFile::Open(dir_ + "/nope.bc", 16);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsNotFound(file.status()));
  EXPECT_EQ(file.status().message(),
            dir_ + "/nope.bc: No such file or directory");
}

TEST_F(MappedFileTest, DirectoryIsRefused) {
  absl::StatusOr<MappedFile> file = MappedFile::Open(dir_, 16);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(file.status()));
  EXPECT_EQ(file.status().message(), dir_ + ": is a directory");
}

TEST_F(MappedFileTest, DeviceIsRefused) {
  // /dev/zero maps fine and never ends: it must be refused before that.
  absl::StatusOr<MappedFile> file = MappedFile::Open("/dev/zero", 1 << 20);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(file.status()));
  EXPECT_EQ(file.status().message(),
            "/dev/zero: not a regular file (a device, fifo or socket); "
            "refusing to read it");
}

TEST_F(MappedFileTest, FifoIsRefusedWithoutWaitingForAWriter) {
  std::string path = dir_ + "/fifo.bc";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  absl::StatusOr<MappedFile> file = MappedFile::Open(path, 1 << 20);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(file.status()));
  EXPECT_NE(std::string(file.status().message()).find("not a regular file"),
            std::string::npos);
}

TEST_F(MappedFileTest, FileOverTheLimitIsRefused) {
  std::string path = Write("large.bc", std::string((2 << 20) + 1, 'x'));
  absl::StatusOr<MappedFile> file = MappedFile::Open(path, 2 << 20);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(file.status()));
  EXPECT_EQ(file.status().message(),
            path + ": 2097153 bytes, more than the limit of 2 MiB");
  // At the limit it maps.
  path = Write("limit.bc", std::string(2 << 20, 'x'));
  EXPECT_TRUE(MappedFile::Open(path, 2 << 20).ok());
}

}  // namespace
}  // namespace helperlink
