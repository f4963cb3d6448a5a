// Field checks for the REAPI cache server, as the Remote Execution API and
// ByteStream specs state them: digests (64 lower-case hex digits of
// SHA-256, a size that is not negative, and the empty blob only under the
// SHA-256 of nothing), digest functions, ByteStream resource names and read
// ranges, and the digests an ActionResult refers to.
#ifndef HELPERLINK_CACHE_REAPI_VALIDATE_H_
#define HELPERLINK_CACHE_REAPI_VALIDATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "grpcpp/grpcpp.h"

namespace helperlink {

namespace reapi = build::bazel::remote::execution::v2;

// SHA-256 of the empty string: the one digest of size 0.
inline constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// OK, or INVALID_ARGUMENT naming `what` and the fault.
grpc::Status CheckDigest(const reapi::Digest& digest, const std::string& what);
// SHA256 or unspecified (which means SHA256 here); else INVALID_ARGUMENT.
grpc::Status CheckDigestFunction(reapi::DigestFunction::Value function);

// A ByteStream resource: "[instance/]blobs/HASH/SIZE[/...]" for reads,
// "[instance/]uploads/UUID/blobs/HASH/SIZE[/...]" for writes.
enum class ResourceKind { kRead, kUpload };
// OK with `digest` set, or INVALID_ARGUMENT.
grpc::Status ParseResourceName(const std::string& name, ResourceKind kind,
                               reapi::Digest* digest);

// The byte range [begin, end) a ByteStream Read of a blob of `size` bytes
// returns, computed without overflow. A negative or too large read_offset
// is OUT_OF_RANGE and a negative read_limit INVALID_ARGUMENT (0 = no limit).
struct ReadRange {
  int64_t begin = 0, end = 0;
};
grpc::Status CheckReadRange(int64_t read_offset, int64_t read_limit,
                            int64_t size, ReadRange* range);

// Every blob digest `result` refers to: its output files', stdout's and
// stderr's. A stdout or stderr Digest left empty (no hash, size 0) is unset.
std::vector<const reapi::Digest*> ReferencedDigests(
    const reapi::ActionResult& result);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_REAPI_VALIDATE_H_
