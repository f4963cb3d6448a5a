// Background uploads; see uploads.h.
#include "daemon/service/uploads.h"

#include "absl/time/time.h"

namespace helperlink {

BackgroundUploads::BackgroundUploads(size_t max_pending)
    : max_pending_(max_pending), thread_([this] { Run(); }) {}

BackgroundUploads::~BackgroundUploads() {
  Drain(30);
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    queue_.clear();
  }
  thread_.join();
}

void BackgroundUploads::Schedule(std::function<void()> upload) {
  absl::MutexLock lock(&mutex_);
  if (queue_.size() >= max_pending_) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(upload));
}

void BackgroundUploads::Drain(int seconds) {
  absl::MutexLock lock(&mutex_);
  mutex_.AwaitWithTimeout(absl::Condition(this, &BackgroundUploads::Idle),
                          absl::Seconds(seconds));
}

void BackgroundUploads::Run() {
  mutex_.Lock();
  while (true) {
    mutex_.Await(absl::Condition(this, &BackgroundUploads::HasWork));
    if (stopping_) break;
    std::function<void()> upload = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    mutex_.Unlock();  // uploads take seconds; Schedule must not wait
    upload();
    mutex_.Lock();
    running_ = false;
  }
  mutex_.Unlock();
}

}  // namespace helperlink
