// Tests for invocation/flags: the table-driven parser every program's
// command line goes through, and its value parsers.
#include "invocation/flags.h"

#include <climits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/status_matchers.h"

namespace helperlink {
namespace {

using ::helperlink::testing::IsOk;
using ::helperlink::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;

// A table with one flag of each kind and a positional list.
class FlagsTest : public ::testing::Test {
 protected:
  FlagsTest() {
    FlagSpec verbose;
    verbose.name = "--verbose";
    verbose.arity = FlagArity::kNone;
    verbose.set = [this](const std::string&) {
      ++verbose_;
      return absl::OkStatus();
    };
    table_.flags = {
        StringFlag("--name", "a name", &name_),
        StringFlag("-o", "", &output_),
        IntFlag("--count", "a count from 1 to 10", 1, 10, &count_),
        ByteSizeFlag("--size", "a positive size", &size_),
        SecondsFlag("--wait", "a number of seconds", &wait_),
        SwitchFlag("--quiet", &quiet_),
        ParsedFlag("--even", "an even number",
                   [this](const std::string& value) {
                     int64_t n = 0;
                     if (!ParseIntInRange(value, 0, 100, &n) || n % 2) {
                       return false;
                     }
                     even_ = static_cast<int>(n);
                     return true;
                   }),
        verbose};
    table_.positional = [this](const std::string& arg) {
      positional_.push_back(arg);
      return absl::OkStatus();
    };
    table_.unknown = "unknown test option";
  }

  absl::Status Parse(std::vector<std::string> args) {
    return ParseFlags(table_, args);
  }

