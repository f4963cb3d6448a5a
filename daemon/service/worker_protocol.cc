// Frames and raw parts for the worker protocol; see worker_protocol.h.
#include "daemon/service/worker_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("worker socket: ", std::strerror(errno)));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Reads exactly `size` bytes; *got says how many arrived before an end.
absl::Status ReadAll(int fd, char* data, size_t size, size_t* got) {
  *got = 0;
  while (*got < size) {
    ssize_t n = ::read(fd, data + *got, size - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          absl::StrCat("worker socket: ", std::strerror(errno)));
    }
    if (n == 0) return absl::UnavailableError("worker socket closed");
    *got += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return absl::InternalError("worker message does not serialize");
  }
  unsigned char header[8];
  uint64_t size = bytes.size();
  for (int i = 0; i < 8; ++i)
    header[i] = static_cast<unsigned char>(size >> (8 * i));
  absl::Status status =
      WriteAll(fd, reinterpret_cast<const char*>(header), sizeof header);
  if (!status.ok()) return status;
  return WriteAll(fd, bytes.data(), bytes.size());
}

absl::Status ReadFrame(int fd, google::protobuf::MessageLite* message) {
  unsigned char header[8];
  size_t got = 0;
  absl::Status status =
      ReadAll(fd, reinterpret_cast<char*>(header), sizeof header, &got);
  if (!status.ok()) {
    if (got == 0 && absl::IsUnavailable(status)) {
      return absl::OutOfRangeError("worker socket closed");
    }
    return status;
  }
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{header[i]} << (8 * i);
  if (size > kMaxWorkerFrameBytes) {
    return absl::DataLossError(
        absl::StrCat("worker frame of ", size, " bytes is too large"));
  }
  std::string bytes(size, '\0');
  status = ReadAll(fd, bytes.data(), bytes.size(), &got);
  if (!status.ok()) return status;
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError("worker frame does not parse");
  }
  return absl::OkStatus();
}

absl::Status WriteRaw(int fd, absl::string_view bytes) {
  return WriteAll(fd, bytes.data(), bytes.size());
}

absl::Status ReadRaw(int fd, uint64_t size, std::string* bytes) {
  if (size > kMaxWorkerFrameBytes) {
    return absl::DataLossError(
        absl::StrCat("worker frame announces ", size, " bytes, too many"));
  }
  bytes->assign(static_cast<size_t>(size), '\0');
  size_t got = 0;
  return ReadAll(fd, bytes->data(), bytes->size(), &got);
}

}  // namespace helperlink
