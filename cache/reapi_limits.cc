// The REAPI cache server's admission limits; see reapi_limits.h.
#include "cache/reapi_limits.h"

#include <algorithm>
#include <chrono>

namespace helperlink {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ByteBudget::Lease& ByteBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_) budget_->in_use_ -= bytes_;
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

ByteBudget::Lease::~Lease() {
  if (budget_) budget_->in_use_ -= bytes_;
}

std::optional<ByteBudget::Lease> ByteBudget::TryReserve(int64_t bytes) {
  if (bytes < 0 || bytes > limit_) return std::nullopt;
  int64_t used = in_use_.load();
  do {
    if (used > limit_ - bytes) return std::nullopt;
  } while (!in_use_.compare_exchange_weak(used, used + bytes));
  return Lease(this, bytes);
}

StreamRegistry::Ticket::Ticket(StreamRegistry* registry,
                               grpc::ServerContext* context)
    : registry_(registry), context_(context), last_active_ns_(NowNs()) {}

StreamRegistry::Ticket::~Ticket() {
  std::lock_guard<std::mutex> lock(registry_->mutex_);
  registry_->open_.erase(position_);
}

void StreamRegistry::Ticket::Touch() { last_active_ns_ = NowNs(); }

StreamRegistry::StreamRegistry(int max_streams, absl::Duration idle_timeout)
    : max_streams_(max_streams), idle_timeout_(idle_timeout) {
  watchdog_ = std::thread([this] { Watch(); });
}

StreamRegistry::~StreamRegistry() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  watchdog_.join();
}

std::unique_ptr<StreamRegistry::Ticket> StreamRegistry::Enter(
    grpc::ServerContext* context) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (static_cast<int>(open_.size()) >= max_streams_) return nullptr;
  std::unique_ptr<Ticket> ticket(new Ticket(this, context));
  ticket->position_ = open_.insert(open_.end(), ticket.get());
  return ticket;
}

int StreamRegistry::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(open_.size());
}

void StreamRegistry::Watch() {
  const int64_t idle_ns = absl::ToInt64Nanoseconds(idle_timeout_);
  // Checked a few times per timeout, so a stalled call lives at most about
  // 1.25 timeouts.
  const auto period = std::chrono::nanoseconds(
      std::clamp<int64_t>(idle_ns / 4, 10'000'000, 1'000'000'000));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    stop_signal_.wait_for(lock, period);
    if (stopping_) break;
    int64_t now = NowNs();
    for (Ticket* ticket : open_) {
      if (!ticket->timed_out_ && now - ticket->last_active_ns_ > idle_ns) {
        ticket->timed_out_ = true;
        // Wakes the handler's blocked Read or Write; safe from any thread.
        ticket->context_->TryCancel();
      }
    }
  }
}

}  // namespace helperlink
