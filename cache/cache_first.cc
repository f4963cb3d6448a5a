// The cache-first step; see cache_first.h.
#include "cache/cache_first.h"

#include <utility>

#include "cache/sha256.h"
#include "invocation/atomic_file.h"
#include "invocation/file_identity.h"

namespace helperlink {

absl::StatusOr<std::vector<std::string>> HelperDigests(
    LocalCache& cache, const std::vector<std::string>& paths) {
  std::vector<std::string> digests;
  digests.reserve(paths.size());
  for (const std::string& path : paths) {
    absl::StatusOr<FileIdentity> file = FileIdentity::Of(path);
    if (!file.ok()) return file.status();
    std::optional<std::string> digest = cache.KnownDigest(*file);
    if (!digest) {
      absl::StatusOr<std::string> bytes = ReadInputFile(path, kMaxInputBytes);
      if (!bytes.ok()) return bytes.status();
      digest = Sha256Hex(*bytes);
      cache.RememberDigest(*file, *digest);
    }
    digests.push_back(std::move(*digest));
  }
  return digests;
}

absl::StatusOr<std::optional<LocalHit>> LookupLocalHit(
    LocalCache& cache, const KeyInputs& inputs, const std::string& key,
    const std::string& output_path) {
  absl::StatusOr<std::optional<CachedObject>> found = cache.Lookup(key);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return std::optional<LocalHit>();
  LocalHit hit;
  hit.entry = std::move(**found);
  uint64_t bytes = hit.entry.object.size() + hit.entry.report.ByteSizeLong();
  // A hit that could not be recorded is still a hit; --explain then shows
  // the output's previous record.
  absl::StatusOr<OutputRecord> record =
      cache.RecordHit(inputs, key, bytes, output_path);
  if (record.ok()) hit.explanation = std::move(record->explanation);
  return std::optional<LocalHit>(std::move(hit));
}

void SetCacheOutcome(absl::string_view result, const std::string& key,
                     const std::string& explanation, double ms,
                     v1::Report* report) {
  v1::CacheOutcome& cache = *report->mutable_cache();
  cache.set_result(std::string(result));
  cache.set_key(key);
  cache.set_explain(explanation);
  cache.set_ms(ms);
}

}  // namespace helperlink
