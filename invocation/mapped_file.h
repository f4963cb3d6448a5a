// A read-only memory map of an input file (the crate): the client hashes
// it and streams it to the daemon straight from the page cache, without
// first copying it into a string. Opened with the checks of ReadInputFile
// (atomic_file.h): a fifo, a device such as /dev/zero, a dir, or a file over
// the limit is refused with INVALID_ARGUMENT before any byte is read. The
// map shows the file's first size() bytes as they were at open; the file
// must not be truncated while mapped (reading a page past its new end
// faults), which holds for the crates kbuild writes before calling us.
#ifndef HELPERLINK_INVOCATION_MAPPED_FILE_H_
#define HELPERLINK_INVOCATION_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

class MappedFile {
 public:
  // Errors read "PATH: cause", as ReadInputFile's do.
  static absl::StatusOr<MappedFile> Open(const std::string& path,
                                         uint64_t max_bytes);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // The file's bytes; empty (and nothing mapped) for an empty file.
  absl::string_view bytes() const {
    return absl::string_view(static_cast<const char*>(data_), size_);
  }
  size_t size() const { return size_; }

 private:
  MappedFile(const void* data, size_t size) : data_(data), size_(size) {}
  void Unmap();

  const void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_MAPPED_FILE_H_
