// File helpers; see atomic_file.h.
#include "invocation/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

absl::Status Errno(const std::string& path, int error) {
  std::string message = absl::StrCat(path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InternalError(message);
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(path, errno);
  std::string data;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  }
  if (st.st_size > 0) data.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      return Errno(path, error);
    }
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

absl::StatusOr<int> OpenInputFile(const std::string& path, uint64_t max_bytes,
                                  uint64_t* size) {
  // O_NONBLOCK: opening a fifo must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Errno(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return Errno(path, error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, S_ISDIR(st.st_mode) ? ": is a directory"
                                  : ": not a regular file (a device, fifo or "
                                    "socket); refusing to read it"));
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", st.st_size, " bytes, more than the limit of ",
                     max_bytes >> 20, " MiB"));
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

absl::StatusOr<std::string> ReadInputFile(const std::string& path,
                                          uint64_t max_bytes) {
  uint64_t size = 0;
  absl::StatusOr<int> opened = OpenInputFile(path, max_bytes, &size);
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  std::string data(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (true) {
    // One byte more than announced tells a file that grew meanwhile.
    if (done == data.size()) {
      if (done > max_bytes) break;
      data.resize(done + (1 << 16));
    }
    ssize_t n = ::read(fd, &data[done], data.size() - done);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      int error = errno;
      ::close(fd);
      return Errno(path, error);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": grew past the limit of ", max_bytes >> 20, " MiB while read"));
  }
  data.resize(done);
  return data;
}

namespace {

// Whether `path` names a character device or fifo (through links, as clang
// opens it).
bool IsDeviceLike(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 &&
         (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
}

// Writes all of `bytes` to `fd`, retrying short and interrupted writes;
// 0, or the errno of the write that failed.
int WriteAll(int fd, absl::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

absl::Status WriteInPlace(const std::string& path, absl::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno(path, errno);
  if (int error = WriteAll(fd, bytes); error != 0) {
    ::close(fd);
    return Errno(path, error);
  }
  if (::close(fd) != 0) return Errno(path, errno);
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes) {
  if (IsDeviceLike(path)) return WriteInPlace(path, bytes);
  std::random_device random;
  std::string temp =
      absl::StrCat(path, ".tmp.", ::getpid(), ".", random() % 1000000);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return Errno(path, errno);
  if (int error = WriteAll(fd, bytes); error != 0) {
    ::close(fd);
    ::unlink(temp.c_str());
    return Errno(path, error);
  }
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    return Errno(path, error);
  }
  // Remove the old file first: renaming over an existing file makes ext4
  // flush the new one to disk (auto_da_alloc), which costs a cache hit more
  // than everything else it does. Readers still never see a partial file:
  // they see the old one, none, or the complete new one.
  ::unlink(path.c_str());
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    return Errno(path, error);
  }
  return absl::OkStatus();
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof(cwd))) return path;
  return absl::StrCat(cwd, "/", path);
}

absl::Status RemoveIfExists(const std::string& path) {
  if (IsDeviceLike(path)) return absl::OkStatus();
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
  return Errno(path, errno);
}

}  // namespace helperlink
