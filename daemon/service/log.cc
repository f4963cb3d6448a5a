// The daemon log; see log.h.
#include "daemon/service/log.h"

#include <unistd.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace helperlink {

namespace {

// Adopts `fd` as a stream to append to; closes it if that fails.
std::FILE* AppendStream(int fd) {
  if (fd < 0) return nullptr;
  std::FILE* file = ::fdopen(fd, "a");
  if (!file) ::close(fd);
  return file;
}

}  // namespace

Log::Log(int fd) : file_(AppendStream(fd)) {}

Log::~Log() {
  if (file_) std::fclose(file_);
}

void Log::Write(absl::string_view line) {
  if (!file_) return;
  std::string stamp = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                       absl::UTCTimeZone());
  absl::MutexLock lock(&mutex_);
  std::fprintf(file_, "%s %.*s\n", stamp.c_str(), static_cast<int>(line.size()),
               line.data());
  std::fflush(file_);
}

}  // namespace helperlink
