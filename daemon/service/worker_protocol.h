// The daemon ↔ worker-process wire format (proto/worker.proto): length-
// prefixed frames on a stream socket, each followed by the raw bytes it
// announces (the crate; the object and merged module), which go from one
// process's buffer to the other's with no copy in between. The report
// crosses as the one report message (proto/report.proto), the mode as
// helperlink.v1.Mode.
#ifndef HELPERLINK_DAEMON_SERVICE_WORKER_PROTOCOL_H_
#define HELPERLINK_DAEMON_SERVICE_WORKER_PROTOCOL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "worker.pb.h"

namespace helperlink {

// Frames, and the raw bytes after one, larger than this are refused (a
// crate is at most the daemon's --max-crate-bytes, 1 GiB by default; a
// frame carries at most a few helpers).
inline constexpr uint64_t kMaxWorkerFrameBytes = uint64_t{2000} << 20;

// Writes one frame: 8-byte little-endian length, then the message. Never
// raises SIGPIPE; a closed peer is an UNAVAILABLE error.
absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message);

// Reads one frame into `message`. A peer that closed the socket before the
// first byte gives OUT_OF_RANGE (a clean end); a short or oversized frame,
// or one that does not parse, gives DATA_LOSS or UNAVAILABLE.
absl::Status ReadFrame(int fd, google::protobuf::MessageLite* message);

// Writes `bytes` as they are, after the frame that announced their size.
absl::Status WriteRaw(int fd, absl::string_view bytes);

// Reads the `size` raw bytes a frame announced into *bytes, read straight
// into place. More than kMaxWorkerFrameBytes gives DATA_LOSS (before any
// is read), an end before the last byte UNAVAILABLE.
absl::Status ReadRaw(int fd, uint64_t size, std::string* bytes);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVICE_WORKER_PROTOCOL_H_
