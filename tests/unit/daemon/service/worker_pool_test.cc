// Tests for daemon/service/worker_pool: leasing, blocking when all workers
// are busy, recycling after the configured number of requests, and
// replacing a worker that died.
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
  Worker* first = nullptr;
  {
    auto lease = pool.Acquire();
    first = &lease.worker();
  }
  {
    auto lease = pool.Acquire();
    EXPECT_EQ(&lease.worker(), first);
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
  EXPECT_NE(&a.worker(), &b.worker());
  EXPECT_EQ(pool.workers(), 2);
}

// A worker that dies on its first request, as a worker process does when
// LLVM crashes on the input.
class DyingWorker : public Worker {
 public:
  absl::StatusOr<LinkResult> Link(const LinkRequest&) override {
    alive_ = false;
    return absl::InvalidArgumentError("crashed");
  }
  bool alive() const override { return alive_; }
  int resident_helper_sets() const override { return 0; }
  int64_t helper_set_loads() const override { return 0; }
  int pid() const override { return 0; }

 private:
  bool alive_ = true;
};

TEST(WorkerPoolTest, ReplacesAWorkerThatDied) {
  WorkerPoolOptions options;
  options.workers = 1;
  int made = 0;
  options.make_worker = [&made] {
    ++made;
    return std::make_unique<DyingWorker>();
  };
  WorkerPool pool(options);
  {
    auto lease = pool.Acquire();
    EXPECT_FALSE(lease.worker().Link(LinkRequest()).ok());
  }
  EXPECT_EQ(pool.counters().crashes, 1);
  {
    auto lease = pool.Acquire();
    EXPECT_TRUE(lease.worker().alive());
  }
  EXPECT_EQ(made, 2);
  EXPECT_EQ(pool.counters().crashes, 1);
  EXPECT_EQ(pool.counters().recycles, 0);
}

}  // namespace
}  // namespace helperlink
