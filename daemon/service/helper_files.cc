// Helper file cache; see helper_files.h.
#include "daemon/service/helper_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "cache/sha256.h"
#include "invocation/atomic_file.h"

namespace helperlink {
namespace {

int64_t Nanos(const struct timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

absl::StatusOr<HelperFile> HelperFileCache::Get(const std::string& path) {
  Slot* slot;
  {
    absl::MutexLock lock(&mutex_);
    std::unique_ptr<Slot>& owned = slots_[path];
    if (owned == nullptr) owned = std::make_unique<Slot>();
    slot = owned.get();  // Slots live as long as the cache.
  }
  absl::MutexLock slot_lock(&slot->mutex);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  Identity want;
  want.device = st.st_dev;
  want.inode = st.st_ino;
  want.size = static_cast<uint64_t>(st.st_size);
  want.mtime_ns = Nanos(st.st_mtim);
  want.ctime_ns = Nanos(st.st_ctim);
  if (slot->loaded && slot->identity == want) {
    return HelperFile{{path, slot->bytes}, slot->digest};
  }
  // A file changed between the stat and the read is read again on the next
  // request: its identity then differs from the one stored here.
  absl::StatusOr<std::string> bytes = ReadInputFile(path, kMaxInputBytes);
  if (!bytes.ok()) return absl::NotFoundError(bytes.status().message());
  slot->digest = Sha256Hex(*bytes);
  slot->bytes = std::make_shared<const std::string>(std::move(*bytes));
  slot->identity = want;
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
