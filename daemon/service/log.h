// The daemon's log file in the state dir: one line per event (start, each
// request, shutdown), with a UTC timestamp. Thread-safe; never fails a
// request (a log that cannot be written is skipped).
#ifndef HELPERLINK_DAEMON_SERVICE_LOG_H_
#define HELPERLINK_DAEMON_SERVICE_LOG_H_

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"

namespace helperlink {

class Log {
 public:
  // Appends to the open file `fd` (taken over); -1 logs nowhere.
  explicit Log(int fd);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  void Write(absl::string_view line);

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_LOG_H_
