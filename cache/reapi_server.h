// helperlinkd --serve-cache: a REAPI v2 cache server over an LMDB store, so
// a small team can share objects from one build host and the tests have a
// real server. It serves Capabilities, ActionCache, the CAS batch calls and
// ByteStream Read/Write; verifies every uploaded blob against its digest;
// accepts an ActionResult only when the blobs it names (outputs, stdout,
// stderr) are present; checks every field as the API states
// (reapi_validate.h); stays within the memory and thread budget of its
// ReapiServerLimits (reapi_limits.h); and,
// with a token file, requires a bearer token (read-only tokens get
// PERMISSION_DENIED on writes). Blobs and action results share the store's
// size limit and LRU eviction. The instance name is accepted and ignored:
// one server is one namespace.
//
// Token file: one token per line; "TOKEN" may write, "TOKEN read-only" may
// only read; blank lines and lines starting with '#' are ignored.
#ifndef HELPERLINK_CACHE_REAPI_SERVER_H_
#define HELPERLINK_CACHE_REAPI_SERVER_H_

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cache/reapi_limits.h"
#include "cache/store.h"
#include "grpcpp/grpcpp.h"

namespace helperlink {

// What one server may hold at once; the defaults suit a team's build host.
// Memory: blob bytes held by calls stay within max_inflight_bytes, and each
// of at most ThreadQuota() running calls has one message of at most
// MaxMessageBytes() in each direction; so peak memory is about the
// baseline + max_inflight_bytes + 2 x ThreadQuota() x MaxMessageBytes(),
// and the typical load is far below (see deploy/cache-server/README.md).
struct ReapiServerLimits {
  // The API's max_batch_total_size_bytes: a batch call whose blobs add up
  // to more gets INVALID_ARGUMENT, and clients use ByteStream above it. A
  // blob is served only at its declared size, so replies stay within it
  // too. Default 4 MiB.
  int64_t max_batch_bytes = 4 << 20;
  // Blob bytes held in memory at once: a ByteStream upload holds its
  // declared size from its first message until it is stored, a batch call
  // its blobs' sizes. A call that would go over gets RESOURCE_EXHAUSTED
  // (clients retry later or build locally). It also bounds the largest
  // blob. ByteStream reads stream from the store and hold one chunk.
  // Default 1 GiB.
  int64_t max_inflight_bytes = int64_t{1} << 30;
  // Open ByteStream Read and Write calls; more get RESOURCE_EXHAUSTED.
  // Default 32.
  int max_streams = 32;
  // A ByteStream call that moves no data this long is cancelled. Default
  // 30 s.
  absl::Duration stream_idle_timeout = absl::Seconds(30);
  // A connection without calls this long is closed. Default 5 min.
  absl::Duration connection_idle_timeout = absl::Minutes(5);

  // gRPC's thread quota for calls: the streams plus kUnaryThreads for the
  // unary calls (ActionCache, CAS batches, Capabilities). A call beyond it
  // gets RESOURCE_EXHAUSTED from gRPC.
  static constexpr int kUnaryThreads = 16;
  int ThreadQuota() const { return max_streams + kUnaryThreads; }
  // Largest message received or sent: a full batch plus its framing.
  int64_t MaxMessageBytes() const {
    return std::max<int64_t>(max_batch_bytes, 1 << 20) + (1 << 20);
  }
};

struct ReapiServerOptions {
  std::string address;    // e.g. 127.0.0.1:9092 or [::]:9092; port 0 picks one
  std::string cache_dir;  // LMDB store
  CachePolicy policy;     // default 5 GiB
  std::string tls_cert_file, tls_key_file;  // both or neither
  std::string token_file;                   // empty = no authorization
  ReapiServerLimits limits;
};

class ReapiServer {
 public:
  static absl::StatusOr<std::unique_ptr<ReapiServer>> Start(
      const ReapiServerOptions& options);
  ~ReapiServer();
  int port() const { return port_; }
  void Wait();
  void Shutdown();

 private:
  ReapiServer() = default;
  class Services;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StreamRegistry> streams_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Parses a token file's text: token → may write.
absl::StatusOr<std::map<std::string, bool>> ParseTokenFile(
    const std::string& text);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_REAPI_SERVER_H_
