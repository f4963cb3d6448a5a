// helperlinkd's command line and environment, parsed and checked in one
// place: one flag table per mode (invocation/flags.h; --oneshot's is the
// per-object one of invocation/cli_args.h), and the one-shot's cache
// settings from the environment. The main only dispatches on the mode and
// turns an error into one line and exit status 1.
//   helperlinkd --daemon [--state-dir DIR] [--idle-timeout SECONDS]
//               [--jobs N] [--max-requests-per-engine N]
//               [--max-crate-bytes MIB]
//   helperlinkd --serve-cache ADDR --cache-dir DIR [--tls-cert F
//               --tls-key F] [--token-file F] [--cache-policy P]
//               [--max-batch-bytes N] [--max-inflight-bytes N]
//               [--max-streams N] [--stream-idle-timeout SECONDS]
//               [--connection-idle-timeout SECONDS]
//   (N bytes: a number, or with K, M or G)
#ifndef HELPERLINK_DAEMON_HELPERLINKD_OPTIONS_H_
#define HELPERLINK_DAEMON_HELPERLINKD_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cache/cache_dir.h"
#include "cache/reapi_server.h"
#include "daemon/oneshot/oneshot.h"
#include "daemon/service/daemon.h"

namespace helperlink {

// The --daemon flags, over `options`' defaults (the worker command and
// count are the main's). Errors name the flag and the cause.
absl::Status ParseDaemonFlags(const std::vector<std::string>& args,
                              DaemonOptions* options);

// The --serve-cache flags; ADDR and --cache-dir are required.
absl::Status ParseServeCacheFlags(const std::vector<std::string>& args,
                                  ReapiServerOptions* options);

// The one-shot's caches: `cache_dir_flag` (the object's --cache-dir, or
// ""), then the environment through `env` (CacheSettingsFromEnvironment and
// HELPERLINK_REMOTE...). A bad value names its variable.
absl::StatusOr<OneshotOptions> OneshotOptionsFromEnvironment(
    const EnvLookup& env, const std::string& cache_dir_flag);

// The usage text of every mode.
std::string HelperlinkdUsage();

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_HELPERLINKD_OPTIONS_H_
