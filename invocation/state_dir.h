// The per-build-tree state dir shared by the client and the daemon: where
// the socket, the locks and the log live, and the rules that keep other
// users out. Every directory on the way to the daemon (the state dir and,
// for long paths, the short socket dir /tmp/helperlink-UID) must be a real
// directory (not a symlink), owned by us and writable by no one else; it is
// checked with lstat and opened with O_NOFOLLOW on every use, not only when
// a daemon is started. Files in it are opened relative to the verified
// directory's fd and never through a symlink.
#ifndef HELPERLINK_INVOCATION_STATE_DIR_H_
#define HELPERLINK_INVOCATION_STATE_DIR_H_

#include <string>

#include "absl/status/statusor.h"

namespace helperlink {

struct StatePaths {
  std::string dir;          // absolute
  std::string socket;       // Unix socket the daemon listens on
  std::string daemon_lock;  // held by the running daemon for its lifetime
  std::string start_lock;   // held by a client while it starts a daemon
  std::string log;          // the daemon's log

  // The directory holding the socket (dir, or /tmp/helperlink-UID) and the
  // socket's name in it.
  std::string SocketDir() const;
  std::string SocketName() const;
};

// Paths for state dir `dir` (relative paths are taken from the current
// directory). A Unix socket path must fit in 108 bytes; when DIR/socket
// would not, the socket goes to /tmp/helperlink-UID/HASH.sock, a 0700 dir of
// ours, with HASH derived from DIR so client and daemon agree.
absl::StatusOr<StatePaths> StatePathsFor(const std::string& dir);

// Creates the state dir (and the short socket dir if used) with mode 0700,
// or checks an existing one: it must be a directory (not a symlink) owned by
// us that neither group nor others may write; read or search bits for
// others are tightened to 0700. PERMISSION_DENIED names the dir and the
// problem when it is not ours.
absl::Status PrepareStateDir(const StatePaths& paths);

// Checks, without creating anything, the dirs a client goes through to
// reach the daemon. NOT_FOUND if one does not exist yet (no daemon can be
// running); PERMISSION_DENIED naming the dir if one is not private to us.
absl::Status CheckStateDirs(const StatePaths& paths);

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Opens directory `path` (O_NOFOLLOW) after checking it as CheckStateDirs
// does; the checks are repeated on the opened fd, so the dir cannot be
// swapped between the check and the open.
absl::StatusOr<UniqueFd> OpenPrivateDir(const std::string& path);

// Opens (creating, mode 0600) regular file `name` in the verified dir
// `dir_fd`, never through a symlink. A symlink, a non-regular file or a file
// of another user found under that name is removed and replaced, so a link
// planted in the state dir is never followed. `flags` are O_RDWR, O_WRONLY
// and O_APPEND-style access flags.
absl::StatusOr<UniqueFd> OpenFileInDir(int dir_fd, const std::string& name,
                                       int flags);

// A path that reaches `name` inside the open directory `dir_fd` without
// walking any path component again (/proc/self/fd/N/NAME), for bind() and
// connect(), which take only paths.
std::string PathThroughFd(int dir_fd, const std::string& name);

// An exclusive flock on a file, released when the object dies.
class FileLock {
 public:
  enum class Wait { kNo, kYes };
  // kNo: returns UNAVAILABLE if another process holds the lock. `path` is
  // opened with O_NOFOLLOW.
  static absl::StatusOr<FileLock> Acquire(const std::string& path, Wait wait);
  // The lock file `name` in verified dir `dir_fd` (see OpenFileInDir).
  static absl::StatusOr<FileLock> AcquireAt(int dir_fd, const std::string& name,
                                            Wait wait);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  static absl::StatusOr<FileLock> Lock(UniqueFd fd, const std::string& name,
                                       Wait wait);
  int fd_ = -1;
};

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_STATE_DIR_H_
