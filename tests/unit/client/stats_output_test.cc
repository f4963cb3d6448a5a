// Tests for client/stats_output: --stats text and JSON and --status, on
// hand-built replies.
#include "client/stats_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace helperlink {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::StatsReply Reply() {
  v1::StatsReply s;
  s.set_requests(12);
  s.set_succeeded(10);
  s.set_fast(7);
  s.set_exact(3);
  s.set_failed(2);
  s.set_crate_bytes_in(uint64_t{5} << 32);  // past 32 bits
  s.set_object_bytes_out(4096);
  s.set_link_seconds(1.25);
  s.set_resident_helper_sets(4);
  s.set_rss_bytes(3 << 20);
  s.set_peak_rss_bytes(6 << 20);
  s.set_cache_hits(5);
  s.set_crates_hashed(8);
  s.set_remote_hits(1);
  s.set_remote_uploads_dropped(9);
  return s;
}

CacheStats Cache() {
  CacheStats c;
  c.hits = 3;
  c.misses = 1;
  c.bytes = 1 << 20;
  c.entries = 2;
  c.max_bytes = uint64_t{5} << 30;
  return c;
}

TEST(StatsOutputTest, TextOfBoth) {
  StatsSnapshot stats;
  stats.daemon = Reply();
  stats.cache = Cache();
  stats.cache_dir = "/c";
  std::string text = StatsText(stats);
  EXPECT_THAT(text, StartsWith("requests              12\n"
                               "  succeeded           10 (fast 7, exact 3)\n"
                               "  failed              2\n"
                               "crate bytes in        21474836480\n"
                               "object bytes out      4096\n"
                               "link time             1.250 s\n"));
  EXPECT_THAT(text, HasSubstr("helper sets resident  4\n"));
  EXPECT_THAT(text, HasSubstr("memory (RSS)          3.0 MiB (peak 6.0 MiB, "
                              "daemon + workers)\n"
                              "answered from cache   5\n"
                              "crates hashed here    8\n"
                              "remote cache          1 hits, 0 misses, 0 "
                              "errors, 0 corrupt, 0 uploads (9 dropped)\n"));
  EXPECT_THAT(text, HasSubstr("cache                 /c\n"
                              "  hits                3 (75.0%)\n"
                              "  misses              1\n"));
  EXPECT_THAT(text, HasSubstr("  size                1.0 MiB in 2 entries "
                              "(limit 5.0 GiB)\n"));
}

TEST(StatsOutputTest, TextWhenMissing) {
  StatsSnapshot stats;
  stats.state_dir = "/s";
  stats.why_no_cache = "no cache here";
  EXPECT_EQ(StatsText(stats),
            "daemon                not running for /s\n"
            "cache                 unavailable: no cache here\n");
}

TEST(StatsOutputTest, NoLookupsIsZeroPercent) {
  StatsSnapshot stats;
  stats.cache = CacheStats();
  EXPECT_THAT(StatsText(stats), HasSubstr("  hits                0 (0.0%)\n"));
}

TEST(StatsOutputTest, Json) {
  StatsSnapshot stats;
  EXPECT_EQ(StatsJson(stats), "{\"daemon\": null, \"cache\": null}\n");
  stats.daemon = Reply();
  stats.cache = Cache();
  std::string json = StatsJson(stats);
  EXPECT_THAT(json, StartsWith("{\"daemon\": {"));
  // Proto field names, 64-bit counts as strings (protobuf's JSON), and
  // zero fields printed too.
  EXPECT_THAT(json, HasSubstr("\"crate_bytes_in\":\"21474836480\""));
  EXPECT_THAT(json, HasSubstr("\"remote_errors\":\"0\""));
  EXPECT_THAT(json, HasSubstr("\"link_seconds\":1.25"));
  EXPECT_THAT(json, HasSubstr(", \"cache\": {\"hits\": 3, \"misses\": 1, "
                              "\"bytes_read\": 0, \"bytes_written\": 0, "
                              "\"stores\": 0, \"evictions\": 0, \"corrupt\": "
                              "0, \"entries\": 2, \"bytes\": 1048576, "
                              "\"max_bytes\": 5368709120}}\n"));
}

TEST(StatsOutputTest, Status) {
  v1::StatusReply status;
  status.set_pid(4242);
  status.set_version("1.2.3");
  status.set_protocol_version(1);
  status.set_state_dir("/s");
  status.set_uptime_seconds(2.5);
  status.set_workers(8);
  status.set_in_flight(3);
  status.set_idle_timeout_seconds(600);
  EXPECT_EQ(StatusText(status),
            "daemon pid 4242, helperlink 1.2.3, protocol 1\n"
            "state dir /s\n"
            "uptime 2.5 s, 8 workers, 3 requests in flight, idle timeout "
            "600 s\n");
}

}  // namespace
}  // namespace helperlink
