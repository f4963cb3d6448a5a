// The per-build-tree state dir shared by the client and the daemon: where
// the socket, the locks and the log live, and the rules that keep other
// users out (the dir is 0700 and must belong to us; the socket is 0600).
#ifndef HELPERLINK_CLIENT_STATE_DIR_H_
#define HELPERLINK_CLIENT_STATE_DIR_H_

#include <string>

#include "absl/status/statusor.h"

namespace helperlink {

struct StatePaths {
  std::string dir;          // absolute
  std::string socket;       // Unix socket the daemon listens on
  std::string daemon_lock;  // held by the running daemon for its lifetime
  std::string start_lock;   // held by a client while it starts a daemon
  std::string log;          // the daemon's log
};

// Paths for state dir `dir` (relative paths are taken from the current
// directory). A Unix socket path must fit in 108 bytes; when DIR/socket
// would not, the socket goes to /tmp/helperlink-UID/HASH.sock, a 0700 dir of
// ours, with HASH derived from DIR so client and daemon agree.
absl::StatusOr<StatePaths> StatePathsFor(const std::string& dir);

// Creates the state dir (and the short socket dir if used) with mode 0700,
// or checks an existing one: it must be a directory owned by us; its mode is
// tightened to 0700 if looser.
absl::Status PrepareStateDir(const StatePaths& paths);

// An exclusive flock on a file, released when the object dies.
class FileLock {
 public:
  enum class Wait { kNo, kYes };
  // kNo: returns UNAVAILABLE if another process holds the lock.
  static absl::StatusOr<FileLock> Acquire(const std::string& path, Wait wait);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_STATE_DIR_H_
