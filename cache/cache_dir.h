// Where the local cache lives and whether it may be trusted. The default
// dir is resolved here, once, for the client and for helperlinkd (so both
// always agree); a cache dir is created with its missing parents (0700),
// and is trusted only when it is the user's:
//   private (the default): the dir, its LMDB environment dir and files
//     belong to us and neither group nor others may write the dirs;
//   group (HELPERLINK_CACHE_SHARED=group): the dirs and files may belong
//     to any user whose group we are in (or to us) and may be group
//     writable, but never writable by others. This trusts every member of
//     the dir's group: any of them can store an object that every other
//     member's build will use.
// An untrusted dir is never opened: the build goes on without the cache.
#ifndef HELPERLINK_CACHE_CACHE_DIR_H_
#define HELPERLINK_CACHE_CACHE_DIR_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cache/local_cache.h"

namespace helperlink {

enum class CacheSharing { kPrivate, kGroup };

// "" or "private" → kPrivate, "group" → kGroup.
absl::StatusOr<CacheSharing> ParseCacheSharing(absl::string_view text);

// What the cache dir is resolved from, first match wins; null or empty
// means unset. Mains fill this from their flags and environment.
struct CacheDirSources {
  const char* flag = nullptr;            // --cache-dir
  const char* env_dir = nullptr;         // HELPERLINK_CACHE_DIR
  const char* xdg_cache_home = nullptr;  // XDG_CACHE_HOME/helperlink
  const char* home = nullptr;            // HOME/.cache/helperlink
};

// The absolute cache dir. With neither XDG_CACHE_HOME nor HOME, the home
// dir comes from our passwd entry (never /tmp); NOT_FOUND if there is none.
absl::StatusOr<std::string> ResolveCacheDir(const CacheDirSources& sources);

// Looks up one environment variable; null when unset. Mains pass
// std::getenv (tests a map): the library never reads the environment.
using EnvLookup = std::function<const char*(const char*)>;

// The local cache of one build as its environment and a --cache-dir flag
// configure it, every value checked.
struct CacheSettings {
  // Absolute (ResolveCacheDir); "" when none could be resolved, and then
  // why_no_dir says why.
  std::string dir;
  std::string why_no_dir;
  CacheSharing sharing = CacheSharing::kPrivate;  // HELPERLINK_CACHE_SHARED
  CachePolicy policy;  // HELPERLINK_CACHE_POLICY; default max_size=5G
};

// `dir_flag`: --cache-dir, or "". Reads HELPERLINK_CACHE_DIR,
// XDG_CACHE_HOME, HOME, HELPERLINK_CACHE_SHARED and
// HELPERLINK_CACHE_POLICY (empty = unset) through `env`. A bad value is
// INVALID_ARGUMENT naming the variable and the cause.
absl::StatusOr<CacheSettings> CacheSettingsFromEnvironment(
    const EnvLookup& env, const std::string& dir_flag);

// Creates `dir` and its missing parents (mode 0700) and checks that it may
// be trusted under `sharing`. PERMISSION_DENIED, naming the dir and the
// reason, when it may not; other errors when it cannot be created.
absl::Status PrepareCacheDir(const std::string& dir, CacheSharing sharing);

// PrepareCacheDir, then LocalCache::Open: the only way helperlink opens a
// local cache for a build.
absl::StatusOr<std::unique_ptr<LocalCache>> OpenTrustedCache(
    const std::string& dir, const CachePolicy& policy, CacheSharing sharing);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_CACHE_DIR_H_
