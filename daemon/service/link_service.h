// The daemon's gRPC service (proto/helperlink.proto): receives a crate in
// chunks, leases an engine, streams the object back with the report, and
// keeps the counters Stats shows. Status → grpc::Status happens here.
#ifndef HELPERLINK_DAEMON_SERVICE_LINK_SERVICE_H_
#define HELPERLINK_DAEMON_SERVICE_LINK_SERVICE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_dir.h"
#include "cache/local_cache.h"
#include "cache/remote_cache.h"
#include "daemon/service/helper_files.h"
#include "daemon/service/log.h"
#include "daemon/service/uploads.h"
#include "daemon/service/worker_pool.h"
#include "helperlink.grpc.pb.h"
#include "invocation/atomic_file.h"
#include "proto/protocol.h"

namespace helperlink {

struct ServiceOptions {
  std::string state_dir;         // reported by Status
  int idle_timeout_seconds = 0;  // reported by Status; 0 = never
  // Largest crate accepted, default 1 GiB: bounds what one request can make
  // the daemon hold in memory.
  uint64_t max_crate_bytes = kMaxInputBytes;
  // Remote uploads waiting at most; more are dropped and counted. Default
  // 256.
  size_t max_pending_uploads = 256;
};

class LinkService final : public v1::HelperLink::Service {
 public:
  LinkService(ServiceOptions options, WorkerPool& pool,
              HelperFileCache& helper_files, Log& log,
              std::function<void()> request_shutdown);

  grpc::Status Link(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::LinkResponse, v1::LinkRequest>*
                        stream) override;
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest*,
                      v1::StatusReply* reply) override;
  grpc::Status Stats(grpc::ServerContext*, const v1::StatsRequest*,
                     v1::StatsReply* reply) override
      ABSL_LOCKS_EXCLUDED(zero_mutex_, caches_mutex_);
  grpc::Status ZeroStats(grpc::ServerContext*, const v1::ZeroStatsRequest*,
                         v1::StatsReply* reply) override
      ABSL_LOCKS_EXCLUDED(zero_mutex_, caches_mutex_);
  grpc::Status Shutdown(grpc::ServerContext*, const v1::ShutdownRequest*,
                        v1::ShutdownReply*) override;

  // New Link calls are refused with UNAVAILABLE from now on.
  void StopAccepting() { stopping_ = true; }
  int in_flight() const { return in_flight_; }
  // Seconds since the last request started or finished.
  double IdleSeconds() const;

 private:
  struct Counters {
    std::atomic<uint64_t> requests{0}, succeeded{0}, failed{0}, fast{0},
        exact{0}, crate_bytes_in{0}, object_bytes_out{0}, cache_hits{0},
        crates_hashed{0};
    std::atomic<int64_t> link_micros{0};
  };
  grpc::Status Serve(
      grpc::ServerReaderWriter<v1::LinkResponse, v1::LinkRequest>* stream,
      std::string* summary);
  // The remote caches' counters summed, and the uploads dropped.
  struct RemoteTotals {
    uint64_t hits = 0, misses = 0, errors = 0, corrupt = 0, uploads = 0,
             uploads_dropped = 0;
  };
  void Touch();
  void FillStats(v1::StatsReply* reply)
      ABSL_LOCKS_EXCLUDED(zero_mutex_, caches_mutex_);
  RemoteTotals SumRemotes() ABSL_LOCKS_EXCLUDED(caches_mutex_);
  // The local cache for a request's dir and policy, opened once; the
  // policy is checked (CheckCachePolicy) first.
  absl::StatusOr<LocalCache*> CacheFor(const std::string& dir,
                                       CacheSharing sharing,
                                       const CachePolicy& policy)
      ABSL_LOCKS_EXCLUDED(caches_mutex_);
  // The remote cache for a request's settings, made once.
  absl::StatusOr<RemoteCache*> RemoteFor(const v1::LinkHeader& header)
      ABSL_LOCKS_EXCLUDED(caches_mutex_);

  ServiceOptions options_;
  WorkerPool& pool_;
  HelperFileCache& helper_files_;
  Log& log_;
  std::function<void()> request_shutdown_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> last_activity_ns_{0};
  Counters counters_;
  // Pool, file and remote counters at the last ZeroStats. Taken before
  // caches_mutex_ when both are needed.
  absl::Mutex zero_mutex_ ABSL_ACQUIRED_BEFORE(caches_mutex_);
  int64_t zero_loads_ ABSL_GUARDED_BY(zero_mutex_) = 0;
  int64_t zero_reads_ ABSL_GUARDED_BY(zero_mutex_) = 0;
  int64_t zero_recycles_ ABSL_GUARDED_BY(zero_mutex_) = 0;
  int64_t zero_crashes_ ABSL_GUARDED_BY(zero_mutex_) = 0;
  RemoteTotals zero_remote_ ABSL_GUARDED_BY(zero_mutex_);
  // The caches requests named, opened once and kept for the daemon's life
  // (requests hold plain pointers to them).
  absl::Mutex caches_mutex_;
  std::map<std::string, std::unique_ptr<LocalCache>> caches_
      ABSL_GUARDED_BY(caches_mutex_);
  std::map<std::string, std::unique_ptr<RemoteCache>> remotes_
      ABSL_GUARDED_BY(caches_mutex_);
  // Declared last: destroyed first, finishing uploads while the remotes
  // above still exist.
  BackgroundUploads uploads_;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_LINK_SERVICE_H_
