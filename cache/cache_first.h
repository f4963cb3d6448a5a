// The local-cache step every object goes through first, in one place. The
// client runs it itself and answers a hit without the daemon (a hit then
// costs a process start, two hashes and an LMDB read); ServeObject runs it
// in the daemon and the one-shot for requests the client did not look up.
// Both compute the key the same way (HelperDigests, MakeKeyInputs) and
// record and report a hit the same way (LookupLocalHit, SetCacheOutcome), so a
// hit is the same hit whichever process answers it.
#ifndef HELPERLINK_CACHE_CACHE_FIRST_H_
#define HELPERLINK_CACHE_CACHE_FIRST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cache/entry.h"
#include "cache/key.h"
#include "cache/local_cache.h"

namespace helperlink {

// The SHA-256 of each helpers file in `paths`, in order: from the cache's
// digest memory while a file's identity is unchanged, else read, hashed
// and remembered. Errors read "PATH: cause".
absl::StatusOr<std::vector<std::string>> HelperDigests(
    LocalCache& cache, const std::vector<std::string>& paths);

// A hit: the stored entry, and why the output's previous build differed
// ("" for a plain hit), as --explain shows it.
struct LocalHit {
  CachedObject entry;
  std::string explanation;
};

// Looks up `key` (the key of `inputs`); on a hit records it for
// `output_path` (absolute; it keys --explain, not the cache) and returns
// the entry. nullopt on a miss, including a corrupt entry, which the cache
// deletes. An error means the cache cannot answer: the caller builds
// without it.
absl::StatusOr<std::optional<LocalHit>> LookupLocalHit(
    LocalCache& cache, const KeyInputs& inputs, const std::string& key,
    const std::string& output_path);

// The report's cache section for one serving: `result` is "hit",
// "remote-hit", "miss" or "off"; `ms` the time spent on the key and in the
// caches.
void SetCacheOutcome(absl::string_view result, const std::string& key,
                     const std::string& explanation, double ms,
                     v1::Report* report);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_CACHE_FIRST_H_
