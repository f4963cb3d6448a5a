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
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  Entry want;
  want.device = st.st_dev;
  want.inode = st.st_ino;
  want.size = static_cast<uint64_t>(st.st_size);
  want.mtime_ns = Nanos(st.st_mtim);
  want.ctime_ns = Nanos(st.st_ctim);
  {
    absl::MutexLock lock(&mutex_);
    auto it = entries_.find(path);
    if (it != entries_.end()) {
      const Entry& have = it->second;
      if (have.device == want.device && have.inode == want.inode &&
          have.size == want.size && have.mtime_ns == want.mtime_ns &&
          have.ctime_ns == want.ctime_ns) {
        return HelperFile{{path, have.bytes}, have.digest};
      }
    }
  }
  absl::StatusOr<std::string> bytes = ReadInputFile(path, kMaxInputBytes);
  if (!bytes.ok()) return absl::NotFoundError(bytes.status().message());
  want.digest = Sha256Hex(*bytes);
  want.bytes = std::make_shared<const std::string>(std::move(*bytes));
  absl::MutexLock lock(&mutex_);
  ++reads_;
  entries_[path] = want;
  return HelperFile{{path, want.bytes}, want.digest};
}

int64_t HelperFileCache::reads() const {
  absl::MutexLock lock(&mutex_);
  return reads_;
}

}  // namespace helperlink
