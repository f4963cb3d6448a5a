// The local cache: key → object and report, on a Store (LMDB in a cache dir
// shared by every daemon and client of a user). It never returns a wrong
// object: entries are checksummed, and a corrupt one is deleted, counted and
// treated as a miss. Damaged storage (DATA_LOSS from the store: a truncated
// or overwritten LMDB file) is a miss too: the store moves it aside and
// starts afresh, the operation is retried once on the fresh store, and
// TakeNotice() returns the one line to log and report. Other cache faults
// are errors the caller may ignore; they never need to fail a build.
#ifndef HELPERLINK_CACHE_LOCAL_CACHE_H_
#define HELPERLINK_CACHE_LOCAL_CACHE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cache/entry.h"
#include "cache/key.h"
#include "cache/store.h"
#include "invocation/file_identity.h"

namespace helperlink {

// What the cache did for one output, as shown in reports and --explain.
struct OutputRecord {
  std::string path;
  std::string result;  // "hit" or "miss"
  std::string key;
  std::string explanation;  // why it missed, or "" for a plain hit
  KeyInputs inputs;

  std::string Serialize() const;
  static absl::StatusOr<OutputRecord> Parse(const std::string& text);
};

class LocalCache {
 public:
  explicit LocalCache(std::unique_ptr<Store> store)
      : store_(std::move(store)) {}
  // The cache in `dir` (LMDB), created if missing.
  static absl::StatusOr<std::unique_ptr<LocalCache>> Open(
      const std::string& dir, const CachePolicy& policy);

  // The entry under `key`, or nullopt on a miss (including a corrupt entry,
  // which is deleted and counted).
  absl::StatusOr<std::optional<CachedObject>> Lookup(const std::string& key);
  // Records a hit for `output_path` (counters, access time, --explain).
  // Returns the record written.
  absl::StatusOr<OutputRecord> RecordHit(const KeyInputs& inputs,
                                         const std::string& key,
                                         uint64_t entry_bytes,
                                         const std::string& output_path);
  // Stores a freshly built object and records the miss.
  absl::StatusOr<OutputRecord> StoreMiss(const KeyInputs& inputs,
                                         const std::string& key,
                                         const CachedObject& entry,
                                         const std::string& output_path);
  // The last record for `output_path`, or nullopt if it was never built.
  absl::StatusOr<std::optional<OutputRecord>> LastOutput(
      const std::string& output_path);

  // Digest of a helpers file remembered for this exact file identity.
  std::optional<std::string> KnownDigest(const FileIdentity& file);
  void RememberDigest(const FileIdentity& file, const std::string& digest);

  absl::StatusOr<CacheStats> Stats();
  absl::Status ZeroStats();

  // "DIR/cache.lmdb: damaged cache: WHAT; moved aside to ..." once, from
  // the cache that moved damaged storage aside; "" otherwise.
  std::string TakeNotice() { return store_->TakeNotice(); }

 private:
  // The store's Get and Apply, recovering from damage (see above).
  absl::StatusOr<std::optional<std::string>> Get(Table table,
                                                 const std::string& key);
  absl::Status Apply(const StoreUpdate& update);
  absl::StatusOr<OutputRecord> MakeRecord(const KeyInputs& inputs,
                                          const std::string& key,
                                          const std::string& result,
                                          const std::string& output_path);
  std::unique_ptr<Store> store_;
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_LOCAL_CACHE_H_
