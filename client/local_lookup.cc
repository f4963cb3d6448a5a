// The client's lookup of the local cache; see local_lookup.h.
#include "client/local_lookup.h"

#include <utility>
#include <vector>

#include "cache/cache_first.h"
#include "cache/key.h"
#include "cache/local_cache.h"
#include "cache/sha256.h"
#include "helperlink/millis.h"
#include "invocation/atomic_file.h"

namespace helperlink {

namespace {

LocalLookup LookUpIn(LocalCache& cache, const ObjectArgs& args,
                     absl::string_view crate, double read_ms,
                     SteadyClock::time_point start) {
  LocalLookup result;
  absl::StatusOr<std::vector<std::string>> digests =
      HelperDigests(cache, args.helpers);
  if (!digests.ok()) return result;
  std::string crate_digest = Sha256Hex(crate);
  KeyInputs inputs = MakeKeyInputs(args.mode, std::move(*digests), args.helpers,
                                   args.cc_command, crate_digest);
  std::string key = inputs.Key();
  absl::StatusOr<std::optional<LocalHit>> found =
      LookupLocalHit(cache, inputs, key, AbsolutePath(args.output));
  double ms = MillisSince(start);
  if (found.ok() && found->has_value()) {
    LocalHit& hit = **found;
    LocalLookup::Hit answer;
    answer.object = std::move(hit.entry.object);
    answer.report = std::move(hit.entry.report);
    SetCacheOutcome("hit", key, hit.explanation, ms, &answer.report);
    answer.report.set_receive_ms(read_ms);
    result.hit = std::move(answer);
    return result;
  }
  v1::ClientKey client_key;
  client_key.set_crate_sha256(std::move(crate_digest));
  client_key.set_key(std::move(key));
  // A lookup that failed is no miss: the daemon then tries its own.
  client_key.set_local_missed(found.ok());
  client_key.set_lookup_ms(ms);
  result.client_key = std::move(client_key);
  return result;
}

}  // namespace

LocalLookup LookUpLocally(const ClientOptions& options, const ObjectArgs& args,
                          absl::string_view crate, double read_ms) {
  SteadyClock::time_point start = SteadyClock::now();
  absl::StatusOr<std::unique_ptr<LocalCache>> cache =
      LocalCache::Open(options.cache_dir, options.cache_policy);
  if (!cache.ok()) return {};
  LocalLookup result = LookUpIn(**cache, args, crate, read_ms, start);
  result.notice = (*cache)->TakeNotice();
  return result;
}

}  // namespace helperlink
