// Remote-cache uploads in the background: the daemon answers the client as
// soon as the object is built and uploads afterwards on one thread. The
// queue is bounded (a slow remote must not grow the daemon without limit);
// an upload that does not fit is dropped and counted.
#ifndef HELPERLINK_DAEMON_SERVICE_UPLOADS_H_
#define HELPERLINK_DAEMON_SERVICE_UPLOADS_H_

#include <atomic>
#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace helperlink {

class BackgroundUploads {
 public:
  // At most `max_pending` uploads wait; default 256.
  explicit BackgroundUploads(size_t max_pending = 256);
  // Finishes what is queued (see Drain), then stops the thread.
  ~BackgroundUploads();

  void Schedule(std::function<void()> upload) ABSL_LOCKS_EXCLUDED(mutex_);
  // Waits until the queue is empty or `seconds` have passed.
  void Drain(int seconds) ABSL_LOCKS_EXCLUDED(mutex_);
  uint64_t dropped() const { return dropped_; }

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mutex_);
  bool Idle() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return queue_.empty() && !running_;
  }
  bool HasWork() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return stopping_ || !queue_.empty();
  }

  const size_t max_pending_;
  mutable absl::Mutex mutex_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mutex_);
  bool running_ ABSL_GUARDED_BY(mutex_) = false;  // an upload is in progress
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_UPLOADS_H_
