// In-memory Store for tests; see memory_store.h.
#include "cache/memory_store.h"

#include <algorithm>
#include <vector>

namespace helperlink {

std::map<std::string, std::string>& MemoryStore::TableMap(Table table) {
  switch (table) {
    case Table::kEntries:
      return entries_;
    case Table::kOutputs:
      return outputs_;
    case Table::kFiles:
      return files_;
  }
  return entries_;
}

absl::StatusOr<std::optional<std::string>> MemoryStore::Get(
    Table table, absl::string_view key) {
  absl::MutexLock lock(&mutex_);
  if (failing_) return absl::UnavailableError("memory store: injected fault");
  if (table == Table::kEntries) ++entry_gets_;
  auto& map = TableMap(table);
  auto it = map.find(std::string(key));
  if (it == map.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

void MemoryStore::EvictTo(uint64_t target) {
  std::vector<std::pair<uint64_t, std::string>> by_age;
  for (const auto& [key, age] : atime_) by_age.emplace_back(age, key);
  std::sort(by_age.begin(), by_age.end());
  for (const auto& [age, key] : by_age) {
    if (bytes_ <= target) break;
    bytes_ -= entries_[key].size();
    entries_.erase(key);
    atime_.erase(key);
    ++stats_.evictions;
  }
}

void MemoryStore::Erase(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  bytes_ -= it->second.size();
  entries_.erase(it);
  atime_.erase(key);
}

absl::Status MemoryStore::Apply(const StoreUpdate& update) {
  absl::MutexLock lock(&mutex_);
  if (failing_) return absl::UnavailableError("memory store: injected fault");
  ++clock_;
  if (update.delete_entry) Erase(*update.delete_entry);
  CacheStats delta = update.stats;
  if (update.put_entry && update.put_entry->second.size() > policy_.max_bytes) {
    delta.stores = 0;  // larger than the whole cache: dropped, as in LMDB
    delta.bytes_written = 0;
  } else if (update.put_entry) {
    const auto& [key, value] = *update.put_entry;
    Erase(key);
    if (bytes_ + value.size() > policy_.max_bytes) {
      uint64_t target =
          static_cast<uint64_t>(policy_.max_bytes * policy_.evict_to);
      EvictTo(value.size() < target ? target - value.size() : 0);
    }
    entries_[key] = value;
    atime_[key] = clock_;
    bytes_ += value.size();
  }
  if (update.touch_entry && atime_.count(*update.touch_entry)) {
    atime_[*update.touch_entry] = clock_;
  }
  for (const auto& [key, value] : update.put_outputs) outputs_[key] = value;
  for (const auto& [key, value] : update.put_files) files_[key] = value;
  stats_.Add(delta);
  return absl::OkStatus();
}

absl::StatusOr<CacheStats> MemoryStore::ReadStats() {
  absl::MutexLock lock(&mutex_);
  if (failing_) return absl::UnavailableError("memory store: injected fault");
  CacheStats stats = stats_;
  stats.entries = entries_.size();
  stats.bytes = bytes_;
  stats.max_bytes = policy_.max_bytes;
  return stats;
}

absl::Status MemoryStore::ZeroStats() {
  absl::MutexLock lock(&mutex_);
  stats_ = CacheStats();
  return absl::OkStatus();
}

void MemoryStore::Corrupt(const std::string& key, const std::string& bytes) {
  absl::MutexLock lock(&mutex_);
  bytes_ -= entries_[key].size();
  entries_[key] = bytes;
  bytes_ += bytes.size();
}

}  // namespace helperlink
