// SHA-256, the digest of the cache: keys, entry checksums, helper and crate
// digests, and (with the remote cache) the REAPI digests. Uses the x86 SHA
// extensions when the CPU has them (a 200 KB crate hashes in about 0.1 ms)
// and portable code otherwise; both are checked against each other and
// against OpenSSL in the tests.
#ifndef HELPERLINK_CACHE_SHA256_H_
#define HELPERLINK_CACHE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace helperlink {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  enum class Impl { kAuto, kPortable };
  explicit Sha256(Impl impl = Impl::kAuto);
  Sha256& Update(absl::string_view data);
  Sha256Digest Finish();

  // Whether kAuto uses the CPU's SHA extensions on this machine.
  static bool HasCpuSupport();

 private:
  void Compress(const uint8_t* blocks, size_t count);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;
  bool hardware_;
};

Sha256Digest Sha256Of(absl::string_view data);
std::string ToHex(const Sha256Digest& digest);
// Lower-case hex of SHA-256(data), 64 characters.
std::string Sha256Hex(absl::string_view data);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_SHA256_H_
