// An in-memory Store for unit tests: the same tables, counters and LRU
// eviction as LmdbStore, with a logical clock instead of wall time, and a
// switch that makes every call fail (to test that cache faults never fail a
// build).
#ifndef HELPERLINK_CACHE_MEMORY_STORE_H_
#define HELPERLINK_CACHE_MEMORY_STORE_H_

#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "cache/store.h"

namespace helperlink {

class MemoryStore : public Store {
 public:
  explicit MemoryStore(CachePolicy policy = {}) : policy_(policy) {}

  absl::StatusOr<std::optional<std::string>> Get(Table table,
                                                 absl::string_view key) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::Status Apply(const StoreUpdate& update) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<CacheStats> ReadStats() override ABSL_LOCKS_EXCLUDED(mutex_);
  absl::Status ZeroStats() override ABSL_LOCKS_EXCLUDED(mutex_);

  // Test hooks.
  void set_failing(bool failing) ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    failing_ = failing;
  }
  // Reads of the entries table so far (lookups of objects).
  int gets() ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return entry_gets_;
  }
  // Overwrites a stored entry's bytes as a disk fault would.
  void Corrupt(const std::string& key, const std::string& bytes)
      ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  std::map<std::string, std::string>& TableMap(Table table)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void EvictTo(uint64_t target) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Erase(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const CachePolicy policy_;
  absl::Mutex mutex_;
  bool failing_ ABSL_GUARDED_BY(mutex_) = false;
  int entry_gets_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, std::string> entries_ ABSL_GUARDED_BY(mutex_),
      outputs_ ABSL_GUARDED_BY(mutex_), files_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, uint64_t> atime_ ABSL_GUARDED_BY(mutex_);
  uint64_t clock_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  CacheStats stats_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_MEMORY_STORE_H_