  FlagTable table_;
  std::string name_, output_;
  int count_ = 0;
  int64_t size_ = 0;
  absl::Duration wait_;
  int verbose_ = 0;
  bool quiet_ = false;
  int even_ = -1;
  std::vector<std::string> positional_;
};

TEST_F(FlagsTest, EveryKindAndBothValueForms) {
  ASSERT_THAT(Parse({"a", "--name", "x", "--count=3", "-oout", "--size", "2K",
                     "--wait=1.5", "--verbose", "b", "-"}),
              IsOk());
  EXPECT_EQ(name_, "x");
  EXPECT_EQ(count_, 3);
  EXPECT_EQ(output_, "out");
  EXPECT_EQ(size_, 2048);
  EXPECT_EQ(wait_, absl::Milliseconds(1500));
  EXPECT_EQ(verbose_, 1);
  // "-" is an argument (stdin, by convention), not a flag.
  EXPECT_THAT(positional_, ElementsAre("a", "b", "-"));
}

TEST_F(FlagsTest, SwitchesAndParsedValues) {
  ASSERT_THAT(Parse({"--even=4"}), IsOk());
  EXPECT_FALSE(quiet_);
  EXPECT_EQ(even_, 4);
  ASSERT_THAT(Parse({"--quiet", "--even", "8"}), IsOk());
  EXPECT_TRUE(quiet_);
  EXPECT_EQ(even_, 8);
  // A switch takes no value; a refused value is "NAME needs NEEDS".
  EXPECT_THAT(Parse({"--quiet=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("unknown test option '--quiet=1'")));
  EXPECT_THAT(Parse({"--even", "3"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("--even needs an even number")));
  EXPECT_EQ(even_, 8);
  EXPECT_THAT(Parse({"--even"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          Eq("--even needs an even number")));
}

TEST_F(FlagsTest, UnknownFlagIsNamed) {
  EXPECT_THAT(Parse({"--nme", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("unknown test option '--nme'")));
  // A flag without a value takes none in the --flag=VALUE form either.
  EXPECT_THAT(Parse({"--verbose=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("unknown test option '--verbose=1'")));
  // A prefix of a long flag is not that flag.
  EXPECT_THAT(Parse({"--namex"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("unknown test option '--namex'")));
}

TEST_F(FlagsTest, MissingValueNamesFlagAndWhatItNeeds) {
  EXPECT_THAT(Parse({"--name"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          Eq("--name needs a name")));
  EXPECT_THAT(Parse({"-o"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      Eq("-o needs a value")));
  EXPECT_THAT(Parse({"a", "--count"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("--count needs a count from 1 to 10")));
}

TEST_F(FlagsTest, BadValuesAreRejectedAndNothingStored) {
  for (const char* bad : {"0", "11", "-1", "3x", "", "99999999999999999999"}) {
    count_ = 7;
    EXPECT_THAT(Parse({"--count", bad}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         Eq("--count needs a count from 1 to 10")))
        << bad;
    EXPECT_EQ(count_, 7) << bad;
  }
  EXPECT_THAT(Parse({"--size=0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("--size needs a positive size")));
  EXPECT_THAT(Parse({"--wait", "-1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Eq("--wait needs a number of seconds")));
}

TEST_F(FlagsTest, WithoutPositionalHandlerAnArgumentIsUnknown) {
  table_.positional = nullptr;
  EXPECT_THAT(Parse({"stray"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                         Eq("unknown test option 'stray'")));
}

TEST_F(FlagsTest, PositionalErrorsAreReturned) {
  table_.positional = [](const std::string& arg) {
    return absl::InvalidArgumentError("no " + arg);
  };
  EXPECT_THAT(Parse({"--verbose", "x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, Eq("no x")));
  EXPECT_EQ(verbose_, 1);
}

TEST_F(FlagsTest, TailAfterDoubleDashIsNotParsed) {
  std::vector<std::string> tail;
  int tails = 0;
  table_.tail = [&](std::vector<std::string> rest) {
    tail = std::move(rest);
    ++tails;
  };
  ASSERT_THAT(Parse({"--verbose", "--", "--nope", "-o", "x"}), IsOk());
  EXPECT_EQ(tails, 1);
  EXPECT_THAT(tail, ElementsAre("--nope", "-o", "x"));
  EXPECT_TRUE(output_.empty());
  // "--" is not the value of a flag that needs one.
  EXPECT_THAT(
      Parse({"--name", "--", "cc"}),
      StatusIs(absl::StatusCode::kInvalidArgument, Eq("--name needs a name")));
  // Without a tail handler, "--" is an unknown flag.
  table_.tail = nullptr;
  EXPECT_THAT(Parse({"--"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      Eq("unknown test option '--'")));
}

TEST(FlagValueTest, ByteSize) {
  int64_t out = 0;
  EXPECT_TRUE(ParseByteSize("512", &out));
  EXPECT_EQ(out, 512);
  EXPECT_TRUE(ParseByteSize("4m", &out));
  EXPECT_EQ(out, int64_t{4} << 20);
  EXPECT_TRUE(ParseByteSize("3G", &out));
  EXPECT_EQ(out, int64_t{3} << 30);
  out = 1;
  for (const char* bad : {"", "K", "0", "-5", "5T", "1.5M", "8589934592G"}) {
    EXPECT_FALSE(ParseByteSize(bad, &out)) << bad;
    EXPECT_EQ(out, 1) << bad;
  }
}

TEST(FlagValueTest, Seconds) {
  absl::Duration out;
  EXPECT_TRUE(ParsePositiveSeconds("0.25", &out));
  EXPECT_EQ(out, absl::Milliseconds(250));
  for (const char* bad : {"0", "-1", "nan", "inf", "1e7", "x", ""}) {
    EXPECT_FALSE(ParsePositiveSeconds(bad, &out)) << bad;
  }
}

TEST(FlagValueTest, IntInRange) {
  int64_t out = 0;
  EXPECT_TRUE(ParseIntInRange("0", 0, INT_MAX, &out));
  EXPECT_FALSE(ParseIntInRange("2147483648", 0, INT_MAX, &out));
}

}  // namespace
}  // namespace helperlink
