// REAPI field checks; see reapi_validate.h.
#include "cache/reapi_validate.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace helperlink {
namespace {

bool ValidHash(const std::string& hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace

grpc::Status CheckDigest(const reapi::Digest& digest, const std::string& what) {
  if (!ValidHash(digest.hash())) {
    return Invalid(absl::StrCat(what,
                                ": the hash must be 64 lower-case hex "
                                "digits of SHA-256"));
  }
  if (digest.size_bytes() < 0) {
    return Invalid(absl::StrCat(what, ": negative size_bytes"));
  }
  if (digest.size_bytes() == 0 && digest.hash() != kEmptySha256) {
    return Invalid(
        absl::StrCat(what, ": size 0 with a hash other than the empty blob's"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckDigestFunction(reapi::DigestFunction::Value function) {
  if (function == reapi::DigestFunction::UNKNOWN ||
      function == reapi::DigestFunction::SHA256) {
    return grpc::Status::OK;
  }
  return Invalid("digest_function: this server supports SHA256 only");
}

grpc::Status ParseResourceName(const std::string& name, ResourceKind kind,
                               reapi::Digest* digest) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  for (size_t i = 0; i + 2 < parts.size(); ++i) {
    if (parts[i] != "blobs") continue;
    if (kind == ResourceKind::kUpload &&
        (i < 2 || parts[i - 2] != "uploads" || parts[i - 1].empty())) {
      continue;
    }
    int64_t size = 0;
    if (!absl::SimpleAtoi(parts[i + 2], &size)) {
      return Invalid(absl::StrCat("resource name '", name, "': bad size"));
    }
    digest->set_hash(parts[i + 1]);
    digest->set_size_bytes(size);
    return CheckDigest(*digest, absl::StrCat("resource name '", name, "'"));
  }
  return Invalid(absl::StrCat("resource name '", name, "': expected ",
                              kind == ResourceKind::kUpload
                                  ? "[INSTANCE/]uploads/UUID/blobs/HASH/SIZE"
                                  : "[INSTANCE/]blobs/HASH/SIZE"));
}

grpc::Status CheckReadRange(int64_t read_offset, int64_t read_limit,
                            int64_t size, ReadRange* range) {
  if (read_limit < 0) return Invalid("read_limit is negative");
  if (read_offset < 0 || read_offset > size) {
    return grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("read_offset ", read_offset, " is outside the blob's ",
                     size, " bytes"));
  }
  range->begin = read_offset;
  int64_t left = size - read_offset;  // no overflow: 0 <= offset <= size
  range->end =
      read_offset + (read_limit == 0 ? left : std::min(left, read_limit));
  return grpc::Status::OK;
}

std::vector<const reapi::Digest*> ReferencedDigests(
    const reapi::ActionResult& result) {
  std::vector<const reapi::Digest*> digests;
  auto add = [&](const reapi::Digest& digest) {
    if (!digest.hash().empty() || digest.size_bytes() != 0) {
      digests.push_back(&digest);
    }
  };
  for (const reapi::OutputFile& file : result.output_files()) {
    // A file's digest is always meaningful, even an empty one.
    digests.push_back(&file.digest());
  }
  if (result.has_stdout_digest()) add(result.stdout_digest());
  if (result.has_stderr_digest()) add(result.stderr_digest());
  return digests;
}

}  // namespace helperlink
