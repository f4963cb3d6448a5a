// Background uploads; see uploads.h.
#include "daemon/service/uploads.h"

#include <chrono>

namespace helperlink {

BackgroundUploads::BackgroundUploads(size_t max_pending)
    : max_pending_(max_pending), thread_([this] { Run(); }) {}

BackgroundUploads::~BackgroundUploads() {
  Drain(30);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundUploads::Schedule(std::function<void()> upload) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= max_pending_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(upload));
  }
  changed_.notify_all();
}

void BackgroundUploads::Drain(int seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::seconds(seconds),
                    [this] { return queue_.empty() && !running_; });
}

void BackgroundUploads::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::function<void()> upload = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    upload();
    lock.lock();
    running_ = false;
    changed_.notify_all();
  }
}

}  // namespace helperlink
