// One object, in this process: read the crate and helpers, run the engine,
// write the report and then the object atomically. This is
// `helperlinkd --oneshot` and the client's fallback when no daemon can serve.
#ifndef HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_
#define HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "cache/cache_dir.h"
#include "cache/remote_cache.h"
#include "cache/store.h"
#include "helperlink/engine.h"
#include "invocation/cli_args.h"
#include "invocation/compiler_probe.h"

namespace helperlink {

struct OneshotOptions {
  // The local cache dir, already resolved by the main (--cache-dir, else
  // the environment's default). Ignored with --no-cache.
  std::string cache_dir;
  // Why there is no cache dir when `cache_dir` is empty.
  std::string why_no_cache_dir;
  CacheSharing cache_sharing = CacheSharing::kPrivate;
  CachePolicy cache_policy;  // default: 5 GiB
  // The remote cache, if one is configured (HELPERLINK_REMOTE...).
  std::optional<RemoteOptions> remote;
  // Where the compiler after `--` is looked up when it has no '/': PATH,
  // default kDefaultCompilerSearchPath ("/usr/bin:/bin") when PATH is unset.
  std::string compiler_search_path = kDefaultCompilerSearchPath;
};

// On success OUT (and the report and merged module, if asked for) exist. On
// any error none of them exists, so a failed build never leaves a stale or
// partial object behind. The cache is used unless --no-cache; a cache that
// cannot be opened is noted in the report and otherwise ignored.
absl::Status RunOneshot(const ObjectArgs& args, const OneshotOptions& options,
                        Engine& engine);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_
