// Elapsed wall time in milliseconds, for the report's phase times and the
// daemon's log: one definition for the engine, the daemon, the one-shot and
// the client (header-only, no LLVM).
#ifndef HELPERLINK_MILLIS_H_
#define HELPERLINK_MILLIS_H_

#include <chrono>

namespace helperlink {

using SteadyClock = std::chrono::steady_clock;

inline double MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start)
      .count();
}

}  // namespace helperlink

#endif  // HELPERLINK_MILLIS_H_
