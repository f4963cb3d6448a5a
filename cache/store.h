// The cache's storage seam. LmdbStore is the real one (shared by every
// daemon and client using a cache dir); MemoryStore is the in-memory fake for
// unit tests. A Store holds three tables and the counters:
//   entries  cache key → entry bytes (entry.h), with a last-access time,
//            evicted least recently used first beyond the size limit
//   outputs  output path → the key inputs it was last built from (--explain)
//   files    helpers file identity → its SHA-256 (so a client computing a
//            key need not re-hash helpers)
#ifndef HELPERLINK_CACHE_STORE_H_
#define HELPERLINK_CACHE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t bytes_read = 0;     // entry bytes returned on hits
  uint64_t bytes_written = 0;  // entry bytes stored
  uint64_t stores = 0;         // entries stored
  uint64_t evictions = 0;      // entries evicted for space
  uint64_t corrupt = 0;        // entries found corrupt, deleted, missed
  // Current contents (not counters; ZeroStats leaves them).
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;

  void Add(const CacheStats& delta);
};

enum class Table { kEntries, kOutputs, kFiles };

// Everything one cache operation changes, applied in one transaction.
struct StoreUpdate {
  std::optional<std::pair<std::string, std::string>> put_entry;
  std::optional<std::string> delete_entry;
  std::optional<std::string> touch_entry;  // refresh its last-access time
  std::vector<std::pair<std::string, std::string>> put_outputs;
  std::vector<std::pair<std::string, std::string>> put_files;
  CacheStats stats;  // counters to add
};

// Part of a value: its bytes from some offset, and the whole value's size.
struct ValueSlice {
  std::string bytes;
  uint64_t size = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // The value under `key`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      Table table, absl::string_view key) = 0;
  // Up to `length` bytes of the value under `key` from `offset` (fewer at
  // its end, none past it) and the value's size; nullopt if absent. Lets a
  // large value be sized or streamed without copying it whole. The default
  // goes through Get.
  virtual absl::StatusOr<std::optional<ValueSlice>> GetSlice(
      Table table, absl::string_view key, uint64_t offset, uint64_t length);
  // Applies `update` atomically. Storing an entry beyond the size limit
  // evicts least recently used entries (counted in the stats); a store that
  // cannot make room drops the new entry rather than fail. An entry larger
  // than the whole size limit is dropped (not counted as a store) and evicts
  // nothing.
  virtual absl::Status Apply(const StoreUpdate& update) = 0;
  virtual absl::StatusOr<CacheStats> ReadStats() = 0;
  virtual absl::Status ZeroStats() = 0;
  // After DATA_LOSS from any call the storage is damaged: moves it aside
  // and starts afresh (or takes up the fresh one someone else started).
  virtual absl::Status Recover() {
    return absl::FailedPreconditionError(
        "this store keeps no files to move aside");
  }
  // One line saying damaged storage was moved aside and where, from the
  // store that moved it, once; "" otherwise.
  virtual std::string TakeNotice() { return ""; }
};

// Size policy, parsed from strings like "max_size=5G" or
// "max_size=500M:evict_to=0.8" (keys separated by ':').
struct CachePolicy {
  uint64_t max_bytes = uint64_t{5} << 30;  // default 5 GiB
  double evict_to = 0.9;  // after an eviction, fill at most this fraction
  // LMDB map size; 0 (default) derives it from max_bytes with headroom.
  // Not settable from the policy string; tests set it to fill the map.
  uint64_t map_bytes = 0;
};
// Errors name the text and the cause ("cache policy 'TEXT': WHY"); the
// result has passed CheckCachePolicy.
absl::StatusOr<CachePolicy> ParseCachePolicy(absl::string_view text);
// A policy that did not come from ParseCachePolicy (the daemon's request
// carries it as numbers): max_bytes positive, evict_to in (0, 1].
absl::Status CheckCachePolicy(const CachePolicy& policy);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_STORE_H_
