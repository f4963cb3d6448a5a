// Helper file cache; see helper_files.h.
#include "daemon/service/helper_files.h"

#include "cache/sha256.h"
#include "invocation/atomic_file.h"

namespace helperlink {

absl::StatusOr<HelperFile> HelperFileCache::Get(const std::string& path) {
  Slot* slot;
  {
    absl::MutexLock lock(&mutex_);
    std::unique_ptr<Slot>& owned = slots_[path];
    if (owned == nullptr) owned = std::make_unique<Slot>();
    slot = owned.get();  // Slots live as long as the cache.
  }
  absl::MutexLock slot_lock(&slot->mutex);
  absl::StatusOr<FileIdentity> want = FileIdentity::Of(path);
  if (!want.ok()) return want.status();
  if (slot->loaded && slot->identity == *want) {
    return HelperFile{{path, slot->bytes}, slot->digest};
  }
  // A file changed between the stat and the read is read again on the next
  // request: its identity then differs from the one stored here.
  absl::StatusOr<std::string> bytes = ReadInputFile(path, kMaxInputBytes);
  if (!bytes.ok()) return absl::NotFoundError(bytes.status().message());
  slot->digest = Sha256Hex(*bytes);
  slot->bytes = std::make_shared<const std::string>(std::move(*bytes));
  slot->identity = *want;
  slot->loaded = true;
  {
    absl::MutexLock lock(&mutex_);
    ++reads_;
  }
  return HelperFile{{path, slot->bytes}, slot->digest};
}

int64_t HelperFileCache::reads() const {
  absl::MutexLock lock(&mutex_);
  return reads_;
}

}  // namespace helperlink
