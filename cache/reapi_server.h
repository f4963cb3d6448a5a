// helperlinkd --serve-cache: a REAPI v2 cache server over an LMDB store, so
// a small team can share objects from one build host and the tests have a
// real server. It serves Capabilities, ActionCache, the CAS batch calls and
// ByteStream Read/Write; verifies every uploaded blob against its digest;
// accepts an ActionResult only when the blobs it names are present; and,
// with a token file, requires a bearer token (read-only tokens get
// PERMISSION_DENIED on writes). Blobs and action results share the store's
// size limit and LRU eviction. The instance name is accepted and ignored:
// one server is one namespace.
//
// Token file: one token per line; "TOKEN" may write, "TOKEN read-only" may
// only read; blank lines and lines starting with '#' are ignored.
#ifndef HELPERLINK_CACHE_REAPI_SERVER_H_
#define HELPERLINK_CACHE_REAPI_SERVER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cache/store.h"
#include "grpcpp/grpcpp.h"

namespace helperlink {

struct ReapiServerOptions {
  std::string address;    // e.g. 127.0.0.1:9092 or [::]:9092; port 0 picks one
  std::string cache_dir;  // LMDB store
  CachePolicy policy;     // default 5 GiB
  std::string tls_cert_file, tls_key_file;  // both or neither
  std::string token_file;                   // empty = no authorization
  // Batch calls larger than this are refused with INVALID_ARGUMENT, as the
  // API prescribes; clients use ByteStream above it. Default 4 MiB.
  int64_t max_batch_bytes = 4 << 20;
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
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Parses a token file's text: token → may write.
absl::StatusOr<std::map<std::string, bool>> ParseTokenFile(
    const std::string& text);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_REAPI_SERVER_H_
