// An in-memory Store for unit tests: the same tables, counters and LRU
// eviction as LmdbStore, with a logical clock instead of wall time, and a
// switch that makes every call fail (to test that cache faults never fail a
// build).
#ifndef HELPERLINK_CACHE_MEMORY_STORE_H_
#define HELPERLINK_CACHE_MEMORY_STORE_H_

#include <map>
#include <mutex>

#include "cache/store.h"

namespace helperlink {

class MemoryStore : public Store {
 public:
  explicit MemoryStore(CachePolicy policy = {}) : policy_(policy) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Table table, absl::string_view key) override;
  absl::Status Apply(const StoreUpdate& update) override;
  absl::StatusOr<CacheStats> ReadStats() override;
  absl::Status ZeroStats() override;

  // Test hooks.
  void set_failing(bool failing) { failing_ = failing; }
  // Overwrites a stored entry's bytes as a disk fault would.
  void Corrupt(const std::string& key, const std::string& bytes);

 private:
  std::map<std::string, std::string>& TableMap(Table table);
  void EvictTo(uint64_t target);

  CachePolicy policy_;
  std::mutex mutex_;
  bool failing_ = false;
  std::map<std::string, std::string> entries_, outputs_, files_;
  std::map<std::string, uint64_t> atime_;
  uint64_t clock_ = 0;
  uint64_t bytes_ = 0;
  CacheStats stats_;
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_MEMORY_STORE_H_
