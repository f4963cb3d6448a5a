// helperlinkd --daemon: one resident daemon per build tree. It owns the state
// dir's daemon lock for its lifetime (so two can never serve one dir),
// listens on the state dir's Unix socket (0600, in a 0700 dir: only its
// owner can connect), serves until Shutdown, a signal or idle timeout, and
// then finishes the requests in flight before exiting.
#ifndef HELPERLINK_DAEMON_SERVICE_DAEMON_H_
#define HELPERLINK_DAEMON_SERVICE_DAEMON_H_

#include <string>

#include "absl/status/status.h"
#include "daemon/service/link_service.h"
#include "daemon/service/worker_pool.h"

namespace helperlink {

struct DaemonOptions {
  std::string state_dir = ".helperlink";  // default: under the cwd
  // Exit after this long without requests; 0 = never. Default 10 minutes.
  int idle_timeout_seconds = 600;
  WorkerPoolOptions pool;
  ServiceOptions service;  // state_dir and idle timeout are filled in
};

// Serves until told to stop. Returns ALREADY_EXISTS if another daemon holds
// the state dir (not an error for a daemon started in a race).
absl::Status RunDaemon(const DaemonOptions& options);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_DAEMON_H_
