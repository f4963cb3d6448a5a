// The bytes of one cache entry: an object and its report, wrapped so that a
// truncated or corrupted value is always detected on read.
//
//   entry   := magic version payload_size checksum payload
//   magic   := "HLCE"                       4 bytes
//   version := u32, little endian           kEntryFormatVersion (1)
//   payload_size := u64, little endian      bytes of payload
//   checksum := 32 bytes                    SHA-256 of payload
//   payload := object_size object report_size report
//   object_size, report_size := u64, little endian
//
// Nothing is trusted before the checksum matches.
#ifndef HELPERLINK_CACHE_ENTRY_H_
#define HELPERLINK_CACHE_ENTRY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

inline constexpr uint32_t kEntryFormatVersion = 1;

struct CachedObject {
  std::string object;
  std::string report_json;  // the report as first computed, without "cache"
};

std::string EncodeEntry(const CachedObject& entry);
// DATA_LOSS naming what is wrong when `bytes` are not a valid entry.
absl::StatusOr<CachedObject> DecodeEntry(absl::string_view bytes);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_ENTRY_H_
