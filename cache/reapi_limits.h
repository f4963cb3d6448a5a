// Admission limits of the REAPI cache server (helperlinkd --serve-cache):
// ByteBudget bounds the blob bytes the server holds in memory at once, and
// StreamRegistry caps the number of open ByteStream calls and cancels any
// that moves no data for longer than the idle timeout. Together with gRPC's
// thread quota they keep the server within a memory and thread budget
// whatever its clients send.
#ifndef HELPERLINK_CACHE_REAPI_LIMITS_H_
#define HELPERLINK_CACHE_REAPI_LIMITS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace helperlink {

// A budget of bytes shared by all calls. Thread-safe.
class ByteBudget {
 public:
  explicit ByteBudget(int64_t limit) : limit_(limit) {}

  // Bytes held until the lease is destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

   private:
    friend class ByteBudget;
    Lease(ByteBudget* budget, int64_t bytes) : budget_(budget), bytes_(bytes) {}
    ByteBudget* budget_ = nullptr;
    int64_t bytes_ = 0;
  };

  // A lease on `bytes`, or nullopt if that would exceed the limit.
  std::optional<Lease> TryReserve(int64_t bytes);
  int64_t in_use() const { return in_use_.load(); }
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  std::atomic<int64_t> in_use_{0};
};

// The open ByteStream calls. Thread-safe; a watchdog thread cancels the
// calls that have been idle too long.
class StreamRegistry {
 public:
  StreamRegistry(int max_streams, absl::Duration idle_timeout);
  ~StreamRegistry();

  // One open call; the handler calls Touch() whenever data moves.
  class Ticket {
   public:
    ~Ticket();
    void Touch();
    // Whether the watchdog cancelled the call for idling.
    bool timed_out() const { return timed_out_.load(); }

   private:
    friend class StreamRegistry;
    Ticket(StreamRegistry* registry, grpc::ServerContext* context);
    StreamRegistry* registry_;
    grpc::ServerContext* context_;
    std::atomic<int64_t> last_active_ns_;
    std::atomic<bool> timed_out_{false};
    std::list<Ticket*>::iterator position_;
  };

  // A ticket for the call, or nullptr when max_streams calls are open.
  std::unique_ptr<Ticket> Enter(grpc::ServerContext* context);
  int open() const;
  int max_streams() const { return max_streams_; }
  absl::Duration idle_timeout() const { return idle_timeout_; }

 private:
  void Watch();

  const int max_streams_;
  const absl::Duration idle_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::list<Ticket*> open_;
  std::thread watchdog_;
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_REAPI_LIMITS_H_
