// Tests for daemon/helperlinkd_options: helperlinkd's --daemon and
// --serve-cache flags and the one-shot's environment.
#include "daemon/helperlinkd_options.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/fake_env.h"
#include "tests/util/status_matchers.h"

namespace helperlink {
namespace {

using ::helperlink::testing::FakeEnv;
using ::helperlink::testing::IsOk;
using ::helperlink::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

TEST(DaemonFlagsTest, EveryFlag) {
  DaemonOptions options;
  ASSERT_THAT(ParseDaemonFlags(
                  {"--state-dir", "/s", "--idle-timeout", "0", "--jobs", "3",
                   "--max-crate-bytes", "2", "--max-requests-per-engine", "7"},
                  &options),
              IsOk());
  EXPECT_EQ(options.state_dir, "/s");
  EXPECT_EQ(options.idle_timeout_seconds, 0);
  EXPECT_EQ(options.pool.workers, 3);
  EXPECT_EQ(options.service.max_crate_bytes, uint64_t{2} << 20);
  EXPECT_EQ(options.pool.max_requests_per_engine, 7);
}

TEST(DaemonFlagsTest, DefaultsStayWithoutFlags) {
  DaemonOptions options;
  options.pool.workers = 5;
  ASSERT_THAT(ParseDaemonFlags({}, &options), IsOk());
  EXPECT_EQ(options.state_dir, ".helperlink");
  EXPECT_EQ(options.idle_timeout_seconds, 600);
  EXPECT_EQ(options.pool.workers, 5);
}

TEST(DaemonFlagsTest, ErrorsNameTheFlag) {
  DaemonOptions options;
  EXPECT_THAT(ParseDaemonFlags({"--job", "3"}, &options),
              StatusIs(kInvalid, Eq("unknown daemon option '--job'")));
  EXPECT_THAT(ParseDaemonFlags({"--jobs", "0"}, &options),
              StatusIs(kInvalid, Eq("--jobs needs a positive number")));
  EXPECT_THAT(ParseDaemonFlags({"--jobs"}, &options),
              StatusIs(kInvalid, Eq("--jobs needs a positive number")));
  EXPECT_THAT(
      ParseDaemonFlags({"--idle-timeout", "-1"}, &options),
      StatusIs(kInvalid,
               Eq("--idle-timeout needs a number of seconds (0 = never)")));
  EXPECT_THAT(ParseDaemonFlags({"--max-crate-bytes", "lots"}, &options),
              StatusIs(kInvalid,
                       Eq("--max-crate-bytes needs a positive number of MiB")));
  EXPECT_THAT(
      ParseDaemonFlags({"--max-requests-per-engine", "0"}, &options),
      StatusIs(kInvalid,
               Eq("--max-requests-per-engine needs a positive number")));
  EXPECT_THAT(ParseDaemonFlags({"--state-dir"}, &options),
              StatusIs(kInvalid, Eq("--state-dir needs a directory")));
  EXPECT_THAT(ParseDaemonFlags({"stray"}, &options),
              StatusIs(kInvalid, Eq("unknown daemon option 'stray'")));
}

TEST(ServeCacheFlagsTest, EveryFlag) {
  ReapiServerOptions options;
  ASSERT_THAT(ParseServeCacheFlags({"127.0.0.1:0",
                                    "--cache-dir",
                                    "/c",
                                    "--tls-cert",
                                    "c.pem",
                                    "--tls-key",
                                    "k.pem",
                                    "--token-file",
                                    "t",
                                    "--cache-policy",
                                    "max_size=1G:evict_to=0.5",
                                    "--max-batch-bytes",
                                    "1M",
                                    "--max-inflight-bytes",
                                    "2G",
                                    "--max-streams",
                                    "9",
                                    "--stream-idle-timeout",
                                    "2.5",
                                    "--connection-idle-timeout",
                                    "60"},
                                   &options),
              IsOk());
  EXPECT_EQ(options.address, "127.0.0.1:0");
  EXPECT_EQ(options.cache_dir, "/c");
  EXPECT_EQ(options.tls_cert_file, "c.pem");
  EXPECT_EQ(options.tls_key_file, "k.pem");
  EXPECT_EQ(options.token_file, "t");
  EXPECT_EQ(options.policy.max_bytes, uint64_t{1} << 30);
  EXPECT_EQ(options.policy.evict_to, 0.5);
  EXPECT_EQ(options.limits.max_batch_bytes, 1 << 20);
  EXPECT_EQ(options.limits.max_inflight_bytes, int64_t{2} << 30);
  EXPECT_EQ(options.limits.max_streams, 9);
  EXPECT_EQ(options.limits.stream_idle_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(options.limits.connection_idle_timeout, absl::Minutes(1));
}

TEST(ServeCacheFlagsTest, ErrorsNameTheFlag) {
  auto parse = [](std::vector<std::string> args) {
    ReapiServerOptions options;
    return ParseServeCacheFlags(args, &options);
  };
  EXPECT_THAT(
      parse({"a:1", "--cache-dir", "/c", "--cache-policy", "max_size=lots"}),
      StatusIs(kInvalid, Eq("--cache-policy: cache policy "
                            "'max_size=lots': max_size needs a "
                            "positive size like 5G or 500M")));
  EXPECT_THAT(parse({"a:1", "--cache-dir", "/c", "--max-streams", "100001"}),
              StatusIs(kInvalid, Eq("--max-streams needs a positive number")));
  EXPECT_THAT(
      parse({"a:1", "--cache-dir", "/c", "--max-batch-bytes", "1X"}),
      StatusIs(kInvalid, Eq("--max-batch-bytes needs a positive size")));
  EXPECT_THAT(
      parse({"a:1", "--cache-dir", "/c", "--stream-idle-timeout", "0"}),
      StatusIs(kInvalid,
               Eq("--stream-idle-timeout needs a positive number of seconds")));
  EXPECT_THAT(parse({"a:1", "--cache-dir"}),
              StatusIs(kInvalid, Eq("--cache-dir needs a directory")));
  EXPECT_THAT(
      parse({"a:1", "--cache-dir", "/c", "--bogus"}),
      StatusIs(kInvalid, Eq("unknown or incomplete --serve-cache option "
                            "'--bogus'")));
  EXPECT_THAT(parse({"a:1", "b:2", "--cache-dir", "/c"}),
              StatusIs(kInvalid, Eq("unknown or incomplete --serve-cache "
                                    "option 'b:2'")));
  EXPECT_THAT(
      parse({"--cache-dir", "/c"}),
      StatusIs(kInvalid, HasSubstr("usage: helperlinkd --serve-cache")));
  EXPECT_THAT(
      parse({"a:1"}),
      StatusIs(kInvalid, HasSubstr("usage: helperlinkd --serve-cache")));
}

TEST(OneshotEnvironmentTest, Defaults) {
  auto options = OneshotOptionsFromEnvironment(FakeEnv({{"HOME", "/h"}}), "");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->cache_dir, "/h/.cache/helperlink");
  EXPECT_EQ(options->cache_sharing, CacheSharing::kPrivate);
  EXPECT_EQ(options->cache_policy.max_bytes, uint64_t{5} << 30);
  EXPECT_FALSE(options->remote.has_value());
  EXPECT_EQ(options->compiler_search_path, "/usr/bin:/bin");
}

TEST(OneshotEnvironmentTest, EveryVariable) {
  auto options = OneshotOptionsFromEnvironment(
      FakeEnv({{"HOME", "/h"},
               {"XDG_CACHE_HOME", "/x"},
               {"HELPERLINK_CACHE_DIR", "/c"},
               {"HELPERLINK_CACHE_SHARED", "group"},
               {"HELPERLINK_CACHE_POLICY", "max_size=16K"},
               {"PATH", "/opt/cc/bin"}}),
      "");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->compiler_search_path, "/opt/cc/bin");
  EXPECT_EQ(options->cache_dir, "/c");
  EXPECT_EQ(options->cache_sharing, CacheSharing::kGroup);
  EXPECT_EQ(options->cache_policy.max_bytes, 16u << 10);
  // The object's --cache-dir wins over the environment.
  auto flagged = OneshotOptionsFromEnvironment(
      FakeEnv({{"HELPERLINK_CACHE_DIR", "/c"}}), "/f");
  ASSERT_THAT(flagged, IsOk());
  EXPECT_EQ(flagged->cache_dir, "/f");
}

TEST(OneshotEnvironmentTest, BadValuesNameTheVariable) {
  EXPECT_THAT(
      OneshotOptionsFromEnvironment(
          FakeEnv({{"HOME", "/h"}, {"HELPERLINK_CACHE_POLICY", "size=1"}}), ""),
      StatusIs(kInvalid, HasSubstr("HELPERLINK_CACHE_POLICY: ")));
  EXPECT_THAT(
      OneshotOptionsFromEnvironment(
          FakeEnv({{"HOME", "/h"}, {"HELPERLINK_CACHE_SHARED", "world"}}), ""),
      StatusIs(kInvalid, HasSubstr("HELPERLINK_CACHE_SHARED: 'world'")));
  EXPECT_THAT(
      OneshotOptionsFromEnvironment(
          FakeEnv({{"HOME", "/h"}, {"HELPERLINK_REMOTE", "http://x"}}), ""),
      StatusIs(kInvalid, HasSubstr("HELPERLINK_REMOTE: ")));
}

}  // namespace
}  // namespace helperlink
