// Tests for daemon/service/worker_pool: leasing, blocking when all engines
// are busy, and recycling after the configured number of requests.
#include "daemon/service/worker_pool.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace helperlink {
namespace {

TEST(WorkerPoolTest, RecyclesAfterMaxRequests) {
  WorkerPoolOptions options;
  options.workers = 1;
  options.max_requests_per_engine = 2;
  WorkerPool pool(options);
  Engine* first = nullptr;
  {
    auto lease = pool.Acquire();
    first = &lease.engine();
  }
  {
    auto lease = pool.Acquire();
    EXPECT_EQ(&lease.engine(), first);
  }
  EXPECT_EQ(pool.counters().recycles, 0);
  { auto lease = pool.Acquire(); }
  EXPECT_EQ(pool.counters().recycles, 1);
}

TEST(WorkerPoolTest, AcquireWaitsForAFreeEngine) {
  WorkerPoolOptions options;
  options.workers = 1;
  WorkerPool pool(options);
  auto held = std::make_unique<WorkerPool::Lease>(pool.Acquire());
  EXPECT_EQ(pool.counters().busy, 1);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto lease = pool.Acquire();
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got);
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(pool.counters().busy, 0);
}

TEST(WorkerPoolTest, EnginesAreDistinctPerWorker) {
  WorkerPoolOptions options;
  options.workers = 2;
  WorkerPool pool(options);
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  EXPECT_NE(&a.engine(), &b.engine());
  EXPECT_EQ(pool.workers(), 2);
}

}  // namespace
}  // namespace helperlink
