// The local cache; see local_cache.h.
#include "cache/local_cache.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/lmdb_store.h"
#include "cache/sha256.h"

namespace helperlink {
namespace {

std::string OutputKey(const std::string& path) { return Sha256Hex(path); }

// The digest memory's key: a new identity is a new key, so a file rebuilt
// in place is hashed again.
std::string DigestKey(const FileIdentity& file) {
  return Sha256Hex(absl::StrCat(file.path, "\n", file.device, ":", file.inode,
                                ":", file.size, ":", file.mtime_ns, ":",
                                file.ctime_ns));
}

}  // namespace

std::string OutputRecord::Serialize() const {
  std::string text;
  AppendRecordField(&text, "path", path);
  AppendRecordField(&text, "result", result);
  AppendRecordField(&text, "key", key);
  AppendRecordField(&text, "explain", explanation);
  return text + inputs.Serialize();
}

absl::StatusOr<OutputRecord> OutputRecord::Parse(const std::string& text) {
  auto fields = ParseRecordFields(text);
  if (!fields.ok()) return fields.status();
  OutputRecord record;
  for (const auto& [name, value] : *fields) {
    if (name == "path") record.path = value;
    if (name == "result") record.result = value;
    if (name == "key") record.key = value;
    if (name == "explain") record.explanation = value;
  }
  auto inputs = KeyInputs::Parse(text);
  if (!inputs.ok()) return inputs.status();
  record.inputs = std::move(*inputs);
  return record;
}

absl::StatusOr<std::unique_ptr<LocalCache>> LocalCache::Open(
    const std::string& dir, const CachePolicy& policy) {
  auto store = LmdbStore::Open(dir, policy);
  if (!store.ok()) return store.status();
  return std::make_unique<LocalCache>(std::move(*store));
}

absl::StatusOr<std::optional<std::string>> LocalCache::Get(
    Table table, const std::string& key) {
  auto value = store_->Get(table, key);
  if (!absl::IsDataLoss(value.status())) return value;
  absl::Status recovered = store_->Recover();
  if (!recovered.ok()) return recovered;
  return std::optional<std::string>();  // a miss: the fresh store is empty
}

absl::Status LocalCache::Apply(const StoreUpdate& update) {
  absl::Status applied = store_->Apply(update);
  if (!absl::IsDataLoss(applied)) return applied;
  absl::Status recovered = store_->Recover();
  if (!recovered.ok()) return recovered;
  return store_->Apply(update);
}

absl::StatusOr<CacheStats> LocalCache::Stats() {
  auto stats = store_->ReadStats();
  if (!absl::IsDataLoss(stats.status())) return stats;
  absl::Status recovered = store_->Recover();
  if (!recovered.ok()) return recovered;
  return store_->ReadStats();
}

absl::Status LocalCache::ZeroStats() {
  absl::Status zeroed = store_->ZeroStats();
  if (!absl::IsDataLoss(zeroed)) return zeroed;
  absl::Status recovered = store_->Recover();
  if (!recovered.ok()) return recovered;
  return store_->ZeroStats();
}

absl::StatusOr<std::optional<CachedObject>> LocalCache::Lookup(
    const std::string& key) {
  auto bytes = Get(Table::kEntries, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<CachedObject>();
  absl::StatusOr<CachedObject> entry = DecodeEntry(key, **bytes);
  if (!entry.ok()) {
    StoreUpdate update;
    update.delete_entry = key;
    update.stats.corrupt = 1;
    absl::Status deleted = Apply(update);
    if (!deleted.ok()) return deleted;
    return std::optional<CachedObject>();
  }
  return std::optional<CachedObject>(std::move(*entry));
}

absl::StatusOr<OutputRecord> LocalCache::MakeRecord(
    const KeyInputs& inputs, const std::string& key, const std::string& result,
    const std::string& output_path) {
  OutputRecord record;
  record.path = output_path;
  record.result = result;
  record.key = key;
  record.inputs = inputs;
  auto last = LastOutput(output_path);
  if (!last.ok()) return last.status();
  if (!last->has_value()) {
    record.explanation = result == "hit" ? "" : "first build of this output";
  } else {
    std::string change = ExplainChange((*last)->inputs, inputs);
    if (result == "hit") {
      record.explanation = change.empty()
                               ? ""
                               : absl::StrCat(
                                     "differs from the last build of this "
                                     "output (",
                                     change, ") but was cached earlier");
    } else {
      record.explanation =
          change.empty() ? "same inputs as the last build of this output; "
                           "its entry was evicted or never stored"
                         : change;
    }
  }
  return record;
}

absl::StatusOr<OutputRecord> LocalCache::RecordHit(
    const KeyInputs& inputs, const std::string& key, uint64_t entry_bytes,
    const std::string& output_path) {
  auto record = MakeRecord(inputs, key, "hit", output_path);
  if (!record.ok()) return record.status();
  StoreUpdate update;
  update.touch_entry = key;
  update.put_outputs.emplace_back(OutputKey(output_path), record->Serialize());
  update.stats.hits = 1;
  update.stats.bytes_read = entry_bytes;
  absl::Status applied = Apply(update);
  if (!applied.ok()) return applied;
  return record;
}

absl::StatusOr<OutputRecord> LocalCache::StoreMiss(
    const KeyInputs& inputs, const std::string& key, const CachedObject& entry,
    const std::string& output_path) {
  auto record = MakeRecord(inputs, key, "miss", output_path);
  if (!record.ok()) return record.status();
  std::string bytes = EncodeEntry(key, entry);
  StoreUpdate update;
  update.stats.misses = 1;
  update.stats.stores = 1;
  update.stats.bytes_written = bytes.size();
  update.put_entry.emplace(key, std::move(bytes));
  update.put_outputs.emplace_back(OutputKey(output_path), record->Serialize());
  absl::Status applied = Apply(update);
  if (!applied.ok()) return applied;
  return record;
}

absl::StatusOr<std::optional<OutputRecord>> LocalCache::LastOutput(
    const std::string& output_path) {
  auto text = Get(Table::kOutputs, OutputKey(output_path));
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<OutputRecord>();
  auto record = OutputRecord::Parse(**text);
  if (!record.ok()) return std::optional<OutputRecord>();  // unreadable: none
  return std::optional<OutputRecord>(std::move(*record));
}

std::optional<std::string> LocalCache::KnownDigest(const FileIdentity& file) {
  auto digest = Get(Table::kFiles, DigestKey(file));
  if (!digest.ok() || !digest->has_value() || (*digest)->size() != 64) {
    return std::nullopt;
  }
  return **digest;
}

void LocalCache::RememberDigest(const FileIdentity& file,
                                const std::string& digest) {
  StoreUpdate update;
  update.put_files.emplace_back(DigestKey(file), digest);
  Apply(update).IgnoreError();  // a forgotten digest costs a re-hash
}

}  // namespace helperlink
