// State dir layout, permissions and locks; see state_dir.h.
#include "invocation/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace helperlink {
namespace {

absl::Status Errno(const std::string& path, const char* what) {
  return absl::InternalError(
      absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

// FNV-1a: stable across builds and machines, which std::hash is not.
uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Whether `st` (from lstat or fstat of `path`) is a dir private to us.
absl::Status CheckDirStat(const std::string& path, const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": state dir is a symlink"));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": state dir is not a directory"));
  }
  if (st.st_uid != ::geteuid()) {
    return absl::PermissionDeniedError(
        absl::StrFormat("%s: state dir belongs to uid %d, not to us (uid %d)",
                        path, st.st_uid, ::geteuid()));
  }
  if ((st.st_mode & 022) != 0) {
    return absl::PermissionDeniedError(
        absl::StrFormat("%s: state dir is writable by others (mode %04o)", path,
                        st.st_mode & 07777));
  }
  return absl::OkStatus();
}

absl::Status CheckDir(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": no such directory"));
    }
    return Errno(path, "cannot stat");
  }
  return CheckDirStat(path, st);
}

absl::Status MakePrivateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno(path, "cannot create state dir");
  }
  absl::StatusOr<UniqueFd> dir = OpenPrivateDir(path);
  if (!dir.ok()) return dir.status();
  struct stat st;
  if (::fstat(dir->get(), &st) != 0) return Errno(path, "cannot stat");
  if ((st.st_mode & 0777) != 0700 && ::fchmod(dir->get(), 0700) != 0) {
    return Errno(path, "cannot make state dir private");
  }
  return absl::OkStatus();
}

}  // namespace

std::string StatePaths::SocketDir() const {
  return socket.substr(0, socket.rfind('/'));
}

std::string StatePaths::SocketName() const {
  return socket.substr(socket.rfind('/') + 1);
}

absl::StatusOr<StatePaths> StatePathsFor(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("state dir is empty");
  StatePaths paths;
  if (dir[0] == '/') {
    paths.dir = dir;
  } else {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof(cwd))) {
      return absl::InternalError(absl::StrCat(
          "cannot read the current directory: ", std::strerror(errno)));
    }
    paths.dir = absl::StrCat(cwd, "/", dir);
  }
  while (paths.dir.size() > 1 && paths.dir.back() == '/') paths.dir.pop_back();
  paths.socket = paths.dir + "/socket";
  if (paths.socket.size() >= sizeof(sockaddr_un::sun_path) - 1) {
    paths.socket = absl::StrFormat("/tmp/helperlink-%d/%016x.sock", ::geteuid(),
                                   Fnv1a(paths.dir));
  }
  paths.daemon_lock = paths.dir + "/daemon.lock";
  paths.start_lock = paths.dir + "/start.lock";
  paths.log = paths.dir + "/log";
  return paths;
}

absl::Status PrepareStateDir(const StatePaths& paths) {
  absl::Status status = MakePrivateDir(paths.dir);
  if (!status.ok()) return status;
  if (paths.SocketDir() != paths.dir) return MakePrivateDir(paths.SocketDir());
  return absl::OkStatus();
}

absl::Status CheckStateDirs(const StatePaths& paths) {
  absl::Status status = CheckDir(paths.dir);
  if (!status.ok()) return status;
  if (paths.SocketDir() != paths.dir) return CheckDir(paths.SocketDir());
  return absl::OkStatus();
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<UniqueFd> OpenPrivateDir(const std::string& path) {
  absl::Status checked = CheckDir(path);
  if (!checked.ok()) return checked;
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": state dir was replaced while being opened"));
    }
    return Errno(path, "cannot open");
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno(path, "cannot stat");
  checked = CheckDirStat(path, st);
  if (!checked.ok()) return checked;
  return fd;
}

absl::StatusOr<UniqueFd> OpenFileInDir(int dir_fd, const std::string& name,
                                       int flags) {
  // O_NONBLOCK: a fifo planted under the name must not block the open.
  int open_flags = flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  for (int attempt = 0; attempt < 3; ++attempt) {
    UniqueFd fd(::openat(dir_fd, name.c_str(), open_flags, 0600));
    if (fd.get() < 0) {
      if (errno != ELOOP && errno != ENXIO && errno != EISDIR) {
        return Errno(name, "cannot open");
      }
    } else {
      struct stat st;
      if (::fstat(fd.get(), &st) != 0) return Errno(name, "cannot stat");
      if (S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) {
        int status_flags = ::fcntl(fd.get(), F_GETFL);
        if (status_flags >= 0) {
          ::fcntl(fd.get(), F_SETFL, status_flags & ~O_NONBLOCK);
        }
        return fd;
      }
    }
    // A symlink, a fifo, a device or another user's file: not ours to use.
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return Errno(name, "cannot remove what is in the way");
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat(name, ": keeps being replaced by something not ours"));
}

std::string PathThroughFd(int dir_fd, const std::string& name) {
  return absl::StrCat("/proc/self/fd/", dir_fd, "/", name);
}

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& path, Wait wait) {
  UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Errno(path, "cannot open lock");
  return Lock(std::move(fd), path, wait);
}

absl::StatusOr<FileLock> FileLock::AcquireAt(int dir_fd,
                                             const std::string& name,
                                             Wait wait) {
  absl::StatusOr<UniqueFd> fd = OpenFileInDir(dir_fd, name, O_RDWR);
  if (!fd.ok()) return fd.status();
  return Lock(std::move(*fd), name, wait);
}

absl::StatusOr<FileLock> FileLock::Lock(UniqueFd fd, const std::string& name,
                                        Wait wait) {
  int flags = LOCK_EX | (wait == Wait::kNo ? LOCK_NB : 0);
  while (::flock(fd.get(), flags) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(name, ": locked"));
    }
    return Errno(name, "cannot lock");
  }
  return FileLock(fd.Release());
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace helperlink
