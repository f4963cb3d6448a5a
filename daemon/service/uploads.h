// Remote-cache uploads in the background: the daemon answers the client as
// soon as the object is built and uploads afterwards on one thread. The
// queue is bounded (a slow remote must not grow the daemon without limit);
// an upload that does not fit is dropped and counted.
#ifndef HELPERLINK_DAEMON_SERVICE_UPLOADS_H_
#define HELPERLINK_DAEMON_SERVICE_UPLOADS_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace helperlink {

class BackgroundUploads {
 public:
  // At most `max_pending` uploads wait; default 256.
  explicit BackgroundUploads(size_t max_pending = 256);
  // Finishes what is queued (see Drain), then stops the thread.
  ~BackgroundUploads();

  void Schedule(std::function<void()> upload);
  // Waits until the queue is empty or `seconds` have passed.
  void Drain(int seconds);
  uint64_t dropped() const { return dropped_; }

 private:
  void Run();

  size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  bool running_ = false;  // an upload is in progress
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_UPLOADS_H_
