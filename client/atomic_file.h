// Whole-file reads and atomic writes. An output is written to a temporary
// file beside it and renamed into place, so a reader (make, the linker) sees
// the old file, no file, or the complete new one, never a partial one.
#ifndef HELPERLINK_CLIENT_ATOMIC_FILE_H_
#define HELPERLINK_CLIENT_ATOMIC_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

// Errors read "PATH: cause".
absl::StatusOr<std::string> ReadFileToString(const std::string& path);
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes);
// `path` made absolute against the current directory (not resolved).
std::string AbsolutePath(const std::string& path);
// Removes `path` if it exists; a missing file is not an error.
absl::Status RemoveIfExists(const std::string& path);

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_ATOMIC_FILE_H_
