// Read-only maps of input files; see mapped_file.h.
#include "invocation/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "invocation/atomic_file.h"

namespace helperlink {

absl::StatusOr<MappedFile> MappedFile::Open(const std::string& path,
                                            uint64_t max_bytes) {
  uint64_t size = 0;
  absl::StatusOr<int> fd = OpenInputFile(path, max_bytes, &size);
  if (!fd.ok()) return fd.status();
  if (size == 0) {  // mmap refuses a zero length; there is nothing to map
    ::close(*fd);
    return MappedFile(nullptr, 0);
  }
  // MAP_POPULATE: the pages are mapped now, in one call, rather than one
  // fault at a time while the crate is hashed or streamed.
  void* data = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ,
                      MAP_PRIVATE | MAP_POPULATE, *fd, 0);
  int error = errno;
  ::close(*fd);  // the map keeps the file
  if (data == MAP_FAILED) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot map: ", std::strerror(error)));
  }
  return MappedFile(data, static_cast<size_t>(size));
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { Unmap(); }

void MappedFile::Unmap() {
  if (data_ != nullptr) ::munmap(const_cast<void*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace helperlink
