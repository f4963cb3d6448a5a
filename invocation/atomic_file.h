// Whole-file reads and atomic writes. An output is written to a temporary
// file beside it and renamed into place, so a reader (make, the linker) sees
// the old file, no file, or the complete new one, never a partial one. An
// output that names a character device or a fifo (-o /dev/null) is written
// to in place, as clang does, and never removed or replaced.
#ifndef HELPERLINK_INVOCATION_ATOMIC_FILE_H_
#define HELPERLINK_INVOCATION_ATOMIC_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

// The largest crate or helpers file read (1 GiB), and the daemon's default
// crate limit.
inline constexpr uint64_t kMaxInputBytes = uint64_t{1} << 30;

// Errors read "PATH: cause".
absl::StatusOr<std::string> ReadFileToString(const std::string& path);
// An input file: refused with INVALID_ARGUMENT before any byte is read
// when it is not a regular file (a fifo, a device such as /dev/zero, a
// dir) or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadInputFile(const std::string& path,
                                          uint64_t max_bytes);
// The checks of ReadInputFile, then the open file (O_RDONLY, close-on-exec;
// the caller closes it) and its size in *size. MappedFile maps it.
absl::StatusOr<int> OpenInputFile(const std::string& path, uint64_t max_bytes,
                                  uint64_t* size);
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);
// `path` made absolute against the current directory (not resolved).
std::string AbsolutePath(const std::string& path);
// Removes `path` if it exists; a missing file is not an error, and a
// device or fifo is left alone.
absl::Status RemoveIfExists(const std::string& path);

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_ATOMIC_FILE_H_
