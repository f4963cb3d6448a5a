// One object, in this process: read the crate and helpers, run the engine,
// write the report and then the object atomically. This is
// `helperlinkd --oneshot` and the client's fallback when no daemon can serve.
#ifndef HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_
#define HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_

#include "absl/status/status.h"
#include "client/cli_args.h"
#include "helperlink/engine.h"

namespace helperlink {

// On success OUT (and the report, if asked for) exist. On any error neither
// exists, so a failed build never leaves a stale or partial object behind.
absl::Status RunOneshot(const ObjectArgs& args, Engine& engine);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_ONESHOT_ONESHOT_H_
