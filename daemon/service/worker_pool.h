// The daemon's workers: a fixed number of them, each with its own engine and
// LLVM context (contexts are not thread-safe and modules cannot cross them).
// A request leases one worker for its duration. A worker is replaced by a
// fresh one after serving max_requests_per_engine requests, because an LLVM
// context keeps every type and constant it ever saw; that bounds memory over
// thousands of requests at the price of re-parsing the helpers once per
// replacement. A worker whose process died (an input crashed LLVM) is
// replaced on the next lease and counted as a crash.
#ifndef HELPERLINK_DAEMON_SERVICE_WORKER_POOL_H_
#define HELPERLINK_DAEMON_SERVICE_WORKER_POOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/service/worker.h"
#include "helperlink/engine.h"

namespace helperlink {

struct WorkerPoolOptions {
  // Engines, i.e. requests computed at once. Default: 2 (set by the main to
  // the number of cores).
  int workers = 2;
  // Requests an engine serves before it is replaced. Default 500.
  int max_requests_per_engine = 500;
  // Passed to each engine. Default: engine default.
  EngineOptions engine;
  // Makes a worker. Default (empty): an EngineWorker in this process with
  // `engine`; the daemon sets it to spawn worker processes.
  WorkerFactory make_worker;
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);

  // A leased engine; returned to the pool when the lease dies.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) {
      other.pool_ = nullptr;
    }
    ~Lease();
    Worker& worker() ABSL_NO_THREAD_SAFETY_ANALYSIS;

   private:
    friend class WorkerPool;
    Lease(WorkerPool* pool, int slot) : pool_(pool), slot_(slot) {}
    WorkerPool* pool_;
    int slot_;
  };

  // Blocks until a worker is free.
  Lease Acquire() ABSL_LOCKS_EXCLUDED(mutex_);

  struct Counters {
    int64_t helper_set_loads = 0;  // over all engines, past and present
    int64_t recycles = 0;
    int64_t crashes = 0;  // workers found dead after a request
    int resident_helper_sets = 0;
    int busy = 0;
  };
  Counters counters() const ABSL_LOCKS_EXCLUDED(mutex_);
  int workers() const { return workers_; }
  // Processes of the live workers (none for in-process workers).
  std::vector<int> worker_pids() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  struct Slot {
    std::unique_ptr<Worker> worker;
    int served = 0;
    bool busy = false;
    // The worker's counters as of its last release (read while not busy).
    int64_t loads = 0;
    int resident = 0;
  };
  void Release(int slot) ABSL_LOCKS_EXCLUDED(mutex_);
  bool AnyFree() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  const WorkerPoolOptions options_;
  const int workers_;
  mutable absl::Mutex mutex_;
  // A busy slot's worker belongs to its lease until released: only the
  // lease calls it, and the pool leaves it alone (see Lease::worker).
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mutex_);
  int64_t retired_loads_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t recycles_ ABSL_GUARDED_BY(mutex_) = 0;
  int64_t crashes_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_WORKER_POOL_H_
