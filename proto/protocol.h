// Constants of the daemon protocol (helperlink.proto) that both ends must
// agree on, defined once for the client and the daemon.
#ifndef HELPERLINK_PROTO_PROTOCOL_H_
#define HELPERLINK_PROTO_PROTOCOL_H_

#include <cstddef>
#include <cstdint>

namespace helperlink {

// LinkHeader.protocol_version; the daemon refuses any other. Version 2:
// the report travels as the Report message (was JSON text).
inline constexpr uint32_t kProtocolVersion = 2;
// Crate, object and merged-module bytes travel in chunks of at most this.
inline constexpr size_t kChunkBytes = 1 << 20;
// The largest message either end accepts, well above one chunk.
inline constexpr int kMaxMessageBytes = 8 << 20;

}  // namespace helperlink

#endif  // HELPERLINK_PROTO_PROTOCOL_H_
