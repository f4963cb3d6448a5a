// The identity of a file on disk: device, inode, size, modification and
// change times. Two reads of a path with the same identity read the same
// bytes (a file rebuilt in place, by a compiler or `mv`, gets a new inode or
// new times), so helperlink keeps what it derived from a file (its bytes in
// the daemon, its SHA-256 in the cache's digest memory) for as long as the
// identity stays the same.
#ifndef HELPERLINK_INVOCATION_FILE_IDENTITY_H_
#define HELPERLINK_INVOCATION_FILE_IDENTITY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace helperlink {

struct FileIdentity {
  std::string path;  // as given
  uint64_t device = 0, inode = 0, size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;

  // The identity of `path` (following symlinks, as opening it does).
  // NOT_FOUND "PATH: cause" when it cannot be stat'ed.
  static absl::StatusOr<FileIdentity> Of(const std::string& path);

  // Same path, same file, same contents as far as the identity tells.
  bool operator==(const FileIdentity& other) const {
    return path == other.path && device == other.device &&
           inode == other.inode && size == other.size &&
           mtime_ns == other.mtime_ns && ctime_ns == other.ctime_ns;
  }
  bool operator!=(const FileIdentity& other) const { return !(*this == other); }
};

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_FILE_IDENTITY_H_
