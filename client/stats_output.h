// What `helperlink --stats [--json]`, `--zero-stats` and `--status` print:
// the daemon's counters (v1::StatsReply) and the local cache's
// (CacheStats), as aligned text or one JSON object, and the daemon's
// status. Formatting only: the main fetches the numbers and prints these.
#ifndef HELPERLINK_CLIENT_STATS_OUTPUT_H_
#define HELPERLINK_CLIENT_STATS_OUTPUT_H_

#include <optional>
#include <string>

#include "cache/store.h"
#include "helperlink.pb.h"

namespace helperlink {

// What one --stats call found: either part may be missing (no daemon
// running, a cache that cannot be opened).
struct StatsSnapshot {
  std::optional<v1::StatsReply> daemon;
  std::string state_dir;  // the daemon's, named when none runs
  std::optional<CacheStats> cache;
  std::string cache_dir;
  std::string why_no_cache;  // when `cache` is missing
};

// `--stats --json`: {"daemon": {...} or null, "cache": {...} or null} and a
// newline. The daemon part is protobuf's JSON with the proto field names
// and every field, zeros included.
std::string StatsJson(const StatsSnapshot& stats);

// `--stats`: one line per counter, the daemon's then the cache's.
std::string StatsText(const StatsSnapshot& stats);

// `--status`: the running daemon's pid, version, state dir and load.
std::string StatusText(const v1::StatusReply& status);

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_STATS_OUTPUT_H_
