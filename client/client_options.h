// The thin client's settings from its environment, every value checked:
//   HELPERLINK_DIR           state dir (default ./.helperlink)
//   HELPERLINK_IDLE_TIMEOUT  seconds a started daemon waits idle (default
//                            600; 0 = never)
//   HELPERLINK_CACHE_DIR, XDG_CACHE_HOME, HOME, HELPERLINK_CACHE_SHARED,
//   HELPERLINK_CACHE_POLICY  the local cache (CacheSettingsFromEnvironment)
//   HELPERLINK_REMOTE...     the remote cache (cache/remote_cache.h)
//   PATH                     where the compiler after `--` is looked up
//                            (default /usr/bin:/bin; compiler_probe.h)
// An empty variable counts as unset. The main passes std::getenv; tests
// pass a map.
#ifndef HELPERLINK_CLIENT_CLIENT_OPTIONS_H_
#define HELPERLINK_CLIENT_CLIENT_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "cache/cache_dir.h"
#include "client/daemon_client.h"

namespace helperlink {

// `cache_dir_flag`: the object's --cache-dir, or "". `helperlinkd`: the
// daemon binary to start. A bad value is INVALID_ARGUMENT naming the
// variable and the cause. No cache dir at all (no HOME, no passwd entry)
// is not an error: cache_dir stays "" and the daemon reports the cache as
// off.
absl::StatusOr<ClientOptions> ClientOptionsFromEnvironment(
    const EnvLookup& env, const std::string& cache_dir_flag,
    std::string helperlinkd);

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_CLIENT_OPTIONS_H_
