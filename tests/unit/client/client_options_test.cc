// Tests for client/client_options: the thin client's environment, read
// through a fake lookup.
#include "client/client_options.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/fake_env.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

using ::helperlink::testing::IsOk;
using ::helperlink::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

class ClientOptionsTest : public ::testing::Test {
 protected:
  // Only what `vars` holds is set; HELPERLINK_DIR defaults to a scratch
  // dir (StatePathsFor makes the path absolute).
  absl::StatusOr<ClientOptions> Options(std::map<std::string, std::string> vars,
                                        const std::string& flag = "") {
    vars.emplace("HELPERLINK_DIR", temp_.Path("state"));
    return ClientOptionsFromEnvironment(testing::FakeEnv(std::move(vars)), flag,
                                        "/bin/helperlinkd");
  }

  testing::TempDir temp_;
};

TEST_F(ClientOptionsTest, Defaults) {
  auto options = Options({{"HOME", "/h"}});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->helperlinkd, "/bin/helperlinkd");
  EXPECT_EQ(options->idle_timeout_seconds, 600);
  EXPECT_EQ(options->cache_dir, "/h/.cache/helperlink");
  EXPECT_EQ(options->cache_sharing, CacheSharing::kPrivate);
  EXPECT_EQ(options->cache_policy.max_bytes, uint64_t{5} << 30);
  EXPECT_EQ(options->cache_policy.evict_to, 0.9);
  EXPECT_TRUE(options->remote.url.empty());
  EXPECT_EQ(options->paths.dir, temp_.Path("state"));
  EXPECT_EQ(options->compiler_search_path, "/usr/bin:/bin");
}

TEST_F(ClientOptionsTest, EveryVariable) {
  auto options =
      Options({{"HOME", "/h"},
               {"HELPERLINK_IDLE_TIMEOUT", "0"},
               {"HELPERLINK_CACHE_DIR", "/c"},
               {"HELPERLINK_CACHE_SHARED", "group"},
               {"HELPERLINK_CACHE_POLICY", "max_size=2G:evict_to=0.5"},
               {"HELPERLINK_REMOTE", "grpc://127.0.0.1:9"},
               {"PATH", "/opt/cc/bin:/usr/bin"}});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->compiler_search_path, "/opt/cc/bin:/usr/bin");
  EXPECT_EQ(options->idle_timeout_seconds, 0);
  EXPECT_EQ(options->cache_dir, "/c");
  EXPECT_EQ(options->cache_sharing, CacheSharing::kGroup);
  // Parsed once, here, and carried as numbers from then on.
  EXPECT_EQ(options->cache_policy.max_bytes, uint64_t{2} << 30);
  EXPECT_EQ(options->cache_policy.evict_to, 0.5);
  EXPECT_EQ(options->remote.url, "grpc://127.0.0.1:9");
}

TEST_F(ClientOptionsTest, EmptyMeansUnset) {
  auto options = Options({{"HOME", "/h"},
                          {"HELPERLINK_IDLE_TIMEOUT", ""},
                          {"HELPERLINK_CACHE_POLICY", ""},
                          {"HELPERLINK_CACHE_SHARED", ""}});
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->idle_timeout_seconds, 600);
  EXPECT_EQ(options->cache_policy.max_bytes, uint64_t{5} << 30);
}

TEST_F(ClientOptionsTest, FlagWinsOverEnvironment) {
  auto options = Options({{"HELPERLINK_CACHE_DIR", "/c"}}, "/f");
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->cache_dir, "/f");
}

TEST_F(ClientOptionsTest, BadValuesNameTheVariable) {
  EXPECT_THAT(Options({{"HOME", "/h"}, {"HELPERLINK_IDLE_TIMEOUT", "soon"}}),
              StatusIs(kInvalid, Eq("HELPERLINK_IDLE_TIMEOUT: 'soon' is not a "
                                    "number of seconds")));
  EXPECT_THAT(Options({{"HOME", "/h"}, {"HELPERLINK_IDLE_TIMEOUT", "-5"}}),
              StatusIs(kInvalid, HasSubstr("HELPERLINK_IDLE_TIMEOUT")));
  EXPECT_THAT(
      Options({{"HOME", "/h"}, {"HELPERLINK_CACHE_POLICY", "max_size=0"}}),
      StatusIs(kInvalid, Eq("HELPERLINK_CACHE_POLICY: cache policy "
                            "'max_size=0': max_size needs a positive size "
                            "like 5G or 500M")));
  EXPECT_THAT(
      Options({{"HOME", "/h"}, {"HELPERLINK_CACHE_POLICY", "evict_to=2"}}),
      StatusIs(kInvalid, HasSubstr("HELPERLINK_CACHE_POLICY: ")));
  // A size whose byte count overflows is refused, not wrapped around.
  EXPECT_THAT(Options({{"HOME", "/h"},
                       {"HELPERLINK_CACHE_POLICY", "max_size=99999999999T"}}),
              StatusIs(kInvalid, HasSubstr("HELPERLINK_CACHE_POLICY: ")));
  EXPECT_THAT(
      Options({{"HOME", "/h"}, {"HELPERLINK_CACHE_SHARED", "everyone"}}),
      StatusIs(kInvalid, HasSubstr("HELPERLINK_CACHE_SHARED: 'everyone'")));
  EXPECT_THAT(Options({{"HOME", "/h"}, {"HELPERLINK_REMOTE", "http://x"}}),
              StatusIs(kInvalid, HasSubstr("HELPERLINK_REMOTE: ")));
}

}  // namespace
}  // namespace helperlink
