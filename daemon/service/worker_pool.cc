// Worker leasing, recycling and replacement; see worker_pool.h.
#include "daemon/service/worker_pool.h"

#include <algorithm>

namespace helperlink {

namespace {

WorkerPoolOptions WithDefaults(WorkerPoolOptions options) {
  if (!options.make_worker) {
    EngineOptions engine = options.engine;
    options.make_worker = [engine] {
      return std::make_unique<EngineWorker>(engine);
    };
  }
  return options;
}

}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(WithDefaults(std::move(options))),
      workers_(std::max(1, options_.workers)),
      slots_(workers_) {}

bool WorkerPool::AnyFree() const {
  for (const Slot& slot : slots_) {
    if (!slot.busy) return true;
  }
  return false;
}

WorkerPool::Lease WorkerPool::Acquire() {
  absl::MutexLock lock(&mutex_);
  while (true) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.busy) continue;
      slot.busy = true;
      bool dead = slot.worker && !slot.worker->alive();
      if (dead ||
          (slot.worker && slot.served >= options_.max_requests_per_engine)) {
        retired_loads_ += slot.loads;
        slot.worker.reset();
        slot.loads = 0;
        slot.resident = 0;
        ++(dead ? crashes_ : recycles_);
      }
      if (!slot.worker) {
        slot.worker = options_.make_worker();
        slot.served = 0;
      }
      ++slot.served;
      return Lease(this, static_cast<int>(i));
    }
    mutex_.Await(absl::Condition(this, &WorkerPool::AnyFree));
  }
}

void WorkerPool::Release(int slot) {
  absl::MutexLock lock(&mutex_);
  Slot& released = slots_[slot];
  released.loads = released.worker->helper_set_loads();
  released.resident = released.worker->resident_helper_sets();
  released.busy = false;
}

WorkerPool::Lease::~Lease() {
  if (pool_) pool_->Release(slot_);
}

// Unlocked: the slot is busy, so this lease alone touches its worker, and
// the pool never resizes slots_ or replaces a busy slot's worker.
Worker& WorkerPool::Lease::worker() { return *pool_->slots_[slot_].worker; }

WorkerPool::Counters WorkerPool::counters() const {
  absl::MutexLock lock(&mutex_);
  Counters counters;
  counters.helper_set_loads = retired_loads_;
  counters.recycles = recycles_;
  counters.crashes = crashes_;
  for (const Slot& slot : slots_) {
    if (slot.busy) ++counters.busy;
    counters.helper_set_loads += slot.loads;
    counters.resident_helper_sets += slot.resident;
    if (slot.worker && !slot.busy && !slot.worker->alive()) ++counters.crashes;
  }
  return counters;
}

std::vector<int> WorkerPool::worker_pids() const {
  absl::MutexLock lock(&mutex_);
  std::vector<int> pids;
  for (const Slot& slot : slots_) {
    if (slot.worker && slot.worker->pid() > 0)
      pids.push_back(slot.worker->pid());
  }
  return pids;
}

}  // namespace helperlink
