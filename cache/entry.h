// The bytes of one cache entry: an object and its report, wrapped so that a
// truncated or corrupted value, or a value stored under another key than
// its own, is always detected on read.
//
//   entry   := magic version payload_size checksum payload
//   magic   := "HLCE"                       4 bytes
//   version := u32, little endian           kEntryFormatVersion (3)
//   payload_size := u64, little endian      bytes of payload
//   checksum := 32 bytes                    SHA-256 of key_size key payload
//   payload := object_size object report_size report
//   report  := the serialized helperlink.v1.Report (proto/report.proto)
//   key_size, object_size, report_size := u64, little endian
//
// The key is not stored in the entry, only covered by the checksum: an entry
// copied or moved onto another key fails its checksum like a flipped byte.
// Nothing is trusted before the checksum matches.
#ifndef HELPERLINK_CACHE_ENTRY_H_
#define HELPERLINK_CACHE_ENTRY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "report.pb.h"

namespace helperlink {

inline constexpr uint32_t kEntryFormatVersion = 3;

struct CachedObject {
  std::string object;
  // The report as first computed: without its cache section, notice and
  // receive time, which belong to each serving.
  v1::Report report;
};

// The entry to be stored under `key`.
std::string EncodeEntry(absl::string_view key, const CachedObject& entry);
// DATA_LOSS naming what is wrong when `bytes` are not a valid entry for
// `key` (including a valid entry of another key).
absl::StatusOr<CachedObject> DecodeEntry(absl::string_view key,
                                         absl::string_view bytes);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_ENTRY_H_
