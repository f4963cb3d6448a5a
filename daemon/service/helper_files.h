// Helper files as the daemon sees them: read from disk once and kept while
// their identity (device, inode, size, modification and change times) stays
// the same. A helpers file rebuilt in place gets new bytes, which give a new
// helper-set key in the engine, so a stale set is never used.
#ifndef HELPERLINK_DAEMON_SERVICE_HELPER_FILES_H_
#define HELPERLINK_DAEMON_SERVICE_HELPER_FILES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "helperlink/engine.h"

namespace helperlink {

// A helpers file's bytes and their SHA-256 (computed once per identity).
struct HelperFile {
  HelperInput input;
  std::string digest;
};

class HelperFileCache {
 public:
  // Thread-safe. Errors read "PATH: cause".
  absl::StatusOr<HelperFile> Get(const std::string& path)
      ABSL_LOCKS_EXCLUDED(mutex_);
  int64_t reads() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct Entry {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    std::shared_ptr<const std::string> bytes;
    std::string digest;
  };
  mutable absl::Mutex mutex_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  int64_t reads_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_HELPER_FILES_H_
