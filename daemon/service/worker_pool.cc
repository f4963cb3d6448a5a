// Worker leasing, recycling and replacement; see worker_pool.h.
#include "daemon/service/worker_pool.h"

#include <algorithm>

namespace helperlink {

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(std::move(options)) {
  if (!options_.make_worker) {
    EngineOptions engine = options_.engine;
    options_.make_worker = [engine] {
      return std::make_unique<EngineWorker>(engine);
    };
  }
  slots_.resize(std::max(1, options_.workers));
}

WorkerPool::Lease WorkerPool::Acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
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
    free_.wait(lock);
  }
}

void WorkerPool::Release(int slot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& released = slots_[slot];
    released.loads = released.worker->helper_set_loads();
    released.resident = released.worker->resident_helper_sets();
    released.busy = false;
  }
  free_.notify_one();
}

WorkerPool::Lease::~Lease() {
  if (pool_) pool_->Release(slot_);
}

Worker& WorkerPool::Lease::worker() { return *pool_->slots_[slot_].worker; }

WorkerPool::Counters WorkerPool::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
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
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int> pids;
  for (const Slot& slot : slots_) {
    if (slot.worker && slot.worker->pid() > 0)
      pids.push_back(slot.worker->pid());
  }
  return pids;
}

}  // namespace helperlink
