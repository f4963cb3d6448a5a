// helperlink::Mode (helperlink/mode.h) on the wire: the daemon protocol's
// and the worker protocol's Mode field (helperlink.v1.Mode), converted in
// one place. Header-only.
#ifndef HELPERLINK_PROTO_WIRE_MODE_H_
#define HELPERLINK_PROTO_WIRE_MODE_H_

#include "helperlink.pb.h"
#include "helperlink/mode.h"

namespace helperlink {

inline v1::Mode ModeToWire(Mode mode) {
  return mode == Mode::kExact ? v1::MODE_EXACT : v1::MODE_FAST;
}

// Values this build does not know (a newer peer) read as fast, proto3's
// default; the daemon's protocol version check refuses such peers first.
inline Mode ModeFromWire(v1::Mode mode) {
  return mode == v1::MODE_EXACT ? Mode::kExact : Mode::kFast;
}

}  // namespace helperlink

#endif  // HELPERLINK_PROTO_WIRE_MODE_H_
