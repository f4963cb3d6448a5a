// The remote cache client: a REAPI v2 cache (bazel-remote, Buildbarn,
// BuildBuddy, NativeLink, EngFlow, or helperlinkd --serve-cache) used as
// an ActionCache + CAS. One object is one Action:
//
//   Command    arguments  = ["helperlink", "--mode", MODE, "--policy", POLICY,
//                            "--tool", TOOL, "--llvm", LLVM, "--", FLAGS...]
//              output_files = output_paths = ["out.o", "report.pb"] (the
//              report: a serialized helperlink.v1.Report)
//   input root Directory{ crate.bc, helpers-0.bc, helpers-1.bc, ... } with
//              their SHA-256 digests and sizes
//   Action     { command_digest, input_root_digest,
//                salt = "helperlink-cache-<format version>" }
//
// all SHA-256, so the Action digest covers exactly what the local key does.
// Reads: GetActionResult, then BatchReadBlobs, or ByteStream Read for blobs
// above the server's max_batch_total_size_bytes (4 MiB if it names none).
// Every downloaded blob is re-hashed; an ActionResult whose blobs are
// missing or wrong is a miss, and so is one whose object is not an ELF
// relocatable object for the request's target (object_target.h): a writer
// cannot hand a reader an empty file or a foreign object. Writes (only when
// enabled): FindMissingBlobs, BatchUpdateBlobs or ByteStream Write
// (uploads/<uuid>/blobs/...), then UpdateActionResult. Every call has a
// deadline; errors are returned, and callers count them and carry on locally.
#ifndef HELPERLINK_CACHE_REMOTE_CACHE_H_
#define HELPERLINK_CACHE_REMOTE_CACHE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cache/entry.h"
#include "cache/key.h"
#include "cache/object_target.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace helperlink {

namespace reapi = build::bazel::remote::execution::v2;

struct RemoteOptions {
  // grpc://HOST:PORT (plain) or grpcs://HOST:PORT (TLS).
  std::string url;
  std::string instance_name;  // default "" (the server's default instance)
  // Bearer token (the file's contents; never from a command line and never
  // logged). Empty = no authorization header.
  std::string token;
  // PEM file of CA certificates for grpcs://; empty = the system's CAs.
  std::string ca_file;
  bool write = false;  // read-only by default; CI enables writing
  absl::Duration timeout = absl::Seconds(5);          // per read call
  absl::Duration upload_timeout = absl::Seconds(60);  // per write call
};

// Parses the HELPERLINK_REMOTE_* settings' URL; checks the scheme.
absl::Status CheckRemoteUrl(const std::string& url);

// The remote settings as the environment gives them (the mains pass their
// getenv), before the token file is read:
//   HELPERLINK_REMOTE             grpc://HOST:PORT or grpcs://HOST:PORT
//   HELPERLINK_REMOTE_INSTANCE    instance name (default "")
//   HELPERLINK_REMOTE_TOKEN_FILE  file holding the bearer token
//   HELPERLINK_REMOTE_CA_FILE     CA certificates for grpcs:// (default:
//                                 the system's)
//   HELPERLINK_REMOTE_WRITE       1 to upload (default: read-only)
//   HELPERLINK_REMOTE_TIMEOUT     seconds per read call (default 5)
struct RemoteSettings {
  std::string url, instance, token_file, ca_file;
  bool write = false;
  uint32_t timeout_ms = 0;  // 0 = default
};
RemoteSettings ReadRemoteSettings(
    const std::function<const char*(const char*)>& getenv);
// Reads the token file; errors name it without ever showing the token.
absl::StatusOr<RemoteOptions> ToRemoteOptions(const RemoteSettings& settings);

// The REAPI Action for one object; see the header comment.
struct RemoteAction {
  reapi::Digest action_digest;
  ObjectTarget target;  // what a hit's object must be, from the flags
};
RemoteAction MakeRemoteAction(const KeyInputs& inputs, uint64_t crate_size,
                              const std::vector<uint64_t>& helper_sizes);

reapi::Digest DigestOf(absl::string_view blob);

struct RemoteStats {
  std::atomic<uint64_t> hits{0}, misses{0}, errors{0}, corrupt{0}, uploads{0},
      bytes_downloaded{0}, bytes_uploaded{0};
};

// A remote cache as ServeObject and the daemon's stats see it. Create()
// gives the REAPI v2 client described above (its gRPC stubs stay in
// remote_cache.cc); unit tests put an in-memory fake behind this interface.
// Implementations are thread-safe: one is shared by all requests naming it.
class RemoteCache {
 public:
  virtual ~RemoteCache() = default;

  // The REAPI v2 client for options.url (checked, not yet contacted).
  static absl::StatusOr<std::unique_ptr<RemoteCache>> Create(
      RemoteOptions options);

  // nullopt on a miss (including a result whose blobs are missing or
  // corrupt, or whose object is not one for action.target: counted in
  // stats().corrupt). An error means the remote could
  // not answer (counted in stats().errors).
  virtual absl::StatusOr<std::optional<CachedObject>> Lookup(
      const RemoteAction& action) = 0;
  // Uploads the object and report, then the ActionResult. FAILED_PRECONDITION
  // if writing is not enabled.
  virtual absl::Status Upload(const RemoteAction& action,
                              const CachedObject& entry) = 0;

  virtual const RemoteOptions& options() const = 0;
  virtual RemoteStats& stats() = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_REMOTE_CACHE_H_
