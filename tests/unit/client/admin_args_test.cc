// Tests for client/admin_args: the admin commands' arguments, and the one
// line each bad command line gets.
#include "client/admin_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/status_matchers.h"

namespace helperlink {
namespace {

using ::helperlink::testing::IsOk;
using ::helperlink::testing::StatusIs;
using ::testing::Eq;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

absl::StatusOr<AdminCommand> Parse(std::vector<std::string> args) {
  return ParseAdminCommand(args);
}

TEST(AdminArgs, EachCommandAlone) {
  struct Case {
    const char* arg;
    AdminVerb verb;
  };
  for (const Case& c : {Case{"--status", AdminVerb::kStatus},
                        Case{"--stats", AdminVerb::kStats},
                        Case{"--zero-stats", AdminVerb::kZeroStats},
                        Case{"--stop", AdminVerb::kStop}}) {
    absl::StatusOr<AdminCommand> command = Parse({c.arg});
    ASSERT_THAT(command.status(), IsOk()) << c.arg;
    EXPECT_EQ(command->verb, c.verb) << c.arg;
    EXPECT_EQ(command->format, AdminFormat::kText) << c.arg;
    EXPECT_EQ(command->output, "") << c.arg;
  }
}

TEST(AdminArgs, JsonOnlyForTheStatsCommands) {
  absl::StatusOr<AdminCommand> stats = Parse({"--stats", "--json"});
  ASSERT_THAT(stats.status(), IsOk());
  EXPECT_EQ(stats->verb, AdminVerb::kStats);
  EXPECT_EQ(stats->format, AdminFormat::kJson);
  absl::StatusOr<AdminCommand> zero = Parse({"--zero-stats", "--json"});
  ASSERT_THAT(zero.status(), IsOk());
  EXPECT_EQ(zero->verb, AdminVerb::kZeroStats);
  EXPECT_EQ(zero->format, AdminFormat::kJson);

  EXPECT_THAT(Parse({"--status", "--json"}).status(),
              StatusIs(kInvalid, Eq("--status does not take --json")));
  EXPECT_THAT(Parse({"--stop", "--json"}).status(),
              StatusIs(kInvalid, Eq("--stop does not take --json")));
  EXPECT_THAT(Parse({"--explain", "a.o", "--json"}).status(),
              StatusIs(kInvalid, Eq("--explain does not take --json")));
}

TEST(AdminArgs, StrayArguments) {
  EXPECT_THAT(
      Parse({"--stats", "--bogus"}).status(),
      StatusIs(kInvalid, Eq("unexpected argument after --stats '--bogus'")));
  EXPECT_THAT(
      Parse({"--stats", "--json", "extra"}).status(),
      StatusIs(kInvalid, Eq("unexpected argument after --stats 'extra'")));
  EXPECT_THAT(
      Parse({"--status", "now"}).status(),
      StatusIs(kInvalid, Eq("unexpected argument after --status 'now'")));
  EXPECT_THAT(Parse({"--stop", "--"}).status(),
              StatusIs(kInvalid, Eq("unexpected argument after --stop '--'")));
  EXPECT_THAT(
      Parse({"--zero-stats", "--json=1"}).status(),
      StatusIs(kInvalid,
               Eq("unexpected argument after --zero-stats '--json=1'")));
}

TEST(AdminArgs, ExplainTakesExactlyOneOutput) {
  absl::StatusOr<AdminCommand> explain = Parse({"--explain", "out/a.o"});
  ASSERT_THAT(explain.status(), IsOk());
  EXPECT_EQ(explain->verb, AdminVerb::kExplain);
  EXPECT_EQ(explain->output, "out/a.o");
  // A path that starts with '-' comes after "--".
  absl::StatusOr<AdminCommand> dashed = Parse({"--explain", "--", "-a.o"});
  ASSERT_THAT(dashed.status(), IsOk());
  EXPECT_EQ(dashed->output, "-a.o");

  EXPECT_THAT(Parse({"--explain"}).status(),
              StatusIs(kInvalid, Eq("--explain needs one output path "
                                    "(helperlink --explain OUT.o)")));
  EXPECT_THAT(Parse({"--explain", "--"}).status(),
              StatusIs(kInvalid, Eq("--explain needs one output path "
                                    "(helperlink --explain OUT.o)")));
  EXPECT_THAT(Parse({"--explain", "a.o", "b.o"}).status(),
              StatusIs(kInvalid,
                       Eq("--explain takes one output path, not also 'b.o'")));
  EXPECT_THAT(Parse({"--explain", "a.o", "--", "b.o"}).status(),
              StatusIs(kInvalid,
                       Eq("--explain takes one output path, not also 'b.o'")));
  EXPECT_THAT(Parse({"--explain", ""}).status(),
              StatusIs(kInvalid, Eq("--explain: the output path is empty")));
  EXPECT_THAT(
      Parse({"--explain", "-a.o"}).status(),
      StatusIs(kInvalid, Eq("unexpected argument after --explain '-a.o'")));
}

TEST(AdminArgs, OnlyAdminCommandsAreRecognised) {
  EXPECT_TRUE(IsAdminCommand({"--stats", "--json"}));
  EXPECT_TRUE(IsAdminCommand({"--explain"}));
  EXPECT_FALSE(IsAdminCommand({}));
  EXPECT_FALSE(IsAdminCommand({"--json", "--stats"}));
  EXPECT_FALSE(IsAdminCommand({"-o", "a.o", "a.bc", "--", "clang"}));
  EXPECT_THAT(Parse({"--json"}).status(),
              StatusIs(kInvalid, Eq("unknown command '--json' (use --status, "
                                    "--stats, --zero-stats, --stop or "
                                    "--explain)")));
  EXPECT_THAT(Parse({}).status(), StatusIs(kInvalid));
}

}  // namespace
}  // namespace helperlink
