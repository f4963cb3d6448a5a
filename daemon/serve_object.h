// Serving one object through the caches, shared by the daemon and the
// one-shot: the local cache first, then the remote cache (a remote hit is
// copied into the local cache), else compute it, store it locally and, when
// the remote is writable, upload it. Cache and remote failures are noted in
// the report and otherwise ignored: they never fail a build. A request that
// wants the merged module (SaveMerged::kYes) skips both lookups, since a
// cached object comes without its module; its object is stored as usual.
#ifndef HELPERLINK_DAEMON_SERVE_OBJECT_H_
#define HELPERLINK_DAEMON_SERVE_OBJECT_H_

#include <functional>
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

// Key inputs of `request` (hashes the crate; helper digests come from the
// caller, who has them cached).
KeyInputs KeyInputsFor(const LinkRequest& request,
                       std::vector<std::string> helper_digests);

// `helper_digests` are the SHA-256 of request.helpers, in order (the
// caller has them cached); `output_path` is absolute, it keys --explain.
// The report gets the cache section, with the time spent on the key and in
// the caches, and `receive_ms`, the time the crate took to arrive (streamed
// from the client, or read from disk).
absl::StatusOr<ServedObject> ServeObject(
    const CacheSetup& caches, const LinkRequest& request,
    std::vector<std::string> helper_digests, const std::string& output_path,
    double receive_ms, absl::FunctionRef<absl::StatusOr<LinkResult>()> compute);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVE_OBJECT_H_
