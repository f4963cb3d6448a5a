// Helper files as the daemon sees them: read from disk once and kept while
// their identity (invocation/file_identity.h) stays the same. A helpers file
// rebuilt in place gets new bytes, which give a new helper-set key in the
// engine, so a stale set is never used. Concurrent requests for one path wait
// for a single read (make -j starts many Rust objects at once, all naming the
// same helpers file).
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
#include "invocation/file_identity.h"

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
  // One per path; its mutex is held while the path is read, so a second
  // request for the path waits for the first read instead of repeating it.
  struct Slot {
    absl::Mutex mutex;
    bool loaded ABSL_GUARDED_BY(mutex) = false;
    FileIdentity identity ABSL_GUARDED_BY(mutex);
    std::shared_ptr<const std::string> bytes ABSL_GUARDED_BY(mutex);
    std::string digest ABSL_GUARDED_BY(mutex);
  };
  mutable absl::Mutex mutex_;
  std::map<std::string, std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mutex_);
  int64_t reads_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_HELPER_FILES_H_
