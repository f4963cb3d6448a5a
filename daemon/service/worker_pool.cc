// Engine leasing and recycling; see worker_pool.h.
#include "daemon/service/worker_pool.h"

#include <algorithm>

namespace helperlink {

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(options) {
  slots_.resize(std::max(1, options_.workers));
}

WorkerPool::Lease WorkerPool::Acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.busy) continue;
      slot.busy = true;
      if (slot.engine && slot.served >= options_.max_requests_per_engine) {
        retired_loads_ += slot.loads;
        slot.engine.reset();
        slot.loads = 0;
        slot.resident = 0;
        ++recycles_;
      }
      if (!slot.engine) {
        slot.engine = std::make_unique<Engine>(options_.engine);
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
    released.loads = released.engine->helper_set_loads();
    released.resident = released.engine->resident_helper_sets();
    released.busy = false;
  }
  free_.notify_one();
}

WorkerPool::Lease::~Lease() {
  if (pool_) pool_->Release(slot_);
}

Engine& WorkerPool::Lease::engine() { return *pool_->slots_[slot_].engine; }

WorkerPool::Counters WorkerPool::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Counters counters;
  counters.helper_set_loads = retired_loads_;
  counters.recycles = recycles_;
  for (const Slot& slot : slots_) {
    if (slot.busy) ++counters.busy;
    counters.helper_set_loads += slot.loads;
    counters.resident_helper_sets += slot.resident;
  }
  return counters;
}

}  // namespace helperlink
