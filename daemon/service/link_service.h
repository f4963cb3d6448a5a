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
#include <mutex>
#include <string>

#include "cache/local_cache.h"
#include "cache/remote_cache.h"
#include "daemon/service/helper_files.h"
#include "daemon/service/log.h"
#include "daemon/service/uploads.h"
#include "daemon/service/worker_pool.h"
#include "helperlink.grpc.pb.h"

namespace helperlink {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr size_t kChunkBytes = 1 << 20;
inline constexpr int kMaxMessageBytes = 8 << 20;

struct ServiceOptions {
  std::string state_dir;         // reported by Status
  int idle_timeout_seconds = 0;  // reported by Status; 0 = never
  // Largest crate accepted, default 1 GiB: bounds what one request can make
  // the daemon hold in memory.
  uint64_t max_crate_bytes = uint64_t{1} << 30;
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
                     v1::StatsReply* reply) override;
  grpc::Status ZeroStats(grpc::ServerContext*, const v1::ZeroStatsRequest*,
                         v1::StatsReply* reply) override;
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
        exact{0}, crate_bytes_in{0}, object_bytes_out{0}, cache_hits{0};
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
  void FillStats(v1::StatsReply* reply);
  RemoteTotals SumRemotes();
  // The local cache for a request's dir and policy, opened once.
  absl::StatusOr<LocalCache*> CacheFor(const std::string& dir,
                                       const std::string& policy);
  // The remote cache for a request's settings, made once.
  absl::StatusOr<RemoteCache*> RemoteFor(const v1::LinkHeader& header);

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
  // Pool, file and remote counters at the last ZeroStats.
  std::mutex zero_mutex_;
  int64_t zero_loads_ = 0, zero_reads_ = 0, zero_recycles_ = 0,
          zero_crashes_ = 0;
  RemoteTotals zero_remote_;
  std::mutex caches_mutex_;
  std::map<std::string, std::unique_ptr<LocalCache>> caches_;
  std::map<std::string, std::unique_ptr<RemoteCache>> remotes_;
  // Declared last: destroyed first, finishing uploads while the remotes
  // above still exist.
  BackgroundUploads uploads_;
};

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_LINK_SERVICE_H_
