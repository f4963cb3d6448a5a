// The daemon's log file in the state dir: one line per event (start, each
// request, shutdown), with a UTC timestamp. Thread-safe; never fails a
// request (a log that cannot be written is skipped).
#ifndef HELPERLINK_DAEMON_SERVICE_LOG_H_
#define HELPERLINK_DAEMON_SERVICE_LOG_H_

#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace helperlink {

class Log {
 public:
  // Appends to the open file `fd` (taken over); -1 logs nowhere.
  explicit Log(int fd);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  void Write(absl::string_view line) ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  absl::Mutex mutex_;
  // Set once by the constructor; the lock keeps lines whole.
  std::FILE* const file_ ABSL_PT_GUARDED_BY(mutex_);
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_LOG_H_
