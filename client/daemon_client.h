// The thin client's side of the daemon protocol: find the build tree's
// daemon, start one if none runs (race-free: 32 clients starting at once on
// a cold state dir give one daemon), stream a crate in and the object out,
// and the admin calls. No LLVM here; the client starts in milliseconds.
#ifndef HELPERLINK_CLIENT_DAEMON_CLIENT_H_
#define HELPERLINK_CLIENT_DAEMON_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cache/cache_dir.h"
#include "cache/remote_cache.h"
#include "helperlink.grpc.pb.h"
#include "helperlink/report.h"
#include "invocation/cli_args.h"
#include "invocation/compiler_probe.h"
#include "invocation/state_dir.h"

namespace helperlink {

struct ClientOptions {
  StatePaths paths;
  // The daemon binary, started as `helperlinkd --daemon ...`.
  std::string helperlinkd;
  // Passed to a daemon this client starts. Default 10 minutes; 0 = never.
  int idle_timeout_seconds = 600;
  // How long to wait for a started daemon to accept. Default 20 s.
  absl::Duration start_timeout = absl::Seconds(20);
  // Deadline of one Link call. Default 30 minutes.
  absl::Duration link_timeout = absl::Minutes(30);
  // The local cache the daemon should use (absolute; "" = none), and its
  // size policy, parsed and checked (HELPERLINK_CACHE_POLICY). Sent with
  // every request.
  std::string cache_dir;
  CachePolicy cache_policy;
  // Which cache dirs are trusted (HELPERLINK_CACHE_SHARED); sent too.
  CacheSharing cache_sharing = CacheSharing::kPrivate;
  // The remote cache settings, sent with every request (the daemon reads
  // the token file).
  RemoteSettings remote;
  // Where the compiler after `--` is looked up when it has no '/': PATH,
  // default kDefaultCompilerSearchPath ("/usr/bin:/bin") when PATH is unset.
  std::string compiler_search_path = kDefaultCompilerSearchPath;
};

// Whether a failed Link means the input is bad (the one-shot would fail the
// same way) rather than that the daemon could not serve it.
bool IsInputError(const absl::Status& status);

class DaemonClient {
 public:
  // A client speaking to whatever `stub` reaches: the daemon's socket in
  // Connect(), or a test's in-process server.
  DaemonClient(const ClientOptions& options,
               std::unique_ptr<v1::HelperLink::StubInterface> stub)
      : options_(options), stub_(std::move(stub)) {}

  // Connects to the daemon serving `options.paths`; UNAVAILABLE if none.
  static absl::StatusOr<std::unique_ptr<DaemonClient>> Connect(
      const ClientOptions& options);
  // Connects, first starting a daemon if none accepts connections.
  static absl::StatusOr<std::unique_ptr<DaemonClient>> ConnectOrStart(
      const ClientOptions& options);

  struct LinkOutcome {
    std::string object;
    std::string merged_bitcode;  // when args.save_merged is set
    Report report;
  };
  // `crate` is streamed as it is (the client maps the file).
  // `client_key`: what this process computed for its own lookup of the
  // local cache (proto ClientKey), sent so that the daemon need not hash
  // the crate again; nullptr when it did not look up.
  absl::StatusOr<LinkOutcome> Link(const ObjectArgs& args,
                                   absl::string_view crate,
                                   const v1::ClientKey* client_key = nullptr);

  absl::StatusOr<v1::StatusReply> Status();
  absl::StatusOr<v1::StatsReply> Stats();
  absl::StatusOr<v1::StatsReply> ZeroStats();
  absl::Status Shutdown();

 private:
  const ClientOptions options_;
  const std::unique_ptr<v1::HelperLink::StubInterface> stub_;
};

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_DAEMON_CLIENT_H_
