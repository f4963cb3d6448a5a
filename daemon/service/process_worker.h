// Worker processes: the daemon's containment of LLVM crashes. Each worker is
// a `helperlinkd --worker` child with its own engine, fed requests over a
// socketpair (worker_protocol.h). An input that crashes LLVM kills only that
// child: its request fails with a one-line error naming the crate and the
// signal, the daemon and every other request in flight go on, and the pool
// starts a fresh worker for the next request. A worker killed from outside
// (SIGKILL, e.g. the OOM killer) is not the input's fault: that request is
// reported UNAVAILABLE, so the client falls back to the one-shot.
#ifndef HELPERLINK_DAEMON_SERVICE_PROCESS_WORKER_H_
#define HELPERLINK_DAEMON_SERVICE_PROCESS_WORKER_H_

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "daemon/service/worker.h"

namespace helperlink {

class ProcessWorker : public Worker {
 public:
  // Starts `command` (helperlinkd's own path and "--worker") with its end of
  // the socketpair as fd 3. A worker that could not start fails its
  // requests with UNAVAILABLE and reports itself dead.
  explicit ProcessWorker(const std::vector<std::string>& command);
  // Closes the socket (the worker exits on its own) and reaps the child.
  ~ProcessWorker() override;

  absl::StatusOr<LinkResult> Link(const LinkRequest& request) override;
  bool alive() const override { return alive_; }
  int resident_helper_sets() const override { return resident_; }
  int64_t helper_set_loads() const override { return loads_; }
  int pid() const override { return alive_ ? pid_.load() : 0; }

 private:
  // Marks the worker dead, reaps it and returns its wait status.
  int Reap();

  absl::Status spawn_status_;
  std::atomic<pid_t> pid_{-1};
  int fd_ = -1;
  std::atomic<bool> alive_{false};
  std::atomic<int> resident_{0};
  std::atomic<int64_t> loads_{0};
  // Helper bytes this worker already holds, by name.
  std::map<std::string, std::shared_ptr<const std::string>> sent_;
};

// The worker process's side: serves requests from `fd` with one engine until
// the daemon closes the socket (OK) or the socket fails (the error).
absl::Status ServeWorker(int fd, EngineOptions options);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_PROCESS_WORKER_H_
