// State dir layout, permissions and locks; see state_dir.h.
#include "client/state_dir.h"

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

absl::Status MakePrivateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno(path, "cannot create state dir");
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Errno(path, "cannot stat");
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": state dir is not a directory"));
  }
  if (st.st_uid != ::geteuid()) {
    return absl::PermissionDeniedError(
        absl::StrFormat("%s: state dir belongs to uid %d, not to us (uid %d)",
                        path, st.st_uid, ::geteuid()));
  }
  if ((st.st_mode & 0777) != 0700 && ::chmod(path.c_str(), 0700) != 0) {
    return Errno(path, "cannot make state dir private");
  }
  return absl::OkStatus();
}

}  // namespace

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
  std::string socket_dir = paths.socket.substr(0, paths.socket.rfind('/'));
  if (socket_dir != paths.dir) return MakePrivateDir(socket_dir);
  return absl::OkStatus();
}

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& path, Wait wait) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(path, "cannot open lock");
  int flags = LOCK_EX | (wait == Wait::kNo ? LOCK_NB : 0);
  while (::flock(fd, flags) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(path, ": locked"));
    }
    errno = error;
    return Errno(path, "cannot lock");
  }
  return FileLock(fd);
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
