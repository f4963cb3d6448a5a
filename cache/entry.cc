// Cache entry encoding; the grammar is in entry.h.
#include "cache/entry.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "cache/sha256.h"

namespace helperlink {
namespace {

constexpr char kMagic[4] = {'H', 'L', 'C', 'E'};
constexpr size_t kHeaderSize = 4 + 4 + 8 + 32;

void PutU64(std::string* out, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    out->push_back(static_cast<char>(value >> (8 * i)));
}
void PutU32(std::string* out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out->push_back(static_cast<char>(value >> (8 * i)));
}
uint64_t GetU64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(p[i]);
  return value;
}
uint32_t GetU32(const char* p) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(p[i]);
  return value;
}

// The checksum binds the payload to the key it is stored under.
Sha256Digest Checksum(absl::string_view key, absl::string_view payload) {
  std::string size;
  PutU64(&size, key.size());
  Sha256 hash;
  hash.Update(size).Update(key).Update(payload);
  return hash.Finish();
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt cache entry: ", what));
}

}  // namespace

std::string EncodeEntry(absl::string_view key, const CachedObject& entry) {
  std::string report = entry.report.SerializeAsString();
  std::string payload;
  payload.reserve(16 + entry.object.size() + report.size());
  PutU64(&payload, entry.object.size());
  payload += entry.object;
  PutU64(&payload, report.size());
  payload += report;
  std::string out(kMagic, sizeof(kMagic));
  out.reserve(kHeaderSize + payload.size());
  PutU32(&out, kEntryFormatVersion);
  PutU64(&out, payload.size());
  Sha256Digest checksum = Checksum(key, payload);
  out.append(reinterpret_cast<const char*>(checksum.data()), checksum.size());
  out += payload;
  return out;
}

absl::StatusOr<CachedObject> DecodeEntry(absl::string_view key,
                                         absl::string_view bytes) {
  if (bytes.size() < kHeaderSize) return Corrupt("shorter than its header");
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return Corrupt("bad magic");
  }
  uint32_t version = GetU32(bytes.data() + 4);
  if (version != kEntryFormatVersion) {
    return Corrupt(absl::StrCat("format version ", version, ", expected ",
                                kEntryFormatVersion));
  }
  uint64_t payload_size = GetU64(bytes.data() + 8);
  absl::string_view payload = bytes.substr(kHeaderSize);
  if (payload.size() != payload_size) return Corrupt("wrong length");
  Sha256Digest checksum = Checksum(key, payload);
  if (std::memcmp(checksum.data(), bytes.data() + 16, 32) != 0) {
    return Corrupt("checksum mismatch (damaged, or stored under another key)");
  }
  CachedObject entry;
  if (payload.size() < 8) return Corrupt("no object size");
  uint64_t object_size = GetU64(payload.data());
  if (object_size > payload.size() - 8) return Corrupt("object size");
  entry.object = std::string(payload.substr(8, object_size));
  absl::string_view rest = payload.substr(8 + object_size);
  if (rest.size() < 8) return Corrupt("no report size");
  uint64_t report_size = GetU64(rest.data());
  if (report_size != rest.size() - 8) return Corrupt("report size");
  absl::string_view report = rest.substr(8);
  if (!entry.report.ParseFromArray(report.data(),
                                   static_cast<int>(report.size()))) {
    return Corrupt("report does not parse");
  }
  return entry;
}

}  // namespace helperlink
