// Text and JSON forms of the client's stats and status; see
// stats_output.h.
#include "client/stats_output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace helperlink {
namespace {

std::string CacheStatsJson(const CacheStats& c) {
  return absl::StrFormat(
      "{\"hits\": %d, \"misses\": %d, \"bytes_read\": %d, "
      "\"bytes_written\": %d, \"stores\": %d, \"evictions\": %d, "
      "\"corrupt\": %d, \"entries\": %d, \"bytes\": %d, \"max_bytes\": %d}",
      c.hits, c.misses, c.bytes_read, c.bytes_written, c.stores, c.evictions,
      c.corrupt, c.entries, c.bytes, c.max_bytes);
}

std::string DaemonStatsJson(const v1::StatsReply& s) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(s, &text, options);
  return text;
}

std::string CacheStatsText(const std::string& dir, const CacheStats& c) {
  double rate = c.hits + c.misses ? 100.0 * c.hits / (c.hits + c.misses) : 0;
  return absl::StrFormat(
      "cache                 %s\n"
      "  hits                %d (%.1f%%)\n"
      "  misses              %d\n"
      "  bytes read          %d\n"
      "  bytes written       %d\n"
      "  evictions           %d\n"
      "  corrupt entries     %d\n"
      "  size                %.1f MiB in %d entries (limit %.1f GiB)\n",
      dir, c.hits, rate, c.misses, c.bytes_read, c.bytes_written, c.evictions,
      c.corrupt, c.bytes / 1048576.0, c.entries, c.max_bytes / 1073741824.0);
}

std::string DaemonStatsText(const v1::StatsReply& s) {
  return absl::StrFormat(
      "requests              %d\n"
      "  succeeded           %d (fast %d, exact %d)\n"
      "  failed              %d\n"
      "crate bytes in        %d\n"
      "object bytes out      %d\n"
      "link time             %.3f s\n"
      "helper files read     %d\n"
      "helper sets parsed    %d\n"
      "helper sets resident  %d\n"
      "engines recycled      %d\n"
      "worker crashes        %d\n"
      "memory (RSS)          %.1f MiB (peak %.1f MiB, daemon + workers)\n"
      "answered from cache   %d\n"
      "crates hashed here    %d\n"
      "remote cache          %d hits, %d misses, %d errors, "
      "%d corrupt, %d uploads (%d dropped)\n",
      s.requests(), s.succeeded(), s.fast(), s.exact(), s.failed(),
      s.crate_bytes_in(), s.object_bytes_out(), s.link_seconds(),
      s.helper_file_reads(), s.helper_set_loads(), s.resident_helper_sets(),
      s.engine_recycles(), s.worker_crashes(), s.rss_bytes() / 1048576.0,
      s.peak_rss_bytes() / 1048576.0, s.cache_hits(), s.crates_hashed(),
      s.remote_hits(),
      s.remote_misses(), s.remote_errors(), s.remote_corrupt(),
      s.remote_uploads(), s.remote_uploads_dropped());
}

}  // namespace

std::string StatsJson(const StatsSnapshot& stats) {
  return absl::StrCat(
      "{\"daemon\": ", stats.daemon ? DaemonStatsJson(*stats.daemon) : "null",
      ", \"cache\": ", stats.cache ? CacheStatsJson(*stats.cache) : "null",
      "}\n");
}

std::string StatsText(const StatsSnapshot& stats) {
  std::string text =
      stats.daemon ? DaemonStatsText(*stats.daemon)
                   : absl::StrCat("daemon                not running for ",
                                  stats.state_dir, "\n");
  absl::StrAppend(
      &text, stats.cache ? CacheStatsText(stats.cache_dir, *stats.cache)
                         : absl::StrCat("cache                 unavailable: ",
                                        stats.why_no_cache, "\n"));
  return text;
}

std::string StatusText(const v1::StatusReply& status) {
  return absl::StrFormat(
      "daemon pid %d, helperlink %s, protocol %d\n"
      "state dir %s\nuptime %.1f s, %d workers, %d requests in flight, "
      "idle timeout %d s\n",
      status.pid(), status.version(), status.protocol_version(),
      status.state_dir(), status.uptime_seconds(), status.workers(),
      status.in_flight(), status.idle_timeout_seconds());
}

}  // namespace helperlink
