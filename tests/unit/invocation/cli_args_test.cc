// Tests for client/cli_args: the per-object command line.
#include "invocation/cli_args.h"

#include "gtest/gtest.h"

namespace helperlink {
namespace {

absl::StatusOr<ObjectArgs> Parse(std::vector<std::string> args) {
  return ParseObjectArgs(args);
}

TEST(CliArgsTest, FullCommandLine) {
  auto args = Parse({"--helpers", "h.bc", "--helpers=m.bc", "--mode", "exact",
                     "--report", "r.json", "--no-cache", "--cache-dir=/c",
                     "--no-daemon", "-o", "out.o", "crate.bc", "--", "clang-22",
                     "-O2", "-o", "ignored"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->helpers, (std::vector<std::string>{"h.bc", "m.bc"}));
  EXPECT_EQ(args->mode, Mode::kExact);
  EXPECT_EQ(args->report_path, "r.json");
  EXPECT_TRUE(args->no_cache);
  EXPECT_EQ(args->cache_dir, "/c");
  EXPECT_TRUE(args->no_daemon);
  EXPECT_EQ(args->output, "out.o");
  EXPECT_EQ(args->crate, "crate.bc");
  // Everything after `--` belongs to the compiler, even what looks like ours.
  EXPECT_EQ(args->cc_command,
            (std::vector<std::string>{"clang-22", "-O2", "-o", "ignored"}));
}

TEST(CliArgsTest, SaveMerged) {
  auto args = Parse({"--helpers", "h.bc", "--save-merged", "m.bc", "-o",
                     "out.o", "c.bc", "--", "cc"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->save_merged, "m.bc");
  args = Parse({"--save-merged=dir/m.bc", "--helpers", "h.bc", "-o", "out.o",
                "c.bc", "--", "cc"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->save_merged, "dir/m.bc");
  // Not given: nothing is saved.
  args = Parse({"--helpers", "h.bc", "-o", "out.o", "c.bc", "--", "cc"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->save_merged, "");
}

TEST(CliArgsTest, DefaultsToFastMode) {
  auto args = Parse({"--helpers", "h.bc", "-oout.o", "c.bc", "--", "cc"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->mode, Mode::kFast);
  EXPECT_EQ(args->output, "out.o");
  EXPECT_FALSE(args->no_cache);
}

TEST(CliArgsTest, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--helpers", "h.bc", "-o", "o", "--", "cc"},
       "no crate bitcode given (CRATE.bc)"},
      {{"--helpers", "h.bc", "c.bc", "--", "cc"}, "no output given (-o OUT.o)"},
      {{"-o", "o", "c.bc", "--", "cc"}, "no helpers given (--helpers FILE.bc)"},
      {{"--helpers", "h.bc", "-o", "o", "c.bc"},
       "no C compiler command given (expected `-- CC FLAGS...` at the end)"},
      {{"--helpers", "h.bc", "-o", "o", "c.bc", "--"},
       "no C compiler command given (expected `-- CC FLAGS...` at the end)"},
      {{"--mode", "quick"}, "--mode: unknown mode 'quick' (use fast or exact)"},
      {{"--frobnicate"}, "unknown option '--frobnicate'"},
      {{"a.bc", "b.bc"}, "more than one crate given ('a.bc' and 'b.bc')"},
      {{"--helpers"}, "--helpers needs a value"},
      {{"--save-merged", "--", "cc"}, "--save-merged needs a value"},
      {{"--save-merged="}, "--save-merged needs a file name"},
      {{"--helpers", "h.bc", "--save-merged", "o.o", "-o", "o.o", "c.bc", "--",
        "cc"},
       "--save-merged: 'o.o' is also the object or report path; give it a "
       "name of its own"},
      {{"-o", "--", "cc"}, "-o needs a value"},
  };
  for (const Case& c : cases) {
    auto args = Parse(c.args);
    ASSERT_FALSE(args.ok()) << c.message;
    EXPECT_EQ(args.status().message(), c.message);
  }
}

}  // namespace
}  // namespace helperlink
