// Tests for cache/key: every key component changes the key, nothing else
// does, flag normalization, explanations and the record round trip.
#include "cache/key.h"

#include "gtest/gtest.h"

namespace helperlink {
namespace {

KeyInputs Base() {
  return MakeKeyInputs(Mode::kFast, {std::string(64, 'a')},
                       {"/tree1/rust/helpers/helpers.bc"},
                       {"clang-22", "-O2", "-fno-PIE"}, std::string(64, 'c'));
}

TEST(KeyTest, EachComponentChangesTheKey) {
  const std::string base = Base().Key();
  EXPECT_EQ(base.size(), 64u);
  KeyInputs k = Base();
  k.tool += "x";
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.llvm = "22.1.9";
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.mode = Mode::kExact;
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.policy = "other";
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.helper_digests[0][0] = 'b';
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.helper_digests.push_back(std::string(64, 'd'));
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.flags.push_back("-O3");
  EXPECT_NE(k.Key(), base);
  k = Base();
  k.crate_digest[63] = 'd';
  EXPECT_NE(k.Key(), base);
}

TEST(KeyTest, PathsAndBuildDirDoNotChangeTheKey) {
  KeyInputs other = MakeKeyInputs(
      Mode::kFast, {std::string(64, 'a')}, {"/elsewhere/helpers.bc"},
      {"/usr/bin/clang-22", "-O2", "-I/tree2/include", "-Iinclude", "-isystem",
       "/usr/lib/clang/include", "-DMODULE", "-include",
       "/tree2/include/linux/kconfig.h", "-Wall", "-Wno-override-module",
       "-fmacro-prefix-map=/tree2/=", "-MD", "-MF", "/tree2/.x.o.d", "-c",
       "-fno-PIE"},
      std::string(64, 'c'));
  EXPECT_EQ(other.Key(), Base().Key());
}

TEST(KeyTest, FlagsThatMatterStay) {
  std::vector<std::string> flags = NormalizeFlags(
      {"clang", "-O2", "-Wa,--noexecstack", "-mcmodel=kernel", "-ffreestanding",
       "-fno-builtin-wcslen", "-D", "X", "-Wl,-z,now"});
  EXPECT_EQ(flags, (std::vector<std::string>{
                       "clang", "-O2", "-Wa,--noexecstack", "-mcmodel=kernel",
                       "-ffreestanding", "-fno-builtin-wcslen", "-Wl,-z,now"}));
}

TEST(KeyTest, FieldsCannotBeForged) {
  // A flag containing a newline must not read as another field.
  KeyInputs a = Base();
  a.flags = {"clang", "-O2\nflag -fno-PIE"};
  KeyInputs b = Base();
  b.flags = {"clang", "-O2", "-fno-PIE"};
  EXPECT_NE(a.Key(), b.Key());
}

TEST(KeyTest, SerializeRoundTrip) {
  KeyInputs a = Base();
  auto b = KeyInputs::Parse(a.Serialize());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->Key(), a.Key());
  EXPECT_EQ(b->helper_paths, a.helper_paths);
  EXPECT_FALSE(KeyInputs::Parse("12:not a record").ok());
}

TEST(KeyTest, ExplainNamesWhatChanged) {
  KeyInputs a = Base();
  EXPECT_EQ(ExplainChange(a, a), "");
  KeyInputs b = Base();
  b.flags = {"clang-22", "-O3", "-fno-PIE"};
  EXPECT_EQ(ExplainChange(a, b), "flags changed: -O2 removed, -O3 added");
  b = Base();
  b.helper_digests[0] = std::string(64, 'e');
  EXPECT_EQ(ExplainChange(a, b),
            "helpers changed (/tree1/rust/helpers/helpers.bc)");
  b = Base();
  b.crate_digest = std::string(64, 'f');
  EXPECT_EQ(ExplainChange(a, b), "crate bitcode changed");
  b = Base();
  b.mode = Mode::kExact;
  b.tool = "9.9.9/1";
  EXPECT_EQ(ExplainChange(a, b),
            "helperlink version changed (" + a.tool +
                " -> 9.9.9/1); mode changed (fast -> exact)");
}

}  // namespace
}  // namespace helperlink
