// The thin client's environment; see client_options.h.
#include "client/client_options.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cache/remote_cache.h"
#include "invocation/state_dir.h"

namespace helperlink {
namespace {

std::string Get(const EnvLookup& env, const char* name,
                const std::string& fallback) {
  const char* value = env(name);
  return value && *value ? value : fallback;
}

}  // namespace

absl::StatusOr<ClientOptions> ClientOptionsFromEnvironment(
    const EnvLookup& env, const std::string& cache_dir_flag,
    std::string helperlinkd) {
  ClientOptions options;
  absl::StatusOr<StatePaths> paths =
      StatePathsFor(Get(env, "HELPERLINK_DIR", ".helperlink"));
  if (!paths.ok()) return paths.status();
  options.paths = *paths;
  options.helperlinkd = std::move(helperlinkd);
  absl::StatusOr<CacheSettings> cache =
      CacheSettingsFromEnvironment(env, cache_dir_flag);
  if (!cache.ok()) return cache.status();
  options.cache_dir = cache->dir;
  options.cache_sharing = cache->sharing;
  options.cache_policy = cache->policy;
  options.compiler_search_path = Get(env, "PATH", kDefaultCompilerSearchPath);
  options.remote = ReadRemoteSettings(env);
  if (!options.remote.url.empty()) {
    absl::Status url = CheckRemoteUrl(options.remote.url);
    if (!url.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HELPERLINK_REMOTE: ", url.message()));
    }
  }
  std::string idle = Get(env, "HELPERLINK_IDLE_TIMEOUT", "600");
  if (!absl::SimpleAtoi(idle, &options.idle_timeout_seconds) ||
      options.idle_timeout_seconds < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HELPERLINK_IDLE_TIMEOUT: '", idle, "' is not a number of seconds"));
  }
  return options;
}

}  // namespace helperlink
