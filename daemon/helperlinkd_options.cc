// helperlinkd's flag tables and environment; see helperlinkd_options.h.
#include "daemon/helperlinkd_options.h"

#include <climits>

#include "absl/strings/str_cat.h"
#include "cache/remote_cache.h"
#include "invocation/cli_args.h"
#include "invocation/flags.h"

namespace helperlink {

absl::Status ParseDaemonFlags(const std::vector<std::string>& args,
                              DaemonOptions* options) {
  FlagTable table;
  table.unknown = "unknown daemon option";
  // MiB, so that the byte count stays far from overflowing.
  FlagSpec crate_bytes =
      ParsedFlag("--max-crate-bytes", "a positive number of MiB",
                 [options](const std::string& value) {
                   int64_t megabytes = 0;
                   if (!ParseIntInRange(value, 1, INT_MAX, &megabytes))
                     return false;
                   options->service.max_crate_bytes =
                       static_cast<uint64_t>(megabytes) << 20;
                   return true;
                 });
  table.flags = {
      StringFlag("--state-dir", "a directory", &options->state_dir),
      IntFlag("--idle-timeout", "a number of seconds (0 = never)", 0, INT_MAX,
              &options->idle_timeout_seconds),
      IntFlag("--jobs", "a positive number", 1, INT_MAX,
              &options->pool.workers),
      crate_bytes,
      IntFlag("--max-requests-per-engine", "a positive number", 1, INT_MAX,
              &options->pool.max_requests_per_engine),
  };
  return ParseFlags(table, args);
}

absl::Status ParseServeCacheFlags(const std::vector<std::string>& args,
                                  ReapiServerOptions* options) {
  ReapiServerLimits& limits = options->limits;
  FlagSpec policy;
  policy.name = "--cache-policy";
  policy.needs = "a policy like max_size=5G";
  policy.set = [options](const std::string& value) {
    absl::StatusOr<CachePolicy> parsed = ParseCachePolicy(value);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cache-policy: ", parsed.status().message()));
    }
    options->policy = *parsed;
    return absl::OkStatus();
  };
  FlagTable table;
  table.unknown = "unknown or incomplete --serve-cache option";
  table.flags = {
      StringFlag("--cache-dir", "a directory", &options->cache_dir),
      StringFlag("--tls-cert", "a file", &options->tls_cert_file),
      StringFlag("--tls-key", "a file", &options->tls_key_file),
      StringFlag("--token-file", "a file", &options->token_file),
      policy,
      ByteSizeFlag("--max-batch-bytes", "a positive size",
                   &limits.max_batch_bytes),
      ByteSizeFlag("--max-inflight-bytes", "a positive size",
                   &limits.max_inflight_bytes),
      IntFlag("--max-streams", "a positive number", 1, 100000,
              &limits.max_streams),
      SecondsFlag("--stream-idle-timeout", "a positive number of seconds",
                  &limits.stream_idle_timeout),
      SecondsFlag("--connection-idle-timeout", "a positive number of seconds",
                  &limits.connection_idle_timeout),
  };
  table.positional = [options](const std::string& arg) {
    if (!options->address.empty() || arg.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown or incomplete --serve-cache option '", arg, "'"));
    }
    options->address = arg;
    return absl::OkStatus();
  };
  absl::Status parsed = ParseFlags(table, args);
  if (!parsed.ok()) return parsed;
  if (options->address.empty() || options->cache_dir.empty()) {
    return absl::InvalidArgumentError(
        "usage: helperlinkd --serve-cache ADDR --cache-dir DIR ...");
  }
  return absl::OkStatus();
}

absl::StatusOr<OneshotOptions> OneshotOptionsFromEnvironment(
    const EnvLookup& env, const std::string& cache_dir_flag) {
  absl::StatusOr<CacheSettings> cache =
      CacheSettingsFromEnvironment(env, cache_dir_flag);
  if (!cache.ok()) return cache.status();
  OneshotOptions oneshot;
  oneshot.cache_dir = cache->dir;
  oneshot.why_no_cache_dir = cache->why_no_dir;
  oneshot.cache_sharing = cache->sharing;
  oneshot.cache_policy = cache->policy;
  const char* path = env("PATH");
  if (path && *path) oneshot.compiler_search_path = path;
  RemoteSettings remote = ReadRemoteSettings(env);
  if (!remote.url.empty()) {
    absl::Status url = CheckRemoteUrl(remote.url);
    if (!url.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HELPERLINK_REMOTE: ", url.message()));
    }
    absl::StatusOr<RemoteOptions> options = ToRemoteOptions(remote);
    if (!options.ok()) return options.status();
    oneshot.remote = *options;
  }
  return oneshot;
}

std::string HelperlinkdUsage() {
  return absl::StrCat(
      ObjectUsage("helperlinkd --oneshot"),
      "usage: helperlinkd --daemon [--state-dir DIR] "
      "[--idle-timeout SECONDS] [--jobs N]\n"
      "       [--max-requests-per-engine N] [--max-crate-bytes MIB]\n"
      "usage: helperlinkd --serve-cache ADDR --cache-dir DIR "
      "[--tls-cert F --tls-key F]\n"
      "       [--token-file F] [--cache-policy P] "
      "[--max-batch-bytes N]\n"
      "       [--max-inflight-bytes N] [--max-streams N] "
      "[--stream-idle-timeout SECONDS]\n"
      "       [--connection-idle-timeout SECONDS]   "
      "(N: bytes, or with K, M or G)\n");
}

}  // namespace helperlink
