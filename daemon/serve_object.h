// Serving one object through the caches, shared by the daemon and the
// one-shot: the local cache first (cache/cache_first.h, the step the client
// also runs itself), then the remote cache (a remote hit is copied into the
// local cache), else compute it, store it locally and, when the remote is
// writable, upload it. A request the client already looked up carries the
// client's key: its crate digest is used when the key agrees with the one
// computed here (the crate is hashed once per build of an object), and the
// local lookup the client already made is not repeated. Cache and remote
// failures are noted in the report and otherwise ignored: they never fail a
// build. A request that wants the merged module (SaveMerged::kYes) skips both
// lookups, since a cached object comes without its module; its object is stored
// as usual.
#ifndef HELPERLINK_DAEMON_SERVE_OBJECT_H_
#define HELPERLINK_DAEMON_SERVE_OBJECT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "cache/key.h"
#include "cache/local_cache.h"
#include "cache/remote_cache.h"
#include "helperlink/engine.h"

namespace helperlink {

struct ServedObject {
  std::string object;
  std::string merged_bitcode;  // when the request asked for it
  Report report;               // with its cache section set
  bool hit = false;            // local or remote
  bool remote_hit = false;
  bool crate_hashed = false;  // here, for the key (no usable client key)
  // Damaged local storage was moved aside while serving this (one line,
  // also in the report's cache_notice); "" normally.
  std::string cache_notice;
};

struct CacheSetup {
  LocalCache* local = nullptr;    // null: no local cache...
  std::string why_no_local;       // ...and why ("cache bypassed (--no-cache)")
  RemoteCache* remote = nullptr;  // null: no remote cache...
  std::string why_no_remote;      // ...and why, if one was configured
  // Runs an upload. The daemon queues it so the client is not held up; the
  // one-shot runs it before returning.
  std::function<void(std::function<void()>)> schedule_upload;
};

// What the client computed for its own lookup (proto ClientKey).
struct ClientKey {
  std::string crate_digest;   // Sha256Hex of the crate bitcode
  std::string key;            // the key the client looked up
  bool local_missed = false;  // ...in this request's local cache, and missed
  double lookup_ms = 0;       // the client's time on the key and the lookup
};

// Key inputs of `request`. The crate digest is `client_key`'s when that key
// agrees with the key of these inputs, else the crate is hashed here;
// *client_key_used says which. Helper digests come from the caller, who
// has them cached.
KeyInputs KeyInputsFor(const LinkRequest& request,
                       std::vector<std::string> helper_digests,
                       const std::optional<ClientKey>& client_key,
                       bool* client_key_used);

// `helper_digests` are the SHA-256 of request.helpers, in order (the
// caller has them cached); `client_key` is the client's, if it sent one;
// `output_path` is absolute, it keys --explain. With neither a local nor a
// remote cache the crate is not hashed and the report's key is "".
// The report gets the cache section, with the time spent on the key and in
// the caches, and `receive_ms`, the time the crate took to arrive (streamed
// from the client, or read from disk).
absl::StatusOr<ServedObject> ServeObject(
    const CacheSetup& caches, const LinkRequest& request,
    std::vector<std::string> helper_digests,
    const std::optional<ClientKey>& client_key, const std::string& output_path,
    double receive_ms, absl::FunctionRef<absl::StatusOr<LinkResult>()> compute);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVE_OBJECT_H_
