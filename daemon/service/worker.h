// A daemon worker: what links one request at a time for the worker pool.
// The daemon's workers are processes (process_worker.h), so that an input
// which crashes LLVM takes down one worker and fails only its own request;
// EngineWorker runs the engine in the daemon's own process, for unit tests
// of the pool and the service.
#ifndef HELPERLINK_DAEMON_SERVICE_WORKER_H_
#define HELPERLINK_DAEMON_SERVICE_WORKER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "helperlink/engine.h"

namespace helperlink {

class Worker {
 public:
  virtual ~Worker() = default;
  // Not thread-safe: the pool gives a worker to one request at a time.
  virtual absl::StatusOr<LinkResult> Link(const LinkRequest& request) = 0;
  // False once the worker can serve nothing more (its process died); the
  // pool then replaces it.
  virtual bool alive() const = 0;
  // The worker's engine, as of its last request.
  virtual int resident_helper_sets() const = 0;
  virtual int64_t helper_set_loads() const = 0;
  // The worker's process, or 0 when it runs inside the daemon.
  virtual int pid() const = 0;
};

using WorkerFactory = std::function<std::unique_ptr<Worker>()>;

// The engine in this process.
class EngineWorker : public Worker {
 public:
  explicit EngineWorker(EngineOptions options) : engine_(options) {}
  absl::StatusOr<LinkResult> Link(const LinkRequest& request) override {
    return engine_.Link(request);
  }
  bool alive() const override { return true; }
  int resident_helper_sets() const override {
    return engine_.resident_helper_sets();
  }
  int64_t helper_set_loads() const override {
    return engine_.helper_set_loads();
  }
  int pid() const override { return 0; }

 private:
  Engine engine_;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_WORKER_H_
